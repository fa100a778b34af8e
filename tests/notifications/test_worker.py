"""With a real Celery worker on Redis: a filed demand's managers are told once the worker has run, and only once."""

import pytest
from django.test import Client

from core.enqueue import enqueue_now
from notifications.choices import NotificationEvent
from notifications.models import Notification
from tests.factories import ProductFactory, UserFactory, form_data
from tests.processes import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_tells_the_product_manager_and_a_redelivered_task_adds_nothing(celery_worker):
    product_manager = UserFactory(username="worker-pm", role="Analyst")
    response = Client().post("/requests/new/", form_data(ProductFactory(product_manager=product_manager)))
    assert response.status_code == 302

    def told() -> list[Notification]:
        return list(Notification.objects.filter(recipient=product_manager, event=NotificationEvent.DEMAND_FILED))

    (notification,) = wait_for(told, timeout=30, message="the product manager notified by the worker")  # type: ignore[misc]
    # The same task delivered again (a broker redelivery after a crash) finds the occurrence already told.
    enqueue_now("notifications.demand_filed", notification.change_request_id)
    enqueue_now("notifications.demand_filed", notification.change_request_id)
    # The worker runs one task at a time, in order: once a marker sent after them is done, so are both.
    enqueue_now("notifications.notify", NotificationEvent.MENTIONED, [product_manager.pk], "marker")
    wait_for(lambda: Notification.objects.filter(key="marker").exists(), timeout=30, message="the marker task run")
    assert len(told()) == 1
