"""Pages of huge lists count at most a bound of rows, and say so."""

import pytest

from core.pagination import BoundedPaginator
from intake.models import ChangeRequest
from tests.factories import ProjectFactory, file_demand

pytestmark = pytest.mark.django_db


@pytest.mark.embedded
def test_the_count_is_exact_up_to_the_bound_then_stops_there():
    for _ in range(5):
        file_demand()
    exact = BoundedPaginator(ChangeRequest.objects.order_by("-created_at"), 2, bound=5)
    assert (exact.count, exact.bounded, exact.num_pages) == (5, False, 3)
    capped = BoundedPaginator(ChangeRequest.objects.order_by("-created_at"), 2, bound=4)
    assert (capped.count, capped.bounded, capped.num_pages) == (4, True, 2)
    assert len(capped.page(2).object_list) == 2


def test_the_count_ignores_the_ordering(django_assert_num_queries):
    file_demand()
    paginator = BoundedPaginator(ChangeRequest.objects.order_by("-score", "title"), 10, bound=100)
    with django_assert_num_queries(1) as queries:
        assert paginator.count == 1
    assert "ORDER BY" not in queries.captured_queries[0]["sql"].upper()


def test_a_list_longer_than_the_bound_says_more_than(client, cio, settings, monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "__init__", _with_bound(BoundedPaginator.__init__, 3))
    for _ in range(4):
        ProjectFactory()
    for _ in range(4):
        file_demand()
    client.force_login(cio)
    assert "More than 3" in client.get("/portfolio/").content.decode()
    assert "More than 3" in client.get("/triage/").content.decode()


def _with_bound(init, bound: int):
    def patched(self, object_list, per_page, **kwargs):
        kwargs["bound"] = bound
        init(self, object_list, per_page, **kwargs)

    return patched
