"""What pages share about forms: one way to turn a form's errors into a sentence for a message; the time zone."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from core.formats import time_zone_choices


def form_errors_text(form: forms.BaseForm, *, by_name: bool = False) -> str:
    """`Label: message; Other label: message`, every field's errors (form-wide ones without a label).

    `by_name` names each field by its parameter name instead, for query strings a person or a script typed."""
    parts = []
    for name, errors in form.errors.items():
        messages = " ".join(str(error) for error in errors)
        field = form.fields.get(name)
        label = name if by_name else (field.label if field is not None else None)
        label = label or ("" if name == NON_FIELD_ERRORS else name)
        parts.append(f"{label}: {messages}" if label else messages)
    return "; ".join(parts)


class TimeZoneForm(forms.Form):
    """The time zone a reader wants times shown in, and the page to go back to."""

    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)
