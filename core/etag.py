"""Conditional GET for polling clients: an ETag from a cheap aggregate, checked before any serialization.

The tag is a digest of what the answer depends on: the path, the query string (filters, ordering, page),
the negotiated media type, the user, and a fingerprint of the rows. For a detail, the fingerprint is the
row's `updated_at` (and its related rows' newest); writers bump `updated_at` of the row a client reads
whenever something it shows changes. For a large list, counting the rows a filter selects would cost a
scan of the table on every poll, so the fingerprint is the list's `core.DataVersion`, a counter that
database triggers move on every write to the tables the list shows: a poll whose `If-None-Match` still
matches costs the token lookup and one primary-key read, then a 304, without even parsing the filters.
"""

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import Count, Max, QuerySet
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import get_language
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

# Bump when a serializer's output changes shape, so clients holding an old tag get the new body.
ETAG_VERSION = "2"


def queryset_fingerprint(queryset: QuerySet, **aggregates: Any) -> dict[str, Any]:
    """How many rows (`rows`) and the newest `updated_at` (plus any extra aggregates), in one query."""
    # Extra aggregates over related rows join them in, so rows are then counted distinctly.
    rows = Count("pk", distinct=bool(aggregates))
    return queryset.order_by().aggregate(rows=rows, latest=Max("updated_at"), **aggregates)


def data_version(name: str) -> int:
    """The current version of a data set (0 until the first write since the counter was created).

    Plain SQL: on a 304 this is half the work, and the ORM's compilation of even this query cost more
    than PostgreSQL took to answer it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM core_dataversion WHERE name = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else 0


def etag_for(request: Request, fingerprint: dict[str, Any]) -> str:
    """A weak validator: equal tags mean the same rows, rendered the same way for the same caller."""
    query = sorted((key, value) for key, values in request.query_params.lists() for value in values)
    parts = (
        ETAG_VERSION,
        request.path,
        query,
        request.accepted_media_type,
        # Messages and labels follow the reader's language: a French reader never gets the English copy's 304.
        get_language(),
        request.user.pk,
        sorted(fingerprint.items()),
    )
    return f'W/"{hashlib.sha256(repr(parts).encode()).hexdigest()[:32]}"'


def etag_matches(request: Request, etag: str) -> bool:
    """Weak comparison against `If-None-Match` (RFC 9110 13.1.2), `*` included."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(candidate.removeprefix("W/") == opaque for candidate in parse_etags(header))


def conditional_response(request: Request, fingerprint: dict[str, Any], respond: Callable[[], Response]) -> Response:
    """304 when the client's tag still matches (nothing serialized), else `respond()` with the tag set.

    `If-None-Match: *` means "any representation": 304 only when the request would have been a 200, so a
    bad parameter (`page=-961`) is still its 400.
    """
    etag = etag_for(request, fingerprint)
    if request.headers.get("If-None-Match", "").strip() == "*":
        response = respond()
        if response.status_code == status.HTTP_200_OK:
            response = Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    elif etag_matches(request, etag):
        response = Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    else:
        response = respond()
        if response.status_code == status.HTTP_200_OK:
            response["ETag"] = etag
    # The tag depends on the caller: a shared cache must not answer one token with another's copy.
    patch_vary_headers(response, ["Authorization", "Accept-Language"])
    return response


class ETagMixin:
    """For read-only viewsets: `list` and `retrieve` carry an ETag and answer `If-None-Match` with 304.

    `retrieve_etag_aggregates` adds maxima of related rows the detail shows (e.g. linked demands), so a
    change there changes the detail's tag too.
    """

    retrieve_etag_aggregates: dict[str, Any] = {}
    # Without a data version, maxima of related rows the list shows (e.g. a row's customer name) join the count.
    list_etag_aggregates: dict[str, Any] = {}
    # The `core.DataVersion` whose triggers cover every table the list shows; without one, the list's tag
    # comes from counting the filtered rows.
    list_data_version: str | None = None
    data_version_seen: tuple[str, int] | None = None

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A mixin: the viewset it is mixed into supplies list() and retrieve().
        respond = lambda: super(ETagMixin, self).list(request, *args, **kwargs)  # type: ignore[misc]  # noqa: E731
        if self.list_data_version is None:
            queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
            return conditional_response(request, queryset_fingerprint(queryset, **self.list_etag_aggregates), respond)
        fingerprint = {"version": data_version(self.list_data_version)}
        self.data_version_seen = (self.list_data_version, fingerprint["version"])  # core.pagination reuses it
        return conditional_response(request, fingerprint, respond)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field  # type: ignore[attr-defined]
        queryset = self.filter_queryset(self.get_queryset()).filter(  # type: ignore[attr-defined]
            **{self.lookup_field: self.kwargs[lookup_url_kwarg]}  # type: ignore[attr-defined]
        )
        fingerprint = queryset_fingerprint(queryset, **self.retrieve_etag_aggregates)
        if not fingerprint["rows"]:  # a missing resource is a 404, even for `If-None-Match: *`
            return super().retrieve(request, *args, **kwargs)  # type: ignore[misc]
        return conditional_response(
            request,
            fingerprint,
            lambda: super(ETagMixin, self).retrieve(request, *args, **kwargs),  # type: ignore[misc]
        )
