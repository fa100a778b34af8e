"""A form renderer that writes Django's form templates in Python: the same bytes, at a fraction of the cost.

Django renders a field group through five to eight small templates (the field, its label, its errors, the widget,
the widget's attributes, each option). On the public demand form that was half of a GET+POST pair's CPU (issue 22).
`FastFormRenderer` writes the templates listed in `WRITERS` directly from the context Django builds for them, and
renders any other template (a whole form's layout, another widget) through Django's template engine as before.
tests/core/test_fieldhtml.py compares both renderers' output byte for byte, unbound, filled in and with errors.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape


def _escape(value: Any) -> str:
    # `{{ value|stringformat:'s' }}` under autoescape: the text of the value, escaped unless marked safe.
    return str(conditional_escape(value if isinstance(value, str) else str(value)))


def attrs_html(attrs: Mapping[str, Any]) -> str:
    """` name="value"` for each attribute; `True` writes the bare name, `False` leaves the attribute out."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"')
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    value_html = "" if value is None else f' value="{_escape(value)}"'
    attrs = attrs_html(widget["attrs"])
    return f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"{value_html}{attrs}>'


def _textarea(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{_escape(widget["name"])}"{attrs_html(widget["attrs"])}>\n'
        f"{_escape(value) if value else ''}</textarea>"
    )


def _option(option: Mapping[str, Any]) -> str:
    return (
        f'<option value="{_escape(option["value"])}"{attrs_html(option["attrs"])}>{_escape(option["label"])}</option>\n'
    )


def _select(widget: Mapping[str, Any]) -> str:
    parts = [f'<select name="{_escape(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_escape(group_name)}">')
        parts.extend(f"\n  {_option(option)}" for option in options)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _input_option(option: Mapping[str, Any]) -> str:
    # input.html and input_option.html each end with a newline, and radio_option.html or checkbox_option.html,
    # which include them, one more: an included template keeps its trailing newline.
    trailing = "\n" if option["template_name"] == "django/forms/widgets/input_option.html" else "\n\n"
    if not option["wrap_label"]:
        return f"{_input(option)}\n{trailing}"
    option_id = option["attrs"].get("id")
    label_for = f' for="{_escape(option_id)}"' if option_id else ""
    return f"<label{label_for}>{_input(option)}\n {_escape(option['label'])}</label>{trailing}"


def _multiple_input(widget: Mapping[str, Any]) -> str:
    widget_id = widget["attrs"].get("id")
    css_class = widget["attrs"].get("class")
    parts = [
        "<div",
        f' id="{_escape(widget_id)}"' if widget_id else "",
        f' class="{_escape(css_class)}"' if css_class else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_escape(group)}</label>")
        parts.extend(f"<div>\n    {_input_option(option)}</div>" for option in options)
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


def _file_input(widget: Mapping[str, Any]) -> str | None:
    if widget.get("is_initial"):
        return None  # a stored file's link and "clear" box: Django's template writes those
    return f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"{attrs_html(widget["attrs"])}>'


OPTION_TEMPLATES = {
    "django/forms/widgets/select_option.html",
    "django/forms/widgets/radio_option.html",
    "django/forms/widgets/checkbox_option.html",
    "django/forms/widgets/input_option.html",
}


def _widget(write: Callable[[Mapping[str, Any]], str | None]) -> Callable[[Mapping[str, Any]], str | None]:
    """A widget template's writer; a widget whose options use other templates is left to the template."""

    def writer(context: Mapping[str, Any]) -> str | None:
        widget = context["widget"]
        for _group, options, _index in widget.get("optgroups", ()):
            if any(option["template_name"] not in OPTION_TEMPLATES for option in options):
                return None
        return write(widget)

    return writer


def _label(context: Mapping[str, Any]) -> str:
    label = _escape(context["label"])
    if not context["use_tag"]:
        return label
    tag = context["tag"]
    return f"<{tag}{attrs_html(context['attrs'] or {})}>{label}</{tag}>"


def _error_list(context: Mapping[str, Any]) -> str:
    errors = context["errors"]
    if not errors:
        return ""
    list_id = f' id="{_escape(errors.field_id)}_error"' if errors.field_id else ""
    items = "".join(f"<li>{_escape(error)}</li>" for error in errors)
    return f'<ul class="{_escape(context["error_class"])}"{list_id}>{items}</ul>'


def _field_group(context: Mapping[str, Any]) -> str:
    field = context["field"]
    if field.use_fieldset:
        describedby = field.aria_describedby
        opening = f'<fieldset aria-describedby="{_escape(describedby)}">' if describedby else "<fieldset>"
        head = f"{opening}\n  {field.legend_tag() if field.label else ''}\n"
    else:
        head = f"{field.label_tag() if field.label else ''}\n"
    help_html = ""
    if field.help_text:
        help_id = f' id="{_escape(field.auto_id)}_helptext"' if field.auto_id else ""
        help_html = f'<div class="helptext"{help_id}>{field.help_text}</div>'  # `|safe` in Django's template
    closing = "</fieldset>" if field.use_fieldset else ""
    return f"{head}\n{help_html}\n{field.errors}\n{field}{closing}"


# Template → writer, each from the context Django passes that template. A writer answering None defers to it.
WRITERS: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    **{
        f"django/forms/widgets/{kind}.html": _widget(_input)
        for kind in ("input", "text", "email", "number", "url", "password", "hidden", "date", "checkbox")
    },
    "django/forms/widgets/textarea.html": _widget(_textarea),
    "django/forms/widgets/select.html": _widget(_select),
    "django/forms/widgets/radio.html": _widget(_multiple_input),
    "django/forms/widgets/checkbox_select.html": _widget(_multiple_input),
    "django/forms/widgets/clearable_file_input.html": _widget(_file_input),
    "django/forms/widgets/file.html": _widget(_file_input),
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _error_list,
    "django/forms/errors/list/ul.html": _error_list,
    "django/forms/field.html": _field_group,
}


class FastFormRenderer(DjangoTemplates):
    """Django's default form renderer, with its field, label, error-list and common widget templates written in
    Python. Set as a form's `default_renderer`; every value is escaped as the template's autoescape would."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        writer = WRITERS.get(template_name)
        html = writer(context) if writer is not None else None
        if html is None:
            return super().render(template_name, context, request)
        return html.strip()
