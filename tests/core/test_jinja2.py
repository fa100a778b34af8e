"""core.jinja2: the Jinja2 fragments print what Django's engine prints for the same context."""

import datetime
from decimal import Decimal

from django.template import Context, Template, engines
from django.utils import timezone, translation


def both(django_source: str, jinja_source: str, **context: object) -> tuple[str, str]:
    return Template(django_source).render(Context(context)), engines["jinja2"].from_string(jinja_source).render(context)


def test_translations_numbers_dates_and_filters_match_djangos_engine():
    moment = datetime.datetime(2026, 12, 4, 23, 30, tzinfo=datetime.UTC)
    django_source = (
        "{% load i18n demanddesk %}{% translate 'Reference' %}|{{ score }}|{{ amount|money }}|{{ moment|date:'c' }}|"
        "{{ moment|datetime }}|{% blocktranslate with reference=ref %}Select {{ reference }}{% endblocktranslate %}"
    )
    jinja_source = (
        "{{ _('Reference') }}|{{ score|localize }}|{{ amount|money }}|{{ moment|date('c') }}|"
        "{{ moment|datetime }}|{{ _('Select %(reference)s', reference=ref) }}"
    )
    for language, zone in (("en", "UTC"), ("fr", "Europe/Paris")):
        with translation.override(language), timezone.override(zone):
            ours, theirs = both(
                django_source, jinja_source, score=Decimal("72.50"), amount=1234567, moment=moment, ref="CR-1 <b>"
            )
            assert theirs == ours
    assert "72,50" in theirs and "Référence" in theirs and "2026-12-05T00:30:00+01:00" in theirs
    assert "&lt;b&gt;" in theirs


def test_a_missing_attribute_prints_nothing_as_in_django_templates():
    assert engines["jinja2"].from_string("[{{ clock.clock.is_paused }}]").render({"clock": None}) == "[]"


def test_the_jinja_tag_renders_a_fragment_with_the_pages_context(rf):
    template = Template('{% load demanddesk %}{% jinja "triage/queue_rows.html" %}')
    assert template.render(Context({"page": [], "clocks": {}, "request": rf.get("/")})).strip() == ""


def test_display_and_widthratio_print_what_django_prints():
    from intake.models import ChangeRequest

    demand = ChangeRequest(status="needs_info", score_band="")
    for language in ("en", "fr"):
        with translation.override(language):
            ours, theirs = both(
                "{{ demand.get_status_display }}|{{ demand.get_score_band_display }}|{% widthratio 1 3 100 %}|"
                "{% widthratio 1 0 100 %}|{% widthratio None 2 100 %}",
                '{{ display(demand, "status") }}|{{ display(demand, "score_band") }}|{{ widthratio(1, 3, 100) }}|'
                "{{ widthratio(1, 0, 100) }}|{{ widthratio(None, 2, 100) }}",
                demand=demand,
            )
            assert theirs == ours
    assert theirs.startswith("Informations requises|")
