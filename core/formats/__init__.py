"""The product's one date style, in the reader's language and time zone.

Django's format names (DATE_FORMAT, DATETIME_FORMAT…) are set per language in `core/formats/<language>/formats.py`
(settings.FORMAT_MODULE_PATH), so a date printed by these functions, by the `day`/`datetime`/`month` filters of the
demanddesk tag library, or by Django itself (`{{ some_date }}`, the admin) reads "4 Dec 2026" in English and
"4 déc. 2026" in French. Times are shown in the active time zone: the one the reader chose (a cookie that
core.middleware.ReaderTimeZoneMiddleware reads), else settings.TIME_ZONE.
"""

import functools
import zoneinfo
from datetime import date, datetime

from django.utils import dateformat, formats, timezone

# The reader's IANA time zone, as chosen on the time-zone page (core.views.time_zone_choose).
TIME_ZONE_COOKIE = "dd_tz"
# The regions of the IANA database's canonical zones; the rest are aliases kept for old systems (US/…, Etc/…).
TIME_ZONE_REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


@functools.cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def reader_time_zone(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone a reader chose, if it is a real IANA zone; anything else (or nothing) is ignored."""
    return zoneinfo.ZoneInfo(name) if name in _known_time_zones() else None


@functools.cache
def time_zone_choices() -> list[tuple[str, object]]:
    """UTC, then each region's zones as `(region, [(zone, "Region/City"), …])`, for a grouped select."""
    by_region: dict[str, list[tuple[str, str]]] = {region: [] for region in TIME_ZONE_REGIONS}
    for zone in sorted(_known_time_zones()):
        region, _, place = zone.partition("/")
        if region in by_region and place:
            by_region[region].append((zone, zone.replace("_", " ")))
    return [("UTC", "UTC"), *((region, zones) for region, zones in by_region.items() if zones)]


def _local(value: date) -> date:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def date_display(value: date | None) -> str:
    """The calendar day, `4 Dec 2026`; for a moment, the day it is where the reader is. Nothing → ''."""
    if value is None or value == "":
        return ""
    return formats.date_format(_local(value), "DATE_FORMAT")


def datetime_display(value: date | None, *, seconds: bool = False) -> str:
    """A moment in the reader's time zone, `4 Dec 2026, 17:26` (with `:05` when `seconds`); a date as a day."""
    if value is None or value == "":
        return ""
    if not isinstance(value, datetime):
        return date_display(value)
    pattern = str(formats.get_format("DATETIME_FORMAT"))
    if seconds:
        pattern = pattern.replace("H:i", "H:i:s")
    return dateformat.format(_local(value), pattern)


def month_display(value: date | None) -> str:
    """A month, `Nov 2026`. Nothing → ''."""
    if value is None or value == "":
        return ""
    return formats.date_format(_local(value), "YEAR_MONTH_FORMAT")
