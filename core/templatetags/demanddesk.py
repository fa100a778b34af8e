"""The one tag library of shared page pieces: money, percent, dates, sort headers, cards and tables.

`{% load demanddesk %}`. Dates have one style, the reader's language's (core/formats): `{{ moment|datetime }}`,
`{{ day|day }}`, `{{ month|month }}`; Django's own `date` filter is left for machine-readable attributes
(`<time datetime="{{ moment|date:'c' }}">`), which tests/core/test_templatetags.py checks.

Stage libraries (triage_tags, portfolio_tags) keep only what is their stage's own (chart geometry); no two
filters or tags anywhere share a name, which tests/core/test_templatetags.py checks.
"""

from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import template
from django.http import QueryDict
from django.template import engines
from django.template.base import FilterExpression, NodeList, Parser, TextNode, Token, kwarg_re, token_kwargs
from django.template.context import Context
from django.template.exceptions import TemplateSyntaxError
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.formats import date_display, datetime_display, month_display
from core.people import person_name

register = template.Library()

# The one query parameter every sortable page (and the API) reads its order from.
ORDERING_PARAM = "ordering"


@register.filter
def money(value: Decimal | float | int | None) -> str:
    """`1234567.89` → `1,234,568` in English, `1 234 568` in French; nothing → an empty string.

    Not `floatformat:"0g"`: Django's locale-aware number formatting was most of the rendering time of the
    queue and portfolio pages; amounts here are always shown the same way.
    """
    if value is None or value == "":
        return ""
    return _grouped(f"{value:,.0f}")


def _grouped(text: str) -> str:
    """Python's `,` thousands separator as the reader's language writes it (French: a narrow no-break space)."""
    separator = get_format("THOUSAND_SEPARATOR")
    return text if separator == "," else text.replace(",", separator)


@register.filter
def percent(share: Decimal | float | None) -> str:
    """A share as whole percent with its sign: `0.456` → `46 %`; nothing → an empty string."""
    if share is None or share == "":
        return ""
    return _grouped(f"{Decimal(str(share)) * 100:,.0f}") + " %"


@register.filter
def day(value: date | None) -> str:
    """A calendar day in the reader's language: `4 Dec 2026`, `4 déc. 2026`; a moment gives its local day."""
    return date_display(value)


@register.filter(name="datetime")
def datetime_filter(value: date | None, precision: str = "") -> str:
    """A moment in the reader's language and time zone: `4 Dec 2026, 17:26`; `datetime:"seconds"` adds seconds."""
    if precision not in ("", "seconds"):
        raise template.TemplateSyntaxError(f'datetime takes "seconds" or nothing, not {precision!r}.')
    return datetime_display(value, seconds=precision == "seconds")


@register.filter
def month(value: date | None) -> str:
    """A month in the reader's language: `Nov 2026`, `nov. 2026`."""
    return month_display(value)


@register.filter
def person(user: object) -> str:
    """A person's one display name (core.people.person_name): full name, else username."""
    return person_name(user)


