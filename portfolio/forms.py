from django import forms

from portfolio.models import Milestone, Project, StatusUpdate
from portfolio.selectors import project_open_choices


class ApproveForm(forms.Form):
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5_000)
    customer_message = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5_000, required=False)
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
        self.fields["project"].queryset = project_open_choices()


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
        fields = ["status", "progress", "actual_spend", "realized_revenue", "start_date", "target_date"]
        widgets = {
            "start_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "target_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }
