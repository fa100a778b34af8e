"""The Python-written form markup (core.fieldhtml) is Django's template output, byte for byte."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from core.fieldhtml import FastFormRenderer
from intake.forms import AnswerForm, ChangeRequestForm, CommentForm, LostLinkForm, WithdrawForm
from tests.factories import ProductFactory

FILLED_IN_BADLY = {
    "contact_name": '<b>Ann & "Bob"</b>',
    "contact_email": "not an address",
    "title": "abc",
    "description": "x" * 30,
    "revenue_at_stake": "-5",
    "agenda": "it",
    "kind": "no-such-kind",
    "risk_shares_ip": "on",
    "currency": "USD",
    "desired_date": "2026-02-30",
    "hours_saved_per_year": "12",
    "reason": "'quoted' <i>",
    "email": "bad",
    "answer": "<script>",
}


class EveryWidget(forms.Form):
    """Widgets and options the demand form does not use, so the writers are compared on them too."""

    grouped = forms.ChoiceField(choices=[("Fruit", [("a", "Apple <1>"), ("b", "Banana")]), ("c", "Cherry")])
    several = forms.MultipleChoiceField(choices=[("x", "X & Y"), ("y", "Y")], widget=forms.CheckboxSelectMultiple)
    grouped_radio = forms.ChoiceField(choices=[("G", [("1", "One")]), ("2", "Two")], widget=forms.RadioSelect)
    secret = forms.CharField(widget=forms.PasswordInput, help_text="<em>safe</em> help, as Django writes it")
    site = forms.URLField(required=False, label="", assume_scheme="https")
    when = forms.DateTimeField(required=False, disabled=True)
    agree = forms.BooleanField(label="I agree.")
    note = forms.CharField(widget=forms.Textarea(attrs={"class": "wide", "data-x": '"q"'}), required=False)
    upload = forms.FileField(required=False)

    def clean(self) -> dict:
        raise forms.ValidationError("Form-wide <problem> & more.")


def renderings(form: forms.Form) -> list[str]:
    parts = [str(form.non_field_errors()), str(form.errors)]
    for field in form:
        parts += [field.as_field_group(), str(field), field.label_tag(), field.legend_tag(), str(field.errors)]
    return parts


@pytest.mark.django_db
@pytest.mark.parametrize(
    "form_class", [ChangeRequestForm, CommentForm, WithdrawForm, LostLinkForm, AnswerForm, EveryWidget]
)
@pytest.mark.parametrize("data", [None, {}, FILLED_IN_BADLY], ids=["unbound", "empty", "filled-in-badly"])
def test_fast_renderer_writes_the_templates_bytes(form_class: type[forms.Form], data: dict | None) -> None:
    ProductFactory()
    ProductFactory(name='Billing & "Invoices"')
    django_form = form_class(data, renderer=DjangoTemplates())
    fast_form = form_class(data, renderer=FastFormRenderer())
    fast_form.initial = django_form.initial  # the demand form's fresh token
    if data is not None:
        assert django_form.is_valid() == fast_form.is_valid()
    assert renderings(fast_form) == renderings(django_form)


@pytest.mark.django_db
def test_the_demand_form_page_is_the_same_with_either_renderer(client, settings) -> None:
    ProductFactory()
    pages = []
    for renderer in (DjangoTemplates(), FastFormRenderer()):
        ChangeRequestForm.default_renderer = renderer
        try:
            response = client.post("/requests/new/", {"contact_name": "<x>", "title": "ab", "agenda": "it"})
        finally:
            ChangeRequestForm.default_renderer = FastFormRenderer()
        assert response.status_code == 400
        # The CSRF and form tokens are new on every page; everything else must be the same bytes.
        pages.append(re.sub(r'(csrfmiddlewaretoken|form_token)" value="[^"]+"', r"\1", response.content.decode()))
    assert pages[0] == pages[1]
    assert 'aria-invalid="true"' in pages[1]
