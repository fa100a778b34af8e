"""A hung broker (accepting connections, answering nothing) never holds up the public form.

A private redis-server is frozen (SIGSTOP) until the test thaws it; the shared Redis is never touched. Every
filing answers while the broker still hangs, so none waited for it; each tried to publish once (at most about
a second) and left the rest to the sweeps, and once one had found the broker hung the next ones did not try
(core.enqueue's back-off). Demands filed meanwhile are saved at once, then scored and given their similar
demands by the sweeps once the broker answers.
"""

import logging
import time

import pytest
from django.test import Client
from django.utils import timezone

from core.enqueue import enqueue_now
from intake.models import ChangeRequest, SimilarDemand
from tests.factories import ProductFactory, form_data
from tests.processes import CeleryWorker, app_broker, stays_true, wait_for
from triage.models import Assessment

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SUBMISSIONS = 4
# The form's usual time plus the one second a hung broker may cost it: a generous bound, not a measurement.
LONGEST_FILING_SECONDS = 2.5


def test_form_answers_while_the_broker_hangs_publishing_once_a_request_and_demands_are_scored_after(
    private_redis, caplog, settings
):
    product = ProductFactory()
    private_redis.start()
    worker = CeleryWorker(private_redis.url).start()
    try:
        with app_broker(private_redis.url):
            browser = Client()
            assert browser.get("/healthz").status_code == 200
            private_redis.freeze()
            answered_in: list[float] = []
            tried: list[int] = []

            def file(index: int) -> None:
                started = time.monotonic()
                with caplog.at_level(logging.WARNING, logger="core.enqueue"):
                    caplog.clear()
                    response = browser.post(
                        "/requests/new/",
                        form_data(product, title=f"Filed while the broker hangs {index}"),
                        REMOTE_ADDR=f"198.51.100.{index + 1}",
                    )
                answered_in.append(time.monotonic() - started)
                assert response.status_code == 302, response.content[:500]
                tried.append(sum(r.getMessage().startswith("could not enqueue") for r in caplog.records))

            # Without the back-off, each request tries the broker once and leaves its other tasks to the sweeps.
            settings.BROKER_BACKOFF_SECONDS = 0
            for index in range(SUBMISSIONS // 2):
                file(index)
            assert tried == [1] * (SUBMISSIONS // 2)
            # With it (production: 5 s; here longer than the test), once one request has found the broker hung,
            # the next ones do not try at all: under load the cost is not paid again and again.
            settings.BROKER_BACKOFF_SECONDS = 600
            for index in range(SUBMISSIONS // 2, SUBMISSIONS):
                file(index)
            assert tried == [1] * (SUBMISSIONS // 2) + [1] + [0] * (SUBMISSIONS // 2 - 1)
            print("filings answered in (s) while the broker hung:", [round(seconds, 2) for seconds in answered_in])
            assert all(seconds < LONGEST_FILING_SECONDS for seconds in answered_in)
            demands = list(ChangeRequest.objects.order_by("pk"))
            assert len(demands) == SUBMISSIONS

            private_redis.thaw()
            wait_for(private_redis.answers, timeout=10, message="the thawed broker answering again")
            resumed_at = time.monotonic()
            a_while_ago = timezone.now() - timezone.timedelta(minutes=2)  # as the sweeps see them later
            ChangeRequest.objects.update(scoring_requested_at=a_while_ago, similarity_requested_at=a_while_ago)
            assert enqueue_now("triage.sweep_unscored") and enqueue_now("intake.sweep_similarity_due")
            wait_for(lambda: Assessment.objects.count() >= SUBMISSIONS, timeout=45, message="every demand scored")
            wait_for(
                lambda: not ChangeRequest.objects.filter(similarity_requested_at__isnull=False).exists(),
                timeout=45,
                message="every demand's similarity pass done",
            )
            print("caught up by the sweeps in (s):", round(time.monotonic() - resumed_at, 2))
            # About elapsed time: a late duplicate delivery would show up within this watch, which stops at the first.
            stays_true(
                lambda: Assessment.objects.count() == SUBMISSIONS, duration=2, message="no duplicate assessment arrives"
            )
    finally:
        worker.stop()
    for demand in demands:
        assert Assessment.objects.filter(change_request=demand).count() == 1
    assert set(ChangeRequest.objects.values_list("status", flat=True)) == {"scored"}
    assert SimilarDemand.objects.filter(change_request=demands[-1]).count() == SUBMISSIONS - 1
