"""One date style for the whole product, in the reader's language and time zone."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.test import Client
from django.utils import timezone, translation

from core.formats import datetime_display
from core.middleware import TIME_ZONE_COOKIE
from tests.factories import file_demand_with_token

MOMENT = datetime(2026, 12, 4, 16, 26, 5, tzinfo=UTC)


def render(source: str, **context) -> str:
    return engines["django"].from_string("{% load demanddesk %}" + source).render(context)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "4 Dec 2026 | 4 Dec 2026, 16:26 | 4 Dec 2026, 16:26:05 | May 2026 | 31 Dec 2026 | 31 Dec 2026"),
        ("fr", "4 déc. 2026 | 4 déc. 2026 à 16:26 | 4 déc. 2026 à 16:26:05 | mai 2026 | 31 déc. 2026 | 31 déc. 2026"),
    ],
)
def test_dates_follow_the_readers_language_in_one_style(language, expected):
    source = (
        '{{ moment|day }} | {{ moment|datetime }} | {{ moment|datetime:"seconds" }} | {{ may|month }} '
        "| {{ last_day|day }} | {{ last_day }}"
    )
    with translation.override(language):
        assert render(source, moment=MOMENT, may=date(2026, 5, 1), last_day=date(2026, 12, 31)) == expected


def test_times_are_shown_in_the_active_time_zone_and_a_moment_on_its_local_day():
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    with translation.override("en"), timezone.override("Asia/Tokyo"):
        assert render("{{ late|datetime }} / {{ late|day }}", late=late) == "1 Jan 2027, 08:30 / 1 Jan 2027"


def test_nothing_prints_nothing_and_a_wrong_precision_fails_loudly():
    assert render("[{{ none|day }}{{ none|datetime }}{{ none|month }}]", none=None) == "[]"
    with pytest.raises(Exception, match="seconds"):
        render('{{ moment|datetime:"minutes" }}', moment=MOMENT)


@pytest.mark.django_db
def test_a_page_shows_times_in_the_zone_the_readers_browser_named():
    demand, token = file_demand_with_token()
    url = f"/track/{token}/"
    with translation.override("en"), timezone.override("America/New_York"):
        new_york = datetime_display(demand.created_at)
    with translation.override("en"), timezone.override("UTC"):
        utc = datetime_display(demand.created_at)
    assert new_york != utc

    reader = Client(HTTP_ACCEPT_LANGUAGE="en")
    reader.cookies[TIME_ZONE_COOKIE] = "America/New_York"
    html = reader.get(url).content.decode()
    assert f">{new_york}</time>" in html and "Times are shown in America/New_York." in html

    for ignored in ("", "Mars/Olympus_Mons", "../../etc/passwd", "UTC; path=/"):
        reader.cookies[TIME_ZONE_COOKIE] = ignored
        html = reader.get(url).content.decode()
        assert f">{utc}</time>" in html and "Times are shown in UTC." in html


# Django's `date` filter with a display format is what gave the product four date styles; it stays only for
# machine-readable values (ISO 8601 in <time datetime>, data attributes).
MACHINE_FORMATS = {"c", "Y-m", "Y-m-d"}
DATE_FILTER = re.compile(r"\|\s*(date|time)\b(?::\s*(['\"])(.*?)\2)?")


def test_templates_print_dates_only_through_the_shared_filters():
    templates = [
        path
        for pattern in ("templates/**/*.html", "templates/**/*.txt", "*/templates/**/*.html")
        for path in Path(settings.BASE_DIR).glob(pattern)
        if ".venv" not in path.relative_to(settings.BASE_DIR).parts
    ]
    assert len(templates) > 30
    ad_hoc = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)}"
        for path in templates
        for match in DATE_FILTER.finditer(path.read_text(encoding="utf-8"))
        if match.group(1) == "time" or match.group(3) not in MACHINE_FORMATS
    ]
    assert ad_hoc == []


@pytest.mark.django_db
def test_a_reader_chooses_a_time_zone_and_goes_back_to_the_page_they_came_from(django_assert_num_queries):
    reader = Client(HTTP_ACCEPT_LANGUAGE="en")
    with django_assert_num_queries(0):  # nothing to read: the zones come from the system's database
        page = reader.get("/time-zone/", HTTP_REFERER="http://testserver/requests/new/?product=3")
    html = page.content.decode()
    assert page.status_code == 200 and '<option value="UTC" selected>UTC</option>' in html
    assert '<option value="America/New_York">America/New York</option>' in html and '<optgroup label="America">' in html
    assert 'name="next" value="/requests/new/?product=3"' in html and 'href="/requests/new/?product=3">Back<' in html

    response = reader.post("/time-zone/", {"time_zone": "Asia/Tokyo", "next": "/requests/new/?product=3"})
    assert response.status_code == 302 and response["Location"] == "/requests/new/?product=3"
    cookie = response.cookies[TIME_ZONE_COOKIE]
    assert cookie.value == "Asia/Tokyo" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 365 * 24 * 3600
    assert "Times are shown in Asia/Tokyo." in reader.get("/").content.decode()
    assert '<option value="Asia/Tokyo" selected>Asia/Tokyo</option>' in reader.get("/time-zone/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "back", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""]
)
def test_the_way_back_never_leaves_the_site(back):
    reader = Client()
    response = reader.post("/time-zone/", {"time_zone": "Europe/Paris", "next": back})
    assert response.status_code == 302 and response["Location"] == "/"
    page = reader.get("/time-zone/", HTTP_REFERER=back).content.decode()
    assert ">Back<" not in page
    assert "evil.example" not in page and "javascript:" not in page


@pytest.mark.django_db
def test_an_unknown_time_zone_is_refused_next_to_the_field_and_nothing_is_kept():
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/time-zone/", {"time_zone": "Mars/Olympus_Mons", "next": "/"})
    html = response.content.decode()
    assert response.status_code == 400 and TIME_ZONE_COOKIE not in response.cookies
    assert "Select a valid choice. Mars/Olympus_Mons is not one of the available choices." in html
