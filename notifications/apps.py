from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"

    def ready(self) -> None:
        # Register the tasks the stages enqueue by name, in every process (eager mode looks them up by name).
        from notifications import tasks  # noqa: F401
