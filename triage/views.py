"""Staff pages of triage: the ranked queue and a demand's page with its actions."""

from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import roles
from core.cache import cached
from core.csvexport import csv_response
from core.decorators import StaffRequest, staff_permission_required
from core.exceptions import ApplicationError
from core.forms import form_errors_text
from core.pagination import BoundedPaginator
from intake.conversation import services as conversation_services
from intake.conversation.selectors import conversation_list
from intake.models import ChangeRequest, SimilarDemand
from intake.selectors import attachment_list, status_event_timeline
from partners.choices import SignOffOutcome
from partners.forms import DisclosurePlanForm, SignOffForm, errors_into
from partners.models import DisclosurePlan
from partners.selectors import disclosure_section, product_components, sign_off_open_to
from partners.services import disclosure_plan_propose, disclosure_plan_refuse, disclosure_plan_sign_off
from triage import navigation, selectors, services
from triage.choices import BULK_LIMIT, DECISION_DONE_LABELS, BulkAction, DecisionOutcome, QueueScope
from triage.forms import (
    AskInformationForm,
    AssignCustomerForm,
    BulkActionForm,
    CommentNoteForm,
    CommentReplyForm,
    CostEstimateForm,
    DecisionForm,
    DecisionTargetsForm,
    DeferForm,
    OwnerForm,
    QuarterCapacityForm,
    RejectForm,
    SavedViewForm,
    ScoringModelForm,
)
from triage.models import Assessment

CHARTS_SECONDS = 30


@staff_permission_required(roles.VIEW_ASSESSMENT)
def queue(request: StaffRequest) -> HttpResponse:
    """The work list: open demands first, every filter and the sort in the URL; charts below, collapsible."""
    # Saved views (issue 16): a bare /triage/ goes to the reader's default view, in the URL so pages and links keep
    # it; `?all=1` is the queue without it.
    saved_views = list(selectors.saved_views_visible(user=request.user))
    default_view = next((view for view in saved_views if getattr(view, "is_default", False)), None)
    if default_view is not None and default_view.query and not request.GET:
        return redirect(f"{reverse('triage:queue')}?{default_view.query}")
    params = request.GET
    filterset = navigation.queue_filterset(params, request=request)
    demands = filterset.qs
    page = BoundedPaginator(demands, 25).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    query.pop("all", None)
    charts_collapsed = selectors.queue_charts_collapsed(user=request.user)
    # "Mine" differs per reader; any other query shows every reader the same charts.
    charts_key = query.urlencode() + (f"&reader={request.user.pk}" if query.get("mine") else "")
    charts = lambda: cached(  # noqa: E731
        "queue-charts", charts_key, CHARTS_SECONDS, lambda: selectors.queue_charts(queryset=demands)
    )
    context = {
        "saved_views": saved_views,
        "saved_view_counts": selectors.saved_view_counts(views=saved_views, request=request),
        "current_query": services.queue_query_normalize(query.urlencode()),
        "save_view_form": SavedViewForm(),
        "bulk_form": BulkActionForm(auto_id="id_bulk_%s"),
        "bulk_limit": BULK_LIMIT,
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "scope": filterset.form.cleaned_data.get("scope") if filterset.is_valid() else QueueScope.OPEN,
        "status_chosen": bool(params.getlist("status")),
        "charts_collapsed": charts_collapsed,
        # Aggregates over the whole filtered queue and their SVG, reused for a few seconds; the table itself is live.
        "charts": None if charts_collapsed else SimpleLazyObject(charts),
        "charts_html": None if charts_collapsed else _queue_charts_html(charts, charts_key),
        "scoring_failures": selectors.scoring_failure_list(limit=5),
        "clocks": selectors.decision_clocks(demands=list(page.object_list)),
        "capacity": None if charts_collapsed else selectors.capacity_by_quarter(),
        "ordering": params.get("ordering", ""),
    }
    response = render(request, "triage/queue.html", context, status=400 if filterset.errors else 200)
    return navigation.queue_query_remember(request, response)


