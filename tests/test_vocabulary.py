"""One vocabulary: status values and audit actions are named in choices.py, never spelled out elsewhere.

A status set or predicate ("open", "decidable", "can be withdrawn"…) lives in the app's choices.py and
as a model property; pages, services, selectors and benchmarks use those names. These tests read the
source (Python by its syntax tree, templates by their text), so they cost well under a second.
"""

import ast
import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from intake.choices import ChangeRequestStatus
from intake.models import ChangeRequest
from portfolio.choices import ProjectStatus
from portfolio.models import Project
from tests.factories import file_demand_with_token
from webhooks.choices import DeliveryStatus, EndpointStatus
from webhooks.models import WebhookDelivery, WebhookEndpoint

ROOT = Path(settings.BASE_DIR)
STATUS_VALUES = frozenset(ChangeRequestStatus.values) | frozenset(ProjectStatus.values)
SKIPPED_DIRS = {"tests", "migrations", "node_modules", "var", "locale", "static", "__pycache__"}

# Words that happen to equal a status value but name something else (path, literal: what it is).
NOT_A_STATUS = {
    ("portfolio/templatetags/portfolio_tags.py", "planned"): "the planned bar of a plan-against-actual chart",
    ("triage/views.py", "active"): "the active scoring model, a page context name",
    ("webhooks/tasks.py", "delivered"): "the result the deliver task returns",
}

SQL_QUOTED = re.compile(r"'([a-z_]+)'")
TEMPLATE_QUOTED = re.compile(r"""["']([a-z_]+)["']""")
# A translated word ({% translate "active" %}) is text for people, not a status.
TEMPLATE_TRANSLATE = re.compile(r"{%\s*(?:translate|trans)\s+.*?%}", re.DOTALL)


def _files(suffixes: tuple[str, ...]) -> Iterator[Path]:
    for folder, folders, names in os.walk(ROOT):
        folders[:] = sorted(name for name in folders if not name.startswith(".") and name not in SKIPPED_DIRS)
        yield from (Path(folder, name) for name in sorted(names) if name.endswith(suffixes))


@functools.cache
def _python_files() -> tuple[tuple[str, ast.Module], ...]:
    """Every Python file outside choices.py, migrations and tests, parsed once for all the checks."""
    return tuple(
        (path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), filename=str(path)))
        for path in _files((".py",))
        if path.name != "choices.py"
    )


def test_python_never_spells_a_status_value_outside_choices():
    found = []
    for name, tree in _python_files():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                continue
            # The literal itself, or one quoted inside SQL ("... WHERE status = 'approved'").
            words = {node.value} | set(SQL_QUOTED.findall(node.value))
            found += [
                f"{name}:{node.lineno}: {word!r}"
                for word in sorted(words & STATUS_VALUES)
                if (name, word) not in NOT_A_STATUS
            ]
    assert not found, "use the choices constants, sets and model properties instead:\n" + "\n".join(found)


def test_templates_never_spell_a_status_value():
    found = []
    for path in _files((".html", ".txt")):
        if "templates" not in path.relative_to(ROOT).parts:
            continue
        for number, line in enumerate(TEMPLATE_TRANSLATE.sub("", path.read_text()).splitlines(), start=1):
            found += [
                f"{path.relative_to(ROOT).as_posix()}:{number}: {word!r}"
                for word in TEMPLATE_QUOTED.findall(line)
                if word in STATUS_VALUES
            ]
    assert not found, "use the model's predicates (demand.is_open, demand.is_withdrawable…):\n" + "\n".join(found)


AUDIT_CALLS = {"audit_record", "AuditEvent", "create"}


def _called_name(call: ast.Call) -> str:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        owner = call.func.value
        # AuditEvent.objects.create(...) counts; any other .create(...) does not.
        if call.func.attr == "create" and not (isinstance(owner, ast.Attribute) and "AuditEvent" in ast.unparse(owner)):
            return ""
        return call.func.attr
    return ""


def test_every_audit_call_names_its_action_with_the_enum():
    found = []
    for name, tree in _python_files():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _called_name(node) not in AUDIT_CALLS:
                continue
            for keyword in node.keywords:
                if keyword.arg == "action" and isinstance(keyword.value, ast.Constant | ast.JoinedStr):
                    found.append(f"{name}:{node.lineno}: action={ast.unparse(keyword.value)}")
    assert not found, "pass an AuditAction member (add one to core/choices.py if new):\n" + "\n".join(found)


# What each status allows, as the product works today: changing a set in choices.py changes this table.
S = ChangeRequestStatus
PREDICATES = ("is_open", "is_decided", "is_decidable", "can_be_asked", "is_answerable", "is_withdrawable")
ALLOWED = {
    S.SUBMITTED: (True, False, True, True, False, True),
    S.SCORED: (True, False, True, True, False, True),
    S.NEEDS_INFO: (True, False, True, False, True, True),
    S.APPROVED: (False, True, False, False, False, False),
    S.REJECTED: (False, True, False, False, False, False),
    S.DEFERRED: (False, True, True, True, False, True),
    S.WITHDRAWN: (False, False, False, False, False, False),
}


@pytest.mark.parametrize("status", list(S))
def test_each_demand_status_allows_what_the_product_says(status):
    demand = ChangeRequest(status=status)
    assert tuple(getattr(demand, predicate) for predicate in PREDICATES) == ALLOWED[status]
    assert demand.is_approved == (status == S.APPROVED)


def test_a_project_is_open_until_delivered_or_cancelled():
    assert [status for status in ProjectStatus if Project(status=status).is_open] == [
        ProjectStatus.PLANNED,
        ProjectStatus.ACTIVE,
        ProjectStatus.ON_HOLD,
    ]


def test_webhook_predicates_follow_the_endpoint_and_delivery_status():
    endpoints = {status: WebhookEndpoint(status=status) for status in EndpointStatus}
    assert [status for status, endpoint in endpoints.items() if endpoint.is_active] == [EndpointStatus.ACTIVE]
    assert [status for status, endpoint in endpoints.items() if endpoint.is_paused] == [EndpointStatus.PAUSED]
    assert [status for status, endpoint in endpoints.items() if endpoint.is_receiving] == [
        EndpointStatus.ACTIVE,
        EndpointStatus.PAUSED,
    ]
    assert [status for status in DeliveryStatus if WebhookDelivery(status=status).is_pending] == [
        DeliveryStatus.PENDING
    ]


@pytest.mark.django_db
def test_the_pages_offer_exactly_what_the_predicates_allow(cio_client: Client):
    """Ask, decide and withdraw appear for the statuses whose service accepts them, and only those."""
    demand, token = file_demand_with_token()
    customer = Client()
    for status in S:
        ChangeRequest.objects.filter(pk=demand.pk).update(status=status)
        demand.status = status
        staff_page = cio_client.get(f"/triage/{demand.reference}/").content.decode()
        tracking_page = customer.get(f"/track/{token}/").content.decode()
        shown = (
            f'action="/triage/{demand.reference}/ask/"' in staff_page,
            'id="decide-heading"' in staff_page,
            'id="withdraw-heading"' in tracking_page,
        )
        assert shown == (demand.can_be_asked, demand.is_decidable, demand.is_withdrawable), status
