"""No GET changes anything: every GET URL, asked by every role with real objects, leaves every table as it was."""

import pytest

from tests.security.access_matrix import ROLES
from tests.security.conftest import get_paths, table_digests

pytestmark = pytest.mark.django_db

# The only tables a GET may write to, under which URLs, and why:
MAY_CHANGE_ON_GET = {
    # a wrong tracking link is counted per address, so guessing links is rate-limited;
    "core_ratecounter": "/track/",
    # an API token records when it was last used, at most once a minute;
    "core_apitoken": "/api/",
    # a refused request (403) is appended to the audit trail, wherever it happens.
    "core_auditevent": "/",
}


def unexpected_writes(path: str, before: dict[str, str], after: dict[str, str]) -> set[str]:
    moved = {table for table in before if before[table] != after[table]}
    return {table for table in moved if not path.startswith(MAY_CHANGE_ON_GET.get(table, "\0"))}


@pytest.mark.parametrize("role", ROLES)
def test_no_get_of_any_url_changes_a_row(world, role):
    client = world.clients[role]
    paths = get_paths(world, role)
    changed = {}
    for path in paths:
        before = table_digests()
        client.get(path)
        after = table_digests()
        if moved := unexpected_writes(path, before, after):
            changed[path] = sorted(moved)
    assert len(paths) > 30
    assert changed == {}


def test_the_crawl_would_see_a_write(world):
    """The digests notice a changed field, not just a changed row count."""
    from intake.models import ChangeRequest

    before = table_digests()
    ChangeRequest.objects.filter(reference=world.reference).update(title="Changed behind the crawl's back")
    after = table_digests()
    assert [table for table in before if before[table] != after[table]] == ["intake_changerequest"]
