"""core.forms.FormRenderer: Django's form markup, rendered faster, never different."""

import re

import pytest
from django import forms
from django.forms.renderers import BaseRenderer, DjangoTemplates, get_default_renderer

from core.forms import FormRenderer


class JinjaTemplatesOnly(FormRenderer):
    """The same renderer without the hand-written select: what the markup must equal."""

    render = BaseRenderer.render


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("a", "Alpha"), ("b", 'Bravo "quoted" <b>')], initial="b")
    grouped = forms.ChoiceField(
        choices=[("", "---------"), ("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("other", "L’autre & co")],
        required=False,
        help_text="Pick one",
    )
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")], initial=["x", "y"])
    boxes = forms.MultipleChoiceField(choices=[("x", "X")], widget=forms.CheckboxSelectMultiple)


def test_the_default_renderer_is_ours():
    assert isinstance(get_default_renderer(), FormRenderer)


@pytest.mark.parametrize("data", [None, {"plain": "zzz", "many": ["y"]}], ids=["unbound", "with errors"])
def test_selects_are_written_as_djangos_templates_write_them(data):
    expected = Sample(data, renderer=JinjaTemplatesOnly()).as_div()
    assert Sample(data, renderer=FormRenderer()).as_div() == expected
    assert "<optgroup" in expected and "&lt;b&gt;" in expected and " selected>" in expected
    assert ('aria-invalid="true"' in expected) == bool(data)


def test_the_markup_equals_djangos_own_engine_but_for_white_space_between_tags():
    def squeezed(html: str) -> str:
        return re.sub(r">\s+<", "><", " ".join(html.split()))

    ours = Sample(renderer=FormRenderer()).as_div()
    theirs = Sample(renderer=DjangoTemplates()).as_div()
    # Jinja2 escapes quotes as &#34; where Django writes &quot;: the same characters to a browser.
    assert squeezed(ours).replace("&#34;", "&quot;") == squeezed(theirs)


def test_the_admins_widgets_still_render(admin_client):
    response = admin_client.get("/admin/auth/user/add/")
    assert response.status_code == 200 and b'name="password1"' in response.content
