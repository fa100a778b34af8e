"""Time to decision, with the clock stopped while the customer owes us an answer. Pure: no ORM, no I/O.

The clock starts when the demand is filed, pauses when it moves to `needs_info`, restarts when the
customer answers, and stops at the decision (approved, rejected or deferred). A withdrawn demand's
clock stops at the withdrawal; it never counts as a decision.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from intake.choices import ANSWERABLE_STATUSES, DECIDED_STATUSES, ChangeRequestStatus

DAY = timedelta(days=1)


@dataclass(frozen=True)
class DecisionClock:
    filed_at: datetime
    decided_at: datetime | None
    stopped_at: datetime | None  # decided or withdrawn
    waiting: timedelta  # time the customer owed us an answer
    running: timedelta  # time that counts against the target
    waiting_open: bool = False  # the customer owes an answer right now

    @property
    def running_days(self) -> float:
        return self.running / DAY

    @property
    def is_paused(self) -> bool:
        return self.stopped_at is None and self.waiting_open


def decision_clock(*, filed_at: datetime, transitions: list[tuple[str, datetime]], now: datetime) -> DecisionClock:
    """Walk a demand's status transitions (oldest first) and return its decision clock at `now`."""
    paused_since: datetime | None = None
    waiting = timedelta(0)
    decided_at = stopped_at = None
    for status, at in transitions:
        if status in ANSWERABLE_STATUSES:
            paused_since = paused_since or at
        elif paused_since is not None:
            waiting += at - paused_since
            paused_since = None
        if status in DECIDED_STATUSES:
            decided_at = stopped_at = at
            break
        if status == ChangeRequestStatus.WITHDRAWN:
            stopped_at = at
            break
    end = stopped_at or now
    waiting_open = paused_since is not None
    if paused_since is not None:
        waiting += end - paused_since
    return DecisionClock(
        filed_at=filed_at,
        decided_at=decided_at,
        stopped_at=stopped_at,
        waiting=waiting,
        running=max(timedelta(0), end - filed_at - waiting),
        waiting_open=waiting_open,
    )


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.4999)))
    return ordered[rank - 1]
