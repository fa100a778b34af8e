"""Streamed CSV exports that spreadsheets cannot be tricked by (RFC 4180 quoting, formulas neutralized)."""

import contextlib
import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse

# A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would execute with a quote, so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return "" if value is None else value


class _Echo:
    def write(self, value: str) -> str:
        return value


ROWS_PER_CHUNK = 500


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV text in chunks of ROWS_PER_CHUNK rows: one write to the socket per chunk, not per row."""
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    yield writer.writerow(list(header))
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([csv_safe(value) for value in row]))
        if len(chunk) == ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def with_export_timeouts(lines: Iterator[str]) -> Iterator[str]:
    """Give an export's one long read DB_EXPORT_STATEMENT_TIMEOUT_MS instead of the web's statement timeout,
    on the server and in the client's deadline (core.database), for as long as it streams; then reset."""
    from django.conf import settings
    from django.db import DatabaseError, connection

    from core.database import CLIENT_MARGIN_SECONDS, database_deadline, statement_timeout_set

    milliseconds = settings.DB_EXPORT_STATEMENT_TIMEOUT_MS
    with database_deadline(milliseconds / 1000 + CLIENT_MARGIN_SECONDS):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                statement_timeout_set(cursor, milliseconds)
        try:
            yield from lines
        finally:
            # `closed` is psycopg's; SQLite (the embedded default) has no statement timeout to reset.
            if (
                connection.vendor == "postgresql"
                and connection.connection is not None
                and not connection.connection.closed
            ):
                with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                    cursor.execute("RESET statement_timeout")  # back to the connection's own (the role's) value


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> StreamingHttpResponse:
    """Stream rows as they are read: the first byte leaves at once and memory stays flat."""
    response = StreamingHttpResponse(
        with_export_timeouts(csv_lines(header, rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
