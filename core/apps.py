from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Register this app's Celery tasks by name in every process, so that enqueueing by name
        # (core.enqueue) finds them and honours eager mode in the embedded default.
        from core import checks, signals, tasks  # noqa: F401
        from core.metrics import collector_register

        collector_register()
