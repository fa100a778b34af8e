"""The public demand form and the customer's tracking-page forms."""

import hashlib
import secrets
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.forms.boundfield import BoundField
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fieldhtml import FastFormRenderer
from intake.choices import Agenda
from intake.filetypes import ACCEPTED_EXTENSIONS, ALLOWED_DESCRIPTION
from intake.models import SAVINGS_FIELDS, ChangeRequest, value_claim_errors
from intake.selectors import customer_for_email, product_list_active
from intake.services import Submission
from intake.uploads import CheckedUpload, max_size_label

FORM_TOKEN_SALT = "intake.submission-form"  # noqa: S105 (a signing namespace, not a secret)


def form_token_new() -> str:
    """A signed random nonce that makes one filled-in form one demand, however often it is posted."""
    return signing.dumps(secrets.token_urlsafe(24), salt=FORM_TOKEN_SALT)


def form_idempotency_key(*, form_token: str, browser_id: str | None) -> str:
    """The demand's idempotency key: the form's token bound to the browser that loaded the form.

    The same browser posting the same form again gets its one demand and link back; the token posted from
    any other browser (another cookie, or none) is another key, so it files a new demand and can never
    open the first one's private link. The browser id is a random HttpOnly cookie, in no page or body.
    """
    browser = hashlib.sha256((browser_id or "").encode()).hexdigest()[:32]
    return f"form:{form_token}:{browser}"


class QuerysetChoiceIterator(ModelChoiceIterator):
    """A model choice list read by one plain query per form, its rows kept for the form's next use.

    Django's ModelChoiceIterator reads through `queryset.iterator()`, which on PostgreSQL opens a server-side
    cursor on every render (DECLARE … WITH HOLD, FETCH, CLOSE: three round trips for a dozen products, on
    every GET of the public form) and cannot run through a transaction-mode pooler."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for choice in self.queryset:
            yield self.choice(choice)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each already checked by the streaming upload handler."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class RequiredMarkBoundField(BoundField):
    """A required field's label ends with the visible asterisk the form announces, before Django's suffix:
    "Your name *:", "What do you need? *". Screen readers hear "required" from the control's own attribute,
    so the mark is hidden from them."""

    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):  # type: ignore[no-untyped-def]
        if contents is None and self.field.required and self.label:
            if label_suffix is None:
                label_suffix = (
                    self.field.label_suffix if self.field.label_suffix is not None else self.form.label_suffix
                )
            # Django adds no suffix to a label that ends in punctuation ("What do you need?").
            suffix = "" if not label_suffix or self.label[-1] in gettext(":?.!") else label_suffix
            contents = format_html('{}<span class="required-mark" aria-hidden="true"> *</span>{}', self.label, suffix)
            label_suffix = ""
        return super().label_tag(contents, attrs, label_suffix, tag)


def attachments_field() -> MultipleFileField:
    """The optional files of the demand form and of a customer's message: one rule, one help text."""
    return MultipleFileField(
        required=False,
        label=_("Attachments"),
        help_text=format_lazy(
            _("Up to {count} files, {size} each: {types}."),
            count=settings.INTAKE_ATTACHMENTS_MAX_FILES,
            size=max_size_label(),
            types=ALLOWED_DESCRIPTION,
        ),
    )


DEMAND_FIELDS = [
    "contact_name",
    "contact_email",
    "organization_name",
    "product",
    "kind",
    "title",
    "description",
    "business_justification",
    "revenue_at_stake",
    "currency",
    "desired_date",
    "agenda",
    "risk_shares_ip",
    "risk_exclusive",
    "risk_security",
    *SAVINGS_FIELDS,
]
DEMAND_LABELS = {
    "contact_name": _("Your name"),
    "contact_email": _("Your work e-mail"),
    "organization_name": _("Your organization"),
    "kind": _("What kind of change is it?"),
    "title": _("Title"),
    "description": _("What do you need?"),
    "business_justification": _("Why does it matter to your business?"),
    "revenue_at_stake": _("Revenue at stake"),
    "desired_date": _("When do you need it?"),
    "agenda": _("Who will use it?"),
    "risk_shares_ip": _("Will this need our source code or IP shared with a third party?"),
    "risk_exclusive": _("Should it be available only to your organization?"),
    "risk_security": _("Does it touch security or personal data?"),
    "hours_saved_per_year": _("Hours of work saved per year"),
    "loaded_hourly_rate": _("Cost of one of those hours"),
    "licences_retired_per_year": _("Licences or subscriptions we can stop, per year"),
    "transactions_per_year": _("Transactions handled per year"),
    "cost_per_transaction_before": _("Cost of one transaction today"),
    "cost_per_transaction_after": _("Cost of one transaction after the change"),
    "risk_exposure_avoided": _("Risk or compliance exposure avoided"),
    # The model's own names, given here so that they are translated too.
    "product": _("Product"),
    "currency": _("Currency"),
}
DEMAND_HELP_TEXTS = {
    "contact_email": _("We send the reference and a private tracking link here."),
    "title": _("One line, e.g. “Export invoices to SAP every night”."),
    "description": _("Describe the change as you would to a colleague: what, for whom, and how you would use it."),
    "revenue_at_stake": _("The deal or renewal that depends on this change, if any."),
    "desired_date": _("Leave empty if there is no deadline."),
    "loaded_hourly_rate": _("Salary and overheads: what an hour of the people concerned costs the company."),
    "licences_retired_per_year": _("What we pay each year for the licences this change lets us retire."),
    "cost_per_transaction_before": _("An invoice processed, a ticket handled, an order entered…"),
    "risk_exposure_avoided": _("Fines, losses or penalties this change protects us from, as a rough amount."),
}
DEMAND_WIDGETS = {
    "description": forms.Textarea(attrs={"rows": 6}),
    "business_justification": forms.Textarea(attrs={"rows": 3}),
    "desired_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    "agenda": forms.RadioSelect,
}


