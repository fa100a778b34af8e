from base64 import urlsafe_b64decode, urlsafe_b64encode
from datetime import datetime, timedelta
from functools import cached_property, partial
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from core.cache import cached


class StandardPagination(PageNumberPagination):
    """Page-number pagination with a client-chosen page size, capped so one request stays cheap.

    A page size outside 1..200 is a 400 naming `page_size` (not silently replaced), so a client learns
    its mistake; a page number past the end is a 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list | None:
        # A list whose ETag comes from a data version (core.etag.ETagMixin) reuses its count while the
        # version stands: the count is then exact without counting the table on every request.
        seen = getattr(view, "data_version_seen", None)
        count_key = None
        if seen is not None:
            filters = sorted(
                (key, value)
                for key, values in request.query_params.lists()
                if key not in (self.page_query_param, self.page_size_query_param)
                for value in values
            )
            count_key = repr((*seen, request.user.pk, filters))
        self.django_paginator_class = partial(VersionedCountPaginator, count_key=count_key)  # type: ignore[assignment]
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        message = _("Ask for 1 to %(max)d per page.") % {"max": self.max_page_size}
        try:
            size = int(raw.strip())
        except ValueError:
            raise ValidationError({self.page_size_query_param: [message]}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [message]})
        return size

    def get_page_number(self, request: Request, paginator: Any) -> int | str:
        """A page is a whole number from 1 (or `last`): `0`, `-1` or `abc` is a 400, a page past the end a 404."""
        raw = request.query_params.get(self.page_query_param, "1").strip()
        if raw in self.last_page_strings:
            return raw
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError({self.page_query_param: [_("Ask for a page number from 1.")]})
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        limits = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(limits.get(parameter["name"], {}))
        return parameters


class BoundedPaginator(Paginator):
    """A page paginator that counts at most `bound` rows: a page of a million-row list costs no full count.

    `count` is exact up to `bound`; beyond it, `bounded` is true, the count stops at `bound` and pages
    run out there (sorting and filters reach any row). Pages show "more than {bound}" then.
    """

    def __init__(self, object_list: Any, per_page: int, *, bound: int = 10_000, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.bound = bound

    @cached_property
    def _bounded_count(self) -> int:
        # The ordering does not change how many rows there are, and dropping it keeps the count a scan
        # of at most bound + 1 index entries rather than a sort of every matching row.
        return self.object_list.order_by()[: self.bound + 1].count()  # type: ignore[attr-defined]

    @cached_property
    def count(self) -> int:
        return min(self._bounded_count, self.bound)

    @property
    def bounded(self) -> bool:
        return self._bounded_count > self.bound


class VersionedCountPaginator(Paginator):
    """Counts once per `count_key`, which names the list's data version: any write moves the version, so
    a reused count is never stale (it lives in each process's memory, see core.cache)."""

    def __init__(self, object_list: Any, per_page: int, *, count_key: str | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        compute = partial(Paginator.count.func, self)  # type: ignore[attr-defined]
        if self.count_key is None:
            return compute()
        return cached("versioned-list-count", self.count_key, 600, compute)


class ChangesCursorPagination(BasePagination):
    """Incremental pulls: rows in the order they last changed, `(updated_at, id)`, resumed from an opaque cursor.

    The cursor names the last row a client received; the next page starts strictly after it, so a client that
    pulls while others write never misses nor repeats a row (a row changed again meanwhile comes back once more,
    at its new place: that is a new change). Rows changed in the last `API_CHANGES_SETTLE_SECONDS` are held back
    until then: `updated_at` is taken before its transaction commits, and a slower transaction could otherwise
    commit a row behind a cursor already handed out.
    """

    page_size = 100
    max_page_size = 200

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list:
        sizer = StandardPagination()
        sizer.page_size = self.page_size
        size = sizer.get_page_size(request)
        after = cursor_decode(request.query_params.get("cursor"))
        settled = timezone.now() - timedelta(seconds=settings.API_CHANGES_SETTLE_SECONDS)
        rows = queryset.filter(updated_at__lt=settled)
        if after is not None:
            changed, pk = after
            rows = rows.filter(Q(updated_at__gt=changed) | Q(updated_at=changed, pk__gt=pk))
        page = list(rows.order_by("updated_at", "pk")[: size + 1])
        self.has_more = len(page) > size
        page = page[:size]
        self.next_cursor: str | None = request.query_params.get("cursor")
        if page:
            last = page[-1]  # a model instance, or a `values()` row (portfolio.api.views.ProjectRowsList)
            changed, pk = (last["updated_at"], last["id"]) if isinstance(last, dict) else (last.updated_at, last.pk)
            self.next_cursor = cursor_encode(changed, pk)
        return page

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"results": data, "next_cursor": self.next_cursor, "has_more": self.has_more})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results", "next_cursor", "has_more"],
            "properties": {
                "results": schema,
                "next_cursor": {
                    "type": "string",
                    "nullable": True,
                    "description": "Send it back as `cursor` for the rows changed after these (null before any row).",
                },
                "has_more": {"type": "boolean", "description": "More rows are ready now: ask again at once."},
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "The `next_cursor` of your last answer; without it, from the first change.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_-]+$"},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": "Rows per answer, 1 to 200 (default 100).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


def cursor_encode(updated_at: datetime, pk: int) -> str:
    return urlsafe_b64encode(f"{updated_at.isoformat()}|{pk}".encode()).decode().rstrip("=")


def cursor_decode(raw: str | None) -> tuple[datetime, int] | None:
    """The (updated_at, id) a cursor names; a cursor we did not write is a 400 naming `cursor`."""
    if raw is None:
        return None
    try:
        text = urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        moment, pk = text.split("|")
        changed = datetime.fromisoformat(moment)
        if changed.tzinfo is None or not pk.isdigit():
            raise ValueError(text)
        return changed, int(pk)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError({"cursor": [_("Send back a `next_cursor` exactly as received.")]}) from None
