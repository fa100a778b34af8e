"""Streamed CSV exports that spreadsheets cannot be tricked by (RFC 4180 quoting, formulas neutralized)."""

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
    """Read an export in one transaction, whose one long read may take DB_EXPORT_STATEMENT_TIMEOUT_MS instead of
    the web's statement timeout (on the server and in the client's deadline, core.database) while it streams.

    One transaction: the server-side cursor of QuerySet.iterator() is then a plain one, read where it was
    declared, and the longer timeout is `SET LOCAL`, gone at the end; both hold behind PgBouncer in transaction
    pooling, where a cursor declared WITH HOLD, or a session-level setting, would end up on another client's
    server connection. A client that goes away mid-stream closes the generator: the transaction rolls back."""
    from django.conf import settings
    from django.db import transaction

    from core.database import transaction_statement_timeout

    with transaction.atomic(), transaction_statement_timeout(settings.DB_EXPORT_STATEMENT_TIMEOUT_MS):
        yield from lines


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> StreamingHttpResponse:
    """Stream rows as they are read: the first byte leaves at once and memory stays flat."""
    response = StreamingHttpResponse(
        with_export_timeouts(csv_lines(header, rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
