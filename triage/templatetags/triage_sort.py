"""Sortable column headers for the queue: a link that toggles the order, with aria-sort for screen readers."""

from django import template
from django.http import QueryDict

register = template.Library()


@register.inclusion_tag("triage/_sort_header.html", takes_context=True)
def sort_header(context, field: str, label: str, numeric: bool = False) -> dict:  # type: ignore[no-untyped-def]
    request = context["request"]
    current = request.GET.get("sort", "")
    query: QueryDict = request.GET.copy()
    query.pop("page", None)
    if current == field:
        query["sort"], state = f"-{field}", "ascending"
    elif current == f"-{field}":
        query["sort"], state = field, "descending"
    else:
        # Money, scores and ages read best largest first.
        query["sort"], state = (f"-{field}" if numeric else field), "none"
    return {"href": "?" + query.urlencode(), "label": label, "state": state, "numeric": numeric}
