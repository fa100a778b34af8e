"""The Jinja2 engine (settings.TEMPLATES "jinja2", templates under <app>/jinja2/), for the hot fragments of a page.

Django's template engine stays the pages' engine; the fragments it renders many times over (a table's rows) are
written for Jinja2, which renders the same markup three to five times faster (issue 22, docs/benchmarks.md), and
included with `{% jinja "name" %}` (core/templatetags/demanddesk.py). They read the same context, translate with
the same catalogue (`{{ _("…") }}`, `{{ _("%(name)s …", name=…) }}`: the msgids of `{% blocktranslate %}`), and
use the same filters: every filter of the libraries named in `filter_libraries`, plus Django's `date` and
`timesince`. Missing attributes are empty, as in Django templates; numbers are printed as Python writes them,
so a decimal goes through `|localize` (Django's engine localizes every number it prints).
"""

import functools
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Any

from django.db.models import Model
from django.template import defaultfilters
from django.template.library import Library
from django.urls import reverse
from django.utils import formats
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # missing from the stubs
from django.utils.translation import gettext, ngettext, npgettext, pgettext
from jinja2 import ChainableUndefined, Environment


def url(name: str, *args: object) -> str:
    """`{{ url("triage:detail", demand.reference) }}`, as `{% url %}`."""
    return reverse(name, args=args)


@functools.cache
def _choice_labels(model: type[Model], field_name: str) -> dict[object, object]:
    return dict(model._meta.get_field(field_name).flatchoices)  # type: ignore[union-attr]  # a field with choices


def display(instance: Model, field_name: str) -> str:
    """`{{ display(demand, "status") }}`: what `demand.get_status_display` prints, in the reader's language.

    Django's `get_FOO_display` builds a dict of the field's choices on every call, hashing each lazy label, which
    translates it: a fifth of the queue's and the portfolio's rows. The labels stay lazy here, so each call
    translates one."""
    value = getattr(instance, field_name)
    return str(_choice_labels(type(instance), field_name).get(value, value))


def widthratio(value: object, max_value: object, max_width: int) -> str:
    """`{{ widthratio(a, b, 100) }}`, as `{% widthratio a b 100 %}`: `a / b` scaled to `max_width`, rounded."""
    try:
        return str(round(float(value) / float(max_value) * max_width))  # type: ignore[arg-type]
    except ZeroDivisionError:
        return "0"
    except (ValueError, TypeError, OverflowError):
        return ""


def _adapted(function: Callable[..., Any]) -> Callable[..., Any]:
    """A Django filter for Jinja2: the ones that expect a local time get it, as Django's engine gives it."""
    if getattr(function, "expects_localtime", False):
        return lambda value, *args: function(template_localtime(value), *args)
    return function


def environment(*, filter_libraries: Sequence[str] = (), **options: Any) -> Environment:
    options["undefined"] = ChainableUndefined  # `a.b.c` is empty when `a` is, as in Django templates
    env = Environment(extensions=["jinja2.ext.i18n"], **options)  # noqa: S701 (the backend turns autoescape on)
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=gettext, ngettext=ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext
    )
    env.globals.update(url=url, widthratio=widthratio, display=display)
    env.filters["date"] = _adapted(defaultfilters.date)
    env.filters["timesince"] = defaultfilters.timesince_filter
    env.filters["localize"] = formats.localize  # what Django's engine does to every number it prints
    for path in filter_libraries:
        library: Library = import_module(path).register
        env.filters.update({name: _adapted(function) for name, function in library.filters.items()})
    return env
