from django import forms

from intake.models import Customer
from triage.models import CostEstimate, DecisionTarget, ScoringModel


class CostEstimateForm(forms.ModelForm):
    class Meta:
        model = CostEstimate
        fields = ["effort_days", "day_rate", "yearly_run_cost", "confidence", "note"]
        labels = {
            "effort_days": "Build effort (person-days)",
            "day_rate": "Day rate",
            "yearly_run_cost": "Run cost per year",
        }
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class DecisionForm(forms.Form):
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5_000, help_text="Why: kept with the decision, for staff."
    )
    customer_message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        required=False,
        label="Message to the customer",
        help_text="Shown on the customer's tracking page and e-mailed to them.",
    )


class RejectForm(DecisionForm):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["customer_message"].required = True


class DeferForm(DecisionForm):
    defer_until = forms.DateField(
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}), label="Look at it again on"
    )


class AskInformationForm(forms.Form):
    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5_000, label="Question for the customer"
    )


class AssignCustomerForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.order_by("name"))


class ScoringModelForm(forms.ModelForm):
    """The CIO's weights and thresholds; saving makes a new version, it never edits the old one."""

    class Meta:
        model = ScoringModel
        fields = [*ScoringModel.WEIGHT_FIELDS, "note"]
        widgets = {"note": forms.TextInput(attrs={"placeholder": "What changed and why"})}


class DecisionTargetsForm(forms.Form):
    """Days to decision per agenda and customer tier; empty means no target for that scope."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for scope, label in DecisionTarget._meta.get_field("scope").choices:
            self.fields[scope] = forms.IntegerField(label=f"{label} (days)", required=False, min_value=1, max_value=365)

    def targets(self) -> dict[str, int | None]:
        return dict(self.cleaned_data)
