"""The PostgreSQL connection options of docs/operations.md reach the server."""

import os
import subprocess
import sys

import pytest

from tests.processes import ROOT, database_url_of_this_test

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SHOW = (
    "from django.db import connection\n"
    "with connection.cursor() as cursor:\n"
    "    cursor.execute('SHOW statement_timeout')\n"
    "    print(cursor.fetchone()[0])\n"
)


def statement_timeout_with(**env: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url_of_this_test(), "DJANGO_SETTINGS_MODULE": "config.settings",
             "SECRET_KEY": "settings-test-secret-key-0123456789abcdefghijklmn", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()[-1]


def test_db_statement_timeout_ms_sets_the_servers_statement_timeout():
    assert statement_timeout_with(DB_STATEMENT_TIMEOUT_MS="1500") == "1500ms"


def test_no_statement_timeout_unless_asked_for():
    assert statement_timeout_with() == "0"
