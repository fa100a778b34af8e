from datetime import date
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.models import Customer
from triage import scoring
from triage.models import CostEstimate, DecisionTarget, ScoringModel
from triage.quarters import quarter_label


class CostEstimateForm(forms.ModelForm):
    class Meta:
        model = CostEstimate
        fields = ["effort_days", "day_rate", "yearly_run_cost", "confidence", "note"]
        labels = {
            "effort_days": _("Build effort (person-days)"),
            "day_rate": _("Day rate"),
            "yearly_run_cost": _("Run cost per year"),
            "confidence": _("Confidence"),
            "note": _("Note"),
        }
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class DecisionForm(forms.Form):
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        label=_("Rationale"),
        help_text=_("Why: kept with the decision, for staff."),
    )
    customer_message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        required=False,
        label=_("Message to the customer"),
        help_text=_("Shown on the customer's tracking page and e-mailed to them."),
    )


class RejectForm(DecisionForm):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["customer_message"].required = True


class DeferForm(DecisionForm):
    defer_until = forms.DateField(
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}), label=_("Look at it again on")
    )


class AskInformationForm(forms.Form):
    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5_000, label=_("Question for the customer")
    )


class AssignCustomerForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.order_by("name"), label=_("Customer"))


class ScoringModelForm(forms.ModelForm):
    """The CIO's weights and thresholds; saving makes a new version, it never edits the old one."""

    class Meta:
        model = ScoringModel
        fields = [*ScoringModel.WEIGHT_FIELDS, "note"]
        # The weights and penalties take their labels from the model's verbose names; these fields have none
        # there, so their labels (Django's default wording, kept) are given here to be translatable.
        labels = {
            "roi_midpoint": _("Roi midpoint"),
            "roi_steepness": _("Roi steepness"),
            "revenue_floor": _("Revenue floor"),
            "revenue_ceiling": _("Revenue ceiling"),
            "urgency_full_days": _("Urgency full days"),
            "urgency_zero_days": _("Urgency zero days"),
            "horizon_years": _("Horizon years"),
            "tier_strategic": _("Tier strategic"),
            "tier_key": _("Tier key"),
            "tier_standard": _("Tier standard"),
            "fast_track_threshold": _("Fast track threshold"),
            "review_threshold": _("Review threshold"),
            "note": _("Note"),
        }
        widgets = {"note": forms.TextInput(attrs={"placeholder": _("What changed and why")})}

    def weights(self) -> scoring.ScoringWeights:
        """The proposed weights, once the form is valid: what Preview scores the open queue with."""
        return scoring.ScoringWeights(**{name: self.cleaned_data[name] for name in ScoringModel.WEIGHT_FIELDS})


class DecisionTargetsForm(forms.Form):
    """Days to decision per agenda and customer tier; empty means no target for that scope."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for scope, label in DecisionTarget._meta.get_field("scope").choices or ():
            self.fields[scope] = forms.IntegerField(
                label=_("%(scope)s (days)") % {"scope": label}, required=False, min_value=1, max_value=365
            )

    def targets(self) -> dict[str, int | None]:
        return dict(self.cleaned_data)


class QuarterCapacityForm(forms.Form):
    """Person-days per quarter for the coming quarters; empty removes a quarter's capacity."""

    def __init__(self, *args, quarters: list[date], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.quarters = {f"quarter_{quarter:%Y_%m_%d}": quarter for quarter in quarters}
        for name, quarter in self.quarters.items():
            self.fields[name] = forms.DecimalField(
                label=_("%(quarter)s (person-days)") % {"quarter": quarter_label(quarter)},
                required=False,
                min_value=Decimal("0"),
                max_digits=8,
                decimal_places=1,
            )
            self.fields[f"share_{name}"] = forms.DecimalField(
                label=_("%(quarter)s: BT share target (%%)") % {"quarter": quarter_label(quarter)},
                help_text=_("The share of the capacity aimed at the BT agenda; the IT agenda has the rest."),
                required=False,
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                max_digits=5,
                decimal_places=2,
            )

    @classmethod
    def initial_for(
        cls, capacities: dict[date, Decimal | None], bt_shares: dict[date, Decimal | None] | None = None
    ) -> dict[str, Decimal | None]:
        initial = {f"quarter_{quarter:%Y_%m_%d}": person_days for quarter, person_days in capacities.items()}
        initial |= {f"share_quarter_{quarter:%Y_%m_%d}": share for quarter, share in (bt_shares or {}).items()}
        return initial

    def capacities(self) -> dict[date, Decimal | None]:
        return {quarter: self.cleaned_data[name] for name, quarter in self.quarters.items()}

    def bt_shares(self) -> dict[date, Decimal | None]:
        return {quarter: self.cleaned_data[f"share_{name}"] for name, quarter in self.quarters.items()}
