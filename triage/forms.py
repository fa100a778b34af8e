from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from core import roles
from core.selectors import staff_with_permission
from intake.models import Customer
from triage import scoring
from triage.choices import BULK_LIMIT, BulkAction
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


class CommentReplyForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000, label=_("Reply to the customer (e-mailed)")
    )


class CommentNoteForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        label=_("Internal note"),
        help_text=_("Staff only, never shown or sent to the customer. @username mentions a colleague."),
    )


class AssignCustomerForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.order_by("name"), label=_("Customer"))


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class OwnerForm(forms.Form):
    """A demand's owner: the staff who may own demands (core.roles.CHANGE_DEMAND), or nobody."""

    owner = OwnerChoiceField(queryset=User.objects.none(), required=False, label=_("Owner"), empty_label=_("Nobody"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = staff_with_permission(roles.CHANGE_DEMAND)


class BulkActionForm(forms.Form):
    """The queue's bulk action: which demands (their ids, at most BULK_LIMIT), what to do, and its details."""

    action = forms.ChoiceField(label=_("With the selected demands"), choices=BulkAction.choices)
    ids = forms.TypedMultipleChoiceField(coerce=int, widget=forms.MultipleHiddenInput, required=False)
    owner = OwnerChoiceField(queryset=User.objects.none(), required=False, label=_("Owner"), empty_label=_("Nobody"))
    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5_000,
        required=False,
        label=_("Question for the customers"),
    )
    rationale = forms.CharField(max_length=5_000, required=False, label=_("Rationale"))
    defer_until = forms.DateField(
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        required=False,
        label=_("Look at it again on"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = staff_with_permission(roles.CHANGE_DEMAND)
        # Any id is a valid choice here; the service skips those that do not exist and says so.
        ids = self.fields["ids"]
        assert isinstance(ids, forms.TypedMultipleChoiceField)
        ids.valid_value = lambda value: str(value).isdigit() and len(str(value)) < 19  # type: ignore[method-assign]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        ids = cleaned.get("ids") or []
        if not ids:
            raise forms.ValidationError(_("Select at least one demand."))
        if len(ids) > BULK_LIMIT:
            raise forms.ValidationError(_("Select at most %(limit)s demands at once.") % {"limit": BULK_LIMIT})
        action = cleaned.get("action")
        if action == BulkAction.ASK and not (cleaned.get("question") or "").strip():
            self.add_error("question", _("Write the question for the customers."))
        if action == BulkAction.DEFER:
            if not (cleaned.get("rationale") or "").strip():
                self.add_error("rationale", _("Write the rationale for this decision."))
            if cleaned.get("defer_until") is None:
                self.add_error("defer_until", _("Choose a future date to defer these demands until."))
        return cleaned


class SavedViewForm(forms.Form):
    """Name the queue's current filters and sort; shared views are listed for the whole team."""

    name = forms.CharField(label=_("Name of the view"), max_length=80)
    is_shared = forms.BooleanField(label=_("Share with the team"), required=False)


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

    # The page groups the fields by what they do, in this order; every field of the model appears exactly once.
    GROUPS = (
        (
            "weights",
            _("Weights"),
            (
                "weight_roi",
                "weight_revenue",
                "weight_savings",
                "weight_risk",
                "weight_breadth",
                "weight_urgency",
                "weight_strategic",
            ),
        ),
        (
            "penalties",
            _("Penalties"),
            (
                "penalty_shares_ip",
                "penalty_exclusive",
                "penalty_security",
                "penalty_disclosure",
                "penalty_disclosure_cap",
                "disclosure_uncovered_factor",
            ),
        ),
        (
            "curves",
            _("Curves"),
            (
                "roi_midpoint",
                "roi_steepness",
                "revenue_floor",
                "revenue_ceiling",
                "urgency_full_days",
                "urgency_zero_days",
                "horizon_years",
                "savings_years",
                "risk_cap",
            ),
        ),
        ("tiers", _("Customer tiers"), ("tier_strategic", "tier_key", "tier_standard")),
        ("thresholds", _("Thresholds"), ("fast_track_threshold", "review_threshold")),
    )

    def __init__(self, *args, read_only: bool = False, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    def groups(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """(key, legend, bound fields) per fieldset, for the template; a field no group names is never dropped."""
        groups = [(key, str(legend), [self[name] for name in names]) for key, legend, names in self.GROUPS]
        grouped = {name for _key, _legend, names in self.GROUPS for name in names}
        others = [self[name] for name in ScoringModel.WEIGHT_FIELDS if name not in grouped]
        return groups + ([("other", str(_("Other parameters")), others)] if others else [])

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
