"""/portfolio/ and /portfolio/<code>/: what staff see, who may change what, and constant query counts."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portfolio.models import Milestone, Project, StatusUpdate
from portfolio.services import change_request_approve, milestone_add, status_update_post
from tests.factories import CustomerFactory, ProjectFactory, UserFactory, file_demand, signed_in

pytestmark = pytest.mark.django_db


def rows_in_order(html: str) -> list[str]:
    return re.findall(r'<td><a href="/portfolio/(BT-\d{4})/">', html)


@pytest.mark.parametrize("url", ["/portfolio/", "/portfolio/BT-0001/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    ProjectFactory(code="BT-0001")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_staff_without_the_portfolio_permission_get_403(client):
    ProjectFactory(code="BT-0001")
    assert signed_in(UserFactory(username="nobody")).get("/portfolio/").status_code == 403


@pytest.mark.embedded
def test_list_shows_health_status_burn_target_and_totals(analyst):
    ProjectFactory(
        code="BT-0001",
        status="active",
        health="red",
        approved_budget=Decimal("200000"),
        actual_spend=Decimal("250000"),
        target_date=date(2026, 12, 31),
    )
    ProjectFactory(code="BT-0002", status="planned", health="green", approved_budget=Decimal("0"))
    html = signed_in(analyst).get("/portfolio/").content.decode()
    assert rows_in_order(html) == ["BT-0001", "BT-0002"]
    assert re.search(r'data-testid="burn-BT-0001">125 %<', html)
    assert re.search(r'data-testid="burn-BT-0002">—<', html)  # no budget, no burn
    assert "2026-12-31" in html or "Dec. 31, 2026" in html
    assert re.search(r'data-testid="totals-status".*?data-key="active">1<', html, re.S)
    assert re.search(r'data-testid="totals-health".*?data-key="red">1<', html, re.S)
    assert re.search(r'data-testid="totals-agenda".*?data-key="bt">2<', html, re.S)


def test_list_filters_and_totals_follow_the_same_filters(analyst):
    ProjectFactory(code="BT-0001", health="red", name="Billing")
    ProjectFactory(code="BT-0002", health="green", name="Portal")
    ProjectFactory(code="BT-0003", health="red", name="Portal v2")
    html = signed_in(analyst).get("/portfolio/", {"health": "red", "search": "portal"}).content.decode()
    assert rows_in_order(html) == ["BT-0003"]
    assert re.search(r'data-testid="totals-count">1<', html)


def test_list_sorts_by_a_column_and_the_header_link_reverses_it(analyst):
    ProjectFactory(code="BT-0001", progress=80)
    ProjectFactory(code="BT-0002", progress=20)
    page = signed_in(analyst)
    html = page.get("/portfolio/", {"ordering": "progress", "health": "green"}).content.decode()
    assert rows_in_order(html) == ["BT-0002", "BT-0001"]
    assert 'aria-sort="ascending"><a href="?ordering=-progress&amp;health=green">Progress ▲</a>' in html
    assert rows_in_order(page.get("/portfolio/", {"ordering": "-progress"}).content.decode()) == ["BT-0001", "BT-0002"]


def test_list_ignores_a_sort_key_outside_the_whitelist_and_says_so(analyst):
    ProjectFactory(code="BT-0002")
    ProjectFactory(code="BT-0001")
    response = signed_in(analyst).get("/portfolio/", {"ordering": "owner__password"})
    assert response.status_code == 200
    assert rows_in_order(response.content.decode()) == ["BT-0001", "BT-0002"]


def test_budget_chart_is_server_side_svg_with_one_pair_of_bars_per_project_and_no_inline_style(analyst):
    ProjectFactory(code="BT-0001", approved_budget=Decimal("100"), actual_spend=Decimal("50"))
    ProjectFactory(code="BT-0002", approved_budget=Decimal("100"), actual_spend=Decimal("200"))
    response = signed_in(analyst).get("/portfolio/")
    html = response.content.decode()
    svg = re.search(r'<svg class="plan-actual".*?</svg>', html, re.S).group(0)
    assert svg.count("<rect") == 4
    # The largest amount (200 spent) spans the whole bar width; the others scale against it.
    assert re.search(r'data-label="BT-0002">.*?width="560.0" height="12" class="bar-negative"', svg, re.S)
    assert re.search(r'data-label="BT-0001">.*?width="280.0" height="24"', svg, re.S)
    assert "style=" not in html and "<script" not in html
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("projects", [3, 30])
def test_list_query_count_does_not_grow_with_the_table(analyst, django_assert_num_queries, projects):
    sponsors = [CustomerFactory(), CustomerFactory()]
    for _ in range(projects):
        ProjectFactory(sponsors=sponsors)
    page = signed_in(analyst)
    page.get("/portfolio/")
    # session, user, user and group permissions, page count, three totals by dimension, the projects' data version,
    # the totals row (one aggregate), page rows, sponsors, the header's bell (unread notifications)
    with django_assert_num_queries(13):
        html = page.get("/portfolio/", {"health": "green"}).content.decode()
    assert len(rows_in_order(html)) == projects
    # Read again with nothing written: the totals by dimension and the totals row are reused (the version is read).
    with django_assert_num_queries(9):
        page.get("/portfolio/", {"health": "green"})


def test_the_totals_row_never_lags_the_table(analyst):
    """The totals row is kept per version of the projects' data: a write to a project is in the next page's totals."""
    project = ProjectFactory(approved_budget=Decimal("1000"))
    page = signed_in(analyst)
    before = page.get("/portfolio/").context["totals"]
    Project.objects.filter(pk=project.pk).update(approved_budget=Decimal("5000"))
    after = page.get("/portfolio/").context["totals"]
    assert (before["approved_budget"], after["approved_budget"]) == (Decimal("1000"), Decimal("5000"))


def test_detail_shows_milestones_updates_demands_customers_and_revenue(analyst, cio, portfolio_manager):
    CustomerFactory(name="Globex")
    demand = file_demand(contact_email="ann@globex.example", title="Single sign-on for the portal")
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="Strategic.")
    Project.objects.filter(pk=project.pk).update(realized_revenue=Decimal("30000"))
    milestone_add(project=project, name="Pilot live", due_date=date(2026, 9, 1))
    status_update_post(project=project, author=portfolio_manager, health="amber", note="Vendor is late.")
    html = signed_in(analyst).get(f"/portfolio/{project.code}/").content.decode()
    assert "Pilot live" in html and "Vendor is late." in html
    assert demand.reference in html and "Globex" in html
    assert re.search(r'data-testid="sponsors">Globex<', html)
    assert "100,000" in html and "30,000" in html  # expected and realized revenue
    assert re.search(r'<svg class="plan-actual".*?data-label="Revenue"', html, re.S)
    assert "Post update" not in html  # analysts read, they do not manage


def test_detail_query_count_does_not_grow_with_history(analyst, cio, portfolio_manager):
    project = change_request_approve(change_request=file_demand(), decided_by=cio, rationale="Go.")
    counts = []
    for size in (1, 10):
        while Milestone.objects.filter(project=project).count() < size:
            milestone_add(project=project, name="Step", due_date=date(2026, 9, 1))
            status_update_post(project=project, author=portfolio_manager, health="green", note="Fine.")
        page = signed_in(analyst)
        page.get(f"/portfolio/{project.code}/")
        with CaptureQueriesContext(connection) as queries:
            assert page.get(f"/portfolio/{project.code}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_portfolio_manager_posts_an_update_which_sets_health_and_moves_updated_at(portfolio_manager):
    project = ProjectFactory(code="BT-0001", health="green")
    before = project.updated_at
    response = signed_in(portfolio_manager).post(
        "/portfolio/BT-0001/updates/", {"health": "red", "note": "Supplier went bust."}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.health == "red" and project.updated_at > before
    assert StatusUpdate.objects.get(project=project).author == portfolio_manager


def test_portfolio_manager_ticks_and_reopens_a_milestone(portfolio_manager):
    project = ProjectFactory(code="BT-0001")
    milestone = milestone_add(project=project, name="Go-live", due_date=date(2026, 9, 1))
    page = signed_in(portfolio_manager)
    page.post(f"/portfolio/BT-0001/milestones/{milestone.pk}/", {"done": "1"})
    milestone.refresh_from_db()
    assert milestone.done_date is not None
    page.post(f"/portfolio/BT-0001/milestones/{milestone.pk}/", {"done": "0"})
    milestone.refresh_from_db()
    assert milestone.done_date is None


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("updates/", {"health": "red", "note": "x"}),
        ("milestones/", {"name": "Go-live", "due_date": "2026-09-01"}),
        ("progress/", {"status": "active", "progress": "50", "actual_spend": "1", "realized_revenue": "0"}),
    ],
)
def test_analysts_and_cio_read_but_cannot_change_a_project(analyst, cio, path, data):
    project = ProjectFactory(code="BT-0001")
    for user in (analyst, cio):
        assert signed_in(user).get("/portfolio/BT-0001/").status_code == 200
        assert signed_in(user).post(f"/portfolio/BT-0001/{path}", data).status_code == 403
    assert not StatusUpdate.objects.exists() and not Milestone.objects.exists()
    assert Project.objects.get(pk=project.pk).progress == 0


def test_anonymous_posts_go_to_login_and_change_nothing(client):
    ProjectFactory(code="BT-0001", health="green")
    response = client.post("/portfolio/BT-0001/updates/", {"health": "red", "note": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Project.objects.get(code="BT-0001").health == "green"


def test_ticking_a_milestone_of_another_project_is_a_404(portfolio_manager):
    ProjectFactory(code="BT-0001")
    other = milestone_add(project=ProjectFactory(code="BT-0002"), name="Go-live", due_date=date(2026, 9, 1))
    response = signed_in(portfolio_manager).post(f"/portfolio/BT-0001/milestones/{other.pk}/", {"done": "1"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.done_date is None


def test_list_pages_by_50_and_the_page_links_keep_filters_and_sort(analyst):
    for number in range(1, 53):
        ProjectFactory(code=f"BT-{number:04d}", health="amber")
    page = signed_in(analyst)
    html = page.get("/portfolio/", {"health": "amber", "ordering": "-code"}).content.decode()
    assert len(rows_in_order(html)) == 50 and rows_in_order(html)[0] == "BT-0052"
    assert '<a href="?health=amber&amp;ordering=-code&amp;page=2" rel="next">Next</a>' in html
    second = page.get("/portfolio/", {"health": "amber", "ordering": "-code", "page": 2}).content.decode()
    assert rows_in_order(second) == ["BT-0002", "BT-0001"]
