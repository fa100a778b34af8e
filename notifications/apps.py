from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"

    def ready(self) -> None:
        # Register the tasks the stages enqueue by name, in every process (eager mode looks them up by name).
        # The conversation (intake) says when a message committed; it cannot import this app, so it is heard here.
        from intake.conversation.signals import comment_posted
        from notifications import tasks  # noqa: F401

        comment_posted.connect(_comment_posted_enqueue, dispatch_uid="notifications.comment_posted")


def _comment_posted_enqueue(sender: object, *, comment_id: int, **kwargs: object) -> None:
    from core.enqueue import enqueue_now

    enqueue_now("notifications.comment_posted", comment_id)
