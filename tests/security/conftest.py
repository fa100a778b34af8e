"""One small world with every kind of object a URL can name, and a client for each role of the access matrix."""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.choices import TokenScope
from core.services import api_token_create
from intake.models import Attachment, SimilarDemand
from notifications.choices import NotificationEvent
from notifications.services import notify
from portfolio.models import Milestone
from tests.factories import (
    CustomerFactory,
    ProductFactory,
    ProjectFactory,
    UserFactory,
    file_demand_with_token,
    partner_with_agreement,
    webhook_endpoint,
)
from tests.security.access_matrix import ADMIN, MATRIX, READ_TOKENS, ROLES
from triage.models import SavedView

# Made up, well-formed, and no demand's: what anyone without the real link would try.
WRONG_TRACKING_TOKEN = "x" * 43


@dataclass
class World:
    """Real rows behind every URL kwarg, and one logged-in client per role."""

    reference: str
    token: str
    attachment_id: int
    similar_id: int
    project_code: str
    milestone_id: int
    customer_id: int
    clients: dict[str, Client] = field(default_factory=dict)
    webhook_endpoint_id: int = 0
    webhook_delivery_id: int = 0
    saved_view_id: int = 0
    notification_id: int = 0
    service_id: int = 0
    partner_id: int = 0

    def kwargs_for(self, name: str, role: str) -> dict:
        """The URL kwargs a role would use: only the tracking-link holder knows the real token."""
        token = self.token if role == "tracking_holder" else WRONG_TRACKING_TOKEN
        values = {
            "reference": self.reference,
            "token": token,
            "attachment_id": self.attachment_id,
            "code": self.project_code,
            "outcome": "rejected",
            "version": "1",
            "format": "json",
            "pk": self.milestone_id if name == "portfolio:tick_milestone" else self.similar_id,
            "customer_id": self.customer_id,
            "service_id": self.service_id,
            "endpoint_id": self.webhook_endpoint_id,
            "delivery_id": self.webhook_delivery_id,
            "view_id": self.saved_view_id,
            "notification_id": self.notification_id,
            "uidb64": "MQ",  # a password-reset link for user 1, with the made-up token above
            "partner_id": self.partner_id,
        }
        return values


def url_patterns() -> list[tuple[str, str, list[str]]]:
    """Every route of the project as (route, name, kwarg names); the whole admin is the one route `admin/`."""
    found: list[tuple[str, str, list[str]]] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if prefix + str(pattern.pattern) == ADMIN:
                    found.append((ADMIN, "admin:index", []))
                    continue
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                found.append(
                    (
                        prefix + str(pattern.pattern),
                        namespace + (pattern.name or ""),
                        list(pattern.pattern.regex.groupindex),
                    )
                )

    walk(get_resolver().url_patterns, "", "")
    return found


def path_for(world: World, route: str, name: str, kwarg_names: list[str], role: str) -> str:
    if name == "api:not-found":
        return "/api/v1/nothing-here/"
    all_kwargs = world.kwargs_for(name, role)
    return reverse(name, kwargs={key: all_kwargs[key] for key in kwarg_names})


def get_paths(world: World, role: str) -> list[str]:
    """Every route that answers GET, as the path this role would ask for (the admin by its index)."""
    return [
        "/admin/" if route == ADMIN else path_for(world, route, name, kwarg_names, role)
        for route, name, kwarg_names in url_patterns()
        if MATRIX[route].get("GET")
    ]


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "attachments"
    # The matrix asks many wrong tracking links from one address; the miss limit has its own tests.
    settings.INTAKE_TRACK_MISSES_PER_IP = "100000/hour"
    settings.INTAKE_FORM_RATE_PER_IP = "100000/hour"
    settings.API_TOKEN_RATE_LIMIT = "100000/minute"
    settings.PASSWORD_RESET_RATE_PER_IP = "100000/hour"
    product = ProductFactory(name="Billing Cloud")
    customer = CustomerFactory(name="Acme")
    earlier, _ = file_demand_with_token(product=product, contact_email="ops@acme.example", title="Export to SAP")
    demand, token = file_demand_with_token(product=product, contact_email="ops@acme.example")
    assert demand.customer == customer
    stored = default_storage.save("matrix-attachment", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    attachment = Attachment.objects.create(
        change_request=demand,
        original_name="offer.pdf",
        stored_name=stored,
        content_type="application/pdf",
        size=15,
        sha256=hashlib.sha256(b"%PDF-1.4\n%%EOF\n").hexdigest(),
    )
    similar, _ = SimilarDemand.objects.get_or_create(
        change_request=demand, similar_to=earlier, defaults={"similarity": 0.8}
    )
    project = ProjectFactory(code="BT-0042", name="Nightly SAP export")
    milestone = Milestone.objects.create(project=project, name="Pilot", due_date=date(2026, 12, 1))
    users = {
        "analyst": UserFactory(username="analyst", role="Analyst"),
        "cio": UserFactory(username="cio", role="CIO"),
        "portfolio_manager": UserFactory(username="pm", role="Portfolio manager"),
        "staff_without_role": UserFactory(username="no-role"),
        "api_reader": UserFactory(username="reader", is_staff=False, role="API reader"),
        "api_writer": UserFactory(username="integration", is_staff=False),
        "superuser": UserFactory(username="root", is_superuser=True),
    }
    keys = {role: api_token_create(user=users[role], name=role, scope=TokenScope.READ)[1] for role in READ_TOKENS}
    keys["api_writer"] = api_token_create(user=users["api_writer"], name="crm", scope=TokenScope.READ_WRITE)[1]
    clients = {}
    for role in ROLES:
        headers = {"Authorization": f"Token {keys[role]}"} if role in keys else {}
        client = Client(headers=headers)
        if role in users:
            client.force_login(users[role])
        clients[role] = client
    # A webhook endpoint with one delivery already made (nothing is sent: the matrix rolls every request back).
    endpoint, _secret = webhook_endpoint("http://127.0.0.1:9/hook", events=("project.health_changed",))
    delivery = endpoint.deliveries.create(
        event_id=uuid.uuid4(), event_type="project.health_changed", status="succeeded", next_attempt_at=None
    )
    # A view the CIO shares with the team, and a notification of the CIO's.
    saved_view = SavedView.objects.create(owner=users["cio"], name="Team view", query="status=scored", is_shared=True)
    (notification,) = notify(event=NotificationEvent.MENTIONED, recipients=[users["cio"]], key="matrix")
    partner = partner_with_agreement(name="Matrix Partner")  # the register's agreement form posts to it
    return World(
        partner_id=partner.pk,
        saved_view_id=saved_view.pk,
        notification_id=notification.pk,
        webhook_endpoint_id=endpoint.pk,
        webhook_delivery_id=delivery.pk,
        reference=demand.reference,
        token=token,
        attachment_id=attachment.pk,
        similar_id=similar.pk,
        project_code=project.code,
        milestone_id=milestone.pk,
        customer_id=customer.pk,
        service_id=demand.product_id,
        clients=clients,
    )


def table_digests() -> dict[str, str]:
    """A digest of every row of every table: any insert, update or delete changes its table's digest."""
    digests = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = sorted(repr(row) for row in cursor.fetchall())
            digests[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests
