"""Cheap polling: ETags on every GET, 304 for `If-None-Match` before any serialization, constant query counts."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.models import ChangeRequest
from portfolio.services import change_request_approve, milestone_add, milestone_set_done, status_update_post
from tests.factories import CustomerFactory, ProjectFactory, file_demand

pytestmark = pytest.mark.django_db

LIST = "/api/v1/projects/"


def etag_of(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response["ETag"]


@pytest.mark.embedded
@pytest.mark.parametrize("url", [LIST, "/api/v1/portfolio/summary/", "/api/v1/projects/BT-0001/"])
def test_every_project_get_carries_an_etag_and_a_matching_poll_gets_304_with_no_body(reader_client, url):
    ProjectFactory(code="BT-0001")
    etag = etag_of(reader_client, url)
    assert etag.startswith('W/"')
    response = reader_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "Authorization" in response["Vary"]


def test_a_stale_or_foreign_etag_gets_the_full_answer(reader_client):
    ProjectFactory()
    response = reader_client.get(LIST, HTTP_IF_NONE_MATCH='W/"not-the-tag", "neither"')
    assert response.status_code == 200 and response.json()["count"] == 1


def test_if_none_match_star_on_a_missing_project_is_still_a_404(reader_client):
    assert reader_client.get(f"{LIST}BT-0404/", HTTP_IF_NONE_MATCH="*").status_code == 404


def test_the_tag_depends_on_filters_ordering_and_page(reader_client):
    for _ in range(3):
        ProjectFactory()
    tags = {
        etag_of(reader_client, LIST),
        etag_of(reader_client, LIST, status="active"),
        etag_of(reader_client, LIST, ordering="-code"),
        etag_of(reader_client, LIST, page_size=1, page=2),
    }
    assert len(tags) == 4
    assert etag_of(reader_client, LIST, ordering="-code") == etag_of(reader_client, LIST, ordering="-code")


@pytest.mark.embedded
def test_list_tag_changes_when_a_project_is_added_or_changed(reader_client):
    project = ProjectFactory()
    first = etag_of(reader_client, LIST)
    ProjectFactory()
    second = etag_of(reader_client, LIST)
    project.health = "red"
    project.save()
    assert len({first, second, etag_of(reader_client, LIST)}) == 3


def test_detail_tag_changes_with_milestones_status_updates_and_linked_demands(reader_client, cio, portfolio_manager):
    demand = file_demand()
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="Go.")
    url = f"{LIST}{project.code}/"
    tags = [etag_of(reader_client, url)]
    milestone = milestone_add(project=project, name="Pilot", due_date=date(2026, 9, 1))
    tags.append(etag_of(reader_client, url))
    milestone_set_done(milestone=milestone, done=True)
    tags.append(etag_of(reader_client, url))
    status_update_post(project=project, author=portfolio_manager, health="amber", note="Late.")
    tags.append(etag_of(reader_client, url))
    demand = ChangeRequest.objects.get(pk=demand.pk)
    demand.title = "Export invoices to SAP, renamed"
    demand.save()
    tags.append(etag_of(reader_client, url))
    assert len(set(tags)) == 5
    assert reader_client.get(url, HTTP_IF_NONE_MATCH=tags[-1]).status_code == 304


def test_detail_tag_changes_when_a_sponsor_is_renamed(reader_client):
    sponsor = CustomerFactory(name="Acme")
    project = ProjectFactory(sponsors=[sponsor])
    url = f"{LIST}{project.code}/"
    before = etag_of(reader_client, url)
    sponsor.name = "Acme Corporation"
    sponsor.save()
    assert etag_of(reader_client, url) != before


def test_tags_differ_between_json_and_the_browsable_api(reader_client, monkeypatch):
    from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

    from portfolio.api.views import ProjectViewSet

    # The browsable API exists only with DEBUG on (config/settings.py); there, each representation has its tag.
    monkeypatch.setattr(ProjectViewSet, "renderer_classes", [JSONRenderer, BrowsableAPIRenderer])
    ProjectFactory()
    assert etag_of(reader_client, LIST) != reader_client.get(LIST, HTTP_ACCEPT="text/html")["ETag"]


def test_conditional_poll_with_updated_since_is_answered_with_at_most_two_queries(reader_client):
    for _ in range(5):
        ProjectFactory()
    params = {"updated_since": "2020-01-01T00:00:00Z"}
    etag = etag_of(reader_client, LIST, **params)  # also records the token's use, at most once a minute
    with CaptureQueriesContext(connection) as queries:
        response = reader_client.get(LIST, params, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert len(queries) == 2, [query["sql"] for query in queries]  # the token lookup and the data version
    assert "core_apitoken" in queries[0]["sql"] and "core_dataversion" in queries[1]["sql"]


def test_conditional_detail_and_summary_polls_take_two_queries(reader_client):
    project = ProjectFactory()
    for url in (f"{LIST}{project.code}/", "/api/v1/portfolio/summary/"):
        etag = etag_of(reader_client, url)
        with CaptureQueriesContext(connection) as queries:
            assert reader_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert len(queries) == 2, url


@pytest.mark.parametrize(("projects", "page_size"), [(3, 2), (3, 50), (30, 2), (30, 50)])
def test_list_query_count_is_the_same_for_any_table_and_page_size(
    reader_client, django_assert_num_queries, projects, page_size
):
    sponsors = [CustomerFactory(), CustomerFactory()]
    for _ in range(projects):
        ProjectFactory(sponsors=sponsors)
    reader_client.get(LIST)  # records the token's use (a write at most once a minute) and counts the rows
    # token, data version, page rows, sponsors of the page (the count stands while the version does)
    with django_assert_num_queries(4):
        body = reader_client.get(LIST, {"page_size": page_size}).json()
    assert len(body["results"]) == min(projects, page_size)
    assert all(len(project["sponsors"]) == 2 for project in body["results"])


@pytest.mark.parametrize("projects", [3, 30])
def test_summary_query_count_does_not_grow_with_the_table(reader_client, django_assert_num_queries, projects):
    for _ in range(projects):
        ProjectFactory()
    reader_client.get("/api/v1/portfolio/summary/")
    # token, ETag aggregate, one GROUP BY per dimension
    with django_assert_num_queries(5):
        assert reader_client.get("/api/v1/portfolio/summary/").json()["total"]["count"] == projects


@pytest.mark.parametrize("milestones", [1, 12])
def test_detail_query_count_does_not_grow_with_its_history(
    reader_client, cio, portfolio_manager, django_assert_num_queries, milestones
):
    project = change_request_approve(change_request=file_demand(), decided_by=cio, rationale="Go.")
    for number in range(milestones):
        milestone_add(project=project, name=f"Step {number}", due_date=date(2026, 9, 1))
        status_update_post(project=project, author=portfolio_manager, health="green", note=f"Week {number}.")
    url = f"{LIST}{project.code}/"
    reader_client.get(url)
    # token, ETag aggregate, project + owner, sponsors, milestones, updates + authors, demands + customers
    with django_assert_num_queries(7):
        body = reader_client.get(url).json()
    assert len(body["milestones"]) == milestones


@pytest.mark.embedded
@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda project: project.save(), id="project saved"),
        pytest.param(lambda project: type(project).objects.filter(pk=project.pk).delete(), id="project deleted"),
        pytest.param(lambda project: project.sponsors.add(CustomerFactory()), id="sponsor added"),
        pytest.param(lambda project: project.sponsors.update(name="Renamed Ltd"), id="sponsor renamed"),
        pytest.param(lambda project: ProjectFactory(), id="another project"),
    ],
)
def test_any_write_to_what_the_list_shows_changes_the_list_tag(reader_client, write):
    project = ProjectFactory()
    project.sponsors.add(CustomerFactory())
    etag = etag_of(reader_client, LIST)
    assert reader_client.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 304
    write(project)
    assert reader_client.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_raw_sql_update_changes_the_list_tag_too(reader_client):
    project = ProjectFactory()
    etag = etag_of(reader_client, LIST)
    with connection.cursor() as cursor:  # no service, no signal: the database's own trigger sees it
        cursor.execute("UPDATE portfolio_project SET health = 'red' WHERE id = %s", [project.pk])
    assert reader_client.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_tag_for_any_representation_still_needs_valid_filters(reader_client):
    response = reader_client.get(LIST, {"updated_since": "not a time"}, HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 400 and "updated_since" in response.json()["fields"]


def test_the_list_count_is_reused_while_the_data_version_stands_and_recounted_after_a_write(reader_client):
    for _ in range(3):
        ProjectFactory()
    assert reader_client.get(LIST).json()["count"] == 3
    with CaptureQueriesContext(connection) as queries:
        assert reader_client.get(LIST, {"page_size": 2}).json()["count"] == 3  # another page size, same rows
    assert not any("COUNT(" in query["sql"].upper() for query in queries)
    ProjectFactory()
    assert reader_client.get(LIST).json()["count"] == 4
    assert reader_client.get(LIST, {"status": "cancelled"}).json()["count"] == 0  # a filter has its own count


CHANGES = "/api/v1/projects/changes/"


def changed(code: str, seconds_ago: float) -> None:
    """Set a project's updated_at in the past (a plain UPDATE: auto_now would move it to now)."""
    from datetime import timedelta

    from django.utils import timezone

    from portfolio.models import Project

    Project.objects.filter(code=code).update(updated_at=timezone.now() - timedelta(seconds=seconds_ago))


