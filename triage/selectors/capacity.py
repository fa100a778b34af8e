"""Capacity per quarter: approved work against the capacity the CIO set, and what an approval would displace."""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncQuarter
from django.utils import timezone

from intake.choices import Agenda, ChangeRequestStatus
from intake.models import ChangeRequest, ProductKindDefault
from triage.choices import DecisionOutcome
from triage.models import (
    CostEstimate,
    Decision,
    QuarterCapacity,
)
from triage.quarters import quarter_after, quarter_label, quarter_start

CAPACITY_QUARTERS = 4  # the current quarter and the next three
DISPLACED_LIMIT = 50


def _person_days() -> Coalesce:
    """A demand's IT effort in person-days: its latest estimate, else its product's default for its kind.

    The same effort its score's IT cost uses; evaluated in SQL on a queryset of demands.
    """
    latest_estimate = CostEstimate.objects.filter(change_request=OuterRef("pk")).order_by("-created_at", "-pk")
    kind_default = ProductKindDefault.objects.filter(product=OuterRef("product_id"), kind=OuterRef("kind"))
    return Coalesce(
        Subquery(latest_estimate.values("effort_days")[:1]),
        Subquery(kind_default.values("effort_days")[:1]),
        F("product__default_effort_days"),
    )


def _approved_in(first: date, last: date) -> QuerySet[ChangeRequest]:
    """Approved demands whose approval was decided in the quarters from `first` up to before `last`.

    A demand's effort counts in the quarter of its approval decision: capacity here is how much new work
    the CIO commits to per quarter, and the decision date is the one fact triage owns that never moves
    (desired dates and project dates drift, and the project lives in the portfolio, downstream).
    """
    start = timezone.make_aware(datetime.combine(first, time.min))
    end = timezone.make_aware(datetime.combine(last, time.min))
    in_window = Decision.objects.filter(outcome=DecisionOutcome.APPROVED, created_at__gte=start, created_at__lt=end)
    decided = in_window.filter(change_request=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        # Driven by the window's decisions (an index range), not by every approved demand ever.
        ChangeRequest.objects.filter(status=ChangeRequestStatus.APPROVED, pk__in=in_window.values("change_request_id"))
        .annotate(approved_at=Subquery(decided.values("created_at")[:1]))
        .filter(approved_at__isnull=False)
    )


@dataclass(frozen=True)
class QuarterLoad:
    """One quarter of the capacity plan: what the CIO set, and what approvals took of it."""

    quarter_start: date
    capacity: Decimal | None
    approved_days: Decimal
    approved_count: int
    # The split by agenda: the BT share of the capacity the CIO aims at (percent), and each agenda's approvals.
    bt_share_target: Decimal | None = None
    bt_days: Decimal = Decimal("0")
    it_days: Decimal = Decimal("0")

    def agenda_days(self, agenda: str) -> Decimal:
        return self.bt_days if agenda == Agenda.BT else self.it_days

    def agenda_target_days(self, agenda: str) -> Decimal | None:
        """The person-days of the capacity the target share gives an agenda (None without capacity or target)."""
        if self.capacity is None or self.bt_share_target is None:
            return None
        share = self.bt_share_target if agenda == Agenda.BT else Decimal("100") - self.bt_share_target
        return (self.capacity * share / Decimal("100")).quantize(Decimal("0.1"))

    @property
    def bt_share_actual(self) -> Decimal | None:
        """The BT agenda's share of the approved person-days, in percent."""
        if not self.approved_days:
            return None
        return (Decimal("100") * self.bt_days / self.approved_days).quantize(Decimal("1"))

    @property
    def label(self) -> str:
        return quarter_label(self.quarter_start)

    @property
    def remaining(self) -> Decimal | None:
        return None if self.capacity is None else self.capacity - self.approved_days

    @property
    def is_over(self) -> bool:
        return self.remaining is not None and self.remaining < 0


def capacity_plan_latest(*, quarters: list[date]) -> dict[date, tuple[Decimal | None, Decimal | None]]:
    """Each quarter's (capacity, BT share target) as last set (None: never set, or removed), in one query."""
    latest: dict[date, tuple[Decimal | None, Decimal | None]] = {}
    for quarter, person_days, bt_share in (
        QuarterCapacity.objects.filter(quarter_start__in=quarters)
        .order_by("quarter_start", "-created_at", "-pk")
        .values_list("quarter_start", "person_days", "bt_share_target")
    ):
        latest.setdefault(quarter, (person_days, bt_share))
    return {quarter: latest.get(quarter, (None, None)) for quarter in quarters}


def capacity_latest(*, quarters: list[date]) -> dict[date, Decimal | None]:
    """Each quarter's capacity as last set (None: never set, or removed), in one query."""
    return {quarter: plan[0] for quarter, plan in capacity_plan_latest(quarters=quarters).items()}


def capacity_by_quarter(*, first: date | None = None, count: int = CAPACITY_QUARTERS) -> list[QuarterLoad]:
    """Capacity, approved person-days and approvals for `count` quarters from `first`, in two queries."""
    first = quarter_start(first or timezone.localdate())
    quarters = [quarter_after(first, index) for index in range(count)]
    plans = capacity_plan_latest(quarters=quarters)
    # One row per quarter and agenda: the split by agenda costs no extra query.
    approved: dict[date, dict[str, dict[str, Any]]] = {}
    for row in (
        _approved_in(first, quarter_after(first, count))
        .annotate(quarter=TruncQuarter("approved_at"), person_days=_person_days())
        .order_by()
        .values("quarter", "agenda")
        .annotate(days=Sum("person_days"), demands=Count("pk"))
    ):
        quarter = timezone.localtime(row["quarter"]).date() if isinstance(row["quarter"], datetime) else row["quarter"]
        approved.setdefault(quarter, {})[row["agenda"]] = dict(row)

    def days(quarter: date, agenda: str) -> Decimal:
        return approved.get(quarter, {}).get(agenda, {}).get("days") or Decimal("0")

    return [
        QuarterLoad(
            quarter_start=quarter,
            capacity=plans[quarter][0],
            approved_days=days(quarter, Agenda.BT) + days(quarter, Agenda.IT),
            approved_count=sum(row["demands"] for row in approved.get(quarter, {}).values()),
            bt_share_target=plans[quarter][1],
            bt_days=days(quarter, Agenda.BT),
            it_days=days(quarter, Agenda.IT),
        )
        for quarter in quarters
    ]


@dataclass(frozen=True)
class ApprovalImpact:
    """What approving one demand now would do to the current quarter's capacity."""

    quarter: QuarterLoad
    person_days: Decimal
    displaced: list[dict]  # reference, title, score, person_days: this quarter's lower-scored approvals, lowest first
    displaced_days: Decimal
    agenda: str = Agenda.BT

    @property
    def agenda_days_after(self) -> Decimal:
        return self.quarter.agenda_days(self.agenda) + self.person_days

    @property
    def agenda_target_days(self) -> Decimal | None:
        return self.quarter.agenda_target_days(self.agenda)

    @property
    def breaks_agenda_share(self) -> bool:
        """Approving would take the demand's agenda past the share of the capacity the CIO aims at it."""
        target = self.agenda_target_days
        return target is not None and self.agenda_days_after > target

    @property
    def remaining_after(self) -> Decimal | None:
        return None if self.quarter.remaining is None else self.quarter.remaining - self.person_days

    @property
    def over_by(self) -> Decimal:
        remaining = self.remaining_after
        return Decimal("0") if remaining is None or remaining >= 0 else -remaining

    @property
    def room_can_be_made(self) -> bool:
        """Whether giving back the listed approvals would make room for this demand."""
        return self.displaced_days >= self.over_by


def approval_capacity_impact(*, change_request: ChangeRequest) -> ApprovalImpact:
    """This demand's person-days against the current quarter's remaining capacity, and what it would displace.

    Rule: approving adds the demand's person-days to this quarter's approvals. When that exceeds the
    capacity, the approvals of this quarter with a lower score than this demand, lowest score first, are
    listed until their person-days cover the excess. Four queries at most, whatever the data.
    """
    quarter = capacity_by_quarter(count=1)[0]
    person_days = (
        ChangeRequest.objects.filter(pk=change_request.pk)
        .annotate(person_days=_person_days())
        .values_list("person_days", flat=True)
        .first()
    ) or Decimal("0")
    displaced: list[dict] = []
    displaced_days = Decimal("0")
    remaining = quarter.remaining
    if remaining is not None and remaining - person_days < 0 and change_request.score is not None:
        over_by = person_days - remaining
        candidates = (
            _approved_in(quarter.quarter_start, quarter_after(quarter.quarter_start))
            .filter(score__lt=change_request.score)
            .annotate(person_days=_person_days())
            .order_by("score", "pk")
            .values("reference", "title", "score", "person_days")[:DISPLACED_LIMIT]
        )
        for candidate in candidates:
            if displaced_days >= over_by:
                break
            displaced.append(dict(candidate))
            displaced_days += candidate["person_days"] or Decimal("0")
    return ApprovalImpact(
        quarter=quarter,
        person_days=person_days,
        displaced=displaced,
        displaced_days=displaced_days,
        agenda=change_request.agenda,
    )


def capacity_history(*, limit: int = 20) -> list[QuarterCapacity]:
    """The latest changes to the capacity plan, who made them and when."""
    return list(QuarterCapacity.objects.select_related("set_by").order_by("-created_at", "-pk")[:limit])
