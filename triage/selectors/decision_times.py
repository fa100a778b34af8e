"""Decision clocks against their targets, and the monthly decision-time statistics."""

from datetime import timedelta

from django.utils import timezone

from intake.models import ChangeRequest, StatusEvent
from triage.clock import decision_clock, percentile
from triage.models import (
    Decision,
    DecisionTarget,
)

DUE_SOON_SHARE = 0.8


def decision_targets() -> dict[str, int]:
    return dict(DecisionTarget.objects.values_list("scope", "days"))


def _target_days(demand: ChangeRequest, targets: dict[str, int]) -> int | None:
    """The strictest target that applies: the demand's agenda, or its customer's tier."""
    tier = demand.customer.tier if demand.customer is not None else None
    candidates = [targets.get(f"agenda:{demand.agenda}"), targets.get(f"tier:{tier}") if tier else None]
    matching = [days for days in candidates if days]
    return min(matching) if matching else None


def decision_clocks(*, demands: list[ChangeRequest]) -> dict[int, dict]:
    """Each open demand's decision clock against its target, in two queries whatever the number of demands."""
    open_demands = [demand for demand in demands if demand.is_open]
    if not open_demands:
        return {}
    transitions: dict[int, list] = {demand.pk: [] for demand in open_demands}
    for change_request_id, to_status, at in (
        StatusEvent.objects.filter(change_request_id__in=transitions)
        .exclude(to_status="")
        .order_by("change_request_id", "created_at", "pk")
        .values_list("change_request_id", "to_status", "created_at")
    ):
        transitions[change_request_id].append((to_status, at))
    targets, now, clocks = decision_targets(), timezone.now(), {}
    for demand in open_demands:
        clock = decision_clock(filed_at=demand.created_at, transitions=transitions[demand.pk], now=now)
        target = _target_days(demand, targets)
        share = clock.running_days / target if target else 0
        state = "overdue" if share >= 1 else ("due_soon" if share >= DUE_SOON_SHARE else "")
        clocks[demand.pk] = {
            "clock": clock,
            "target_days": target,
            "state": state,
            "days": round(clock.running_days, 1),
        }
    return clocks


def decision_time_by_month(*, months: int = 12, limit: int = 20_000) -> list[dict]:
    """Median and 90th percentile of days to decision per month of decision, over the latest decisions."""
    since = timezone.now() - timedelta(days=31 * months)
    decided = dict(
        Decision.objects.filter(created_at__gte=since)
        .order_by("-created_at")
        .values_list("change_request_id", "change_request__created_at")[:limit]
    )
    transitions: dict[int, list] = {pk: [] for pk in decided}
    for change_request_id, to_status, at in (
        StatusEvent.objects.filter(change_request_id__in=list(decided))
        .exclude(to_status="")
        .order_by("change_request_id", "created_at", "pk")
        .values_list("change_request_id", "to_status", "created_at")
    ):
        transitions[change_request_id].append((to_status, at))
    by_month: dict[str, list[float]] = {}
    now = timezone.now()
    for pk, filed_at in decided.items():
        clock = decision_clock(filed_at=filed_at, transitions=transitions[pk], now=now)
        if clock.decided_at is not None:
            by_month.setdefault(f"{clock.decided_at:%Y-%m}", []).append(clock.running_days)
    return [
        {
            "month": month,
            "decisions": len(days),
            "median": round(percentile(days, 0.5) or 0.0, 1),  # `days` is never empty here
            "p90": round(percentile(days, 0.9) or 0.0, 1),
        }
        for month, days in sorted(by_month.items())
    ]
