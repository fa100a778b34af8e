import django_filters
from django.utils.translation import gettext_lazy as _

from core.choices import AuditAction
from core.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    """The audit page's filters, in the URL: one action, one user name."""

    action = django_filters.ChoiceFilter(choices=AuditAction.choices)
    username = django_filters.CharFilter(field_name="username", label=_("User"))

    class Meta:
        model = AuditEvent
        fields = ["action", "username"]
