"""The shared tag library: one definition of each filter and tag, and what the pages print with them."""

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.template.backends.django import get_installed_libraries
from django.utils.module_loading import import_string

from core.templatetags.demanddesk import money, percent

APP_LIBRARIES = {name: path for name, path in get_installed_libraries().items() if not path.startswith("django.")}


def test_no_two_of_our_tag_libraries_define_a_filter_or_tag_of_the_same_name():
    names: Counter[str] = Counter()
    for path in APP_LIBRARIES.values():
        library = import_string(f"{path}.register")
        names.update(f"filter:{name}" for name in library.filters)
        names.update(f"tag:{name}" for name in library.tags)
    assert APP_LIBRARIES.keys() >= {"demanddesk", "triage_tags", "portfolio_tags"}
    assert [name for name, count in names.items() if count > 1] == []


@pytest.mark.parametrize(
    ("share", "shown"),
    [(0.456, "46 %"), (Decimal("0.25"), "25 %"), (1, "100 %"), (Decimal("12.3456"), "1,235 %"), (None, "")],
)
def test_percent_prints_a_share_as_whole_percent_with_its_sign(share, shown):
    assert percent(share) == shown


def test_money_prints_whole_units_with_thousands_separators():
    assert money(Decimal("1234567.89")) == "1,234,568"
    assert money(None) == ""


def test_a_page_loading_every_library_still_gets_the_shared_percent():
    template = engines["django"].from_string("{% load demanddesk triage_tags portfolio_tags %}{{ share|percent }}")
    assert template.render({"share": 0.46}) == "46 %"


def render(source: str, **context) -> str:
    return engines["django"].from_string("{% load i18n demanddesk %}" + source).render(context)


def test_a_card_labels_itself_with_its_heading():
    html = render(
        '{% card _("Score history") id="history" class="highlight" %}<p>{{ body }}</p>{% endcard %}', body="x"
    )
    assert html == (
        '<section class="card highlight" aria-labelledby="history-heading">\n'
        '  <h2 id="history-heading">Score history</h2>\n'
        "  <p>x</p>\n"
        "</section>\n"
    )


def test_a_card_heading_with_markup_goes_in_its_slot_and_text_is_escaped():
    html = render(
        '{% card id="score" testid="s" %}{% heading %}Score <span>{{ total }}</span>'
        "{% body %}<p>{{ name }}</p>{% endcard %}",
        total="46",
        name="<script>",
    )
    assert '<h2 id="score-heading">Score <span>46</span></h2>' in html
    assert "<p>&lt;script&gt;</p>" in html and 'data-testid="s"' in html


def test_a_card_without_id_or_heading_has_no_label_and_can_be_any_element():
    html = render('{% card element="div" role="status" %}<p>Paused</p>{% endcard %}')
    assert html == '<div class="card" role="status">\n  <p>Paused</p>\n</div>\n'
    assert render("{% card title %}x{% endcard %}", title="<b>").startswith(
        '<section class="card">\n  <h2>&lt;b&gt;</h2>'
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('{% card "A" colour="red" %}x{% endcard %}', "unknown option(s) colour"),
        ('{% card "A" "B" %}x{% endcard %}', "give options as name=value"),
        ("{% card %}x{% body %}y{% endcard %}", "the body slot is given twice"),
    ],
)
def test_a_mistyped_component_fails_when_the_template_loads(source, message):
    with pytest.raises(TemplateSyntaxError, match=re.escape(message)):
        render(source)


def test_a_data_table_sits_in_its_scroll_container_with_its_caption_and_empty_row():
    html = render(
        '{% datatable class="data" testid="t" caption=_("Deliveries") caption_hidden=True %}'
        '<tbody>{% for row in rows %}<tr><td>{{ row }}</td></tr>{% empty %}{% empty_row 3 _("None yet.") %}'
        "{% endfor %}</tbody>{% enddatatable %}",
        rows=[],
    )
    assert html == (
        '<div class="table-wrap">\n<table class="data" data-testid="t">\n'
        '  <caption class="visually-hidden">Deliveries</caption>\n'
        '  <tbody><tr><td colspan="3" class="empty">None yet.</td></tr></tbody>\n'
        "</table>\n</div>\n"
    )
    assert (
        render("{% datatable wrap=False %}<tbody></tbody>{% enddatatable %}")
        == "<table>\n  <tbody></tbody>\n</table>\n"
    )


PAGE_TEMPLATES = sorted(
    path.relative_to(settings.BASE_DIR)
    for pattern in ("templates/**/*.html", "*/templates/**/*.html")
    for path in Path(settings.BASE_DIR).glob(pattern)
    if not {".venv", "components", "drf_spectacular"} & set(path.relative_to(settings.BASE_DIR).parts)
)
HAND_MADE = {
    "a card with its own h2": re.compile(r'<(?:section|div)[^>]*class="[^"]*\bcard\b[^"]*"[^>]*>\s*<h2'),
    "a table scroll container": re.compile(r'class="table-wrap"'),
    "an empty-table row": re.compile(r'class="empty"'),
}


def test_pages_draw_cards_and_tables_with_the_shared_components():
    assert len(PAGE_TEMPLATES) > 30
    found = [
        f"{path}: {what}"
        for path in PAGE_TEMPLATES
        for what, pattern in HAND_MADE.items()
        if pattern.search((settings.BASE_DIR / path).read_text(encoding="utf-8"))
    ]
    assert found == []


def test_money_and_percent_group_thousands_as_the_reader_writes_them():
    from django.utils import translation

    from core.templatetags.demanddesk import money, percent

    with translation.override("en"):
        assert (money(400000), percent(12.5)) == ("400,000", "1,250 %")
    with translation.override("fr"):
        assert (money(400000), percent(12.5)) == ("400\xa0000", "1\xa0250 %")
