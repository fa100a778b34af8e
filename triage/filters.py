import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from intake.choices import Agenda, ChangeRequestKind, ChangeRequestStatus, ScoreBand
from intake.models import ChangeRequest, Customer, Product


class ChangeRequestFilterSet(django_filters.FilterSet):
    """The queue's filters, in the URL so a view can be bookmarked; shared by the page, CSV and API."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    # distinct=False: django-filter's default DISTINCT sorts every matching row (no join here can
    # duplicate one); at 100,000 demands that was most of a filtered page's time.
    status = django_filters.MultipleChoiceFilter(
        choices=ChangeRequestStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        label=_("Status"),
    )
    band = django_filters.MultipleChoiceFilter(
        field_name="score_band",
        choices=ScoreBand.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        label=_("Band"),
    )
    product = django_filters.ModelChoiceFilter(queryset=Product.objects.order_by("name"), label=_("Product"))
    # By id for links and the API (hidden on the page); people search by name: a select of every
    # customer would be thousands of options, unusable and most of the page's rendering time.
    customer = django_filters.ModelChoiceFilter(queryset=Customer.objects.all(), widget=forms.HiddenInput)
    customer_name = django_filters.CharFilter(
        field_name="customer__name", lookup_expr="icontains", label=_("Customer"), max_length=200
    )
    kind = django_filters.ChoiceFilter(choices=ChangeRequestKind.choices, label=_("Kind"))
    agenda = django_filters.ChoiceFilter(choices=Agenda.choices, label=_("Agenda"))
    filed_after = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("Filed from"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    filed_before = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("Filed until"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("score", "score"),
            ("created_at", "age"),
            ("reference", "reference"),
            ("title", "title"),
            ("revenue_at_stake", "revenue"),
            ("it_cost", "it_cost"),
            ("status", "status"),
            ("kind", "kind"),
            ("agenda", "agenda"),
            ("customer__name", "customer"),
            ("product__name", "product"),
        ),
        label=_("Sort"),
        widget=forms.HiddenInput,
    )

    class Meta:
        model = ChangeRequest
        fields: list[str] = []

    def search(self, queryset: QuerySet[ChangeRequest], name: str, value: str) -> QuerySet[ChangeRequest]:
        value = value.strip()[:200]
        if not value:
            return queryset
        return queryset.filter(Q(reference__iexact=value) | Q(title__icontains=value) | Q(description__icontains=value))
