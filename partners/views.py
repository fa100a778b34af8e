"""The partner register's staff pages: partners with their agreements, a new partner, an agreement, components."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import roles
from core.decorators import StaffRequest, staff_permission_required
from core.forms import form_errors_text
from partners import selectors, services
from partners.forms import AgreementForm, ComponentForm, PartnerForm, errors_into
from partners.models import Partner
from partners.selectors import AGREEMENT_EXPIRY_NOTICE_DAYS


def _register(
    request: StaffRequest,
    *,
    status: int = 200,
    partner_form: PartnerForm | None = None,
    agreement_form: AgreementForm | None = None,
) -> HttpResponse:
    can_manage = request.user.has_perm(roles.MANAGE_PARTNERS)
    partners = list(selectors.partner_list())
    for partner in partners:
        # One form per partner, each with its own ids; the one that failed comes back bound with its errors.
        bound = agreement_form is not None and agreement_form.prefix == _agreement_prefix(partner.pk)
        partner.agreement_form = (  # type: ignore[attr-defined]
            agreement_form if bound else AgreementForm(prefix=_agreement_prefix(partner.pk)) if can_manage else None
        )
    today = timezone.localdate()
    context = {
        "partners": partners,
        "today": today,
        "soon": today + timedelta(days=AGREEMENT_EXPIRY_NOTICE_DAYS),
        "notice_days": AGREEMENT_EXPIRY_NOTICE_DAYS,
        "partner_form": partner_form or (PartnerForm(prefix="partner") if can_manage else None),
    }
    return render(request, "partners/partner_list.html", context, status=status)


def _agreement_prefix(partner_id: int) -> str:
    return f"agreement-{partner_id}"


@require_GET
@staff_permission_required(roles.VIEW_PARTNERS)
def partner_list(request: StaffRequest) -> HttpResponse:
    """Every partner, its risk and agreements (expiring ones marked), and the form to enter a new one."""
    return _register(request)


@require_POST
@staff_permission_required(roles.MANAGE_PARTNERS)
def partner_create(request: StaffRequest) -> HttpResponse:
    form = PartnerForm(request.POST, prefix="partner")
    if form.is_valid():
        try:
            partner = services.partner_create(**form.partner(), agreements=[form.agreement()], actor=request.user)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("%(partner)s entered in the register.") % {"partner": partner.name})
            return redirect("partners:list")
    messages.error(request, _("The partner was not entered: %(errors)s") % {"errors": form_errors_text(form)})
    return _register(request, status=400, partner_form=form)


@require_POST
@staff_permission_required(roles.MANAGE_PARTNERS)
def agreement_add(request: StaffRequest, partner_id: int) -> HttpResponse:
    partner = get_object_or_404(Partner, pk=partner_id)
    form = AgreementForm(request.POST, prefix=_agreement_prefix(partner.pk))
    if form.is_valid():
        try:
            services.agreement_add(partner=partner, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Agreement added to %(partner)s.") % {"partner": partner.name})
            return redirect("partners:list")
    messages.error(
        request,
        _("The agreement with %(partner)s was not added: %(errors)s")
        % {"partner": partner.name, "errors": form_errors_text(form)},
    )
    return _register(request, status=400, agreement_form=form)


def _components_page(request: StaffRequest, form: ComponentForm | None = None, status: int = 200) -> HttpResponse:
    can_manage = request.user.has_perm(roles.MANAGE_PARTNERS)
    context = {
        "components": selectors.component_list(),
        "form": form or (ComponentForm() if can_manage else None),
    }
    return render(request, "partners/component_list.html", context, status=status)


@staff_permission_required(roles.VIEW_PARTNERS)
def component_list(request: StaffRequest) -> HttpResponse:
    """Each product's components (core IP marked), and the form to add one."""
    if request.method != "POST":
        return _components_page(request)
    if not request.user.has_perm(roles.MANAGE_PARTNERS):
        raise PermissionDenied
    form = ComponentForm(request.POST)
    if form.is_valid():
        try:
            component = services.component_create(**form.cleaned_data)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("%(component)s added.") % {"component": component})
            return redirect("partners:components")
    messages.error(request, _("The component was not added: %(errors)s") % {"errors": form_errors_text(form)})
    return _components_page(request, form, status=400)
