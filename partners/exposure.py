"""The exposure arithmetic of one plan item, pure (no ORM, no I/O): what scoring v3 sums and the suggestion compares.

Exposure = depth factor × sensitivity × partner risk factor × agreement factor, the factors of partners.choices.
The penalty itself (points per unit, its cap) belongs to the scoring model, in triage/scoring.py.
"""

from datetime import date
from decimal import Decimal

from partners.choices import (
    AGREEMENT_COVERS_UP_TO,
    COMPETITOR_RISK_FACTORS,
    DEPTH_FACTORS,
    SENSITIVITY_CORE_IP,
    SENSITIVITY_OTHER,
)


def exposure_base(*, depth: int, is_core_ip: bool, competitor_risk: str) -> Decimal:
    """An item's exposure before the agreement factor: depth × sensitivity × partner risk."""
    sensitivity = SENSITIVITY_CORE_IP if is_core_ip else SENSITIVITY_OTHER
    return Decimal(DEPTH_FACTORS[depth]) * Decimal(sensitivity) * Decimal(COMPETITOR_RISK_FACTORS[competitor_risk])


def agreement_covers(
    *, depth: int, agreement_kind: str | None, starts_on: date | None, expires_on: date | None, on: date
) -> bool:
    """Whether the plan's agreement covers an item at this depth on this date (in force, and deep enough)."""
    if agreement_kind is None or starts_on is None or expires_on is None:
        return False
    return starts_on <= on <= expires_on and depth <= AGREEMENT_COVERS_UP_TO[agreement_kind]
