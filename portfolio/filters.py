import django_filters

from intake.choices import Agenda
from portfolio.choices import Health, ProjectStatus
from portfolio.models import Project


class ProjectFilterSet(django_filters.FilterSet):
    """One set of filters for the portfolio page and the API."""

    status = django_filters.MultipleChoiceFilter(choices=ProjectStatus.choices)
    health = django_filters.MultipleChoiceFilter(choices=Health.choices)
    agenda = django_filters.ChoiceFilter(choices=Agenda.choices)
    customer = django_filters.NumberFilter(field_name="sponsors", distinct=True)
    owner = django_filters.NumberFilter(field_name="owner_id")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Project
        fields = ["status", "health", "agenda", "customer", "owner", "updated_since"]
