"""French dates: `4 déc. 2026`, `4 déc. 2026 à 17:26`."""

DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y à H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "N Y"
