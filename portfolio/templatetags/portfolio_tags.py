"""Lets triage's page offer "add to an existing project" without triage importing portfolio; chart geometry."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext

from portfolio.models import Project

register = template.Library()


@register.simple_tag
def project_for_demand(change_request_id: int) -> Project | None:
    return (
        Project.objects.filter(project_demands__change_request_id=change_request_id)
        .only("code", "name", "status", "progress", "target_date", "health")
        .first()
    )


CHART_LABEL_WIDTH = 110
CHART_BAR_WIDTH = 560
CHART_ROW_HEIGHT = 30
CHART_VALUE_ROOM = 150  # "1 750 000 EUR / 1 750 000 EUR" at 12 px, right of the longest bar


@register.simple_tag
def plan_actual_bars(rows: list[tuple[str, Decimal, Decimal]], label_width: int = CHART_LABEL_WIDTH) -> dict:
    """SVG geometry for planned-against-actual pairs (budget and spend, expected and realized revenue).

    Both bars of every row share one scale, the largest amount of all rows, so rows compare at a glance.
    """
    largest = max([max(planned, actual) for _label, planned, actual in rows] or [Decimal("0")])
    scale = Decimal(CHART_BAR_WIDTH) / largest if largest else Decimal("0")
    bars = [
        {
            "label": label,
            "planned": planned,
            "actual": actual,
            "over": actual > planned,
            "y": index * CHART_ROW_HEIGHT,
            "planned_width": float(planned * scale),
            "actual_width": float(actual * scale),
            "value_x": float(max(planned, actual) * scale) + label_width + 6,
        }
        for index, (label, planned, actual) in enumerate(rows)
    ]
    width = label_width + CHART_BAR_WIDTH + CHART_VALUE_ROOM
    return {"bars": bars, "height": len(bars) * CHART_ROW_HEIGHT + 4, "label_width": label_width, "width": width}


@register.simple_tag
def budget_rows(projects: list[Project]) -> list[tuple[str, Decimal, Decimal]]:
    return [(project.code, project.approved_budget, project.actual_spend) for project in projects]


@register.simple_tag
def plan_actual_rows(project: Project) -> list[tuple[str, Decimal, Decimal]]:
    return [
        (gettext("Budget"), project.approved_budget, project.actual_spend),
        (gettext("Revenue"), project.expected_revenue, project.realized_revenue),
    ]


@register.simple_tag
def calibration_rows(groups: list[dict]) -> list[tuple[str, Decimal, Decimal]]:
    """Revenue at stake (planned) against attributed realized revenue (actual), one pair per group."""
    return [(str(group["label"]), group["stake_total"], group["realized_total"]) for group in groups]


@register.simple_tag
def unit_cost_trend(history: list, target: Decimal | None = None) -> dict:
    """SVG geometry of a service's cost per unit month by month, with the target as a dashed line if one is set.

    The vertical scale runs from 0 to the highest of the costs and the target, so a fall reads as a fall.
    """
    width, height, left, bottom = 560, 180, 60, 24
    # 30 px right of the last point: its month ("2026-11", centred under it) stays inside the viewBox.
    plot_w, plot_h = width - left - 30, height - bottom - 10
    highest = max([record.cost_per_unit for record in history] + ([target] if target else []), default=Decimal(0))
    scale = float(highest) or 1.0
    step = plot_w / max(1, len(history) - 1)

    def y(amount: Decimal) -> float:
        return round(10 + plot_h - plot_h * float(amount) / scale, 1)

    points = [
        {
            "x": round(left + index * step, 1),
            "y": y(record.cost_per_unit),
            "cost": record.cost_per_unit,
            "period": record.period,
        }
        for index, record in enumerate(history)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "bottom_y": 10 + plot_h,
        "points": points,
        "polyline": " ".join(f"{point['x']},{point['y']}" for point in points),
        "target_y": y(target) if target is not None else None,
        "highest": highest,
    }
