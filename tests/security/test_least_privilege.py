"""Least privilege (docs/roles.md): the portfolio manager reads demands without the customer contact's name and
e-mail and without the files they attached, unless the deployment grants those permissions."""

import hashlib

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.models import Attachment
from tests.factories import file_demand, signed_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def demand_with_file(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demand = file_demand(contact_name="Maria Rossi", contact_email="maria.rossi@acme.example")
    attachment = Attachment.objects.create(
        change_request=demand,
        original_name="signed-offer.pdf",
        stored_name=default_storage.save("offer", ContentFile(PDF)),
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )
    return demand, attachment


def test_the_portfolio_manager_reads_a_demand_without_its_contact_or_its_files(demand_with_file, portfolio_manager):
    demand, attachment = demand_with_file
    manager = signed_in(portfolio_manager)
    page = manager.get(f"/triage/{demand.reference}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert demand.title in html
    assert "Maria Rossi" not in html and "maria.rossi@acme.example" not in html
    assert "signed-offer.pdf" not in html
    assert manager.get(f"/attachments/{attachment.pk}/").status_code == 403


def test_the_analyst_sees_the_contact_and_downloads_the_files(demand_with_file, analyst):
    demand, attachment = demand_with_file
    client = signed_in(analyst)
    html = client.get(f"/triage/{demand.reference}/").content.decode()
    assert "Maria Rossi" in html and "maria.rossi@acme.example" in html
    assert f'href="/attachments/{attachment.pk}/"' in html
    download = client.get(f"/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_a_portfolio_manager_granted_the_permissions_sees_both(demand_with_file, portfolio_manager):
    demand, attachment = demand_with_file
    portfolio_manager.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="intake", codename__in=["view_contact_details", "view_attachment"]
        )
    )
    client = signed_in(portfolio_manager)
    html = client.get(f"/triage/{demand.reference}/").content.decode()
    assert "maria.rossi@acme.example" in html and "signed-offer.pdf" in html
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 200


def test_the_attachment_list_costs_the_same_queries_for_one_file_or_five(demand_with_file, analyst):
    demand, attachment = demand_with_file
    client = signed_in(analyst)
    client.get(f"/triage/{demand.reference}/")  # warm the session and the per-process caches

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/triage/{demand.reference}/").status_code == 200
        return len(captured)

    with_one = queries()
    for index in range(4):
        Attachment.objects.create(
            change_request=demand,
            original_name=f"more-{index}.pdf",
            stored_name=f"{attachment.stored_name}-{index}",
            content_type="application/pdf",
            size=len(PDF),
            sha256=attachment.sha256,
        )
    assert queries() == with_one