def _queue_charts_html(charts: Callable[[], dict], key: str) -> str:
    """The charts' SVG for a query in the active language, kept as long as their data (CHARTS_SECONDS).

    Drawing them is about 2,700 numbers through the template engine, a fifth of the queue's CPU (issue 22,
    docs/benchmarks.md); as a string they are one cache read. Nothing in them depends on the reader."""
    return cached(
        "queue-charts-html",
        f"{get_language()} {key}",
        CHARTS_SECONDS,
        lambda: render_to_string("triage/_charts.html", {"charts": charts()}),
    )


@require_POST
@staff_permission_required(roles.VIEW_ASSESSMENT)
def queue_charts_toggle(request: StaffRequest) -> HttpResponse:
    """Collapse or show the queue's charts for this person, then back to the queue as they left it."""
    services.queue_preference_set(user=request.user, charts_collapsed=request.POST.get("collapsed") == "1")
    return redirect(navigation.queue_url(request) + "#charts")


@staff_permission_required(roles.VIEW_ASSESSMENT)
def queue_export(request: StaffRequest) -> HttpResponseBase:
    """The queue as CSV, with the same filters and sort as the page."""
    filterset = navigation.queue_filterset(request.GET, request=request)
    rows = selectors.change_request_export_rows(queryset=filterset.qs)
    header = [label for _, label in selectors.QUEUE_EXPORT_COLUMNS]
    return csv_response(f"demand-queue-{timezone.localdate():%Y-%m-%d}.csv", header, rows)


def demand_or_404(reference: str):  # type: ignore[no-untyped-def]
    demand = selectors.change_request_detail(reference=reference)
    if demand is None:
        raise Http404("No such demand.")
    return demand


@staff_permission_required(roles.VIEW_ASSESSMENT)
def detail(request: StaffRequest, reference: str) -> HttpResponse:
    return demand_page(request, demand_or_404(reference))


def estimate_initial(demand: ChangeRequest) -> dict:
    """The estimate form starts from the latest estimate (prefetched, newest first), else the product's day rate."""
    latest = next(iter(demand.cost_estimates.all()), None)
    if latest is None:
        return {"day_rate": demand.product.default_day_rate}
    fields = ("effort_days", "day_rate", "yearly_run_cost", "confidence")
    return {name: getattr(latest, name) for name in fields}


def demand_page(request: StaffRequest, demand: ChangeRequest, *, status: int = 200, **forms: BaseForm) -> HttpResponse:
    """The demand page; a failed action passes its bound form, shown with its errors and what was typed (status 400)."""
    history = list(selectors.assessment_history(change_request=demand))
    attachments = list(attachment_list(change_request=demand)) if request.user.has_perm(roles.VIEW_ATTACHMENT) else None
    context = {
        "demand": demand,
        "assessment": history[0] if history else None,
        "history": history,
        "timeline": status_event_timeline(change_request=demand, customer_view=False),
        "similar": selectors.similar_demand_list(change_request=demand),
        "decision": selectors.decision_latest(change_request=demand),
        "estimate_form": CostEstimateForm(initial=estimate_initial(demand)),
        "approve_form": DecisionForm(prefix="approve"),
        "reject_form": RejectForm(prefix="reject"),
        "defer_form": DeferForm(prefix="defer"),
        "ask_form": AskInformationForm(),
        "assign_form": AssignCustomerForm(),
        "owner_form": OwnerForm(initial={"owner": demand.owner_id})
        if request.user.has_perm(roles.CHANGE_DEMAND)
        else None,
        "reply_form": CommentReplyForm(prefix="reply"),
        "note_form": CommentNoteForm(prefix="note"),
        **forms,
        "can_decide": request.user.has_perm(roles.DECIDE),
        "queue_url": navigation.queue_url(request),
        "outcomes": DecisionOutcome,
        # Least privilege (docs/roles.md): who the contact is and what they attached, only for the roles that hold it.
        "can_see_contact": request.user.has_perm(roles.VIEW_CONTACT),
        "attachments": attachments,
        "conversation": conversation_list(change_request=demand, customer_view=False, attachments=attachments),
        "capacity_impact": (
            selectors.approval_capacity_impact(change_request=demand)
            if request.user.has_perm(roles.DECIDE) and demand.is_decidable
            else None
        ),
        "scoring_failure": getattr(demand, "scoring_failure", None),
        "disclosure": _disclosure_context(request, demand, history[0] if history else None, forms),
        "comparison": selectors.assessment_comparison(
            change_request=demand,
            before_id=_int_or_none(request.GET.get("before")),
            after_id=_int_or_none(request.GET.get("after")),
        ),
    }
    return render(request, "triage/detail.html", context, status=status)