def _demand_fields() -> dict[str, forms.Field]:
    """The demand's form fields, each also carrying its model field's validators (minimums, lengths)."""
    fields = forms.fields_for_model(
        ChangeRequest,
        fields=DEMAND_FIELDS,
        labels=DEMAND_LABELS,  # type: ignore[arg-type]  # lazy translations are what Django expects here
        help_texts=DEMAND_HELP_TEXTS,  # type: ignore[arg-type]
        widgets=DEMAND_WIDGETS,  # type: ignore[arg-type]
    )
    for name, form_field in fields.items():
        model_validators = ChangeRequest._meta.get_field(name).validators  # type: ignore[union-attr]
        form_field.validators = [
            *form_field.validators,
            *(v for v in model_validators if v not in form_field.validators),
        ]
    return fields


# A plain Form rather than a ModelForm: a ModelForm also runs the model's full_clean, which costs one
# query per CHECK constraint and per foreign key on every submission, for rules the database enforces
# anyway when the row is inserted. The model's field validators still run here, on the form.
DemandFields = type("DemandFields", (forms.Form,), _demand_fields())


class ChangeRequestForm(DemandFields):  # type: ignore[misc, valid-type]  # the form class is built from the model's fields at import (see the comment above)
    """Everything a customer tells us about a demand, in plain words."""

    # "Fields marked * are required": each required field's label carries the asterisk (RequiredMarkBoundField).
    required_css_class = "required"
    bound_field_class = RequiredMarkBoundField
    # Django's markup written in Python: the form's 20 field groups were half a GET+POST pair's CPU (issue 22).
    default_renderer = FastFormRenderer()

    form_token = forms.CharField(widget=forms.HiddenInput)
    # Humans never see this field (hidden with CSS and aria-hidden); bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this field empty"), max_length=200)
    attachments = attachments_field()

    def __init__(self, *args, upload_errors: list[str] | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.upload_errors = upload_errors or []
        self.fields["attachments"].widget.attrs["accept"] = ACCEPTED_EXTENSIONS
        self.fields["product"].iterator = QuerysetChoiceIterator  # before the queryset, which hands it to the widget
        self.fields["product"].queryset = product_list_active()
        self.fields["product"].empty_label = _("Choose a product")
        self.fields["agenda"].choices = [
            ("bt", _("Our customers (a customer-facing change)")),
            ("it", _("Our own staff (an internal change)")),
        ]
        for name in (*SAVINGS_FIELDS, "revenue_at_stake"):
            self.fields[name].required = False
        for name in SAVINGS_FIELDS:
            self.fields[name].initial = None  # an empty box reads "does not apply" better than a 0
            self.fields[name].widget.attrs["min"] = "0"
        for name in ("contact_name", "contact_email", "title", "description", "product"):
            self.fields[name].widget.attrs["required"] = True
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.fields["contact_name"].widget.attrs["autocomplete"] = "name"
        self.fields["organization_name"].widget.attrs["autocomplete"] = "organization"
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        if not self.is_bound:
            self.initial["form_token"] = form_token_new()
        # Labels, help texts and choices are lazy translations, looked up again on every use (about 200 lookups a
        # GET+POST, 7 % of its CPU): translate each once per form, in the language of this request.
        for field in self.fields.values():
            field.label = None if field.label is None else str(field.label)
            field.help_text = str(field.help_text)
            if type(field) is forms.TypedChoiceField:
                choices: list[tuple[str, Any]] = list(field.choices)  # type: ignore[arg-type]  # a model field's flat pairs
                field.choices = [(value, str(label)) for value, label in choices]

    def clean_form_token(self) -> str:
        token = self.cleaned_data["form_token"]
        try:
            signing.loads(token, salt=FORM_TOKEN_SALT, max_age=60 * 60 * 24)
        except signing.BadSignature:
            raise forms.ValidationError(_("This form has expired. Please submit it again.")) from None
        return token

    def form_token_renew_if_refused(self) -> None:
        """After "this form has expired", the page comes back with a fresh token, so sending it again works."""
        if "form_token" in self.errors:
            # mypy cannot see Form.data through the base class built at import (DemandFields, above).
            data = self.data.copy()  # type: ignore[has-type]
            data["form_token"] = form_token_new()
            self.data = data

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if len(title) < 5:
            raise forms.ValidationError(_("Please give a title of at least 5 characters."))
        return title

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].strip()
        if len(description) < 20:
            raise forms.ValidationError(_("Please describe the change in at least 20 characters."))
        return description

    def clean_attachments(self) -> list[UploadedFile]:
        return attachments_clean(self.cleaned_data.get("attachments") or [], self.upload_errors)

    def clean(self) -> dict:
        """Internal or external, then the value questions that fit: a claim the wrong way round is refused.

        A contact says they are internal by choosing "our own staff"; an e-mail domain registered to an
        internal business unit decides it whatever they chose.
        """
        cleaned: dict = super().clean()
        email = cleaned.get("contact_email")
        self.customer_matched = customer_for_email(email) if email else None
        if self.customer_matched is not None and self.customer_matched.is_internal:
            cleaned["agenda"] = Agenda.IT
        errors = value_claim_errors(
            internal=cleaned.get("agenda") == Agenda.IT,
            revenue_at_stake=cleaned.get("revenue_at_stake") or Decimal("0"),
            savings={name: cleaned.get(name) or 0 for name in SAVINGS_FIELDS},
        )
        for name, message in errors.items():
            if name in cleaned:
                self.add_error(name, message)
        return cleaned

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def submission(self) -> Submission:
        data = {name: self.cleaned_data[name] for name in DEMAND_FIELDS}
        data.update({name: self.cleaned_data[name] or 0 for name in (*SAVINGS_FIELDS, "revenue_at_stake")})
        return Submission(**data, customer=self.customer_matched, customer_looked_up=True)


