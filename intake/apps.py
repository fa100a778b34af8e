from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        # Register this app's Celery tasks by name in every process, so that enqueueing by name
        # (core.enqueue) finds them and honours eager mode in the embedded default.
        from intake import tasks  # noqa: F401
