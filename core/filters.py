import django_filters

from core.choices import AuditAction
from core.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    """The audit page's filters, in the URL: one action, one user name."""

    action = django_filters.ChoiceFilter(choices=AuditAction.choices)
    username = django_filters.CharFilter(field_name="username", label="User")

    class Meta:
        model = AuditEvent
        fields = ["action", "username"]
