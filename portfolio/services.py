"""Portfolio writes. Approval crosses two stages, so it is orchestrated here: the decision and the
project are written in one transaction, or neither is."""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import roles
from core.choices import AuditAction
from core.exceptions import ApplicationError
from core.money import to_base
from core.services import audit_record
from intake.models import ChangeRequest, Product
from intake.services import change_request_delivery_follow
from partners.choices import DisclosureDepth
from partners.models import Agreement, DisclosurePlan, Partner, ProductComponent
from partners.selectors import plan_signed_in_force
from portfolio.choices import PROJECT_DELIVERY_STAGES, REALIZED_TOTAL_FIELD, ProjectStatus, RealizedKind
from portfolio.exposure import handover_webhook_payload
from portfolio.models import (
    Handover,
    Milestone,
    Project,
    ProjectCounter,
    ProjectDemand,
    RevenueRecord,
    StatusUpdate,
    UnitCostRecord,
)
from portfolio.selectors import project_webhook_payload
from triage.choices import DecisionOutcome
from triage.selectors import cost_estimate_latest
from triage.services import decision_record
from webhooks.choices import EventType
from webhooks.services import webhook_event_publish


def project_code_next() -> str:
    """`BT-0001`, `BT-0002`, ...: the counter row is locked by the update until the transaction ends."""
    with transaction.atomic():
        moved = ProjectCounter.objects.filter(name="project").update(last_number=F("last_number") + 1)
        if not moved:
            try:
                with transaction.atomic():
                    ProjectCounter.objects.create(name="project", last_number=1)
            except IntegrityError:
                ProjectCounter.objects.filter(name="project").update(last_number=F("last_number") + 1)
        number = ProjectCounter.objects.values_list("last_number", flat=True).get(name="project")
    return f"BT-{number:04d}"


def _budget_for(change_request: ChangeRequest) -> Decimal:
    """The approved budget is the build cost of the latest estimate, else of the current score's inputs."""
    estimate = cost_estimate_latest(change_request=change_request)
    if estimate is not None:
        return (estimate.effort_days * estimate.day_rate).quantize(Decimal("0.01"))
    return change_request.it_cost or Decimal("0")


def project_add_demand(*, project: Project, change_request: ChangeRequest) -> Project:
    """Attach an approved demand to a project: its budget and expected revenue join the project's."""
    ProjectDemand.objects.create(project=project, change_request=change_request)
    Project.objects.filter(pk=project.pk).update(
        approved_budget=F("approved_budget") + _budget_for(change_request),
        expected_revenue=F("expected_revenue") + to_base(change_request.revenue_at_stake, change_request.currency),
        updated_at=timezone.now(),
    )
    if change_request.customer_id:
        project.sponsors.add(change_request.customer_id)
    project.refresh_from_db()
    change_request_delivery_follow(
        change_request=change_request, stage=PROJECT_DELIVERY_STAGES[ProjectStatus(project.status)]
    )
    return project


def _project_demands_follow(*, project: Project, actor: User | None) -> None:
    """The customers of the project's demands read its new status on their tracking pages, and by e-mail."""
    stage = PROJECT_DELIVERY_STAGES[ProjectStatus(project.status)]
    for change_request in ChangeRequest.objects.filter(projects=project).order_by("pk"):
        change_request_delivery_follow(change_request=change_request, stage=stage, actor=actor)


@transaction.atomic
def change_request_approve(
    *,
    change_request: ChangeRequest,
    decided_by: User,
    rationale: str,
    customer_message: str = "",
    project: Project | None = None,
) -> Project:
    """Approve a demand and create its project (or add it to `project`) in the same transaction."""
    decision_record(
        change_request=change_request,
        outcome=DecisionOutcome.APPROVED,
        rationale=rationale,
        customer_message=customer_message,
        decided_by=decided_by,
    )
    if project is None:
        project = Project(
            code=project_code_next(),
            name=change_request.title[:200],
            owner=decided_by,
            agenda=change_request.agenda,
            target_date=change_request.desired_date,
        )
        project.full_clean(exclude=["code"])
        project.save()
    elif not project.is_open:
        raise ApplicationError(f"{project.code} is {project.get_status_display().lower()}; choose an open project.")
    return project_add_demand(project=project, change_request=change_request)


