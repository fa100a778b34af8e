"""Scoring services: idempotent assessments, estimates and links rescoring, versioned models, bulk rescoring."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake.models import ChangeRequest, SimilarDemand
from tests.factories import CustomerFactory, ProductFactory, UserFactory, file_demand
from triage import services
from triage.choices import RescoreJobStatus
from triage.models import Assessment, RescoreJob, RescoreRange, ScoringModel
from triage.selectors import change_request_ids_unscored, scoring_model_active

pytestmark = pytest.mark.django_db


def scored_demand(django_capture_on_commit_callbacks, **overrides) -> ChangeRequest:
    with django_capture_on_commit_callbacks(execute=True):
        demand = file_demand(**overrides)
    demand.refresh_from_db()
    return demand


def test_scoring_the_same_inputs_twice_stores_one_assessment(django_capture_on_commit_callbacks):
    demand = scored_demand(django_capture_on_commit_callbacks)
    first = services.assessment_compute(change_request_id=demand.pk)
    second = services.assessment_compute(change_request_id=demand.pk)
    assert first.pk == second.pk
    assert Assessment.objects.filter(change_request=demand).count() == 1


def test_scoring_moves_a_submitted_demand_to_scored_with_an_internal_event(django_capture_on_commit_callbacks):
    demand = scored_demand(django_capture_on_commit_callbacks)
    assert demand.status == "scored"
    event = demand.events.get(to_status="scored")
    assert event.visibility == "internal" and "model v1" in event.note_shown  # stored as a key and parameters
    assert (event.note_key, event.note_params["version"]) == ("score_computed", 1)


def test_an_analyst_estimate_rescores_the_demand_and_ends_provisional(django_capture_on_commit_callbacks):
    demand = scored_demand(django_capture_on_commit_callbacks, revenue_at_stake=Decimal("100000"))
    assert demand.score_is_provisional
    with django_capture_on_commit_callbacks(execute=True):
        services.cost_estimate_create(
            change_request=demand,
            effort_days=Decimal("200"),
            day_rate=Decimal("1000"),
            yearly_run_cost=Decimal("50000"),
            confidence="high",
            estimated_by=UserFactory(role="Analyst"),
        )
    before = demand.score
    demand.refresh_from_db()
    assert not demand.score_is_provisional
    assert demand.score < before  # a far costlier estimate than the product default
    assert demand.it_cost == Decimal("350000.00")  # 200 × 1,000 + 50,000 × 3
    assert Assessment.objects.filter(change_request=demand).count() == 2


def test_linking_two_demands_adds_each_others_revenue_and_customer(django_capture_on_commit_callbacks):
    product = ProductFactory()
    first_customer, second_customer = CustomerFactory(name="Alpha"), CustomerFactory(name="Beta")
    first = scored_demand(
        django_capture_on_commit_callbacks,
        product=product,
        contact_email="a@alpha.example",
        revenue_at_stake=Decimal("100000"),
    )
    second = scored_demand(
        django_capture_on_commit_callbacks,
        product=product,
        contact_email="b@beta.example",
        revenue_at_stake=Decimal("300000"),
    )
    assert (first.customer, second.customer) == (first_customer, second_customer)
    pair = SimilarDemand.objects.get(change_request=second, similar_to=first)  # found at intake: same wording
    with django_capture_on_commit_callbacks(execute=True):
        services.similar_demand_set_link(similar_demand=pair, is_linked=True, linked_by=UserFactory())
    for demand in (first, second):
        latest = Assessment.objects.filter(change_request=demand).order_by("-pk").first()
        assert Decimal(latest.inputs["value"]) == Decimal("400000.00")
        assert latest.inputs["customers_asking"] == 2


def test_a_new_model_version_is_active_and_the_old_one_is_kept(django_capture_on_commit_callbacks, cio):
    scored_demand(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        v2 = services.scoring_model_create_version(
            changes={"weight_roi": Decimal("20")}, note="less ROI", created_by=cio
        )
    v1 = ScoringModel.objects.get(version=1)
    assert (v2.version, v2.is_active, v1.is_active) == (2, True, False)
    assert v1.weight_roi == Decimal("40") and v2.weight_roi == Decimal("20")
    assert ScoringModel.objects.filter(is_active=True).count() == 1


def test_rescoring_after_a_model_change_scores_every_open_demand_and_no_closed_one(
    django_capture_on_commit_callbacks, cio
):
    open_demands = [scored_demand(django_capture_on_commit_callbacks) for _ in range(5)]
    withdrawn = scored_demand(django_capture_on_commit_callbacks)
    ChangeRequest.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    with django_capture_on_commit_callbacks(execute=True):
        v2 = services.scoring_model_create_version(changes={"weight_revenue": Decimal("30")}, note="", created_by=cio)
    job = RescoreJob.objects.get(scoring_model=v2)
    assert (job.status, job.done, job.total) == (RescoreJobStatus.DONE, 5, 5)
    assert Assessment.objects.filter(scoring_model=v2).count() == 5
    assert not Assessment.objects.filter(scoring_model=v2, change_request=withdrawn).exists()
    for demand in open_demands:
        demand.refresh_from_db()
        assert demand.score == Assessment.objects.get(scoring_model=v2, change_request=demand).total


@pytest.mark.postgres
def test_a_rescore_job_resumes_after_its_done_ranges_and_running_it_again_rewrites_nothing(
    django_capture_on_commit_callbacks, settings, cio
):
    demands = [scored_demand(django_capture_on_commit_callbacks) for _ in range(7)]
    settings.RESCORE_RANGE_SIZE = 3
    with transaction.atomic():
        ScoringModel.objects.update(is_active=False)
        v2 = ScoringModel.objects.create(version=2, is_active=True, weight_revenue=Decimal("30"))
    job = RescoreJob.objects.create(scoring_model=v2, status=RescoreJobStatus.RUNNING, total=7, done=3)
    # As if killed after its first range: the first range committed, the two others were not.
    RescoreRange.objects.bulk_create(
        [
            RescoreRange(job=job, after_pk=0, through_pk=demands[2].pk, is_done=True, rescored=3),
            RescoreRange(job=job, after_pk=demands[2].pk, through_pk=demands[5].pk),
            RescoreRange(job=job, after_pk=demands[5].pk),
        ]
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.rescore_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (RescoreJobStatus.DONE, 7, 7)
    assert len(callbacks) == 1  # the "rescore finished" notice, once
    assert Assessment.objects.filter(scoring_model=v2).count() == 4  # demands 4..7 only: it resumed
    assert list(job.ranges.values_list("rescored", flat=True)) == [3, 3, 1]

    RescoreRange.objects.filter(job=job).update(is_done=False, rescored=0)
    RescoreJob.objects.filter(pk=job.pk).update(status=RescoreJobStatus.RUNNING, done=0)
    versions_before = row_versions()
    services.rescore_job_run(job_id=job.pk)
    assert Assessment.objects.filter(scoring_model=v2).count() == 7  # a full rerun adds each demand once
    job.refresh_from_db()
    assert (job.status, job.done) == (RescoreJobStatus.DONE, 7)
    # Demands 4..7 were not rewritten (same row version): their stored score already was v2's.
    versions_after = row_versions()
    assert all(versions_after[demand.pk] == versions_before[demand.pk] for demand in demands[3:])
    for demand in demands:
        demand.refresh_from_db()
        assert demand.score == Assessment.objects.get(scoring_model=v2, change_request=demand).total


def row_versions() -> dict[int, str]:
    """Each demand's physical row version (PostgreSQL's ctid): any UPDATE, HOT or not, writes a new one."""
    return dict(ChangeRequest.objects.annotate(row_version=RawSQL("ctid::text", [])).values_list("pk", "row_version"))


def test_a_rescore_job_stops_when_its_model_is_replaced(django_capture_on_commit_callbacks, cio):
    scored_demand(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        v2 = services.scoring_model_create_version(changes={}, note="", created_by=cio)
        services.scoring_model_create_version(changes={}, note="", created_by=cio)
    job = RescoreJob.objects.get(scoring_model=v2)
    assert services.rescore_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == RescoreJobStatus.SUPERSEDED


def test_starting_a_rescore_again_while_one_runs_returns_the_running_job(cio):
    model = scoring_model_active()
    first = services.rescore_job_start(scoring_model=model, started_by=cio)
    second = services.rescore_job_start(scoring_model=model, started_by=cio)
    assert first.pk == second.pk


def test_bulk_scoring_query_count_does_not_grow_with_the_number_of_demands(django_capture_on_commit_callbacks):
    demands = [scored_demand(django_capture_on_commit_callbacks) for _ in range(30)]
    model = ScoringModel.objects.create(version=2, is_active=False)
    ids = [demand.pk for demand in demands]
    counts = []
    for chunk in (ids[:3], ids[3:30]):
        with CaptureQueriesContext(connection) as queries:
            services.assessments_compute_bulk(change_request_ids=chunk, scoring_model=model)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert Assessment.objects.filter(scoring_model=model).count() == 30


def test_a_rolled_back_filing_enqueues_nothing_and_a_committed_one_enqueues_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                file_demand()
                raise RuntimeError("the request failed after filing")
        except RuntimeError:
            pass
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        file_demand()
    # Scoring, similarity, the confirmation e-mail and the staff notifications: one task each.
    assert len(callbacks) == 4


def test_the_sweep_finds_demands_left_unscored_for_over_a_minute():
    demand = file_demand()  # on_commit never ran: as if the broker was down
    assert change_request_ids_unscored() == []
    ChangeRequest.objects.filter(pk=demand.pk).update(scoring_requested_at=timezone.now() - timedelta(minutes=2))
    assert change_request_ids_unscored() == [demand.pk]


def _linked_inputs(django_capture_on_commit_callbacks, first_email: str, copy_emails: list[str], **first_fields):
    """The latest assessment inputs of a demand from `first_email` once copies from `copy_emails` are linked."""
    product = ProductFactory()
    first = scored_demand(
        django_capture_on_commit_callbacks,
        product=product,
        title="Export invoices to SAP every night",
        contact_email=first_email,
        revenue_at_stake=Decimal("100000"),
        **first_fields,
    )
    for index, email in enumerate(copy_emails):
        copy = scored_demand(
            django_capture_on_commit_callbacks,
            product=product,
            title="Export invoices to SAP every night",
            contact_email=email,
            revenue_at_stake=Decimal(200000 + index),
        )
        pair = SimilarDemand.objects.get(change_request=copy, similar_to=first)
        with django_capture_on_commit_callbacks(execute=True):
            services.similar_demand_set_link(similar_demand=pair, is_linked=True, linked_by=UserFactory())
    latest = Assessment.objects.filter(change_request=first).order_by("-pk").first()
    return Decimal(latest.inputs["value"]), latest.inputs["customers_asking"]


@pytest.mark.parametrize(
    ("first_email", "copy_emails", "expected"),
    [
        # Issue 15, item 5: a copy filed from an unmatched address of the same organization counted as a second
        # customer and added its revenue (48.43, review, became 75.06, fast-track). The same domain is one asker.
        ("ana@clinic-nord.example", ["bob@clinic-nord.example"], (Decimal("100000.00"), 1)),
        ("ana@clinic-nord.example", ["ANA@Clinic-Nord.example"], (Decimal("100000.00"), 1)),
        # Free-mail domains say nothing about the organization: each address is its own asker...
        ("ana@gmail.com", ["bob@gmail.com"], (Decimal("300000.00"), 2)),
        # ...and another organization adds its largest amount once, however many copies it filed.
        ("ana@clinic-nord.example", ["x@clinic-sud.example", "y@clinic-sud.example"], (Decimal("300001.00"), 2)),
    ],
)
def test_distinct_customers_are_counted_by_customer_then_domain_then_address(
    django_capture_on_commit_callbacks, first_email, copy_emails, expected
):
    assert _linked_inputs(django_capture_on_commit_callbacks, first_email, copy_emails) == expected


def test_a_copy_from_the_same_matched_customer_adds_nothing(django_capture_on_commit_callbacks):
    CustomerFactory(name="Alpha", domain__domain="alpha.example")
    assert _linked_inputs(django_capture_on_commit_callbacks, "a@alpha.example", ["b@alpha.example"]) == (
        Decimal("100000.00"),
        1,
    )
