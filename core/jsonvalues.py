"""Plain JSON values written as DRF's fields write them, for lists serialized from `values()` rows by typed
functions (portfolio.api.serializers.project_list_json): the same bytes without a field object per value."""

from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import overload

from django.utils import timezone

DECIMAL_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(7)}


@overload
def decimal_text(value: Decimal, *, places: int) -> str: ...
@overload
def decimal_text(value: Decimal | None, *, places: int) -> str | None: ...
def decimal_text(value: Decimal | None, *, places: int) -> str | None:
    """A `DecimalField(decimal_places=places)` value: `'1234.50'`, or None (JSON null) for no value."""
    if value is None:
        return None
    return f"{value.quantize(DECIMAL_EXPONENTS[places], rounding=ROUND_HALF_EVEN):f}"


def datetime_text(value: datetime) -> str:
    """A `DateTimeField` value: ISO 8601 in the current time zone, UTC written `Z`."""
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def date_text(value: date | None) -> str | None:
    """A `DateField` value: ISO 8601, or None."""
    return None if value is None else value.isoformat()
