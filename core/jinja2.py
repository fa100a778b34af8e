"""The Jinja2 engine (settings.TEMPLATES "jinja2", templates under <app>/jinja2/), for the hot fragments of a page.

Django's template engine stays the pages' engine; the fragments it renders many times over (a table's rows) are
written for Jinja2, which renders the same markup three to five times faster (issue 22, docs/benchmarks.md), and
included with `{% jinja "name" %}` (core/templatetags/demanddesk.py). They read the same context, translate with
the same catalogue (`{{ _("…") }}`, `{{ _("%(name)s …", name=…) }}`: the msgids of `{% blocktranslate %}`), and
use the same filters: every filter of the libraries named in `filter_libraries`, plus Django's `date` and
`timesince`. Missing attributes are empty, as in Django templates; numbers are printed as Python writes them,
so a decimal goes through `|localize` (Django's engine localizes every number it prints).
"""

from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Any

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
    env.globals["url"] = url
    env.filters["date"] = _adapted(defaultfilters.date)
    env.filters["timesince"] = defaultfilters.timesince_filter
    env.filters["localize"] = formats.localize  # what Django's engine does to every number it prints
    for path in filter_libraries:
        library: Library = import_module(path).register
        env.filters.update({name: _adapted(function) for name, function in library.filters.items()})
    return env
