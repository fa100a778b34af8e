"""The header's bell: the reader's unread count, one query, and only on pages a staff member sees."""

from django import template

from notifications.selectors import notification_unread_count

register = template.Library()


@register.inclusion_tag("notifications/bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict:
    """The bell with the unread count; base.html shows it only to staff who read triage (anonymous pages: no query)."""
    user = context["user"]
    return {"unread": notification_unread_count(user=user)}
