"""The one tag library of shared page pieces: money, percent and sort headers (`{% load demanddesk %}`).

Stage libraries (triage_tags, portfolio_tags) keep only what is their stage's own (chart geometry); no two
filters or tags anywhere share a name, which tests/core/test_templatetags.py checks.
"""

from decimal import Decimal

from django import template
from django.http import QueryDict

register = template.Library()

# The one query parameter every sortable page (and the API) reads its order from.
ORDERING_PARAM = "ordering"


@register.filter
def money(value: Decimal | float | int | None) -> str:
    """`1234567.89` → `1,234,568`; nothing → an empty string.

    Not `floatformat:"0g"`: Django's locale-aware number formatting was most of the rendering time of the
    queue and portfolio pages; amounts here are always shown the same way.
    """
    if value is None or value == "":
        return ""
    return f"{value:,.0f}"


@register.filter
def percent(share: Decimal | float | None) -> str:
    """A share as whole percent with its sign: `0.456` → `46 %`; nothing → an empty string."""
    if share is None or share == "":
        return ""
    return f"{Decimal(str(share)) * 100:,.0f} %"


@register.inclusion_tag("components/sort_header.html", takes_context=True)
def sort_header(context: template.Context, key: str, label: str, numeric: bool = False) -> dict:
    """A column header that sorts by `key` and reverses when sorted by it; keeps the other parameters.

    A first click sorts numbers largest first (money, scores, ages read best that way), text A to Z.
    """
    request = context["request"]
    current = request.GET.get(ORDERING_PARAM, "")
    query: QueryDict = request.GET.copy()
    query.pop("page", None)
    if current == key:
        query[ORDERING_PARAM], state = f"-{key}", "ascending"
    elif current == f"-{key}":
        query[ORDERING_PARAM], state = key, "descending"
    else:
        query[ORDERING_PARAM], state = (f"-{key}" if numeric else key), "none"
    return {"href": "?" + query.urlencode(), "label": label, "state": state, "numeric": numeric}
