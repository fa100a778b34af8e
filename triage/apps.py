from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "triage"
    verbose_name = _("Triage")

    def ready(self) -> None:
        # Register this app's Celery tasks by name in every process, so that enqueueing by name
        # (core.enqueue) finds them and honours eager mode in the embedded default.
        from triage import tasks  # noqa: F401
        from triage.metrics import metrics_register

        metrics_register()
