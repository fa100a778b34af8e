"""The Celery application; configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("demanddesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _worker_database_role(**_: object) -> None:
    """A worker: the worker statement timeout and client-side deadlines (core.database), before any connection."""
    from core.database import role_apply

    role_apply("worker")
