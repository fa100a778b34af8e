"""The CIO's planning settings: decision-time targets and capacity per quarter."""

import logging
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from core.choices import AuditAction
from core.services import audit_record
from triage.models import (
    DecisionTarget,
    QuarterCapacity,
)
from triage.selectors import capacity_plan_latest

logger = logging.getLogger(__name__)


@transaction.atomic
def decision_targets_set(*, targets: dict[str, int | None], set_by: User) -> None:
    """Replace the decision-time targets (empty removes a scope's target)."""
    for scope, days in targets.items():
        if days:
            DecisionTarget.objects.update_or_create(scope=scope, defaults={"days": days})
        else:
            DecisionTarget.objects.filter(scope=scope).delete()
    audit_record(action=AuditAction.DECISION_TARGETS, actor=set_by, details=targets)


@transaction.atomic
def quarter_capacities_set(
    *,
    capacities: dict[date, Decimal | None],
    set_by: User,
    bt_shares: dict[date, Decimal | None] | None = None,
) -> list[QuarterCapacity]:
    """Set the capacity of some quarters (None removes it) and the BT share of it the CIO aims at; only the
    quarters whose capacity or share changes get a row (a share not given keeps the latest one).

    Rows are appended, never edited: the table keeps who set which capacity when. The quarters' rows are
    locked first, so two people saving at once append in turn and each compares with the latest value.
    """
    list(QuarterCapacity.objects.select_for_update().filter(quarter_start__in=list(capacities)))
    current = capacity_plan_latest(quarters=list(capacities))
    changed = []
    for quarter, person_days in capacities.items():
        bt_share = (bt_shares or {}).get(quarter, current[quarter][1])
        if (person_days, bt_share) == current[quarter]:
            continue
        row = QuarterCapacity(quarter_start=quarter, person_days=person_days, bt_share_target=bt_share, set_by=set_by)
        row.full_clean()
        row.save()
        changed.append(row)
    return changed
