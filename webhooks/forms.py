from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.choices import EventType
from webhooks.targets import validate_endpoint_url


class EventsForm(forms.Form):
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )


class EndpointForm(EventsForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Who receives it, e.g. “CRM sync”."))
    url = forms.URLField(
        label=_("URL"),
        max_length=2000,
        assume_scheme="https",
        validators=[validate_endpoint_url],
        help_text=_("An https:// address that accepts POST requests."),
    )
    field_order = ["name", "url", "events"]
