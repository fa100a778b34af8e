"""The shared tag library: one definition of each filter and tag, and what the pages print with them."""

from collections import Counter
from decimal import Decimal

import pytest
from django.template import engines
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
