"""What pages share about forms: how they are rendered; one way to turn a form's errors into a sentence for a
message; the time zone."""

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms import renderers
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from markupsafe import escape

from core.formats import time_zone_choices


class FormRenderer(renderers.BaseRenderer):
    """Django's own form and widget templates through Jinja2, any other (the admin's widgets) through Django's engine.

    Django ships each of its form templates in both languages with the same markup; the Jinja2 ones render
    three to four times faster, and a staff page renders up to twenty field groups (issue 22, docs/benchmarks.md).
    The admin's widgets exist only as Django templates, hence the fallback (a Jinja2-only renderer breaks them).
    """

    @cached_property
    def jinja2(self) -> renderers.Jinja2:
        return renderers.Jinja2()

    @cached_property
    def django(self) -> renderers.DjangoTemplates:
        return renderers.DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        if template_name.startswith("django/forms/"):
            return self.jinja2.get_template(template_name)
        return self.django.get_template(template_name)

    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        widget = context.get("widget")
        if template_name == SELECT_TEMPLATE and widget is not None and _plain_options(widget):
            return select_markup(widget)
        return super().render(template_name, context, request=request)


SELECT_TEMPLATE = "django/forms/widgets/select.html"
SELECT_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _plain_options(widget: dict[str, Any]) -> bool:
    return all(
        option["template_name"] == SELECT_OPTION_TEMPLATE
        for _name, options, _index in widget["optgroups"]
        for option in options
    )


def _attributes(attrs: dict[str, Any]) -> str:
    """As django/forms/widgets/attrs.html writes them: `True` bare, `False` omitted, the rest escaped as Jinja2 does."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def select_markup(widget: dict[str, Any]) -> str:
    """A select as Django's select.html and select_option.html write it, character for character.

    Those templates include one template per option: the demand page's select of 500 customers took 10 CPU ms
    through Jinja2 (17 through Django's engine), 4 written here (issue 22, docs/benchmarks.md)."""
    parts = [f'<select name="{escape(widget["name"])}"{_attributes(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{escape(option["value"])}"{_attributes(option["attrs"])}>'
            f"{escape(option['label'])}</option>"
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308  (every value above is escaped)


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