def pull(client, cursor: str | None, **params) -> dict:
    response = client.get(CHANGES, {**params, **({"cursor": cursor} if cursor else {})})
    assert response.status_code == 200, response.content
    return response.json()


def test_an_incremental_pull_sees_every_change_once_while_others_write(reader_client, settings):
    settings.API_CHANGES_SETTLE_SECONDS = 0
    for number, seconds_ago in [(1, 50), (2, 40), (3, 40), (4, 30)]:  # two rows share a moment: the id orders them
        ProjectFactory(code=f"BT-000{number}")
        changed(f"BT-000{number}", seconds_ago)
    first = pull(reader_client, None, page_size=2)
    assert [p["code"] for p in first["results"]] == ["BT-0001", "BT-0002"] and first["has_more"]
    # Meanwhile someone changes BT-0001 (already seen) and files BT-0005: both come after the cursor.
    changed("BT-0001", 5)
    ProjectFactory(code="BT-0005")
    changed("BT-0005", 4)
    second = pull(reader_client, first["next_cursor"], page_size=2)
    third = pull(reader_client, second["next_cursor"], page_size=2)
    codes = [p["code"] for p in second["results"] + third["results"]]
    assert codes == ["BT-0003", "BT-0004", "BT-0001", "BT-0005"] and not third["has_more"]
    idle = pull(reader_client, third["next_cursor"])
    assert idle == {"results": [], "next_cursor": third["next_cursor"], "has_more": False}


def test_a_pull_holds_back_rows_changed_in_the_settling_window(reader_client, settings):
    settings.API_CHANGES_SETTLE_SECONDS = 10
    ProjectFactory(code="BT-0001")
    changed("BT-0001", 60)
    ProjectFactory(code="BT-0002")  # changed just now: a slower transaction could still commit behind it
    assert [p["code"] for p in pull(reader_client, None)["results"]] == ["BT-0001"]


def test_a_pull_takes_the_lists_filters_but_not_an_ordering(reader_client, settings):
    settings.API_CHANGES_SETTLE_SECONDS = 0
    ProjectFactory(code="BT-0001", status="active")
    ProjectFactory(code="BT-0002", status="planned")
    changed("BT-0001", 20)
    changed("BT-0002", 10)
    assert [p["code"] for p in pull(reader_client, None, status="planned")["results"]] == ["BT-0002"]
    assert [p["code"] for p in pull(reader_client, None, ordering="-code")["results"]] == ["BT-0001", "BT-0002"]


@pytest.mark.parametrize("cursor", ["nonsense", "", "MjAyNi0xMy0wMXwx", "eA"])
def test_a_cursor_we_did_not_write_is_a_400(reader_client, cursor):
    response = reader_client.get(CHANGES, {"cursor": cursor})
    assert response.status_code == 400 and list(response.json()["fields"]) == ["cursor"]


@pytest.mark.parametrize("size", [2, 20])
def test_a_pull_costs_the_same_queries_at_any_size(reader_client, settings, django_assert_max_num_queries, size):
    settings.API_CHANGES_SETTLE_SECONDS = 0
    for number in range(size):
        ProjectFactory(code=f"BT-{number:04d}", sponsors=[CustomerFactory()])
        changed(f"BT-{number:04d}", 30)
    with django_assert_max_num_queries(4):  # token, the page, its sponsors (prefetched), owners joined
        assert len(pull(reader_client, None)["results"]) == size