def _detail_text(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dict):
        return "; ".join(f"{_detail_label(key)}: {_detail_text(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_detail_text(item) for item in value) or "—"
    if isinstance(value, str) and value.isidentifier() and value.islower():
        # A stored code (a status such as "paused"): the reader's word for it where the catalogue has one.
        return _(value)
    return str(value)


def _detail_label(key: object) -> str:
    """A stored detail key ("amount", "due_date") as a label in the reader's language where the catalogue has it."""
    text = str(key).replace("_", " ").strip()
    return _(text[:1].upper() + text[1:])


@register.filter
def audit_details(details: object) -> list[tuple[str, str]]:
    """An audit event's details as (label, text) lines a person reads, never a raw dict."""
    if not isinstance(details, dict):
        return [] if details in (None, "", [], {}) else [("", _detail_text(details))]
    return [(_detail_label(key), _detail_text(value)) for key, value in details.items()]


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


# Components: a card and a data table, each drawn by one template under templates/components/. They are block tags
# because an include cannot wrap content: what sits between the tags is rendered first (escaped like any template
# output) and handed to the component's template as a slot.


class ComponentNode(template.Node):
    """Render a component's template with the tag's options and its rendered slots."""

    def __init__(
        self, template_name: str, defaults: dict[str, object], options: dict[str, FilterExpression], slots: dict
    ) -> None:
        self.template_name = template_name
        self.defaults = defaults
        self.options = options
        self.slots: dict[str, NodeList] = slots

    def render(self, context: Context) -> str:
        values = dict(self.defaults)
        values.update({name: expression.resolve(context) for name, expression in self.options.items()})
        # Rendered output is escaped already; trimming its outer white space keeps it so.
        values.update({name: mark_safe(nodelist.render(context).strip()) for name, nodelist in self.slots.items()})  # noqa: S308
        component = context.render_context.get(self)
        if component is None:
            assert context.template is not None  # nodes render inside a template
            component = context.render_context[self] = context.template.engine.get_template(self.template_name)
        return component.render(context.new(values))


def _has_content(nodelist: NodeList) -> bool:
    return any(not isinstance(node, TextNode) or node.s.strip() for node in nodelist)


def _component_parse(
    parser: Parser,
    token: Token,
    *,
    template_name: str,
    defaults: dict[str, object],
    slots: tuple[str, ...] = ("body",),
    positional: str | None = None,
) -> ComponentNode:
    """Read `{% tag [positional] option=value… %}…{% endtag %}`; a `{% slot %}` inside starts that slot.

    Content before any slot tag fills `body`. Options not in `defaults`, and a slot given twice, are template
    errors, so a typo fails when the template loads rather than drawing a different page.
    """
    tag_name, *bits = token.split_contents()
    options: dict[str, FilterExpression] = {}
    if positional and bits and not kwarg_re.match(bits[0])[1]:  # type: ignore[index]  # the pattern always matches
        options[positional] = parser.compile_filter(bits.pop(0))
    options.update(token_kwargs(bits, parser))
    if bits:
        raise TemplateSyntaxError(f"{tag_name}: give options as name=value, not {' '.join(bits)!r}.")
    if unknown := options.keys() - defaults.keys():
        raise TemplateSyntaxError(f"{tag_name}: unknown option(s) {', '.join(sorted(unknown))}.")
    end = f"end{tag_name}"
    parsed: dict[str, NodeList] = {}
    current = "body"
    while True:
        nodelist = parser.parse((*slots, end))
        if _has_content(nodelist):
            if current in parsed:
                raise TemplateSyntaxError(f"{tag_name}: the {current} slot is given twice.")
            parsed[current] = nodelist
        current = parser.next_token().contents
        if current == end:
            return ComponentNode(template_name, defaults, options, parsed)


@register.tag
def card(parser: Parser, token: Token) -> ComponentNode:
    """A card with an optional `h2` heading: `{% card _("Heading") id="name" %}body{% endcard %}`.

    `id` names the heading (`name-heading`) and labels the card with it. A heading with markup goes in a slot:
    `{% card id="score" %}{% heading %}Score <span>…</span>{% body %}…{% endcard %}`. Options: `class` (added to
    `card`), `role`, `testid`, `anchor` (the card's own id) and `element` (`section` unless given).
    """
    return _component_parse(
        parser,
        token,
        template_name="components/card.html",
        defaults={
            "heading": "",
            "id": "",
            "class": "",
            "role": "",
            "testid": "",
            "anchor": "",
            "element": "section",
        },
        slots=("heading", "body"),
        positional="heading",
    )


@register.tag
def datatable(parser: Parser, token: Token) -> ComponentNode:
    """A table in its scroll container: `{% datatable caption=_("…") %}<thead>…<tbody>…{% enddatatable %}`.

    Options: `caption` (`caption_hidden=True` keeps it for screen readers only), `class`, `testid`, and `wrap`, the
    scroll container's class (`table-wrap`; `wrap=False` for a table that needs none). Rows for an empty list:
    `{% empty_row columns message %}`.
    """
    return _component_parse(
        parser,
        token,
        template_name="components/datatable.html",
        defaults={"caption": "", "caption_hidden": False, "class": "", "testid": "", "wrap": "table-wrap"},
    )


@register.simple_tag(takes_context=True)
def jinja(context: Context, template_name: str, **values: object) -> str:
    """`{% jinja "triage/queue_rows.html" %}`: a fragment written for Jinja2 (core/jinja2.py), given this context
    and any `name=value` after the name, as `{% include … with … %}` would.

    For the parts of a page Django's engine renders many times over, such as a table's rows (issue 22)."""
    request = context.get("request")
    fragment = engines["jinja2"].get_template(template_name)
    flat = cast(dict[str, Any], context.flatten())
    return mark_safe(fragment.render({**flat, **values}, request=request))  # noqa: S308 (Jinja2 escaped it)


@register.inclusion_tag("components/empty_row.html")
def empty_row(columns: int, message: str) -> dict:
    """The one row a table shows when it has none: the message across every column."""
    return {"columns": columns, "message": message}
