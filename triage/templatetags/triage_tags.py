"""Presentation helpers for triage pages: the score waterfall as SVG geometry."""

import math
from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from triage import component_text
from triage.models import Assessment

register = template.Library()

CHART_WIDTH = 480
# The waterfall's whole width that fits the demand page's main card at 1366 px, and the least room for its bars.
FIT_WIDTH = 820
BAR_MIN_WIDTH = 300


BAR_PITCH = 26
# Room for the component names left of the bars: a generous average advance of system-ui at 12 px per character
# (so the longest name, in any language, is never cut at the chart's left edge), and for the points after a bar.
LABEL_CHAR_PX = 7
LABEL_MIN_WIDTH = 120
VALUE_ROOM = 56


@register.simple_tag
def components_shown(assessment: Assessment) -> list[dict]:
    """An assessment's components with their names and explanations in the reader's language."""
    return component_text.components_shown(assessment)


@register.filter
def component_label(key: str, stored: str) -> str:
    """A component's name in the reader's language (`{{ line.key|component_label:line.label }}`)."""
    return component_text.label_shown(key, stored)


@register.filter
def difference_reasons(difference: object) -> str:
    """`{{ line|difference_reasons }}`: what changed under a component, in the reader's language, or a dash."""
    return "; ".join(component_text.difference_reasons(difference)) or "—"  # type: ignore[arg-type]


@register.simple_tag
def waterfall(components: list[dict]) -> dict:
    """One bar per component, each starting where the running total stood: the bars add up to the score.

    The chart fits its card at 1366 px (FIT_WIDTH): when the names need more room (the French penalty's), the
    bars give it up rather than the chart scrolling sideways."""
    label_width = max(
        [LABEL_MIN_WIDTH, *(len(str(component["label"])) * LABEL_CHAR_PX + 12 for component in components)]
    )
    bar_room = max(BAR_MIN_WIDTH, min(CHART_WIDTH, FIT_WIDTH - label_width - VALUE_ROOM))
    scale = Decimal(bar_room) / Decimal(100)
    bars, running = [], Decimal("0")
    for index, component in enumerate(components):
        points = Decimal(component["points"])
        start, end = running, running + points
        left, right = min(start, end), max(start, end)
        bars.append(
            {
                **component,
                "y": index * BAR_PITCH,
                "x": float(max(Decimal(0), left) * scale),
                "width": float(max(Decimal("0.5"), (right - left) * scale)),
                "negative": points < 0,
                "label_x": float(min(Decimal(100), max(Decimal(0), right)) * scale) + 4,
            }
        )
        running = end
    return {
        "bars": bars,
        "height": len(bars) * BAR_PITCH + 4,
        "label_width": label_width,
        "width": label_width + bar_room + VALUE_ROOM,
    }


def _log_position(amount: Decimal | float | None, low_exp: float, high_exp: float, span: float) -> float:
    """Place an amount on a log10 axis from 10**low_exp to 10**high_exp, clamped."""
    value = float(amount or 0)
    exponent = math.log10(value) if value > 0 else low_exp
    return span * min(1.0, max(0.0, (exponent - low_exp) / (high_exp - low_exp)))


BUBBLE = {"width": 560, "height": 300, "left": 56, "bottom": 36, "top": 14, "right": 24}


@register.simple_tag
def bubble_chart(bubbles: list[dict]) -> dict:
    """Value (x) against IT cost (y), both on log scales; radius grows with the customers asking."""
    # One reverse() for all the links: references are URL-safe, so the rest is string work.
    detail_url = reverse("triage:detail", args=["REFERENCE"])
    plot_w = BUBBLE["width"] - BUBBLE["left"] - BUBBLE["right"]
    plot_h = BUBBLE["height"] - BUBBLE["top"] - BUBBLE["bottom"]
    points = []
    for bubble in bubbles:
        x = BUBBLE["left"] + _log_position(bubble["value_total"], 3, 7, plot_w)
        y = BUBBLE["top"] + plot_h - _log_position(bubble["it_cost"], 3, 7, plot_h)
        radius = 4 + 3 * math.sqrt(max(0, (bubble["customers_asking"] or 1) - 1))
        points.append(
            {
                **bubble,
                "x": round(x, 1),
                "y": round(y, 1),
                "r": round(min(radius, 18), 1),
                "href": detail_url.replace("REFERENCE", bubble["reference"]),
            }
        )
    ticks = [
        {"label": label, "x": BUBBLE["left"] + plot_w * i / 4, "y": BUBBLE["top"] + plot_h - plot_h * i / 4}
        for i, label in enumerate(("1k", "10k", "100k", "1M", "10M"))
    ]
    # The diagonal where value equals cost: bubbles above it cost more than they bring.
    diagonal = {"x1": BUBBLE["left"], "y1": BUBBLE["top"] + plot_h, "x2": BUBBLE["left"] + plot_w, "y2": BUBBLE["top"]}
    return {
        **BUBBLE,
        "points": points,
        "ticks": ticks,
        "plot_w": plot_w,
        "plot_h": plot_h,
        "diagonal": diagonal,
        "axis_y": BUBBLE["top"] + plot_h,
    }


