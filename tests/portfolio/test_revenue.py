"""Realized revenue: an append-only monthly history whose sum is the project's realized revenue, recorded by
portfolio managers only, with field errors for bad input and no amount lost to a race."""

import importlib
import re
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.exceptions import ApplicationError
from core.models import AuditEvent
from portfolio.models import Project, RevenueRecord, RevenueRefused
from portfolio.services import RevenueRefusal, change_request_approve, project_update, revenue_record_add
from tests.factories import ProjectFactory, RevenueRecordFactory, UserFactory, file_demand, signed_in

pytestmark = pytest.mark.django_db

LAST_MONTH = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).replace(day=1)


def realized(project: Project) -> Decimal:
    return Project.objects.values_list("realized_revenue", flat=True).get(pk=project.pk)


# The service


@pytest.mark.embedded
def test_each_record_is_kept_and_the_project_total_is_their_sum(portfolio_manager):
    project = ProjectFactory(code="BT-0001")
    before = project.updated_at
    first = revenue_record_add(
        project=project, period=date(2026, 1, 1), amount=Decimal("12000.50"), recorded_by=portfolio_manager
    )
    revenue_record_add(project=project, period=date(2026, 2, 17), amount=Decimal("8000"), recorded_by=portfolio_manager)
    assert realized(project) == Decimal("20000.50") == sum(RevenueRecord.objects.values_list("amount", flat=True))
    assert project.realized_revenue == Decimal("20000.50")  # the caller's instance is refreshed too
    assert Project.objects.get(pk=project.pk).updated_at > before  # API pollers see the change
    assert RevenueRecord.objects.get(amount=Decimal("8000")).period == date(2026, 2, 1)  # the month, not the day
    assert first.recorded_by == portfolio_manager and first.recorded_at is not None


def test_recording_revenue_is_audited_with_the_amount_and_month(portfolio_manager):
    project = ProjectFactory(code="BT-0001")
    record = revenue_record_add(
        project=project,
        period=date(2026, 3, 1),
        amount=Decimal("5000"),
        note="Invoice 17",
        recorded_by=portfolio_manager,
    )
    event = AuditEvent.objects.get(action="revenue_record")
    assert event.actor == portfolio_manager and event.object_reference == "BT-0001"
    assert event.object_id == str(record.pk)
    assert event.details == {"period": "2026-03-01", "amount": "5000.00", "note": "Invoice 17"}


def test_a_correction_is_a_negative_record_with_a_reason(portfolio_manager):
    project = ProjectFactory(code="BT-0001")
    revenue_record_add(project=project, period=LAST_MONTH, amount=Decimal("10000"), recorded_by=portfolio_manager)
    revenue_record_add(
        project=project,
        period=LAST_MONTH,
        amount=Decimal("-2500"),
        note="Invoice 12 was credited",
        recorded_by=portfolio_manager,
    )
    assert realized(project) == Decimal("7500")
    assert RevenueRecord.objects.count() == 2


def test_a_correction_without_a_reason_is_refused_on_the_note_field(portfolio_manager):
    project = ProjectFactory(code="BT-0001")
    revenue_record_add(project=project, period=LAST_MONTH, amount=Decimal("10000"), recorded_by=portfolio_manager)
    with pytest.raises(ValidationError) as refusal:
        revenue_record_add(project=project, period=LAST_MONTH, amount=Decimal("-1"), recorded_by=portfolio_manager)
    assert "note" in refusal.value.message_dict
    assert realized(project) == Decimal("10000") and RevenueRecord.objects.count() == 1


def test_a_correction_below_zero_is_refused_and_nothing_moves(portfolio_manager):
    project = ProjectFactory(code="BT-0001")
    revenue_record_add(project=project, period=LAST_MONTH, amount=Decimal("1000"), recorded_by=portfolio_manager)
    with pytest.raises(RevenueRefusal) as refusal:
        revenue_record_add(
            project=project, period=LAST_MONTH, amount=Decimal("-1000.01"), note="oops", recorded_by=portfolio_manager
        )
    assert refusal.value.field == "amount" and "below zero" in refusal.value.message
    assert realized(project) == Decimal("1000") and RevenueRecord.objects.count() == 1
    assert AuditEvent.objects.filter(action="revenue_record").count() == 1