def _disclosure_context(
    request: StaffRequest, demand: ChangeRequest, assessment: Assessment | None, forms: dict[str, BaseForm]
) -> dict | None:
    """The partner disclosure section (issue 18): staff who read the register see it; the forms by permission."""
    if not request.user.has_perm(roles.VIEW_PARTNERS):
        return None
    # The suggestion's points are those of the model that scored the demand (loaded with the page's assessment).
    model = assessment.scoring_model if assessment is not None else None
    section = disclosure_section(
        demand,
        points_per_exposure=model.penalty_disclosure if model is not None else None,
        uncovered_factor=model.disclosure_uncovered_factor if model is not None else Decimal(1),
    )
    can_propose = request.user.has_perm(roles.PROPOSE_DISCLOSURE) and not demand.is_decided
    plan = section.current
    can_sign = sign_off_open_to(section, request.user)
    return {
        "section": section,
        "status": section.status,
        "model": model,
        "plan_form": forms.get("plan_form")
        or (
            DisclosurePlanForm(
                components=list(product_components(product=demand.product_id)), current=plan, prefix="plan"
            )
            if can_propose
            else None
        ),
        "sign_off_form": forms.get("sign_off_form")
        or (SignOffForm(initial={"plan": plan.pk}, prefix="sign_off") if can_sign and plan else None),
        "is_proposer": plan is not None and plan.proposed_by_id == request.user.pk,
    }


