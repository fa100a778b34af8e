"""Reads of the partner register and of the disclosure plans, with what their pages and checks need loaded."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from core import roles
from intake.models import ChangeRequest, Product
from partners.choices import DisclosureDepth, SignOffOutcome, SignOffState
from partners.exposure import agreement_covers, exposure_base
from partners.models import Agreement, DisclosureItem, DisclosurePlan, Partner, PlanSignOff, ProductComponent

# Within how many days an agreement's expiry is announced (the register and the exposure register flag it).
AGREEMENT_EXPIRY_NOTICE_DAYS = 90


def partner_list() -> QuerySet[Partner]:
    """Every partner with its agreements (soonest expiry first)."""
    return Partner.objects.prefetch_related(
        Prefetch("agreements", queryset=Agreement.objects.order_by("expires_on", "reference"))
    ).order_by("name")


def partner_choices() -> QuerySet[Partner]:
    """The active partners that hold at least one agreement: those a plan may name."""
    return Partner.objects.filter(is_active=True, agreements__isnull=False).distinct().order_by("name")


def agreement_choices() -> QuerySet[Agreement]:
    """Every agreement with its partner, for a plan's agreement select (the service checks the partner matches)."""
    return Agreement.objects.select_related("partner").order_by("partner__name", "expires_on")


def product_components(*, product: Product | int) -> QuerySet[ProductComponent]:
    """A product's components, core IP first."""
    product_id = product if isinstance(product, int) else product.pk
    return ProductComponent.objects.filter(product_id=product_id).order_by("-is_core_ip", "name")


def component_list() -> QuerySet[ProductComponent]:
    """Every product's components with their product, by product then core IP first."""
    return ProductComponent.objects.select_related("product").order_by("product__name", "-is_core_ip", "name")


def _plans() -> QuerySet[DisclosurePlan]:
    return DisclosurePlan.objects.select_related(
        "partner", "agreement", "proposed_by", "sign_off", "sign_off__decided_by"
    ).prefetch_related(
        Prefetch("items", queryset=DisclosureItem.objects.select_related("component").order_by("-depth", "component"))
    )


def disclosure_plan_history(change_request: ChangeRequest | int) -> list[DisclosurePlan]:
    """Every version of a demand's plan, newest first, with partner, agreement, items and sign-off loaded."""
    change_request_id = change_request if isinstance(change_request, int) else change_request.pk
    return list(_plans().filter(change_request_id=change_request_id).order_by("-version"))


def disclosure_plan_current(change_request: ChangeRequest | int) -> DisclosurePlan | None:
    """The plan in force: the demand's highest version (None when it has none), with everything loaded."""
    change_request_id = change_request if isinstance(change_request, int) else change_request.pk
    return _plans().filter(change_request_id=change_request_id).order_by("-version").first()


def _sign_off_of(plan: DisclosurePlan) -> PlanSignOff | None:
    try:
        return plan.sign_off
    except PlanSignOff.DoesNotExist:
        return None


def plan_requires_sign_off(plan: DisclosurePlan) -> bool:
    """A plan that reveals any core IP needs the CIO's sign-off of its exact content before approval."""
    return any(item.component.is_core_ip for item in plan.items.all())


def sign_off_counts(plan: DisclosurePlan) -> bool:
    """This version was signed off, at exactly the content it has now."""
    sign_off = _sign_off_of(plan)
    return (
        sign_off is not None
        and sign_off.outcome == SignOffOutcome.SIGNED_OFF
        and sign_off.content_hash == plan.content_hash
    )


@dataclass(frozen=True)
class SignOffStatus:
    """Where a demand's current plan stands: its state, the plan, its sign-off and the last signed version."""

    state: SignOffState
    plan: DisclosurePlan | None
    sign_off: PlanSignOff | None
    # The latest earlier version that was signed off, when the current one is not (the SUPERSEDED state).
    signed_version: int | None = None

    @property
    def blocks_approval(self) -> bool:
        """The current plan reveals core IP and its exact content is not signed off (pending, refused, superseded)."""
        if self.state in (SignOffState.PENDING, SignOffState.SUPERSEDED):
            return True
        return self.state == SignOffState.REFUSED and self.plan is not None and plan_requires_sign_off(self.plan)


