import django_filters
from django import forms
from django.contrib.auth.models import User
from django.db.models import F, OrderBy, Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

from core.filters import SortKeysFilter
from intake.choices import OPEN_STATUSES, Agenda, ChangeRequestKind, ChangeRequestStatus, ScoreBand, ValueType
from intake.models import VALUE_TYPE_CONDITIONS, ChangeRequest, Customer, Product
from triage.choices import QueueScope


class QueueOrderingFilter(SortKeysFilter):
    """The queue's sort, its keys checked like every list's; a column that is empty for most demands sorts
    them last both ways (not first, as PostgreSQL puts NULLs first when descending)."""

    NULLS_LAST = frozenset({"customer_replied_at"})

    def get_ordering_value(self, param: str) -> str | OrderBy:
        value = super().get_ordering_value(param)
        name = value.lstrip("-")
        if name not in self.NULLS_LAST:
            return value
        return F(name).desc(nulls_last=True) if value.startswith("-") else F(name).asc(nulls_last=True)


class ChangeRequestFilterSet(django_filters.FilterSet):
    """The queue's filters, in the URL so a view can be bookmarked; shared by the page, CSV and API."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    # The work list: open demands unless `scope=all` (or a status filter, which says exactly what to show). Absent,
    # it means all, so the CSV and API keep their meaning; the queue page asks for open by default.
    scope = django_filters.ChoiceFilter(
        choices=QueueScope.choices, method="filter_scope", empty_label=None, widget=forms.HiddenInput
    )
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
    # Ownership: "Mine" is the signed-in reader's demands (the request's user); `owner` by id for links.
    mine = django_filters.BooleanFilter(method="mine_only", label=_("Mine only"), widget=forms.CheckboxInput)
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.all(), widget=forms.HiddenInput)
    agenda = django_filters.ChoiceFilter(choices=Agenda.choices, label=_("Agenda"))
    value_type = django_filters.ChoiceFilter(choices=ValueType.choices, method="by_value_type", label=_("Value type"))
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
    # The customer wrote and no one answered yet (intake.conversation sets and clears customer_replied_at).
    customer_replied = django_filters.BooleanFilter(
        method="filter_customer_replied", label=_("Customer replied"), widget=forms.CheckboxInput
    )
    ordering = QueueOrderingFilter(
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
            ("customer_replied_at", "customer_replied"),
            ("owner__username", "owner"),
        ),
        label=_("Sort"),
        widget=forms.HiddenInput,
    )

    class Meta:
        model = ChangeRequest
        fields: list[str] = []

    def filter_customer_replied(
        self, queryset: QuerySet[ChangeRequest], name: str, value: bool
    ) -> QuerySet[ChangeRequest]:
        # Unticked means "all demands", not "those without a reply".
        return queryset.filter(customer_replied_at__isnull=False) if value else queryset

    def by_value_type(self, queryset: QuerySet[ChangeRequest], name: str, value: str) -> QuerySet[ChangeRequest]:
        return queryset.filter(VALUE_TYPE_CONDITIONS[value])

    def mine_only(self, queryset: QuerySet[ChangeRequest], name: str, value: bool) -> QuerySet[ChangeRequest]:
        user = getattr(self.request, "user", None)
        if not value or user is None or not user.is_authenticated:
            return queryset
        return queryset.filter(owner=user)

    def search(self, queryset: QuerySet[ChangeRequest], name: str, value: str) -> QuerySet[ChangeRequest]:
        value = value.strip()[:200]
        if not value:
            return queryset
        return queryset.filter(Q(reference__iexact=value) | Q(title__icontains=value) | Q(description__icontains=value))

    def filter_scope(self, queryset: QuerySet[ChangeRequest], name: str, value: str) -> QuerySet[ChangeRequest]:
        if value == QueueScope.OPEN and not self.form.cleaned_data.get("status"):
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset


class QueueApiFilterSet(django_filters.FilterSet):
    """The queue's filters an API client uses: agenda, value type, band, status and kind (choices only)."""

    agenda = django_filters.ChoiceFilter(choices=Agenda.choices)
    value_type = django_filters.ChoiceFilter(choices=ValueType.choices, method="by_value_type")
    band = django_filters.MultipleChoiceFilter(field_name="score_band", choices=ScoreBand.choices, distinct=False)
    status = django_filters.MultipleChoiceFilter(choices=ChangeRequestStatus.choices, distinct=False)
    kind = django_filters.ChoiceFilter(choices=ChangeRequestKind.choices)

    class Meta:
        model = ChangeRequest
        fields: list[str] = []

    by_value_type = ChangeRequestFilterSet.by_value_type


def queue_filterset_for(
    query: QueryDict, *, queryset: QuerySet[ChangeRequest], request: HttpRequest | None = None
) -> ChangeRequestFilterSet:
    """The queue's filters over `queryset` as the page applies them: open demands unless the query says otherwise
    (the page, its CSV, "Decide & next" and the saved views' counts all read a query this one way)."""
    data = query.copy()
    data.setdefault("scope", QueueScope.OPEN)
    return ChangeRequestFilterSet(data, queryset=queryset, request=request)
