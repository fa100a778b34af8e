from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import BaseCSVField
from django_filters.widgets import BaseCSVWidget

from core.choices import AuditAction
from core.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    """The audit page's filters, in the URL: one action, one user name."""

    action = django_filters.ChoiceFilter(choices=AuditAction.choices)
    username = django_filters.CharFilter(field_name="username", label=_("User"))

    class Meta:
        model = AuditEvent
        fields = ["action", "username"]


class SortKeysWidget(BaseCSVWidget, forms.TextInput):
    """Sort keys as the API documents them: comma-separated, repeated, or both (`ordering=a,b&ordering=c`).

    Generated clients send a list as a repeated parameter; django-filter would keep only the last one.
    All values empty (`ordering=`) is no keys: the page's default (the API refuses it as blank before this).
    """

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str] | None:
        if name not in data:
            return None
        values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
        if not any(value.strip() for value in values):
            return []
        return [item.strip() for value in values for item in value.split(",")]


class SortKeysField(BaseCSVField):
    """Each sort key must be one of the whitelist: an empty item (`code,`, `,`) is refused, never a query error."""

    def clean(self, value: Any) -> Any:
        if value and any(not item for item in value):
            raise forms.ValidationError(
                _("Give each sort key once, separated by commas, without empty items (as in `code,`)."),
                code="blank_sort_key",
            )
        return super().clean(value)


class SortKeysFilter(django_filters.OrderingFilter):
    """django-filter's OrderingFilter, reading repeated parameters and refusing empty items."""

    base_field_class = SortKeysField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", SortKeysWidget)
        super().__init__(*args, **kwargs)