def disclosure_plan_sign_off_status(
    change_request: ChangeRequest | int, *, history: list[DisclosurePlan] | None = None
) -> SignOffStatus:
    """Signed off and still counting, refused, pending, or pending because a newer version replaced a signed one.

    Pass the page's `history` (newest first) to spend no query.
    """
    plans = disclosure_plan_history(change_request) if history is None else history
    if not plans:
        return SignOffStatus(state=SignOffState.NO_PLAN, plan=None, sign_off=None)
    plan = plans[0]
    sign_off = _sign_off_of(plan)
    if sign_off_counts(plan):
        return SignOffStatus(state=SignOffState.SIGNED_OFF, plan=plan, sign_off=sign_off)
    if sign_off is not None and sign_off.outcome == SignOffOutcome.REFUSED:
        return SignOffStatus(state=SignOffState.REFUSED, plan=plan, sign_off=sign_off)
    if not plan_requires_sign_off(plan):
        return SignOffStatus(state=SignOffState.NOT_REQUIRED, plan=plan, sign_off=None)
    signed_before = next((older.version for older in plans[1:] if sign_off_counts(older)), None)
    state = SignOffState.SUPERSEDED if signed_before is not None else SignOffState.PENDING
    return SignOffStatus(state=state, plan=plan, sign_off=None, signed_version=signed_before)


def plan_signed_in_force(change_request: ChangeRequest | int) -> DisclosurePlan | None:
    """The signed plan that counts: the current version, signed off at its exact content; else None."""
    plan = disclosure_plan_current(change_request)
    return plan if plan is not None and sign_off_counts(plan) else None


@dataclass(frozen=True)
class ItemExposure:
    """One item of a plan with its exposure on a date (the scoring inputs' breakdown and the page's rows)."""

    component_id: int
    component_name: str
    is_core_ip: bool
    depth: int
    covered: bool
    exposure: Decimal  # before the agreement factor: the model multiplies an uncovered one by its factor

    @property
    def depth_label(self) -> str:
        return str(DisclosureDepth(self.depth).label)


def plan_item_exposures(plan: DisclosurePlan, *, on: date | None = None) -> list[ItemExposure]:
    """Each item's exposure base and whether the plan's agreement covers it on `on` (today by default)."""
    on = on or timezone.localdate()
    agreement = plan.agreement
    return [
        ItemExposure(
            component_id=item.component_id,
            component_name=item.component.name,
            is_core_ip=item.component.is_core_ip,
            depth=item.depth,
            covered=agreement_covers(
                depth=item.depth,
                agreement_kind=agreement.kind if agreement else None,
                starts_on=agreement.starts_on if agreement else None,
                expires_on=agreement.expires_on if agreement else None,
                on=on,
            ),
            exposure=exposure_base(
                depth=item.depth, is_core_ip=item.component.is_core_ip, competitor_risk=plan.partner.competitor_risk
            ),
        )
        for item in plan.items.all()
    ]


@dataclass(frozen=True)
class LeastDisclosure:
    """A lower depth suggested for one core-IP item, and the exposure (and points, given a rate) it would save."""

    component_id: int
    component_name: str
    depth: int
    suggested_depth: int
    exposure_saved: Decimal
    points_saved: Decimal | None

    @property
    def depth_label(self) -> str:
        return str(DisclosureDepth(self.depth).label)

    @property
    def suggested_label(self) -> str:
        return str(DisclosureDepth(self.suggested_depth).label)


def least_disclosure_alternatives(
    plan: DisclosurePlan,
    *,
    points_per_exposure: Decimal | None = None,
    uncovered_factor: Decimal = Decimal(1),
    on: date | None = None,
) -> list[LeastDisclosure]:
    """For each core-IP item revealed deeper than needed to build with it, the least disclosure that still serves.

    An interface specification is what a partner needs to integrate with a component; source it may have to
    maintain is served by source under escrow (released only if we fail). So: core IP at source read-only or
    with modification rights → source under escrow; core IP as binaries or escrowed source → interface
    specification. The saving is in exposure units and, given the scoring model's points per unit (and its factor
    for an uncovered item), in points before the cap.
    """
    alternatives = []
    for item in plan_item_exposures(plan, on=on):
        if not item.is_core_ip or item.depth == DisclosureDepth.INTERFACE_SPEC:
            continue
        suggested = (
            DisclosureDepth.SOURCE_ESCROW
            if item.depth >= DisclosureDepth.SOURCE_READ_ONLY
            else DisclosureDepth.INTERFACE_SPEC
        )
        factor = Decimal(1) if item.covered else uncovered_factor
        # The lower depth may fall within the agreement's cover: count it covered if the agreement is in force.
        suggested_covered = item.covered or (
            plan.agreement is not None
            and agreement_covers(
                depth=suggested,
                agreement_kind=plan.agreement.kind,
                starts_on=plan.agreement.starts_on,
                expires_on=plan.agreement.expires_on,
                on=on or timezone.localdate(),
            )
        )
        suggested_exposure = exposure_base(
            depth=suggested, is_core_ip=True, competitor_risk=plan.partner.competitor_risk
        ) * (Decimal(1) if suggested_covered else uncovered_factor)
        saved = item.exposure * factor - suggested_exposure
        alternatives.append(
            LeastDisclosure(
                component_id=item.component_id,
                component_name=item.component_name,
                depth=item.depth,
                suggested_depth=suggested,
                exposure_saved=saved,
                points_saved=(saved * points_per_exposure).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                if points_per_exposure is not None
                else None,
            )
        )
    return alternatives


