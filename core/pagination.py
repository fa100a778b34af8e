from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class StandardPagination(PageNumberPagination):
    """Page-number pagination with a client-chosen page size, capped so one request stays cheap.

    A page size outside 1..200 is a 400 naming `page_size` (not silently replaced), so a client learns
    its mistake; a page number past the end is a 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        message = f"Ask for 1 to {self.max_page_size} per page."
        try:
            size = int(raw.strip())
        except ValueError:
            raise ValidationError({self.page_size_query_param: [message]}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [message]})
        return size

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
        return self.object_list.order_by()[: self.bound + 1].count()

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return min(self._bounded_count, self.bound)

    @property
    def bounded(self) -> bool:
        return self._bounded_count > self.bound
