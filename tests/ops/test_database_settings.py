"""The PostgreSQL connection options of docs/operations.md reach the server, per process role (core.database)."""

import os
import subprocess
import sys

import pytest

from tests.processes import ROOT, database_url_of_this_test

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SHOW = (
    "import sys\n"
    "from django.db import connection\n"
    "from core.database import role_apply\n"
    "if sys.argv[-1] == 'wsgi':\n"
    "    import config.wsgi\n"
    "elif sys.argv[-1] != 'none':\n"
    "    role_apply(sys.argv[-1])\n"
    "with connection.cursor() as cursor:\n"
    "    cursor.execute('SHOW statement_timeout')\n"
    "    print(cursor.fetchone()[0])\n"
)


def statement_timeout_with(role: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); exec(open('/dev/stdin').read())", role],
        input=SHOW,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url_of_this_test(), "DJANGO_SETTINGS_MODULE": "config.settings",
             "SECRET_KEY": "settings-test-secret-key-0123456789abcdefghijklmn", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()[-1]


def test_db_statement_timeout_ms_sets_the_web_processes_statement_timeout():
    assert statement_timeout_with("web", DB_STATEMENT_TIMEOUT_MS="1500") == "1500ms"


def test_workers_get_a_longer_one_under_their_soft_time_limit():
    assert statement_timeout_with("worker") == "20s"
    assert statement_timeout_with("worker", DB_WORKER_STATEMENT_TIMEOUT_MS="7000") == "7s"


def test_commands_such_as_migrate_get_none():
    assert statement_timeout_with("none") == "0"


def test_loading_the_wsgi_application_makes_a_web_process_with_5_s_by_default():
    assert statement_timeout_with("wsgi") == "5s"
