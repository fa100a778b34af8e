from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.formats import reader_time_zone, time_zone_choices
from notifications.choices import EmailMode


class NotificationPreferenceForm(forms.Form):
    """How a staff member wants to be told by e-mail, in which language and time zone."""

    email_mode = forms.ChoiceField(label=_("E-mail me"), choices=EmailMode.choices, widget=forms.RadioSelect)
    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone of the e-mails"), choices=time_zone_choices)

    def clean_time_zone(self) -> str:
        zone: str = self.cleaned_data["time_zone"]
        if reader_time_zone(zone) is None:
            raise forms.ValidationError(_("Choose a time zone from the list."))
        return zone
