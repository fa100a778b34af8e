"""Presentation helpers for triage pages: the score waterfall as SVG geometry."""

from decimal import Decimal

from django import template

register = template.Library()

CHART_WIDTH = 480
SCALE = Decimal(CHART_WIDTH) / Decimal(100)


BAR_PITCH = 26


@register.simple_tag
def waterfall(components: list[dict]) -> dict:
    """One bar per component, each starting where the running total stood: the bars add up to the score."""
    bars, running = [], Decimal("0")
    for index, component in enumerate(components):
        points = Decimal(component["points"])
        start, end = running, running + points
        left, right = min(start, end), max(start, end)
        bars.append(
            {
                **component,
                "y": index * BAR_PITCH,
                "x": float(max(Decimal(0), left) * SCALE),
                "width": float(max(Decimal("0.5"), (right - left) * SCALE)),
                "negative": points < 0,
                "label_x": float(min(Decimal(100), max(Decimal(0), right)) * SCALE) + 4,
            }
        )
        running = end
    return {"bars": bars, "height": len(bars) * BAR_PITCH + 4}


@register.filter
def percent(normalized: float | None) -> str:
    return "" if normalized is None else f"{normalized * 100:.0f} %"