@dataclass(frozen=True)
class DisclosureExposure:
    """A demand's current plan as scoring reads it: the exposure covered and not covered, and the items."""

    covered: Decimal
    uncovered: Decimal
    items: tuple[tuple[str, bool, int, bool, str], ...]  # (component, core IP, depth, covered, exposure)


def disclosure_exposures_for_ids(demand_ids: list[int] | QuerySet, *, on: date) -> dict[int, DisclosureExposure]:
    """The current plan's exposure of many demands in one query (set-based, for bulk rescoring and the what-if).

    The current plan is each demand's highest version; an item is covered when the plan's agreement covers its
    depth on `on` (partners/exposure.py). A demand without a plan is absent. The SQL twin of this read is
    `DISCLOSURE_SQL` in triage/selectors/whatif.py, proven equal by tests/triage/test_whatif.py.
    """
    newer = DisclosurePlan.objects.filter(
        change_request_id=OuterRef("plan__change_request_id"), version__gt=OuterRef("plan__version")
    )
    rows = (
        DisclosureItem.objects.filter(plan__change_request_id__in=demand_ids)
        .exclude(Exists(newer))
        .order_by("plan__change_request_id", "-depth", "component__name")
        .values_list(
            "plan__change_request_id",
            "component__name",
            "component__is_core_ip",
            "depth",
            "plan__partner__competitor_risk",
            "plan__agreement__kind",
            "plan__agreement__starts_on",
            "plan__agreement__expires_on",
        )
    )
    sums: dict[int, tuple[Decimal, Decimal, list]] = {}
    for demand_id, name, is_core_ip, depth, risk, kind, starts_on, expires_on in rows:
        covered_sum, uncovered_sum, items = sums.setdefault(demand_id, (Decimal(0), Decimal(0), []))
        exposure = exposure_base(depth=depth, is_core_ip=is_core_ip, competitor_risk=risk)
        covered = agreement_covers(depth=depth, agreement_kind=kind, starts_on=starts_on, expires_on=expires_on, on=on)
        items.append((name, is_core_ip, depth, covered, str(exposure)))
        if covered:
            sums[demand_id] = (covered_sum + exposure, uncovered_sum, items)
        else:
            sums[demand_id] = (covered_sum, uncovered_sum + exposure, items)
    return {
        demand_id: DisclosureExposure(covered=covered, uncovered=uncovered, items=tuple(items))
        for demand_id, (covered, uncovered, items) in sums.items()
    }


@dataclass(frozen=True)
class DisclosureSection:
    """What the demand page shows of a demand's plan: versions, status, the current plan's items and suggestions."""

    history: list[DisclosurePlan]
    status: SignOffStatus
    exposures: list[ItemExposure]
    alternatives: list[LeastDisclosure]

    @property
    def current(self) -> DisclosurePlan | None:
        return self.history[0] if self.history else None


def disclosure_section(
    change_request: ChangeRequest, *, points_per_exposure: Decimal | None = None, uncovered_factor: Decimal = Decimal(1)
) -> DisclosureSection:
    """A demand's plans for its page, in two queries (plans with partner, agreement and sign-off; their items)."""
    history = disclosure_plan_history(change_request)
    current = history[0] if history else None
    return DisclosureSection(
        history=history,
        status=disclosure_plan_sign_off_status(change_request, history=history),
        exposures=plan_item_exposures(current) if current else [],
        alternatives=least_disclosure_alternatives(
            current, points_per_exposure=points_per_exposure, uncovered_factor=uncovered_factor
        )
        if current
        else [],
    )


def sign_off_open_to(section: DisclosureSection, user: User) -> bool:
    """Whether the page offers `user` the sign-off form for the current plan: a CIO, a plan still undecided (a new
    version after a signed one is pending again). Who proposed it is told on the form; the service refuses them."""
    plan = section.current
    return (
        plan is not None
        and user.has_perm(roles.SIGN_OFF_DISCLOSURE)
        and section.status.state in (SignOffState.PENDING, SignOffState.SUPERSEDED, SignOffState.NOT_REQUIRED)
        and not hasattr(plan, "sign_off")
    )