@require_POST
@staff_permission_required(roles.PROPOSE_DISCLOSURE)
def disclosure_propose(request: StaffRequest, reference: str) -> HttpResponse:
    """Propose the next version of the demand's disclosure plan; the demand is rescored."""
    demand = demand_or_404(reference)
    form = DisclosurePlanForm(
        request.POST, components=list(product_components(product=demand.product_id)), prefix="plan"
    )
    if form.is_valid():
        try:
            plan = disclosure_plan_propose(
                change_request=demand,
                partner=form.cleaned_data["partner"],
                agreement=form.cleaned_data["agreement"],
                items=form.items(),
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            errors_into(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Disclosure plan v%(version)s saved; the demand is being rescored.") % {"version": plan.version},
            )
            return redirect(reverse("triage:detail", kwargs={"reference": reference}) + "#disclosure")
    messages.error(request, _("The disclosure plan was not saved: %(errors)s") % {"errors": form_errors_text(form)})
    return demand_page(request, demand, status=400, plan_form=form)


@require_POST
@staff_permission_required(roles.SIGN_OFF_DISCLOSURE)
def disclosure_decide(request: StaffRequest, reference: str, outcome: str) -> HttpResponse:
    """The CIO signs off or refuses the plan version shown (its id is in the form)."""
    demand = demand_or_404(reference)
    form = SignOffForm(request.POST, prefix="sign_off")
    if form.is_valid():
        plan = DisclosurePlan.objects.filter(pk=form.cleaned_data["plan"], change_request=demand).first()
        if plan is None:
            raise Http404("No such plan.")
        decide = disclosure_plan_sign_off if outcome == SignOffOutcome.SIGNED_OFF else disclosure_plan_refuse
        try:
            decide(plan=plan, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            errors_into(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            done = SignOffOutcome(outcome).label
            messages.success(
                request, _("Disclosure plan v%(version)s: %(outcome)s.") % {"version": plan.version, "outcome": done}
            )
            return redirect(reverse("triage:detail", kwargs={"reference": reference}) + "#disclosure")
    messages.error(request, form_errors_text(form))
    return demand_page(request, demand, status=400, sign_off_form=form)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


@require_POST
@staff_permission_required(roles.ADD_ESTIMATE)
def retry_scoring(request: StaffRequest, reference: str) -> HttpResponse:
    services.scoring_retry(change_request=demand_or_404(reference))
    messages.success(request, _("Scoring queued again."))
    return _back(reference)


def _back(reference: str) -> HttpResponse:
    return redirect("triage:detail", reference=reference)


@require_POST
@staff_permission_required(roles.ADD_ESTIMATE)
def estimate(request: StaffRequest, reference: str) -> HttpResponse:
    demand = demand_or_404(reference)
    form = CostEstimateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The estimate was not saved: %(errors)s") % {"errors": form_errors_text(form)})
        return demand_page(request, demand, status=400, estimate_form=form)
    services.cost_estimate_create(change_request=demand, estimated_by=request.user, **form.cleaned_data)
    messages.success(request, _("Estimate saved; the demand is being rescored."))
    return _back(reference)


@require_POST
@staff_permission_required(roles.DECIDE)
def decide(request: StaffRequest, reference: str, outcome: str) -> HttpResponse:
    """Reject or defer (approval goes through the portfolio, which creates the project)."""
    demand = demand_or_404(reference)
    forms_by_outcome: dict[str, type[RejectForm | DeferForm]] = {
        DecisionOutcome.REJECTED: RejectForm,
        DecisionOutcome.DEFERRED: DeferForm,
    }
    form_class = forms_by_outcome.get(outcome)
    if form_class is None:
        raise Http404("Unknown decision.")
    prefix = "reject" if outcome == DecisionOutcome.REJECTED else "defer"
    form = form_class(request.POST, prefix=prefix)
    if not form.is_valid():
        messages.error(request, _("Nothing was decided: %(errors)s") % {"errors": form_errors_text(form)})
        return demand_page(request, demand, status=400, **{f"{prefix}_form": form})
    # Read before deciding: once decided, the demand may leave an open-only view and lose its place in it.
    next_reference = (
        navigation.queue_next_reference(request, current=demand) if navigation.decide_then_next(request) else None
    )
    try:
        services.decision_record(change_request=demand, outcome=outcome, decided_by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("%(reference)s was %(outcome)s.")
            % {"reference": demand.reference, "outcome": DECISION_DONE_LABELS[DecisionOutcome(outcome)]},
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return _back(reference)
    return navigation.after_decision(request, demand_reference=reference, next_reference=next_reference)


@require_POST
@staff_permission_required(roles.REQUEST_INFORMATION)
def ask_information(request: StaffRequest, reference: str) -> HttpResponse:
    demand = demand_or_404(reference)
    form = AskInformationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the question for the customer."))
        return demand_page(request, demand, status=400, ask_form=form)
    try:
        services.change_request_ask_information(
            change_request=demand, question=form.cleaned_data["question"], asked_by=request.user
        )
    except ApplicationError as error:
        # Refused (the demand moved on meanwhile): say why, and keep the question as typed.
        messages.error(request, error.message)
        return demand_page(request, demand, status=409, ask_form=form)
    messages.success(request, _("Question sent to the customer."))
    return _back(reference)


def _comment_post(
    request: StaffRequest, reference: str, form: CommentReplyForm | CommentNoteForm, done: str
) -> HttpResponse:
    """Post one message of the demand's conversation from the demand page: the reply or the note service."""
    demand = demand_or_404(reference)
    if form.is_valid():
        add = (
            conversation_services.comment_reply_add
            if isinstance(form, CommentReplyForm)
            else conversation_services.comment_note_add
        )
        add(change_request=demand, author=request.user, body=form.cleaned_data["body"])
        messages.success(request, done)
        return _back(reference)
    # The demand page again, the message as typed with its error beside it (issue 15, item 7).
    messages.error(request, form_errors_text(form))
    name = "reply_form" if isinstance(form, CommentReplyForm) else "note_form"
    return demand_page(request, demand, status=400, **{name: form})


@require_POST
@staff_permission_required(roles.REQUEST_INFORMATION)
def comment_reply(request: StaffRequest, reference: str) -> HttpResponse:
    """Answer the customer on the demand's conversation; they get it by e-mail, with the reply address."""
    return _comment_post(
        request, reference, CommentReplyForm(request.POST, prefix="reply"), _("Reply sent to the customer.")
    )


@require_POST
@staff_permission_required(roles.VIEW_ASSESSMENT)
def comment_note(request: StaffRequest, reference: str) -> HttpResponse:
    """A staff-only note on the demand; the colleagues it @mentions are recorded."""
    return _comment_post(request, reference, CommentNoteForm(request.POST, prefix="note"), _("Note added."))


@require_POST
@staff_permission_required(roles.CHANGE_DEMAND)
def assign_customer(request: StaffRequest, reference: str) -> HttpResponse:
    demand = demand_or_404(reference)
    form = AssignCustomerForm(request.POST)
    if form.is_valid():
        services.change_request_assign_customer(
            change_request=demand, customer=form.cleaned_data["customer"], assigned_by=request.user
        )
        messages.success(request, _("Customer assigned; the demand is being rescored."))
    return _back(reference)


@require_POST
@staff_permission_required(roles.CHANGE_DEMAND)
def assign_owner(request: StaffRequest, reference: str) -> HttpResponse:
    """Give the demand an owner (or none); the timeline records it and the new owner is notified."""
    demand = demand_or_404(reference)
    form = OwnerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The owner was not changed: %(errors)s") % {"errors": form_errors_text(form)})
        return _back(reference)
    try:
        services.change_request_set_owner(
            change_request=demand, owner=form.cleaned_data["owner"], assigned_by=request.user
        )
        messages.success(request, _("Owner updated."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return _back(reference)


@require_POST
@staff_permission_required(roles.VIEW_ASSESSMENT)
def bulk_action(request: StaffRequest) -> HttpResponseBase:
    """Apply one action to the demands selected in the queue; then say what happened to each."""
    form = BulkActionForm(request.POST)
    query = services.queue_query_normalize(request.POST.get("query", ""))
    if not form.is_valid():
        # The form again, as typed and with the selection it carries, so nothing typed or ticked is lost.
        context = {"form": form, "query": query, "selected": len(request.POST.getlist("ids")), "bulk_limit": BULK_LIMIT}
        return render(request, "triage/bulk_form.html", context, status=400)
    data = form.cleaned_data
    if data["action"] == BulkAction.EXPORT:
        queryset = selectors.change_request_queue().filter(pk__in=data["ids"])
        rows = selectors.change_request_export_rows(queryset=queryset)
        header = [label for _, label in selectors.QUEUE_EXPORT_COLUMNS]
        return csv_response(f"demands-selected-{timezone.localdate():%Y-%m-%d}.csv", header, rows)
    outcomes = services.change_requests_bulk_apply(
        action=data["action"],
        change_request_ids=data["ids"],
        user=request.user,
        owner=data["owner"],
        question=data["question"],
        rationale=data["rationale"],
        defer_until=data["defer_until"],
    )
    context = {
        "action": BulkAction(data["action"]),
        "done": [outcome for outcome in outcomes if outcome.done],
        "refused": [outcome for outcome in outcomes if not outcome.done],
        "query": query,
    }
    return render(request, "triage/bulk_summary.html", context)


def _queue_with(query: str) -> HttpResponse:
    return redirect(f"{reverse('triage:queue')}?{query or 'all=1'}")


@require_POST
@staff_permission_required(roles.VIEW_ASSESSMENT)
def saved_view_create(request: StaffRequest) -> HttpResponse:
    """Save the queue's current filters and sort as a named view."""
    form = SavedViewForm(request.POST)
    query = request.POST.get("query", "")
    if not form.is_valid():
        messages.error(request, _("The view was not saved: %(errors)s") % {"errors": form_errors_text(form)})
        return _queue_with(query)
    try:
        view = services.saved_view_create(owner=request.user, query=query, **form.cleaned_data)
        messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
        return _queue_with(view.query)
    except ApplicationError as error:
        messages.error(request, error.message)
        return _queue_with(query)


@require_POST
@staff_permission_required(roles.VIEW_ASSESSMENT)
def saved_view_default(request: StaffRequest, view_id: int) -> HttpResponse:
    """Make a view (or none, view 0) the reader's default queue."""
    view = get_object_or_404(selectors.saved_views_visible(user=request.user), pk=view_id) if view_id else None
    services.saved_view_set_default(view=view, user=request.user)
    messages.success(request, _("Default view updated."))
    return _queue_with(view.query if view is not None else "")


@require_POST
@staff_permission_required(roles.VIEW_ASSESSMENT)
def saved_view_delete(request: StaffRequest, view_id: int) -> HttpResponse:
    view = get_object_or_404(selectors.saved_views_visible(user=request.user), pk=view_id)
    try:
        services.saved_view_delete(view=view, user=request.user)
        messages.success(request, _("View deleted."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return _queue_with("")


@require_http_methods(["GET", "POST"])
@staff_permission_required(roles.LINK_SIMILAR)
def link_similar(request: StaffRequest, reference: str, pk: int) -> HttpResponse:
    """GET: the link form, with the score and band linking would give, and warnings; POST: link or unlink."""
    demand = demand_or_404(reference)
    candidate = get_object_or_404(
        SimilarDemand.objects.select_related("change_request", "similar_to"),
        pk=pk,
    )
    if demand.pk not in (candidate.change_request_id, candidate.similar_to_id):
        raise Http404("Not a similar demand of this one.")
    if request.method == "GET":
        if candidate.is_linked:
            return _back(reference)
        preview = selectors.similar_link_preview(change_request=demand, candidate=candidate)
        return render(
            request, "triage/link_preview.html", {"demand": demand, "candidate": candidate, "preview": preview}
        )
    services.similar_demand_set_link(
        similar_demand=candidate, is_linked=request.POST.get("link") == "1", linked_by=request.user
    )
    messages.success(request, _("Link updated; both demands are being rescored."))
    return _back(reference)


@staff_permission_required(roles.VIEW_SCORING_MODEL)
def scoring_model(request: StaffRequest) -> HttpResponse:
    """The active model's weights, its history, and the CIO's form to preview or save a new version.

    Preview (a submit button named `preview`) scores the open queue under the proposed weights and shows
    the page again with the form as typed; it writes nothing.
    """
    active = selectors.scoring_model_active()
    # A new version starts from the active one (or from the version being restored) with an empty note: the note
    # says what the new version changes, never what the previous one did.
    restored = _version_or_404(request.GET["restore"]) if "restore" in request.GET else None
    note = _("Restored from v%(version)s") % {"version": restored.version} if restored else ""
    form = ScoringModelForm(
        request.POST or None,
        instance=restored or active,
        initial={"note": note},
        read_only=not request.user.has_perm(roles.ADD_SCORING_MODEL),
    )
    preview = None
    if request.method == "POST":
        if not request.user.has_perm(roles.ADD_SCORING_MODEL):
            raise PermissionDenied
        if form.is_valid() and "preview" in request.POST:
            preview = selectors.scoring_whatif(weights=form.weights())
        elif form.is_valid():
            changes = {name: form.cleaned_data[name] for name in ScoringModelForm.Meta.fields if name != "note"}
            try:
                model = services.scoring_model_create_version(
                    changes=changes, note=form.cleaned_data["note"], created_by=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Model v%(version)s is active; every open demand is being rescored.")
                    % {"version": model.version},
                )
                return redirect("triage:scoring_model")
    jobs = selectors.rescore_job_list()
    context = {
        "active": active,
        "form": form,
        "models": selectors.scoring_model_list(),
        "jobs": jobs,
        "refresh": any(job.is_running for job in jobs),
        "can_edit": request.user.has_perm(roles.ADD_SCORING_MODEL),
        "preview": preview,
        "restored": restored,
    }
    return render(request, "triage/scoring_model.html", context, status=400 if form.errors else 200)


def _version_or_404(version: str):  # type: ignore[no-untyped-def]
    model = selectors.scoring_model_by_version(version=int(version)) if version.isdigit() and len(version) < 9 else None
    if model is None:
        raise Http404("No such version of the scoring model.")
    return model


@staff_permission_required(roles.VIEW_SCORING_MODEL)
def scoring_model_version(request: StaffRequest, version: str) -> HttpResponse:
    """One version's weights, read-only; the CIO can restore them as a new version."""
    model = _version_or_404(version)
    context = {
        "model": model,
        "form": ScoringModelForm(instance=model, read_only=True),
        "active": selectors.scoring_model_active(),
        "can_edit": request.user.has_perm(roles.ADD_SCORING_MODEL),
    }
    return render(request, "triage/scoring_model_version.html", context)


@staff_permission_required(roles.VIEW_ASSESSMENT)
def decision_times(request: StaffRequest) -> HttpResponse:
    """How long demands wait for a decision (clock paused while the customer owes an answer), and the targets."""
    form = DecisionTargetsForm(request.POST or None, initial=selectors.decision_targets())
    if request.method == "POST":
        if not request.user.has_perm(roles.SET_DECISION_TARGETS):
            raise PermissionDenied
        if form.is_valid():
            services.decision_targets_set(targets=form.targets(), set_by=request.user)
            messages.success(request, _("Decision-time targets saved."))
            return redirect("triage:decision_times")
    context = {
        "months": selectors.decision_time_by_month(),
        "form": form,
        "can_edit": request.user.has_perm(roles.SET_DECISION_TARGETS),
    }
    return render(request, "triage/decision_times.html", context, status=400 if form.errors else 200)


@staff_permission_required(roles.VIEW_ASSESSMENT)
def capacity(request: StaffRequest) -> HttpResponse:
    """The capacity plan: person-days per quarter against what approvals took; the CIO sets the capacities."""
    loads = selectors.capacity_by_quarter()
    quarters = [load.quarter_start for load in loads]
    form = QuarterCapacityForm(
        request.POST or None,
        quarters=quarters,
        initial=QuarterCapacityForm.initial_for(
            {load.quarter_start: load.capacity for load in loads},
            {load.quarter_start: load.bt_share_target for load in loads},
        ),
    )
    if request.method == "POST":
        if not request.user.has_perm(roles.SET_CAPACITY):
            raise PermissionDenied
        if form.is_valid():
            services.quarter_capacities_set(
                capacities=form.capacities(), bt_shares=form.bt_shares(), set_by=request.user
            )
            messages.success(request, _("Capacities saved."))
            return redirect("triage:capacity")
    context = {
        "loads": loads,
        "form": form,
        "history": selectors.capacity_history(),
        "can_edit": request.user.has_perm(roles.SET_CAPACITY),
    }
    return render(request, "triage/capacity.html", context, status=400 if form.errors else 200)
