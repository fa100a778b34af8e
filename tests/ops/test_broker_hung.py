"""A hung broker (accepting connections, answering nothing) never holds up the public form.

A private redis-server is frozen (SIGSTOP) until the test thaws it; the shared Redis is never touched. Every
filing answers while the broker still hangs, so none waited for it; each tried to publish once and left the
rest to the sweep. Demands filed meanwhile are saved at once and scored by the sweep once the broker answers.
"""

import logging
import time

import pytest
from django.test import Client
from django.utils import timezone

from core.enqueue import enqueue_now
from intake.models import ChangeRequest
from tests.factories import ProductFactory, form_data
from tests.processes import CeleryWorker, app_broker, stays_true, wait_for
from triage.models import Assessment

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SUBMISSIONS = 4


def test_form_answers_while_the_broker_hangs_publishing_once_a_request_and_demands_are_scored_after(
    private_redis, caplog
):
    product = ProductFactory()
    private_redis.start()
    worker = CeleryWorker(private_redis.url).start()
    try:
        with app_broker(private_redis.url):
            browser = Client()
            assert browser.get("/healthz").status_code == 200
            private_redis.freeze()
            with caplog.at_level(logging.WARNING, logger="core.enqueue"):
                for index in range(SUBMISSIONS):
                    started = time.monotonic()
                    response = browser.post(
                        "/requests/new/",
                        form_data(product, title=f"Filed while the broker hangs {index}"),
                        REMOTE_ADDR=f"198.51.100.{index + 1}",
                    )
                    print(f"filing {index} answered in {time.monotonic() - started:.2f} s while the broker hung")
                    assert response.status_code == 302, response.content[:500]
            # One publish timed out per request (core.enqueue.publish_scope); its other tasks were left to the sweep.
            failed = [record for record in caplog.records if record.getMessage().startswith("could not enqueue")]
            assert len(failed) == SUBMISSIONS
            demands = list(ChangeRequest.objects.order_by("pk"))
            assert len(demands) == SUBMISSIONS

            private_redis.thaw()
            wait_for(private_redis.answers, timeout=10, message="the thawed broker answering again")
            resumed_at = time.monotonic()
            ChangeRequest.objects.filter(status="submitted").update(
                scoring_requested_at=timezone.now() - timezone.timedelta(minutes=2)  # as the sweep sees them later
            )
            assert enqueue_now("triage.sweep_unscored")
            wait_for(lambda: Assessment.objects.count() >= SUBMISSIONS, timeout=45, message="every demand scored")
            print("scored by the sweep in (s):", round(time.monotonic() - resumed_at, 2))
            # About elapsed time: a late duplicate delivery would show up within this watch, which stops at the first.
            stays_true(
                lambda: Assessment.objects.count() == SUBMISSIONS, duration=2, message="no duplicate assessment arrives"
            )
    finally:
        worker.stop()
    for demand in demands:
        assert Assessment.objects.filter(change_request=demand).count() == 1
    assert set(ChangeRequest.objects.values_list("status", flat=True)) == {"scored"}
