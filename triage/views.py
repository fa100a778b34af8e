"""Staff pages of triage: the ranked queue and a demand's page with its actions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import roles
from core.cache import cached
from core.csvexport import csv_response
from core.decorators import StaffRequest, staff_permission_required
from core.exceptions import ApplicationError
from core.forms import form_errors_text
from core.pagination import BoundedPaginator
from intake.models import SimilarDemand
from intake.selectors import attachment_list, status_event_timeline
from triage import selectors, services
from triage.choices import DecisionOutcome
from triage.filters import ChangeRequestFilterSet
from triage.forms import (
    AskInformationForm,
    AssignCustomerForm,
    CostEstimateForm,
    DecisionForm,
    DecisionTargetsForm,
    DeferForm,
    QuarterCapacityForm,
    RejectForm,
    ScoringModelForm,
)

CHARTS_SECONDS = 30


@staff_permission_required(roles.VIEW_ASSESSMENT)
def queue(request: StaffRequest) -> HttpResponse:
    """The ranked queue with its charts; every filter and the sort live in the URL."""
    filterset = ChangeRequestFilterSet(request.GET or None, queryset=selectors.change_request_queue())
    demands = filterset.qs
    page = BoundedPaginator(demands, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        # Aggregates over the whole filtered queue, reused for a few seconds; the table itself is live.
        "charts": cached(
            "queue-charts", query.urlencode(), CHARTS_SECONDS, lambda: selectors.queue_charts(queryset=demands)
        ),
        "scoring_failures": selectors.scoring_failure_list(limit=5),
        "clocks": selectors.decision_clocks(demands=list(page.object_list)),
        "capacity": selectors.capacity_by_quarter(),
        "ordering": request.GET.get("ordering", ""),
    }
    return render(request, "triage/queue.html", context, status=400 if filterset.errors else 200)


@staff_permission_required(roles.VIEW_ASSESSMENT)
def queue_export(request: StaffRequest) -> HttpResponseBase:
    """The queue as CSV, with the same filters and sort as the page."""
    filterset = ChangeRequestFilterSet(request.GET or None, queryset=selectors.change_request_queue())
    rows = selectors.change_request_export_rows(queryset=filterset.qs)
    header = [label for _, label in selectors.QUEUE_EXPORT_COLUMNS]
    return csv_response(f"demand-queue-{timezone.localdate():%Y-%m-%d}.csv", header, rows)


def _demand_or_404(reference: str):  # type: ignore[no-untyped-def]
    demand = selectors.change_request_detail(reference=reference)
    if demand is None:
        raise Http404("No such demand.")
    return demand


@staff_permission_required(roles.VIEW_ASSESSMENT)
def detail(request: StaffRequest, reference: str) -> HttpResponse:
    demand = _demand_or_404(reference)
    history = list(selectors.assessment_history(change_request=demand))
    context = {
        "demand": demand,
        "assessment": history[0] if history else None,
        "history": history,
        "timeline": status_event_timeline(change_request=demand, customer_view=False),
        "similar": selectors.similar_demand_list(change_request=demand),
        "decision": selectors.decision_latest(change_request=demand),
        "estimate_form": CostEstimateForm(initial={"day_rate": demand.product.default_day_rate}),
        "approve_form": DecisionForm(prefix="approve"),
        "reject_form": RejectForm(prefix="reject"),
        "defer_form": DeferForm(prefix="defer"),
        "ask_form": AskInformationForm(),
        "assign_form": AssignCustomerForm(),
        "can_decide": request.user.has_perm(roles.DECIDE),
        "outcomes": DecisionOutcome,
        # Least privilege (docs/roles.md): who the contact is and what they attached, only for the roles that hold it.
        "can_see_contact": request.user.has_perm(roles.VIEW_CONTACT),
        "attachments": (
            list(attachment_list(change_request=demand)) if request.user.has_perm(roles.VIEW_ATTACHMENT) else None
        ),
        "capacity_impact": (
            selectors.approval_capacity_impact(change_request=demand)
            if request.user.has_perm(roles.DECIDE) and demand.is_decidable
            else None
        ),
        "scoring_failure": getattr(demand, "scoring_failure", None),
        "comparison": selectors.assessment_comparison(
            change_request=demand,
            before_id=_int_or_none(request.GET.get("before")),
            after_id=_int_or_none(request.GET.get("after")),
        ),
    }
    return render(request, "triage/detail.html", context)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


@require_POST
@staff_permission_required(roles.ADD_ESTIMATE)
def retry_scoring(request: StaffRequest, reference: str) -> HttpResponse:
    services.scoring_retry(change_request=_demand_or_404(reference))
    messages.success(request, _("Scoring queued again."))
    return _back(reference)


def _back(reference: str) -> HttpResponse:
    return redirect("triage:detail", reference=reference)


@require_POST
@staff_permission_required(roles.ADD_ESTIMATE)
def estimate(request: StaffRequest, reference: str) -> HttpResponse:
    demand = _demand_or_404(reference)
    form = CostEstimateForm(request.POST)
    if form.is_valid():
        services.cost_estimate_create(change_request=demand, estimated_by=request.user, **form.cleaned_data)
        messages.success(request, _("Estimate saved; the demand is being rescored."))
    else:
        messages.error(
            request,
            _("The estimate was not saved: %(errors)s") % {"errors": form_errors_text(form)},
        )
    return _back(reference)


@require_POST
@staff_permission_required(roles.DECIDE)
def decide(request: StaffRequest, reference: str, outcome: str) -> HttpResponse:
    """Reject or defer (approval goes through the portfolio, which creates the project)."""
    demand = _demand_or_404(reference)
    forms_by_outcome: dict[str, type[RejectForm | DeferForm]] = {
        DecisionOutcome.REJECTED: RejectForm,
        DecisionOutcome.DEFERRED: DeferForm,
    }
    form_class = forms_by_outcome.get(outcome)
    if form_class is None:
        raise Http404("Unknown decision.")
    form = form_class(request.POST, prefix="reject" if outcome == DecisionOutcome.REJECTED else "defer")
    if not form.is_valid():
        messages.error(
            request,
            _("Nothing was decided: %(errors)s") % {"errors": form_errors_text(form)},
        )
        return _back(reference)
    try:
        services.decision_record(change_request=demand, outcome=outcome, decided_by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("%(reference)s: %(outcome)s recorded.")
            % {"reference": demand.reference, "outcome": DecisionOutcome(outcome).label.lower()},
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return _back(reference)


@require_POST
@staff_permission_required(roles.REQUEST_INFORMATION)
def ask_information(request: StaffRequest, reference: str) -> HttpResponse:
    demand = _demand_or_404(reference)
    form = AskInformationForm(request.POST)
    try:
        if form.is_valid():
            services.change_request_ask_information(
                change_request=demand, question=form.cleaned_data["question"], asked_by=request.user
            )
            messages.success(request, _("Question sent to the customer."))
        else:
            messages.error(request, _("Write the question for the customer."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return _back(reference)


@require_POST
@staff_permission_required(roles.CHANGE_DEMAND)
def assign_customer(request: StaffRequest, reference: str) -> HttpResponse:
    demand = _demand_or_404(reference)
    form = AssignCustomerForm(request.POST)
    if form.is_valid():
        services.change_request_assign_customer(
            change_request=demand, customer=form.cleaned_data["customer"], assigned_by=request.user
        )
        messages.success(request, _("Customer assigned; the demand is being rescored."))
    return _back(reference)


@require_POST
@staff_permission_required(roles.LINK_SIMILAR)
def link_similar(request: StaffRequest, reference: str, pk: int) -> HttpResponse:
    demand = _demand_or_404(reference)
    candidate = get_object_or_404(
        SimilarDemand.objects.select_related("change_request", "similar_to"),
        pk=pk,
    )
    if demand.pk not in (candidate.change_request_id, candidate.similar_to_id):
        raise Http404("Not a similar demand of this one.")
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
    form = ScoringModelForm(request.POST or None, instance=active if request.method != "POST" else None)
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
    }
    return render(request, "triage/scoring_model.html", context, status=400 if form.errors else 200)


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