@register.simple_tag
def histogram_chart(counts: list[int]) -> dict:
    width, height, bottom = 300, 160, 24
    highest = max(counts) or 1
    bar_w = width / len(counts)
    bars = []
    for index, count in enumerate(counts):
        bar_h = (height - bottom - 20) * count / highest  # room above the tallest bar for its count
        band = "decline" if index < 4 else ("review" if index < 7 else "fast_track")
        bars.append(
            {
                "x": round(index * bar_w + 2, 1),
                "y": round(height - bottom - bar_h, 1),
                "w": round(bar_w - 4, 1),
                "h": round(bar_h, 1),
                "count": count,
                "label": f"{index * 10}",
                "band": band,
                "label_x": round(index * bar_w + bar_w / 2, 1),
            }
        )
    return {"width": width, "height": height, "bars": bars, "axis_y": height - bottom}


@register.simple_tag
def whatif_histogram(current: list[int], proposed: list[int]) -> dict:
    """Two bars per 10-point bucket: the scored open demands now, and under the proposed weights."""
    width, height, bottom, left = 520, 190, 28, 4
    highest = max([*current, *proposed]) or 1
    group_w = (width - left) / len(current)
    bar_w = (group_w - 6) / 2
    groups = []
    for index, (now, then) in enumerate(zip(current, proposed, strict=True)):
        x = left + index * group_w + 3
        bars = []
        for offset, count, kind in ((0, now, "current"), (bar_w, then, "proposed")):
            bar_h = (height - bottom - 16) * count / highest
            bars.append(
                {
                    "x": round(x + offset, 1),
                    "y": round(height - bottom - bar_h, 1),
                    "w": round(bar_w, 1),
                    "h": round(bar_h, 1),
                    "count": count,
                    "kind": kind,
                    "label_x": round(x + offset + bar_w / 2, 1),
                }
            )
        groups.append({"label": index * 10, "bars": bars, "label_x": round(x + bar_w, 1)})
    return {"width": width, "height": height, "groups": groups, "axis_y": height - bottom}


@register.simple_tag
def funnel_chart(funnel: list[tuple[str, str, int]], label_room: int = 150) -> dict:
    """Demands per status (or value type): the names right-aligned left of the bars, in `label_room` px (room for
    the longest French one at 12 px)."""
    width, row = label_room + 190, 22
    highest = max((count for _, _, count in funnel), default=0) or 1
    rows = [
        {"status": status, "label": label, "count": count, "y": index * row, "w": round(150 * count / highest, 1)}
        for index, (status, label, count) in enumerate(funnel)
    ]
    return {"width": width, "height": len(rows) * row, "rows": rows, "label_x": label_room, "bar_x": label_room + 6}


@register.simple_tag
def agenda_chart(agenda: dict) -> dict:
    """BT against IT: share of the demands, and of the IT cost approved."""
    width = 340  # "Coût informatique approuvé : aucune pour l'instant" fits at 12 px
    rows = []
    for index, (key, label) in enumerate((("demands", _("Demands")), ("approved_cost", _("Approved IT cost")))):
        bt, it = Decimal(agenda["bt"][key] or 0), Decimal(agenda["it"][key] or 0)
        total = bt + it
        bt_share = float(bt / total) if total else 0.0
        rows.append(
            {
                "label": label,
                "y": index * 44 + 16,
                "bt_w": round(200 * bt_share, 1),
                "it_w": round(200 * (1 - bt_share), 1) if total else 0.0,
                "bt_pct": round(100 * bt_share),
                "it_pct": round(100 * (1 - bt_share)) if total else 0,
                "empty": not total,
            }
        )
    return {"width": width, "height": 92, "rows": rows}


KIND_SHORT = {
    "customization": _("Customization"),
    "new_capability": _("New capability"),
    "integration": _("Integration"),
    "compliance": _("Compliance"),
    "other": _("Other"),
}


@register.filter
def kind_short(kind: str) -> str:
    """A demand's kind in one or two words, for narrow table columns."""
    return str(KIND_SHORT.get(kind, kind))


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None
