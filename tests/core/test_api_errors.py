"""core.api and core.middleware.ApiErrorMiddleware: no 5xx and no HTML under /api/, one error body with a code."""

import json

import pytest
from django.test import Client

from tests.factories import ProductFactory, ProjectFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/projects/"
SUMMARY = "/api/v1/portfolio/summary/"


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "detail", "fields", "request_id"}
    assert body["code"] == code and body["request_id"] == response["X-Request-ID"]
    return body


@pytest.mark.parametrize("ordering", ["code,", ",", ",code", "code,,name", "-code, "])
@pytest.mark.parametrize("url", [LIST, SUMMARY])
def test_an_empty_sort_key_is_a_400_naming_ordering(reader_client, url, ordering):
    ProjectFactory()
    body = error(reader_client.get(url, {"ordering": ordering}), 400, "invalid")
    assert list(body["fields"]) == ["ordering"]


@pytest.mark.parametrize("ordering", ["code,", ",", ",code"])
def test_an_empty_sort_key_on_the_staff_portfolio_page_and_its_export_is_never_a_500(client, cio, ordering):
    ProjectFactory(code="BT-0001")
    client.force_login(cio)
    page = client.get("/portfolio/", {"ordering": ordering})
    assert page.status_code == 200 and b"BT-0001" in page.content  # the bad sort is ignored, the list stays
    export = client.get("/portfolio/export.csv", {"ordering": ordering})
    assert export.status_code == 400 and "ordering" in export.content.decode()


def test_an_empty_sort_key_on_the_triage_queue_is_never_a_500(client, cio):
    client.force_login(cio)
    assert client.get("/triage/", {"ordering": "score,"}).status_code == 400


def test_a_deeply_nested_json_body_is_a_400_not_a_recursion_error(writer_client):
    body = "[" * 100_000 + "]" * 100_000
    response = writer_client.post("/api/v1/requests/", body, content_type="application/json")
    assert "nested too deeply" in error(response, 400, "parse_error")["detail"]


def test_a_body_over_the_upload_limit_is_a_json_413(writer_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"title": "x" * 2000})
    error(writer_client.post("/api/v1/requests/", body, content_type="application/json"), 413, "request_too_large")


def test_a_multipart_file_is_a_415_never_accepted_and_dropped(writer_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from intake.models import ChangeRequest

    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.4 " + b"0" * (12 * 1024 * 1024), content_type="application/pdf")
    filing = {
        "title": "Export invoices to SAP",
        "description": "Every night, export all invoices of the day to SAP.",
        "contact_name": "Maria Rossi",
        "contact_email": "maria@example.com",
        "product": ProductFactory().pk,
        "file": upload,
    }
    error(writer_client.post("/api/v1/requests/", filing, format="multipart"), 415, "unsupported_media_type")
    assert not ChangeRequest.objects.exists()


def test_an_address_longer_than_the_limit_is_a_json_414(reader_client, settings):
    settings.API_MAX_URL_LENGTH = 500
    assert reader_client.get(LIST, {"search": "x" * 100}).status_code == 200
    error(reader_client.get(LIST, {"search": "x" * 600}), 414, "uri_too_long")


@pytest.mark.parametrize("query", [{"format": "xml"}, {"format": "html"}])
def test_a_format_other_than_json_is_a_406(reader_client, query):
    error(reader_client.get(LIST, query), 406, "not_acceptable")


def test_an_accept_header_for_xml_is_a_406(reader_client):
    error(reader_client.get(LIST, HTTP_ACCEPT="application/xml"), 406, "not_acceptable")


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", ""])
def test_a_page_that_is_not_a_whole_number_from_1_is_a_400(reader_client, page):
    ProjectFactory()
    body = error(reader_client.get(LIST, {"page": page}), 400, "invalid")
    assert list(body["fields"]) == ["page"]


def test_a_page_past_the_end_stays_a_404(reader_client):
    ProjectFactory()
    error(reader_client.get(LIST, {"page": "2"}), 404, "not_found")


@pytest.mark.parametrize("url", [LIST, SUMMARY])
def test_if_none_match_star_with_a_bad_page_or_filter_is_its_400_not_a_304(reader_client, url):
    ProjectFactory()
    query = {"page": "-961"} if url == LIST else {"status": "bogus"}
    error(reader_client.get(url, query, HTTP_IF_NONE_MATCH="*"), 400, "invalid")
    assert reader_client.get(url, HTTP_IF_NONE_MATCH="*").status_code == 304


def test_unknown_addresses_and_methods_answer_json_with_their_code(writer_client):
    error(writer_client.get("/api/v1/nothing/"), 404, "not_found")
    error(writer_client.get("/api/nothing/"), 404, "not_found")
    response = writer_client.delete(LIST)
    error(response, 405, "method_not_allowed")
    assert response["Allow"]


def test_a_disallowed_host_under_the_api_is_a_json_400():
    response = Client().get(LIST, HTTP_HOST="evil.example")
    error(response, 400, "invalid")


def test_errors_speak_the_readers_language_and_keep_their_code(reader_client):
    response = reader_client.get(LIST, {"page": "0"}, HTTP_ACCEPT_LANGUAGE="fr")
    body = error(response, 400, "invalid")
    assert body["detail"] == "Saisie invalide."
    assert body["fields"]["page"] == ["Demandez un numéro de page à partir de 1."]


def test_every_api_answer_is_private_no_cache_and_varies_by_token_and_language(reader_client):
    ProjectFactory()
    for response in (reader_client.get(LIST), reader_client.get(f"{LIST}BT-9999/"), Client().get(LIST)):
        assert response["Cache-Control"] == "private, no-cache"
        vary = {part.strip() for part in response["Vary"].split(",")}
        assert {"Authorization", "Accept-Language"} <= vary


def test_the_etag_follows_the_language(reader_client):
    ProjectFactory()
    english = reader_client.get(LIST)
    french = reader_client.get(LIST, HTTP_ACCEPT_LANGUAGE="fr")
    assert english["ETag"] != french["ETag"]
    stale = reader_client.get(LIST, HTTP_IF_NONE_MATCH=english["ETag"], HTTP_ACCEPT_LANGUAGE="fr")
    assert stale.status_code == 200
