"""Forms of the partner register and of a demand's disclosure plan: they parse input; the services decide."""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from intake.models import Product
from partners.choices import AgreementKind, CompetitorRisk, DisclosureDepth, PartnerRelationship
from partners.models import Agreement, DisclosurePlan, Partner, ProductComponent
from partners.selectors import agreement_choices


def errors_into(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal on the form: each message under its field, or above the form when it names none."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def agreement_label(agreement: Agreement) -> str:
    return _("%(partner)s: %(reference)s (%(kind)s, expires %(expires)s)") % {
        "partner": agreement.partner.name,
        "reference": agreement.reference,
        "kind": agreement.get_kind_display(),
        "expires": agreement.expires_on.isoformat(),
    }


class DisclosurePlanForm(forms.Form):
    """The next version of a demand's plan: partner, agreement and, per component of the product, a depth.

    The partners and agreements come from one read of the agreements (a partner is offered when it is active and
    holds one), so the page pays one query for both selects.
    """

    partner = forms.TypedChoiceField(label=_("Partner"), coerce=int)
    agreement = forms.TypedChoiceField(
        label=_("Agreement covering the disclosure"), coerce=int, empty_value=None, required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=5_000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        components: list[ProductComponent],
        current: DisclosurePlan | None = None,
        **kwargs: Any,
    ) -> None:
        if current is not None and not args and "data" not in kwargs:
            kwargs.setdefault(
                "initial",
                {
                    "partner": current.partner_id,
                    "agreement": current.agreement_id,
                    **{f"depth_{item.component_id}": item.depth for item in current.items.all()},
                },
            )
        super().__init__(*args, **kwargs)
        self.agreements = {agreement.pk: agreement for agreement in agreement_choices()}
        self.partners = {
            agreement.partner_id: agreement.partner
            for agreement in self.agreements.values()
            if agreement.partner.is_active
        }
        self.fields["partner"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose the partner")),
            *sorted(((pk, partner.name) for pk, partner in self.partners.items()), key=lambda choice: choice[1]),
        ]
        self.fields["agreement"].choices = [  # type: ignore[attr-defined]
            ("", _("None: the disclosure is uncovered")),
            *((pk, agreement_label(agreement)) for pk, agreement in self.agreements.items()),
        ]
        self.components = components
        for component in components:
            label = (
                _("%(component)s (core IP)") % {"component": component.name} if component.is_core_ip else component.name
            )
            self.fields[f"depth_{component.pk}"] = forms.TypedChoiceField(
                label=label,
                choices=[("", _("Not revealed")), *DisclosureDepth.choices],
                coerce=int,
                empty_value=None,
                required=False,
            )

    def clean_partner(self) -> Partner:
        return self.partners[self.cleaned_data["partner"]]

    def clean_agreement(self) -> Agreement | None:
        agreement_id = self.cleaned_data["agreement"]
        return None if agreement_id is None else self.agreements[agreement_id]

    def depth_fields(self) -> list[forms.BoundField]:
        return [self[f"depth_{component.pk}"] for component in self.components]

    def items(self) -> list[tuple[ProductComponent, int]]:
        """(component, depth) of each component revealed, once the form is valid."""
        return [
            (component, self.cleaned_data[f"depth_{component.pk}"])
            for component in self.components
            if self.cleaned_data.get(f"depth_{component.pk}") is not None
        ]


class SignOffForm(forms.Form):
    """The CIO's decision on the version shown: sign off, or refuse with a reason."""

    plan = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason (required to refuse)"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PartnerForm(forms.Form):
    """A new partner with the first agreement in force with it (a partner without one is not in the register)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    country = forms.CharField(label=_("Country"), max_length=100)
    relationship = forms.ChoiceField(label=_("Relationship"), choices=PartnerRelationship.choices)
    competitor_risk = forms.ChoiceField(label=_("Competitor risk"), choices=CompetitorRisk.choices)
    competitor_risk_reason = forms.CharField(label=_("Why this risk"), max_length=300)
    kind = forms.ChoiceField(label=_("Agreement"), choices=AgreementKind.choices)
    reference = forms.CharField(label=_("Agreement reference"), max_length=100)
    starts_on = forms.DateField(label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}))

    AGREEMENT_FIELDS = ("kind", "reference", "starts_on", "expires_on")

    def agreement(self) -> dict[str, str | date]:
        return {name: self.cleaned_data[name] for name in self.AGREEMENT_FIELDS}

    def partner(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if name not in self.AGREEMENT_FIELDS}


class AgreementForm(forms.Form):
    """Another agreement with a partner."""

    kind = forms.ChoiceField(label=_("Agreement"), choices=AgreementKind.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100)
    starts_on = forms.DateField(label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}))


class ComponentForm(forms.Form):
    """A component of a product that may be revealed to a partner."""

    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("Product"))
    name = forms.CharField(label=pgettext_lazy("product part", "Component"), max_length=200)
    is_core_ip = forms.BooleanField(label=_("Core IP"), required=False)
    description = forms.CharField(label=_("Description"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]