@transaction.atomic
def status_update_post(*, project: Project, author: User, health: str, note: str) -> StatusUpdate:
    """A portfolio manager's dated note on a project; it sets the project's current health."""
    previous_health = Project.objects.select_for_update().values_list("health", flat=True).get(pk=project.pk)
    update = StatusUpdate(project=project, author=author, health=health, note=note)
    update.full_clean()
    update.save()
    Project.objects.filter(pk=project.pk).update(health=health, updated_at=timezone.now())
    project.health = health
    if health != previous_health:
        changed = {"previous_health": previous_health, "note": note}
        webhook_event_publish(
            event_type=EventType.PROJECT_HEALTH_CHANGED, payload=project_webhook_payload(project) | changed
        )
    return update


@transaction.atomic
def milestone_add(*, project: Project, name: str, due_date: date) -> Milestone:
    milestone = Milestone(project=project, name=name, due_date=due_date)
    milestone.full_clean()
    milestone.save()
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    return milestone


@transaction.atomic
def milestone_set_done(*, milestone: Milestone, done: bool) -> Milestone:
    Milestone.objects.filter(pk=milestone.pk).update(done_date=timezone.localdate() if done else None)
    Project.objects.filter(pk=milestone.project_id).update(updated_at=timezone.now())
    milestone.refresh_from_db()
    return milestone


@transaction.atomic
def project_update(*, project: Project, actor: User | None = None, **fields: object) -> Project:
    if "realized_revenue" in fields:
        # The realized revenue is the sum of the revenue history; it moves only with a new record.
        raise ApplicationError(str(_("Record realized revenue as a dated entry; the total follows the history.")))
    # From the row, not the instance: a bound ModelForm has already written its values onto the instance.
    previous_status = Project.objects.select_for_update().values_list("status", flat=True).get(pk=project.pk)
    for name, value in fields.items():
        setattr(project, name, value)
    project.full_clean()
    project.save()
    if project.status != previous_status:
        _project_demands_follow(project=project, actor=actor)
        changed = {"previous_status": previous_status}
        webhook_event_publish(
            event_type=EventType.PROJECT_STATUS_CHANGED, payload=project_webhook_payload(project) | changed
        )
    return project


# Project.realized_revenue is numeric(16, 2): a total must stay below 10^14 to fit.
REALIZED_REVENUE_LIMIT = Decimal("99999999999999.99")


class RevenueRefusal(ApplicationError):
    """A revenue record that would break a rule of the history: `field` names the input at fault."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, extra={"field": field} if field else None)
        self.field = field


@transaction.atomic
def revenue_record_add(
    *,
    project: Project,
    period: date,
    amount: Decimal,
    note: str = "",
    recorded_by: User,
    kind: str = RealizedKind.REVENUE,
) -> RevenueRecord:
    """Append realized revenue (or, of `kind` savings, the cost taken out) for a month and add it to the
    project's total of that kind in the same transaction.

    Negative amounts are allowed as corrections (the history is append-only, so a mistake is undone by a
    counter-entry that says why), but never below a total of zero. The total moves with one guarded
    `UPDATE ... SET realized_revenue = realized_revenue + amount WHERE ...`: two portfolio managers
    recording at once are serialized by the row lock, and neither amount is lost.
    """
    if not recorded_by.has_perm(roles.RECORD_REVENUE):
        raise RevenueRefusal(str(_("Only a portfolio manager may record realized revenue.")))
    record = RevenueRecord(
        project=project,
        period=period.replace(day=1) if period else period,
        kind=kind,
        amount=amount,
        note=note.strip(),
        recorded_by=recorded_by,
    )
    record.full_clean()
    total = REALIZED_TOTAL_FIELD[RealizedKind(kind)]
    moved = Project.objects.filter(
        pk=project.pk,
        **{f"{total}__gte": -amount, f"{total}__lte": REALIZED_REVENUE_LIMIT - amount},
    ).update(**{total: F(total) + amount}, updated_at=timezone.now())
    if not moved:
        current = Project.objects.filter(pk=project.pk).values_list(total, flat=True).first()
        if current is None:
            raise RevenueRefusal(str(_("This project no longer exists.")))
        if amount < 0:
            raise RevenueRefusal(
                str(_("A correction of %(amount)s would take the realized revenue (%(current)s) below zero."))
                % {"amount": f"{amount:,.2f}", "current": f"{current:,.2f}"},
                field="amount",
            )
        raise RevenueRefusal(
            str(_("This amount would take the realized revenue past what can be stored.")), field="amount"
        )
    record.save(force_insert=True)
    audit_record(
        action=AuditAction.REVENUE_RECORD,
        actor=recorded_by,
        obj=record,
        reference=project.code,
        details={"period": record.period, "amount": f"{record.amount:.2f}", "note": record.note}
        | ({"kind": record.kind} if record.kind != RealizedKind.REVENUE else {}),
    )
    project.refresh_from_db(fields=[total, "updated_at"])
    return record


class UnitCostRefusal(ApplicationError):
    """A unit cost the rules refuse: `field` names the input at fault."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, extra={"field": field} if field else None)
        self.field = field


@transaction.atomic
def unit_cost_record(
    *,
    service: Product,
    period: date,
    cost_per_unit: Decimal,
    currency: str,
    recorded_by: User,
    units: int | None = None,
    note: str = "",
) -> UnitCostRecord:
    """Record what one unit of a service's work cost in a month, converted to the base currency.

    Recording a month again replaces its figure: the production team's latest word on that month counts.
    A month still to come is refused (a cost is measured, not planned: the target is the project's).
    """
    if not recorded_by.has_perm(roles.RECORD_UNIT_COST):
        raise UnitCostRefusal(str(_("Only a service's production team may record its unit cost.")))
    month = period.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise UnitCostRefusal(str(_("Record the cost of a month that has started.")), field="period")
    record = UnitCostRecord.objects.filter(service=service, period=month).select_for_update().first()
    if record is None:
        record = UnitCostRecord(service=service, period=month)
    record.cost_per_unit = to_base(cost_per_unit, currency)
    record.units = units
    record.note = note.strip()
    record.recorded_by = recorded_by
    record.recorded_at = timezone.now()
    record.full_clean(validate_unique=False)
    record.save()
    return record


class HandoverRefusal(ApplicationError):
    """A handover the signed plan does not allow (or that breaks a rule of the register): `field` names the input."""

    code = "handover_refused"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, extra={"field": field} if field else None)
        self.field = field


def _handover_demand(*, project: Project, component: ProductComponent) -> ChangeRequest:
    """The project's demand for the component's product whose plan the handover follows: a demand with a signed plan
    first (a project rarely delivers two demands of one product, but then the signed one is the one that counts)."""
    demands = list(project.demands.filter(product_id=component.product_id).order_by("reference"))
    if not demands:
        raise HandoverRefusal(
            str(_("%(component)s is not part of a product this project delivers.")) % {"component": component.name},
            field="component",
        )
    return next((demand for demand in demands if plan_signed_in_force(demand) is not None), demands[0])


def handover_departures(
    *, plan: DisclosurePlan, component: ProductComponent, depth: int, partner: Partner, agreement: Agreement, on: date
) -> list[str]:
    """How a handover departs from the signed plan, one sentence each (empty: it follows the plan)."""
    departures = []
    signed_depth = next((item.depth for item in plan.items.all() if item.component_id == component.pk), None)
    if signed_depth is None:
        departures.append(str(_("%(component)s is not in the signed plan.")) % {"component": component.name})
    elif depth > signed_depth:
        departures.append(
            str(_("%(component)s was signed off at %(signed)s, not %(depth)s."))
            % {
                "component": component.name,
                "signed": DisclosureDepth(signed_depth).label,
                "depth": DisclosureDepth(depth).label,
            }
        )
    if partner.pk != plan.partner_id:
        departures.append(
            str(_("The signed plan names %(signed)s, not %(partner)s."))
            % {"signed": plan.partner.name, "partner": partner.name}
        )
    # A plan signed without an agreement (uncovered) takes any agreement in force with its partner: more cover.
    if plan.agreement_id is not None and agreement.pk != plan.agreement_id:
        departures.append(
            str(_("Agreement %(agreement)s is not the one the signed plan names.")) % {"agreement": agreement.reference}
        )
    if not agreement.starts_on <= on <= agreement.expires_on:
        departures.append(
            str(_("Agreement %(agreement)s is not in force on %(date)s (%(starts)s to %(expires)s)."))
            % {
                "agreement": agreement.reference,
                "date": on.isoformat(),
                "starts": agreement.starts_on.isoformat(),
                "expires": agreement.expires_on.isoformat(),
            }
        )
    return departures