@pytest.mark.parametrize(
    ("period", "amount", "field"),
    [
        (LAST_MONTH, Decimal("0"), "amount"),
        (timezone.localdate().replace(day=1) + timezone.timedelta(days=40), Decimal("10"), "period"),
    ],
    ids=["zero", "a month still to come"],
)
def test_zero_amounts_and_future_months_are_refused_by_field(portfolio_manager, period, amount, field):
    project = ProjectFactory(code="BT-0001")
    with pytest.raises(ValidationError) as refusal:
        revenue_record_add(project=project, period=period, amount=amount, recorded_by=portfolio_manager)
    assert field in refusal.value.message_dict
    assert not RevenueRecord.objects.exists() and realized(project) == 0


def test_only_a_portfolio_manager_may_record_revenue_even_through_the_service(analyst, cio):
    project = ProjectFactory(code="BT-0001")
    for user in (analyst, cio):
        with pytest.raises(RevenueRefusal):
            revenue_record_add(project=project, period=LAST_MONTH, amount=Decimal("10"), recorded_by=user)
    assert not RevenueRecord.objects.exists() and realized(project) == 0


def test_records_are_append_only(portfolio_manager):
    record = revenue_record_add(
        project=ProjectFactory(), period=LAST_MONTH, amount=Decimal("10"), recorded_by=portfolio_manager
    )
    record.amount = Decimal("1000")
    with pytest.raises(RevenueRefused):
        record.save()
    with pytest.raises(RevenueRefused):
        record.delete()
    assert RevenueRecord.objects.get().amount == Decimal("10")


