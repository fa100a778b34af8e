"""The public form, the tracking page and attachment downloads, through real requests."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.models import RateCounter
from intake.models import Attachment, ChangeRequest
from tests.factories import ProductFactory, UserFactory, file_demand_with_token, form_data
from tests.intake import files

MB = 1024 * 1024


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def submit(client: Client, **overrides):
    return client.post("/requests/new/", form_data(ProductFactory(), **overrides))


def tracking_path(response) -> str:
    return response["Location"].removesuffix("submitted/")


@pytest.mark.embedded
@pytest.mark.django_db
def test_a_demand_with_allowed_attachments_stores_them_under_random_names(client, attachment_root):
    response = submit(
        client,
        attachments=[upload("offer.pdf", files.pdf_bytes()), upload("numbers.csv", files.CSV, "text/csv")],
    )
    assert response.status_code == 302
    demand = ChangeRequest.objects.get()
    stored = list(demand.attachments.order_by("original_name"))
    assert [(a.original_name, a.content_type, a.size) for a in stored] == [
        ("numbers.csv", "text/csv", len(files.CSV)),
        ("offer.pdf", "application/pdf", len(files.pdf_bytes())),
    ]
    for attachment in stored:
        assert re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
        assert (attachment_root / attachment.stored_name).read_bytes() in (files.CSV, files.pdf_bytes())
    assert sorted(path.name for path in attachment_root.iterdir()) == sorted(a.stored_name for a in stored)


@pytest.mark.django_db
def test_an_executable_renamed_pdf_is_refused_and_the_form_comes_back_with_the_reason(client, attachment_root):
    response = submit(client, attachments=[upload("invoice.pdf", files.exe_bytes())])
    assert response.status_code == 400
    page = response.content.decode()
    assert "“invoice.pdf” is not a file type we accept" in page
    assert 'value="Export invoices to SAP every night"' in page  # what was typed is kept
    assert ChangeRequest.objects.count() == 0
    assert not attachment_root.exists() or not any(attachment_root.iterdir())


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("page.pdf", files.HTML, "is not the kind of file its name says (.pdf)"),
        ("logo.png", files.SVG, "is not the kind of file its name says (.png)"),
        ("run.txt", files.SHELL_SCRIPT, "contains web page or script code"),
        # The files of issue 19's report.
        ("report.html", files.REPORT_HTML, "is not a file type we accept"),
        ("report.txt", files.REPORT_HTML, "contains web page or script code"),
        ("chart.html", files.IMG_ONERROR, "is not a file type we accept"),
        ("update.hta", files.HTA, "is not a file type we accept"),
        ("logo.svg", files.SVG, "is not a file type we accept"),
        ("setup.pdf", files.exe_bytes(), "is not a file type we accept"),
    ],
)
@pytest.mark.django_db
def test_html_svg_hta_scripts_and_executables_are_refused_with_a_field_error_and_the_rest_kept(
    client, attachment_root, name, content, reason
):
    response = submit(client, attachments=[upload(name, content)])
    assert response.status_code == 400
    page = response.content.decode()
    assert f"“{name}” {reason}" in page
    assert 'value="Export invoices to SAP every night"' in page and "Every night, export all invoices" in page
    assert ChangeRequest.objects.count() == 0 and Attachment.objects.count() == 0
    assert not attachment_root.exists() or not any(attachment_root.iterdir())


@pytest.mark.django_db
def test_an_attachment_kept_under_a_dangerous_name_downloads_under_a_safe_one(client, attachment_root):
    demand, token = file_demand_with_token()
    attachment_root.mkdir(parents=True, exist_ok=True)
    (attachment_root / ("a" * 32)).write_bytes(files.REPORT_HTML)
    # As an attachment accepted before the allow-list could be: an HTML page under its own name, stored as text.
    attachment = Attachment.objects.create(
        change_request=demand,
        original_name="report.html",
        stored_name="a" * 32,
        content_type="text/plain",
        size=len(files.REPORT_HTML),
        sha256="0" * 64,
    )
    download = client.get(f"/track/{token}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="report.html.txt"'
    assert download["Content-Type"] == "text/plain"
    assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_a_20_mb_upload_is_refused_with_a_clear_message(client):
    response = submit(client, attachments=[upload("scan.pdf", files.pdf_bytes() + b" " * (20 * MB))])
    assert response.status_code == 400
    assert "“scan.pdf” is larger than 10 MB" in response.content.decode()
    assert ChangeRequest.objects.count() == 0


@pytest.mark.django_db
def test_a_sixth_attachment_is_refused(client):
    six = [upload(f"note{n}.txt", files.TEXT, "text/plain") for n in range(6)]
    response = submit(client, attachments=six)
    assert response.status_code == 400
    assert "at most 5 files" in response.content.decode()
    assert ChangeRequest.objects.count() == 0


@pytest.mark.django_db
def test_path_traversal_and_script_tag_filenames_are_harmless(client, attachment_root):
    names = ["../../../etc/passwd.txt", "..\\..\\boot.ini.txt", "<script>alert(1)<img src=x onerror=alert(2)>.txt"]
    response = submit(client, attachments=[upload(name, files.TEXT, "text/plain") for name in names])
    assert response.status_code == 302
    stored = list(Attachment.objects.order_by("pk"))
    assert [a.original_name for a in stored] == ["passwd.txt", "boot.ini.txt", names[2]]
    for attachment in stored:
        assert (attachment_root / attachment.stored_name).is_file()  # inside the store, under our name
    page = client.get(tracking_path(response)).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;img src=x onerror=alert(2)&gt;.txt" in page


@pytest.mark.django_db
def test_the_tracking_link_holder_downloads_an_attachment_safely(client):
    response = submit(client, attachments=[upload('report "final".pdf', files.pdf_bytes())])
    path = tracking_path(response)
    attachment = Attachment.objects.get()
    page = client.get(path).content.decode()
    download_url = f"{path}attachments/{attachment.pk}/"
    assert download_url in page
    download = client.get(download_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == files.pdf_bytes()
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "report" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    assert "no-store" in download["Cache-Control"]


@pytest.mark.django_db
def test_another_demands_tracking_link_cannot_download_the_attachment(client):
    submit(client, attachments=[upload("offer.pdf", files.pdf_bytes())])
    attachment = Attachment.objects.get()
    _other, other_token = file_demand_with_token()
    assert client.get(f"/track/{other_token}/attachments/{attachment.pk}/").status_code == 404
    assert client.get(f"/track/{'x' * 43}/attachments/{attachment.pk}/").status_code == 404


@pytest.mark.django_db
def test_only_staff_with_triage_view_permission_download_by_id(client, analyst):
    submit(client, attachments=[upload("offer.pdf", files.pdf_bytes())])
    url = f"/attachments/{Attachment.objects.get().pk}/"
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    outsider = Client()
    outsider.force_login(UserFactory(username="no-role"))
    assert outsider.get(url).status_code == 403
    staff = Client()
    staff.force_login(analyst)
    download = staff.get(url)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    assert staff.get("/attachments/999999/").status_code == 404


@pytest.mark.django_db
def test_a_stored_file_that_went_missing_is_a_404_not_a_500(client, attachment_root):
    response = submit(client, attachments=[upload("offer.pdf", files.pdf_bytes())])
    attachment = Attachment.objects.get()
    (attachment_root / attachment.stored_name).unlink()
    assert client.get(f"{tracking_path(response)}attachments/{attachment.pk}/").status_code == 404


@pytest.mark.embedded
@pytest.mark.django_db
def test_tracking_pages_are_private_no_store_and_no_referrer(client):
    _demand, token = file_demand_with_token()
    for url in (f"/track/{token}/", f"/track/{token}/submitted/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.django_db
def test_a_wrong_token_is_the_same_plain_404_as_a_missing_one(client):
    _demand, token = file_demand_with_token()
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    responses = [client.get(f"/track/{candidate}/") for candidate in (wrong, "nope", "x" * 500, "%00")]
    assert {response.status_code for response in responses} == {404}
    assert len({response.content for response in responses}) == 1


@pytest.mark.django_db
def test_repeated_tracking_misses_from_one_ip_are_refused_with_429_but_a_good_link_still_opens(client, settings):
    settings.INTAKE_TRACK_MISSES_PER_IP = "3/hour"
    _demand, token = file_demand_with_token()
    assert [client.get(f"/track/guess{n}/").status_code for n in range(3)] == [404, 404, 404]
    refused = client.get("/track/guess4/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    # A good link always opens, even for the client who guessed too often; another address is not affected.
    assert client.get(f"/track/{token}/").status_code == 200
    assert Client(REMOTE_ADDR="10.0.0.9").get("/track/guess5/").status_code == 404


@pytest.mark.django_db
def test_the_form_answers_429_with_retry_after_once_an_ip_has_posted_too_often(client, settings):
    settings.INTAKE_FORM_RATE_PER_IP = "2/hour"
    assert [submit(client).status_code for _ in range(2)] == [302, 302]
    refused = submit(client)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert "Too many requests" in refused.content.decode()
    assert ChangeRequest.objects.count() == 2
    assert submit(Client(REMOTE_ADDR="10.1.1.1")).status_code == 302


@pytest.mark.django_db
def test_the_form_limits_submissions_per_email_domain_across_ips(settings):
    settings.INTAKE_FORM_RATE_PER_DOMAIN = "2/hour"
    statuses = [
        submit(Client(REMOTE_ADDR=f"10.2.0.{n}"), contact_email=f"p{n}@spammy.example").status_code for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert submit(Client(REMOTE_ADDR="10.2.0.9"), contact_email="a@other.example").status_code == 302
    assert RateCounter.objects.filter(key="intake-form-domain:spammy.example").get().count == 3


@pytest.mark.django_db
def test_html_in_the_description_is_shown_escaped_on_the_tracking_page(client):
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)"> and more words to pass the minimum'
    response = submit(client, description=payload, title="<b>Bold</b> title here")
    page = client.get(tracking_path(response)).content.decode()
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Bold&lt;/b&gt; title here" in page


@pytest.mark.django_db
def test_the_honeypot_answers_like_success_and_keeps_nothing(client):
    response = submit(client, website="http://spam.example")
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert ChangeRequest.objects.count() == 0


@pytest.mark.django_db
def test_the_form_shows_a_multiple_file_input_with_its_limits(client):
    page = client.get("/requests/new/").content.decode()
    assert re.search(r'<input[^>]*type="file"[^>]*name="attachments"[^>]*multiple', page)
    assert 'enctype="multipart/form-data"' in page
    assert "Up to 5 files, 10 MB each" in page


@pytest.mark.django_db
def test_a_post_without_csrf_token_is_refused(settings):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/requests/new/", form_data(ProductFactory()))
    assert response.status_code == 403
    assert ChangeRequest.objects.count() == 0


@pytest.mark.django_db
def test_a_no_referrer_tracking_page_can_post_with_origin_null_but_never_without_the_csrf_token():
    demand, token = file_demand_with_token()
    browser = Client(enforce_csrf_checks=True)
    browser.get(f"/track/{token}/")
    csrf = browser.cookies["csrftoken"].value
    forged = browser.post(f"/track/{token}/", {"action": "withdraw"}, HTTP_ORIGIN="null")
    assert forged.status_code == 403
    other_site = browser.post(
        f"/track/{token}/", {"action": "withdraw", "csrfmiddlewaretoken": csrf}, HTTP_ORIGIN="https://evil.example"
    )
    assert other_site.status_code == 403
    demand.refresh_from_db()
    assert demand.status != "withdrawn"
    # What Chromium sends from a page with `Referrer-Policy: no-referrer`: Origin null, with the token.
    real = browser.post(
        f"/track/{token}/", {"action": "withdraw", "confirm": "on", "csrfmiddlewaretoken": csrf}, HTTP_ORIGIN="null"
    )
    assert real.status_code == 302
    demand.refresh_from_db()
    assert demand.status == "withdrawn"


@pytest.mark.django_db
def test_the_admin_lists_attachment_metadata_escaped(client, admin_client):
    submit(client, attachments=[upload("<i>offer.pdf", files.pdf_bytes())])
    demand = ChangeRequest.objects.get()
    page = admin_client.get(f"/admin/intake/changerequest/{demand.pk}/change/").content.decode()
    assert "&lt;i&gt;offer.pdf" in page and "<i>offer.pdf" not in page


@pytest.mark.django_db
def test_the_customer_reads_plain_status_labels_and_the_planned_projects_progress(client, cio):
    from portfolio.services import change_request_approve, project_update
    from tests.factories import file_demand_with_token

    demand, token = file_demand_with_token()
    page = client.get(f"/track/{token}/").content.decode()
    assert "Under review" in page and "Submitted" not in page
    project = change_request_approve(
        change_request=demand,
        decided_by=cio,
        rationale="Internal reasons.",
        customer_message="We will build it this spring.",
    )
    page = client.get(f"/track/{token}/").content.decode()
    assert "Planned" in page and f"Project {project.code}" in page
    project_update(project=project, progress=40, status="active")
    page = client.get(f"/track/{token}/").content.decode()
    assert "In progress" in page and f"Project {project.code}" in page
    assert "40 % done" in page and "We will build it this spring." in page
    assert "Internal reasons." not in page  # the rationale is for staff only


def _status_and_plan(page: str) -> tuple[str, str]:
    status = re.search(r'<span class="badge status-\w+">([^<]+)</span>', page).group(1)
    plan = re.search(r'id="plan-heading".*?</section>', page, re.S)
    return status, plan.group(0) if plan else ""


@pytest.mark.django_db
def test_the_customer_status_follows_the_project_and_the_timeline_records_each_step(
    client, cio, django_capture_on_commit_callbacks
):
    """Issue 15, item 4: a delivered project's demand read "Planned", "Planned as BT-0003", "Delivered" and
    "100 % done" together, and the timeline never recorded the delivery."""
    from django.core import mail

    from portfolio.services import change_request_approve, project_update

    demand, token = file_demand_with_token()
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="Yes.", customer_message="")
    steps = {}
    for status, progress in (("active", 30), ("on_hold", 50), ("active", 80), ("delivered", 100)):
        with django_capture_on_commit_callbacks(execute=True):
            project_update(project=project, progress=progress, status=status, actor=cio)
        steps[status] = _status_and_plan(client.get(f"/track/{token}/").content.decode())
    status, plan = steps["active"]
    assert status == "In progress" and "80 % done" in plan
    status, plan = steps["delivered"]
    page = client.get(f"/track/{token}/").content.decode()
    assert status == "Delivered" and "The work is done and delivered." in plan
    timeline = re.search(r'id="timeline-heading".*?</ol>', page, re.S).group(0)
    outside_the_history = page.replace(timeline, "")
    assert "Planned" not in outside_the_history and "% done" not in page and "<progress" not in page
    labels = re.findall(r"<strong>([^<]+)</strong>", timeline)
    # On hold reads as "in progress" to the customer, so it adds no entry; the second "active" neither.
    assert labels == ["Under review", "Planned", "In progress", "Delivered"]
    subjects = [message.subject for message in mail.outbox if demand.reference in message.subject]
    assert f"Work on your demand {demand.reference} has started" in subjects
    assert f"Your demand {demand.reference} is delivered" in subjects


@pytest.mark.django_db
def test_a_cancelled_project_reads_cancelled_without_progress(client, cio):
    from portfolio.services import change_request_approve, project_update

    demand, token = file_demand_with_token()
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="Yes.", customer_message="")
    project_update(project=project, progress=60, status="cancelled", actor=cio)
    status, plan = _status_and_plan(client.get(f"/track/{token}/").content.decode())
    assert status == "Cancelled" and "has been cancelled" in plan and "% done" not in plan
    demand.refresh_from_db()
    assert demand.delivery_stage == "cancelled" and demand.customer_status_label == "Cancelled"


@pytest.mark.django_db
def test_a_declined_demand_shows_the_message_written_for_the_customer(client, cio):
    from tests.factories import file_demand_with_token
    from triage.services import decision_record

    demand, token = file_demand_with_token()
    decision_record(
        change_request=demand,
        outcome="rejected",
        decided_by=cio,
        rationale="Too costly for one customer.",
        customer_message="Our spring release covers most of this.",
    )
    page = client.get(f"/track/{token}/").content.decode()
    assert "Declined" in page and "Our spring release covers most of this." in page
    assert "Too costly" not in page


@pytest.mark.django_db
def test_a_tracking_miss_and_the_confirmation_lead_to_lost_your_link(client):
    response = client.get("/track/nope/")
    assert response.status_code == 404 and 'href="/lost-link/"' in response.content.decode()
    submitted = submit(client)
    page = client.get(submitted["Location"]).content.decode()
    assert 'href="/lost-link/"' in page


def _ask_for_links(client: Client, email: str):
    page = client.get("/lost-link/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    return client.post("/lost-link/", {"email": email, "csrfmiddlewaretoken": token})


@pytest.mark.django_db
def test_lost_your_link_answers_and_works_the_same_for_a_known_and_an_unknown_address(
    django_capture_on_commit_callbacks,
):
    """The same bytes, the same statements in the request; the lookup and the e-mail happen after commit."""
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    demand, _token = file_demand_with_token(contact_email="ana@client.example")
    mail.outbox.clear()
    answers, statements = [], []
    for email in ("ana@client.example", "nobody@client.example"):
        client = Client(REMOTE_ADDR="10.9.0.1", enforce_csrf_checks=False)
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
            response = client.post("/lost-link/", {"email": email})
        assert response.status_code == 200
        # The language switcher's CSRF token is masked afresh for every response, whoever asks.
        answers.append(re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content))
        statements.append([query["sql"].replace(email, "?") for query in queries.captured_queries])
        assert len(callbacks) == 1  # the task, not yet run: nothing looked the address up
        with django_capture_on_commit_callbacks(execute=True):
            callbacks[0]()
    assert answers[0] == answers[1]
    assert [re.sub(r"'[^']*'", "?", sql) for sql in statements[0]] == [
        re.sub(r"'[^']*'", "?", sql) for sql in statements[1]
    ]
    assert not any("intake_changerequest" in sql for sql in statements[0])
    (sent,) = mail.outbox  # the known address got its link, the unknown one nothing
    assert sent.to == ["ana@client.example"] and demand.reference in sent.body


@pytest.mark.django_db
def test_lost_your_link_is_limited_per_client_and_per_address(settings, django_capture_on_commit_callbacks):
    from django.core import mail

    settings.INTAKE_LOST_LINK_RATE_PER_IP = "3/hour"
    settings.INTAKE_LOST_LINK_RATE_PER_EMAIL = "2/hour"
    file_demand_with_token(contact_email="ana@client.example")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            _ask_for_links(Client(REMOTE_ADDR=f"10.8.0.{n}"), "ana@client.example").status_code for n in range(4)
        ]
    assert answers == [200, 200, 200, 200]  # past the address's limit the answer is the same...
    assert len(mail.outbox) == 2  # ...and nothing more is sent
    one_client = Client(REMOTE_ADDR="10.7.0.1")
    statuses = [_ask_for_links(one_client, f"p{n}@client.example").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.django_db
def test_lost_your_link_refuses_a_bad_address_with_the_field_message_and_keeps_it(client):
    response = _ask_for_links(client, "not-an-address")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in page and 'value="not-an-address"' in page


@pytest.mark.django_db
def test_the_form_marks_each_required_field_with_the_asterisk_it_announces(client):
    """Issue 15, item 9: "Fields marked * are required", and no field had an asterisk."""
    page = client.get("/requests/new/").content.decode()
    assert "Fields marked * are required" in page
    mark = '<span class="required-mark" aria-hidden="true"> *</span>'
    marked = set(re.findall(r'<(?:label|legend)[^>]*for="id_(\w+)"[^>]*>[^<]*' + re.escape(mark), page))
    assert f"Your name{mark}:</label>" in page and f"What do you need?{mark}</label>" in page
    assert {"contact_name", "contact_email", "product", "title", "description"} <= marked
    assert not {"organization_name", "business_justification", "desired_date", "website", "attachments"} & marked


@pytest.mark.django_db
def test_withdrawing_asks_for_confirmation_then_sends_a_receipt(client, django_capture_on_commit_callbacks):
    from django.core import mail

    demand, token = file_demand_with_token(contact_email="ana@client.example")
    mail.outbox.clear()
    refused = client.post(f"/track/{token}/", {"action": "withdraw", "reason": "We found another way."})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Tick this box to confirm" in page and "We found another way." in page  # what was typed is kept
    demand.refresh_from_db()
    assert demand.status != "withdrawn" and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"/track/{token}/", {"action": "withdraw", "reason": "We found another way.", "confirm": "on"}, follow=True
        )
    assert "Your demand is withdrawn. We sent a receipt to ana@client.example." in done.content.decode()
    demand.refresh_from_db()
    assert demand.status == "withdrawn"
    (receipt,) = mail.outbox
    assert receipt.to == ["ana@client.example"] and f"Your demand {demand.reference} is withdrawn" == receipt.subject
    assert "We found another way." in receipt.body and "/track/" in receipt.body