def attachments_clean(files: list[UploadedFile], upload_errors: list[str]) -> list[UploadedFile]:
    """The uploads the streaming handler accepted, or every refusal (the form's and a comment's rule)."""
    errors = list(upload_errors)
    errors += [
        gettext("“{name}” could not be checked; please attach it again.").format(name=file.name)
        for file in files
        if not isinstance(file, CheckedUpload)
    ]
    if len(files) > settings.INTAKE_ATTACHMENTS_MAX_FILES:
        errors.append(
            gettext("Please attach at most {count} files.").format(count=settings.INTAKE_ATTACHMENTS_MAX_FILES)
        )
    if errors:
        # The browser cannot keep chosen files across a round trip; say so with the reason.
        errors.append(gettext("Please choose the files you want to send again."))
        raise forms.ValidationError(errors)
    return files


class CommentForm(forms.Form):
    """The customer writes on their demand from the tracking page, with files checked as the demand form's."""

    body = forms.CharField(
        label=_("Your message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000, required=False
    )
    attachments = attachments_field()

    def __init__(self, *args, upload_errors: list[str] | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.upload_errors = upload_errors or []
        self.fields["attachments"].widget.attrs["accept"] = ACCEPTED_EXTENSIONS

    def clean_attachments(self) -> list[UploadedFile]:
        return attachments_clean(self.cleaned_data.get("attachments") or [], self.upload_errors)

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if not self.errors and not (cleaned.get("body") or "").strip() and not cleaned.get("attachments"):
            raise forms.ValidationError(_("Please write a message or attach a file."))
        return cleaned


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000, strip=True
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why are you withdrawing it? (optional)"), required=False, max_length=2_000)
    # Withdrawing cannot be undone: the customer confirms it, the one click of old is not enough.
    confirm = forms.BooleanField(
        label=_("Yes, withdraw this demand. We will stop working on it; this cannot be undone."),
        error_messages={"required": _("Tick this box to confirm that you want to withdraw the demand.")},
    )


class LostLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("The e-mail address you filed your demands with"), max_length=254, widget=forms.EmailInput()
    )