def test_the_database_refuses_a_negative_total_and_a_period_that_is_not_a_month():
    project = ProjectFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(realized_revenue=Decimal("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        RevenueRecord.objects.bulk_create([RevenueRecord(project=project, period=date(2026, 1, 2), amount=1)])
    with pytest.raises(IntegrityError), transaction.atomic():
        RevenueRecord.objects.bulk_create([RevenueRecord(project=project, period=date(2026, 1, 1), amount=0)])


def test_the_total_can_no_longer_be_typed_over_the_history(portfolio_manager):
    project = ProjectFactory(code="BT-0001")
    with pytest.raises(ApplicationError):
        project_update(project=project, realized_revenue=Decimal("999"))
    signed_in(portfolio_manager).post(
        "/portfolio/BT-0001/progress/",
        {"status": "active", "progress": "50", "actual_spend": "1", "realized_revenue": "999"},
    )
    project.refresh_from_db()
    assert project.progress == 50 and project.realized_revenue == 0


def test_existing_totals_become_an_opening_record_when_the_history_arrives():
    migration = importlib.import_module("portfolio.migrations.0006_revenue_record_role_and_opening_balances")
    with_revenue, without = ProjectFactory(), ProjectFactory()
    Project.objects.filter(pk=with_revenue.pk).update(realized_revenue=Decimal("4321"))
    from django.apps import apps

    migration.grant_and_open(apps, None)
    opening = RevenueRecord.objects.get()
    assert opening.project_id == with_revenue.pk and opening.amount == Decimal("4321")
    assert opening.period.day == 1 and "Opening balance" in opening.note
    assert not RevenueRecord.objects.filter(project=without).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_recording_at_once_lose_neither_amount():
    """The first transaction holds the project row while the second tries: the second waits, then adds on top."""
    first_pm = UserFactory(username="pm1", role="Portfolio manager")
    second_pm = UserFactory(username="pm2", role="Portfolio manager")
    project = ProjectFactory(code="BT-0001")
    first_has_written = threading.Event()
    second_started = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                revenue_record_add(
                    project=Project.objects.get(pk=project.pk),
                    period=LAST_MONTH,
                    amount=Decimal("1000"),
                    recorded_by=first_pm,
                )
                first_has_written.set()
                second_started.wait(timeout=10)
                threading.Event().wait(0.5)  # the second is now blocked on the row lock
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    def second() -> None:
        try:
            first_has_written.wait(timeout=10)
            stale = Project.objects.get(pk=project.pk)  # read before the first commits: realized 0
            second_started.set()
            revenue_record_add(project=stale, period=LAST_MONTH, amount=Decimal("234"), recorded_by=second_pm)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert realized(project) == Decimal("1234")
    assert RevenueRecord.objects.filter(project=project).count() == 2


# The pages


@pytest.mark.embedded
def test_a_portfolio_manager_records_revenue_on_the_project_page_and_sees_it(portfolio_manager):
    ProjectFactory(code="BT-0001", expected_revenue=Decimal("200000"))
    page = signed_in(portfolio_manager)
    html = page.get("/portfolio/BT-0001/").content.decode()
    assert 'action="/portfolio/BT-0001/revenue/"' in html and 'type="month"' in html
    response = page.post(
        "/portfolio/BT-0001/revenue/", {"period": f"{LAST_MONTH:%Y-%m}", "amount": "50000", "note": "Q1 licences"}
    )
    assert response.status_code == 302 and response["Location"] == "/portfolio/BT-0001/#revenue"
    html = page.get("/portfolio/BT-0001/").content.decode()
    assert re.search(r'data-testid="realized-revenue">50,000 <span data-testid="revenue-realization">\(25 %', html)
    history = re.search(r'data-testid="revenue-history">.*?</table>', html, re.S).group(0)
    assert f"{LAST_MONTH:%Y-%m}" in history and "Q1 licences" in history and "pm" in history


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"period": "", "amount": "10"}, "period", "This field is required."),
        ({"period": "March", "amount": "10"}, "period", "Enter a month as YYYY-MM"),
        ({"period": "2026-01", "amount": "ten"}, "amount", "Enter a number."),
        ({"period": "2026-01", "amount": "1e30"}, "amount", "Ensure that there are no more than 14 digits"),
        ({"period": "2026-01", "amount": "0"}, "amount", "Enter an amount other than zero."),
        ({"period": "2026-01", "amount": "-5"}, "note", "A negative amount corrects an earlier record"),
        ({"period": "2026-01", "amount": "-5", "note": "credit"}, "amount", "below zero"),
        ({"period": "2999-01", "amount": "5"}, "period", "a month that has started"),
        ({"period": "2026-01", "amount": "5", "note": "x" * 1001}, "note", "at most 1000 characters"),
    ],
)
def test_bad_input_is_the_page_again_with_a_400_and_the_message_next_to_its_field(
    portfolio_manager, data, field, message
):
    ProjectFactory(code="BT-0001")
    response = signed_in(portfolio_manager).post("/portfolio/BT-0001/revenue/", data)
    assert response.status_code == 400
    assert message in " ".join(response.context["revenue_form"].errors[field])
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html or f'id="id_{field}"' in html  # the field is rendered with its error
    assert message.replace("'", "&#x27;") in html
    assert not RevenueRecord.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "cio"])
def test_analysts_and_the_cio_cannot_record_revenue(request, role):
    user = request.getfixturevalue(role)
    project = ProjectFactory(code="BT-0001")
    page = signed_in(user)
    assert 'action="/portfolio/BT-0001/revenue/"' not in page.get("/portfolio/BT-0001/").content.decode()
    response = page.post("/portfolio/BT-0001/revenue/", {"period": "2026-01", "amount": "10"})
    assert response.status_code == 403
    assert not RevenueRecord.objects.exists() and realized(project) == 0


