from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from intake.choices import Currency
from partners.choices import DisclosureDepth
from partners.models import Agreement, Partner, ProductComponent
from portfolio.choices import ProjectStatus, RealizedKind
from portfolio.exposure import handover_choices
from portfolio.models import Milestone, Project, StatusUpdate
from portfolio.selectors import project_open_choices
from triage.forms import DecisionForm


class ApproveForm(DecisionForm):
    """The approve part of the demand page's decide panel: triage's decision fields, plus the project to extend."""

    # A code typed in, not a select: a portfolio holds tens of thousands of open projects.
    project = forms.ModelChoiceField(
        queryset=project_open_choices(),
        required=False,
        to_field_name="code",
        widget=forms.TextInput,
        error_messages={"invalid_choice": "No open project has this code."},
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        project = self.fields["project"]
        assert isinstance(project, forms.ModelChoiceField)
        project.queryset = project_open_choices()


class StatusUpdateForm(forms.ModelForm):
    class Meta:
        model = StatusUpdate
        fields = ["health", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["name", "due_date"]
        widgets = {"due_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}


class ProjectProgressForm(forms.ModelForm):
    class Meta:
        model = Project
        # Realized revenue is not here: it is the sum of the revenue history (RevenueRecordForm).
        fields = ["status", "progress", "actual_spend", "start_date", "target_date"]
        widgets = {
            "start_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "target_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }


class RevenueRecordForm(forms.Form):
    """Realized revenue for one month; a negative amount corrects an earlier entry."""

    period = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text=_("The month the revenue came in, as YYYY-MM."),
        error_messages={"invalid": _("Enter a month as YYYY-MM, for example 2026-03.")},
    )
    kind = forms.ChoiceField(
        label=_("What was realized"), choices=RealizedKind.choices, initial=RealizedKind.REVENUE, required=False
    )
    amount = forms.DecimalField(
        label=format_lazy("{} ({})", _("Amount"), settings.BASE_CURRENCY),
        max_digits=14,
        decimal_places=2,
        help_text=_("A negative amount corrects an earlier entry."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=1_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Invoice or source; required for a correction."),
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("initial", {"period": timezone.localdate().replace(day=1)})
        super().__init__(*args, **kwargs)

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or RealizedKind.REVENUE


class UnitCostForm(forms.Form):
    """A service's cost per unit of work for one month, in any accepted currency (converted to the base one)."""

    period = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("Enter a month as YYYY-MM, for example 2026-03.")},
    )
    cost_per_unit = forms.DecimalField(
        label=_("Cost per unit"), min_value=Decimal("0"), max_value=Decimal("100000"), max_digits=12, decimal_places=4
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=settings.BASE_CURRENCY)
    units = forms.IntegerField(label=_("Units of work in the month"), required=False, min_value=0, max_value=10**12)
    note = forms.CharField(label=_("Note"), max_length=1_000, required=False)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("initial", {"period": timezone.localdate().replace(day=1)})
        super().__init__(*args, **kwargs)


class CalibrationFilterForm(forms.Form):
    """Which projects' demands the calibration compares: all approved ones, or only delivered ones, say."""

    project_status = forms.MultipleChoiceField(
        label=_("Project status"),
        choices=ProjectStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for every approved demand."),
    )


class HandoverForm(forms.Form):
    """What a project handed over to a partner; the CIO may accept one outside the signed plan, saying why."""

    component = forms.ModelChoiceField(
        label=pgettext_lazy("product part", "Component"), queryset=ProductComponent.objects.none()
    )
    depth = forms.TypedChoiceField(label=_("Depth"), choices=DisclosureDepth.choices, coerce=int)
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.none())
    agreement = forms.ModelChoiceField(label=_("Agreement"), queryset=Agreement.objects.none())
    handed_over_on = forms.DateField(
        label=_("Handed over on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    recipient = forms.CharField(label=_("Recipient"), max_length=200, help_text=_("The person at the partner."))
    note = forms.CharField(label=_("Note"), max_length=1_000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_exception = forms.BooleanField(label=_("Accept as an exception to the signed plan"), required=False)
    exception_reason = forms.CharField(
        label=_("Why the exception"), max_length=1_000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, project: Project, can_accept_exceptions: bool, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("initial", {"handed_over_on": timezone.localdate()})
        kwargs.setdefault("auto_id", "id_handover_%s")  # the page's other forms have a note too
        super().__init__(*args, **kwargs)
        choices = handover_choices(project=project)
        for name in ("component", "partner", "agreement"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = choices[name]
        agreement = self.fields["agreement"]
        assert isinstance(agreement, forms.ModelChoiceField)
        agreement.label_from_instance = lambda item: f"{item.partner.name}: {item}"  # type: ignore[method-assign,assignment]
        if not can_accept_exceptions:
            del self.fields["is_exception"]
            del self.fields["exception_reason"]
