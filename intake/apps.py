from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Intake")

    def ready(self) -> None:
        # Register this app's Celery tasks by name in every process, so that enqueueing by name
        # (core.enqueue) finds them and honours eager mode in the embedded default.
        from intake import tasks  # noqa: F401