def test_anonymous_revenue_posts_go_to_login(client):
    ProjectFactory(code="BT-0001")
    response = client.post("/portfolio/BT-0001/revenue/", {"period": "2026-01", "amount": "10"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not RevenueRecord.objects.exists()


def test_revenue_for_an_unknown_project_is_a_404(portfolio_manager):
    response = signed_in(portfolio_manager).post("/portfolio/BT-9999/revenue/", {"period": "2026-01", "amount": "10"})
    assert response.status_code == 404


@pytest.mark.embedded
def test_the_list_shows_expected_against_realized_per_project_and_in_total(analyst, portfolio_manager):
    ProjectFactory(code="BT-0001", expected_revenue=Decimal("100000"), approved_budget=Decimal("50000"))
    ProjectFactory(code="BT-0002", expected_revenue=Decimal("300000"), approved_budget=Decimal("150000"))
    ProjectFactory(code="BT-0003", expected_revenue=Decimal("0"), approved_budget=Decimal("0"), actual_spend=0)
    for code, amount in (("BT-0001", "80000"), ("BT-0002", "60000")):
        project = Project.objects.get(code=code)
        revenue_record_add(project=project, period=LAST_MONTH, amount=Decimal(amount), recorded_by=portfolio_manager)
    html = signed_in(analyst).get("/portfolio/").content.decode()
    assert re.search(r'data-testid="realized-BT-0001">80,000<', html)
    assert re.search(r'data-testid="realization-BT-0001">80 %<', html)
    assert re.search(r'data-testid="realization-BT-0002">20 %<', html)
    assert re.search(r'data-testid="realization-BT-0003">—<', html)  # nothing expected, no share
    assert re.search(r'data-testid="total-expected">400,000<', html)
    assert re.search(r'data-testid="total-realized">140,000<', html)
    assert re.search(r'data-testid="total-realization">35 %<', html)
    footer = re.search(r'data-testid="totals-row">.*?</tfoot>', html, re.S).group(0)
    assert "200,000" in footer and "80,000" in footer and "40 %" in footer  # budget, spent (2 × 40,000), burn


def test_list_totals_follow_the_filters_and_count_a_shared_sponsor_once(analyst):
    from tests.factories import CustomerFactory

    acme, globex = CustomerFactory(), CustomerFactory()
    ProjectFactory(code="BT-0001", expected_revenue=Decimal("1000"), sponsors=[acme, globex])
    ProjectFactory(code="BT-0002", expected_revenue=Decimal("2000"), sponsors=[globex])
    ProjectFactory(code="BT-0003", expected_revenue=Decimal("4000"), sponsors=[acme], health="red")
    html = signed_in(analyst).get("/portfolio/", {"customer": acme.pk}).content.decode()
    assert re.search(r'data-testid="total-expected">5,000<', html)
    html = signed_in(analyst).get("/portfolio/", {"customer": acme.pk, "health": "green"}).content.decode()
    assert re.search(r'data-testid="total-expected">1,000<', html)


def test_list_sorts_by_realized_revenue(analyst):
    ProjectFactory(code="BT-0001")
    ProjectFactory(code="BT-0002")
    Project.objects.filter(code="BT-0001").update(realized_revenue=Decimal("5"))
    html = signed_in(analyst).get("/portfolio/", {"ordering": "-realized_revenue"}).content.decode()
    assert re.findall(r'<td><a href="/portfolio/(BT-\d{4})/">', html) == ["BT-0001", "BT-0002"]


def test_detail_query_count_does_not_grow_with_the_revenue_history(analyst, portfolio_manager):
    project = ProjectFactory(code="BT-0001")
    counts = []
    for size in (1, 12):
        while RevenueRecord.objects.filter(project=project).count() < size:
            RevenueRecordFactory(project=project, recorded_by=portfolio_manager)
        page = signed_in(portfolio_manager)
        page.get("/portfolio/BT-0001/")
        with CaptureQueriesContext(connection) as queries:
            html = page.get("/portfolio/BT-0001/").content.decode()
        assert html.count('<tr><td class="nowrap">') == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_api_shows_the_same_realized_revenue_and_its_share(reader_client, cio, portfolio_manager):
    project = change_request_approve(change_request=file_demand(), decided_by=cio, rationale="Go.")
    revenue_record_add(project=project, period=LAST_MONTH, amount=Decimal("25000"), recorded_by=portfolio_manager)
    detail = reader_client.get(f"/api/v1/projects/{project.code}/").json()
    assert detail["expected_revenue"] == "100000.00" and detail["realized_revenue"] == "25000.00"
    assert detail["revenue_realization"] == "0.25"
    listed = reader_client.get("/api/v1/projects/", {"ordering": "-realized_revenue"}).json()["results"][0]
    assert listed["code"] == project.code and listed["revenue_realization"] == "0.25"
