"""Calendar quarters, as the capacity plan counts them: a quarter is named by its first day."""

from datetime import date


def quarter_start(day: date) -> date:
    """The first day of the quarter `day` falls in."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_after(start: date, quarters: int = 1) -> date:
    """The first day of the quarter `quarters` after the one starting on `start` (negative goes back)."""
    months = start.year * 12 + (start.month - 1) + 3 * quarters
    return date(months // 12, months % 12 + 1, 1)


def quarter_label(start: date) -> str:
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


def is_quarter_start(day: date) -> bool:
    return day.day == 1 and day.month in (1, 4, 7, 10)
