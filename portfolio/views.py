"""Portfolio pages, and the approval that turns a demand into a project."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import roles
from core.cache import cached
from core.csvexport import csv_response
from core.decorators import StaffRequest, staff_permission_required
from core.etag import data_version
from core.exceptions import ApplicationError
from core.forms import form_errors_text
from core.pagination import BoundedPaginator
from intake.models import ChangeRequest
from partners.services import DisclosureNotSignedOff
from portfolio import exposure, selectors, services
from portfolio.calibration import calibration_report
from portfolio.filters import ProjectFilterSet
from portfolio.forms import (
    ApproveForm,
    CalibrationFilterForm,
    HandoverForm,
    MilestoneForm,
    ProjectProgressForm,
    RevenueRecordForm,
    StatusUpdateForm,
    UnitCostForm,
)
from portfolio.models import PROJECTS_DATA_VERSION, Milestone, Project
from triage import navigation
from triage.views import demand_or_404, demand_page

CHARTS_SECONDS = 30  # totals may lag the table by this much


@staff_permission_required(roles.VIEW_PROJECT)
def project_list(request: StaffRequest) -> HttpResponse:
    """Projects with health, burn and dates; totals and the budget chart follow the same filters."""
    filterset = ProjectFilterSet(request.GET, queryset=selectors.project_list())
    projects = filterset.qs
    page = BoundedPaginator(projects, 50).get_page(request.GET.get("page"))
    summary = cached(
        "portfolio-summary",
        request.GET.urlencode(),
        CHARTS_SECONDS,
        lambda: selectors.portfolio_summary(projects=projects),
    )
    # The totals row sits under the table it adds up, so it must never lag it: it is kept per version of the projects'
    # data (core.DataVersion, bumped by triggers on every write to what the filters read), so any write recomputes it.
    totals = cached(
        "portfolio-totals",
        f"{data_version(PROJECTS_DATA_VERSION)}:{request.GET.urlencode()}",
        CHARTS_SECONDS,
        lambda: selectors.project_totals(projects=projects),
    )
    context = {"filter": filterset, "page": page, "summary": summary, "totals": totals}
    return render(request, "portfolio/project_list.html", context)


@require_GET
@staff_permission_required(roles.VIEW_PROJECT)
def project_export(request: StaffRequest) -> HttpResponseBase:
    """The portfolio as CSV, with the same filters and sort as the page, streamed."""
    filterset = ProjectFilterSet(request.GET, queryset=selectors.project_list())
    if not filterset.is_valid():
        problems = form_errors_text(filterset.form, by_name=True)
        return HttpResponse(
            _("Nothing exported: %(problems)s") % {"problems": problems},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    header = [str(label) for _name, label in selectors.PORTFOLIO_EXPORT_COLUMNS]
    rows = selectors.project_export_rows(projects=filterset.qs)
    return csv_response(f"portfolio-{timezone.localdate():%Y-%m-%d}.csv", header, rows)


@require_GET
@staff_permission_required(roles.VIEW_PROJECT)
def calibration(request: StaffRequest) -> HttpResponse:
    """Did the demands each score band approved pay off? Value expected against value realized, both agendas."""
    form = CalibrationFilterForm(request.GET or None)
    statuses = form.cleaned_data["project_status"] if form.is_valid() else []
    report = calibration_report(project_statuses=statuses)
    agendas = selectors.agendas_year(year=timezone.localdate().year)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "portfolio/calibration.html", {"form": form, "agendas": agendas, **report}, status=status)


def _project_or_404(code: str):  # type: ignore[no-untyped-def]
    project = selectors.project_by_code(code=code)
    if project is None:
        raise Http404("No such project.")
    return project


def _handover_form(request: HttpRequest, project: Project, data: object = None) -> HandoverForm:
    return HandoverForm(data, project=project, can_accept_exceptions=request.user.has_perm(roles.SIGN_OFF_DISCLOSURE))


def _detail_context(
    request: HttpRequest,
    project: Project,
    revenue_form: RevenueRecordForm | None = None,
    handover_form: HandoverForm | None = None,
) -> dict:
    can_record_handover = request.user.has_perm(roles.RECORD_HANDOVER)
    return {
        "project": project,
        "can_manage": request.user.has_perm(roles.CHANGE_PROJECT),
        "can_record_revenue": request.user.has_perm(roles.RECORD_REVENUE),
        # Its note is not the revenue form's note: ids stay unique, so each label points at its own box.
        "update_form": StatusUpdateForm(initial={"health": project.health}, auto_id="id_update_%s"),
        "milestone_form": MilestoneForm(),
        "progress_form": ProjectProgressForm(instance=project),
        "revenue_form": revenue_form or RevenueRecordForm(),
        "revenue_records": selectors.revenue_record_list(project=project),
        # What the project handed over to partners: for those who read partners (every staff role today).
        "handovers": exposure.project_handovers(project=project)
        if request.user.has_perm(roles.VIEW_PARTNERS)
        else None,
        "can_record_handover": can_record_handover,
        "handover_form": (handover_form or _handover_form(request, project)) if can_record_handover else None,
    }


@staff_permission_required(roles.VIEW_PROJECT)
def project_detail(request: StaffRequest, code: str) -> HttpResponse:
    project = _project_or_404(code)
    return render(request, "portfolio/project_detail.html", _detail_context(request, project))


@require_POST
@staff_permission_required(roles.RECORD_REVENUE)
def record_revenue(request: StaffRequest, code: str) -> HttpResponse:
    """A portfolio manager records a month's realized revenue; bad input is the page again, 400, errors by fields."""
    project = _project_or_404(code)
    form = RevenueRecordForm(request.POST)
    if form.is_valid():
        try:
            record = services.revenue_record_add(project=project, recorded_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except services.RevenueRefusal as refusal:
            form.add_error(refusal.field, refusal.message)
        else:
            messages.success(
                request,
                _("%(amount)s recorded as realized revenue for %(month)s.")
                % {"amount": f"{record.amount:,.2f}", "month": f"{record.period:%Y-%m}"},
            )
            return redirect(reverse("portfolio:detail", kwargs={"code": code}) + "#revenue")
    project = _project_or_404(code)  # fresh totals beside the form
    return render(request, "portfolio/project_detail.html", _detail_context(request, project, form), status=400)


@require_POST
@staff_permission_required(roles.RECORD_HANDOVER)
def record_handover(request: StaffRequest, code: str) -> HttpResponse:
    """A portfolio manager (or the CIO) records what the project handed over to a partner, checked against the
    signed plan; a refusal is the page again, 400, with the reasons by field."""
    project = _project_or_404(code)
    form = _handover_form(request, project, request.POST)
    if form.is_valid():
        try:
            handover = services.handover_record(project=project, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except services.HandoverRefusal as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        else:
            if handover.is_exception:
                messages.warning(request, _("Handover recorded as an exception to the signed plan."))
            else:
                messages.success(request, _("Handover recorded."))
            return redirect(reverse("portfolio:detail", kwargs={"code": code}) + "#handovers")
    context = _detail_context(request, project, handover_form=form)
    return render(request, "portfolio/project_detail.html", context, status=400)


@require_GET
@staff_permission_required(roles.VIEW_PARTNERS)
def exposure_register(request: StaffRequest) -> HttpResponse:
    """What partners hold: exposure per partner and component, likely competitors holding core IP, and the
    agreements expiring within 90 days."""
    return render(request, "portfolio/exposure_register.html", exposure.exposure_register())


@require_POST
@staff_permission_required(roles.DECIDE)
def approve(request: StaffRequest, reference: str) -> HttpResponse:
    """The approve button of triage's demand page: decision and project in one transaction."""
    demand = get_object_or_404(ChangeRequest.objects.select_related("customer"), reference=reference)
    form = ApproveForm(request.POST, prefix="approve")
    if not form.is_valid():
        messages.error(request, _("Nothing was decided: %(errors)s") % {"errors": form_errors_text(form)})
        return demand_page(request, demand_or_404(reference), status=400, approve_form=form)
    next_reference = (
        navigation.queue_next_reference(request, current=demand) if navigation.decide_then_next(request) else None
    )
    try:
        project = services.change_request_approve(
            change_request=demand,
            decided_by=request.user,
            rationale=form.cleaned_data["rationale"],
            customer_message=form.cleaned_data["customer_message"],
            project=form.cleaned_data["project"],
        )
    except DisclosureNotSignedOff as error:
        # The approval waits for the CIO's sign-off of the plan: say so on the form, kept as typed.
        form.add_error(None, error.message)
        messages.error(request, error.message)
        return demand_page(request, demand_or_404(reference), status=400, approve_form=form)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("triage:detail", reference=reference)
    messages.success(request, f"{demand.reference} approved and delivered by {project.code}.")
    if navigation.decide_then_next(request):
        return navigation.after_decision(request, demand_reference=reference, next_reference=next_reference)
    return redirect("portfolio:detail", code=project.code)


@require_POST
@staff_permission_required(roles.CHANGE_PROJECT)
def post_status_update(request: StaffRequest, code: str) -> HttpResponse:
    project = _project_or_404(code)
    form = StatusUpdateForm(request.POST)
    if form.is_valid():
        services.status_update_post(project=project, author=request.user, **form.cleaned_data)
        messages.success(request, "Status update posted.")
    else:
        messages.error(request, "Write a note and choose the health.")
    return redirect("portfolio:detail", code=code)


@require_POST
@staff_permission_required(roles.CHANGE_PROJECT)
def add_milestone(request: StaffRequest, code: str) -> HttpResponse:
    project = _project_or_404(code)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        services.milestone_add(project=project, **form.cleaned_data)
        messages.success(request, "Milestone added.")
    else:
        messages.error(request, "A milestone needs a name and a due date.")
    return redirect("portfolio:detail", code=code)


@require_POST
@staff_permission_required(roles.CHANGE_PROJECT)
def tick_milestone(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone, pk=pk, project__code=code)
    services.milestone_set_done(milestone=milestone, done=request.POST.get("done") == "1")
    return redirect("portfolio:detail", code=code)


@require_POST
@staff_permission_required(roles.CHANGE_PROJECT)
def update_progress(request: StaffRequest, code: str) -> HttpResponse:
    project = _project_or_404(code)
    form = ProjectProgressForm(request.POST, instance=project)
    if form.is_valid():
        try:
            services.project_update(project=project, actor=request.user, **form.cleaned_data)
            messages.success(request, "Project updated.")
        except ApplicationError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, "Not saved: " + form_errors_text(form))
    return redirect("portfolio:detail", code=code)


@require_GET
@staff_permission_required(roles.VIEW_PROJECT)
def customer_list(request: StaffRequest) -> HttpResponse:
    """Every customer account with its demands and open revenue: the account managers' index."""
    page = Paginator(selectors.customer_accounts(), 50).get_page(request.GET.get("page"))
    return render(request, "portfolio/customer_list.html", {"page": page})


@require_GET
@staff_permission_required(roles.VIEW_PROJECT)
def customer_detail(request: StaffRequest, customer_id: int) -> HttpResponse:
    """One customer's demands, scores, decisions and delivered value, to walk into a meeting prepared."""
    account = selectors.customer_account(customer_id=customer_id)
    if account is None:
        raise Http404("No such customer.")
    return render(request, "portfolio/customer_detail.html", account)


@require_GET
@staff_permission_required(roles.VIEW_PROJECT)
def customer_export(request: StaffRequest, customer_id: int) -> HttpResponseBase:
    account = selectors.customer_account(customer_id=customer_id)
    if account is None:
        raise Http404("No such customer.")
    header = [label for _, label in selectors.ACCOUNT_EXPORT_COLUMNS]
    rows = selectors.customer_account_export_rows(customer_id=customer_id)
    return csv_response(f"account-{customer_id}.csv", header, rows)


@require_GET
@staff_permission_required(roles.VIEW_PROJECT)
def service_list(request: StaffRequest) -> HttpResponse:
    """The services catalogue: who manages each service, its unit of work and its latest cost per unit."""
    return render(request, "portfolio/service_list.html", {"services": selectors.service_list()})


def _service_page(request: StaffRequest, service_id: int, form: UnitCostForm, status: int = 200) -> HttpResponse:
    detail = selectors.service_detail(service_id=service_id)
    if detail is None:
        raise Http404("No such service.")
    return render(request, "portfolio/service_detail.html", {**detail, "form": form}, status=status)


@require_GET
@staff_permission_required(roles.VIEW_PROJECT)
def service_detail(request: StaffRequest, service_id: int) -> HttpResponse:
    """One service's cost per unit over time, as a trend chart and a table, and the form to record a month."""
    return _service_page(request, service_id, UnitCostForm())


@require_POST
@staff_permission_required(roles.RECORD_UNIT_COST)
def record_unit_cost(request: StaffRequest, service_id: int) -> HttpResponse:
    """The production team records a month's cost per unit; bad input is the page again, 400, errors by fields."""
    form = UnitCostForm(request.POST)
    detail = selectors.service_detail(service_id=service_id)
    if detail is None:
        raise Http404("No such service.")
    if form.is_valid():
        try:
            record = services.unit_cost_record(service=detail["service"], recorded_by=request.user, **form.cleaned_data)
        except services.UnitCostRefusal as refusal:
            form.add_error(refusal.field, refusal.message)
        else:
            messages.success(
                request,
                _("%(cost)s per unit recorded for %(month)s.")
                % {"cost": f"{record.cost_per_unit:,.4f}", "month": f"{record.period:%Y-%m}"},
            )
            return redirect("portfolio:service", service_id=service_id)
    return _service_page(request, service_id, form, status=400)