@transaction.atomic
def handover_record(
    *,
    project: Project,
    component: ProductComponent,
    depth: int,
    partner: Partner,
    agreement: Agreement,
    handed_over_on: date,
    recipient: str,
    actor: User,
    note: str = "",
    is_exception: bool = False,
    exception_reason: str = "",
) -> Handover:
    """Record what a project handed over to a partner, checked against the signed plan of its demand.

    A handover the signed plan allows (its component at that depth or less, its partner, its agreement in force on
    the date) is recorded. Any other is refused with every reason, unless the CIO (who may sign plans off) records it
    as an exception with a reason: then it is recorded, marked, and `disclosure.outside_plan` is published. A
    handover dated before the sign-off, in the future, or under another partner's agreement is refused always.
    """
    if not actor.has_perm(roles.RECORD_HANDOVER):
        raise HandoverRefusal(str(_("Only a portfolio manager or the CIO may record a handover.")))
    if handed_over_on > timezone.localdate():
        raise HandoverRefusal(str(_("Record a handover once it has happened.")), field="handed_over_on")
    if agreement.partner_id != partner.pk:
        raise HandoverRefusal(
            str(_("Agreement %(agreement)s is %(owner)s's, not %(partner)s's."))
            % {"agreement": agreement.reference, "owner": agreement.partner.name, "partner": partner.name},
            field="agreement",
        )
    change_request = _handover_demand(project=project, component=component)
    plan = plan_signed_in_force(change_request)
    if plan is None:
        departures = [
            str(_("%(reference)s has no signed disclosure plan in force.")) % {"reference": change_request.reference}
        ]
    else:
        signed_on = timezone.localdate(plan.sign_off.created_at)
        if handed_over_on < signed_on:
            raise HandoverRefusal(
                str(_("The plan was signed off on %(signed)s: a handover cannot be dated before that."))
                % {"signed": signed_on.isoformat()},
                field="handed_over_on",
            )
        departures = handover_departures(
            plan=plan, component=component, depth=depth, partner=partner, agreement=agreement, on=handed_over_on
        )
    exception_reason = exception_reason.strip()
    if departures and not is_exception:
        raise HandoverRefusal(" ".join([str(_("Outside the signed plan:")), *departures]), field=None)
    if departures:
        if not actor.has_perm(roles.SIGN_OFF_DISCLOSURE):
            raise HandoverRefusal(
                str(_("Only the CIO may accept a handover outside the signed plan.")), field="is_exception"
            )
        if not exception_reason:
            raise HandoverRefusal(str(_("Say why the exception is accepted.")), field="exception_reason")
    handover = Handover(
        project=project,
        change_request=change_request,
        component=component,
        depth=depth,
        partner=partner,
        agreement=agreement,
        handed_over_on=handed_over_on,
        recipient=recipient.strip(),
        note=note.strip(),
        is_exception=bool(departures),
        exception_reason=exception_reason if departures else "",
        exception_by=actor if departures else None,
        recorded_by=actor,
    )
    handover.full_clean()
    handover.save()
    audit_record(
        action=AuditAction.HANDOVER,
        actor=actor,
        obj=handover,
        reference=project.code,
        details={
            "demand": change_request.reference,
            "plan_version": plan.version if plan else None,
            "partner": partner.name,
            "component": component.name,
            "depth": depth,
            "agreement": agreement.reference,
            "handed_over_on": handed_over_on,
        }
        | ({"outside_plan": departures, "exception_reason": exception_reason} if departures else {}),
    )
    if departures:
        webhook_event_publish(
            event_type=EventType.DISCLOSURE_OUTSIDE_PLAN,
            payload=handover_webhook_payload(
                handover, plan_version=plan.version if plan else None, outside_plan=departures
            ),
        )
    return handover
