"""Money in tables and charts: whole units with thousands separators.

`floatformat:"0g"` goes through Django's locale-aware number formatting, which was most of the
rendering time of the queue and portfolio pages; amounts here are always shown the same way.
"""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value: Decimal | float | int | None) -> str:
    """`1234567.89` → `1,234,568`; nothing → an empty string."""
    if value is None or value == "":
        return ""
    return f"{value:,.0f}"
