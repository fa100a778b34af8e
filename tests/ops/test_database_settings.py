"""The PostgreSQL connection options of docs/operations.md reach the server, per process role (core.database).

One process takes the roles in turn, reconnecting after each: none (a manage.py command), then a worker, then a
web process (by loading the WSGI application, as gunicorn does); a second one with the timeouts set otherwise.
"""

import pytest

from tests.processes import django_script_run

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SHOW = """
import django
django.setup()
from django.db import connection
from core.database import role_apply

def show():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        print(cursor.fetchone()[0])
    connection.close()

show()
role_apply("worker")
show()
import config.wsgi
show()
"""


def statement_timeouts_with(**env: str) -> list[str]:
    """statement_timeout as a command, a worker and a web process see it."""
    return " ".join(django_script_run(SHOW, **env)).split()[-3:]


def test_commands_get_none_workers_20_s_and_web_processes_5_s_by_default():
    assert statement_timeouts_with() == ["0", "20s", "5s"]


def test_db_statement_timeout_ms_and_db_worker_statement_timeout_ms_set_them():
    assert statement_timeouts_with(DB_STATEMENT_TIMEOUT_MS="1500", DB_WORKER_STATEMENT_TIMEOUT_MS="7000") == [
        "0",
        "7s",
        "1500ms",
    ]


def test_connect_timeout_keepalives_and_tcp_user_timeout_reach_libpq():
    from django.db import connection

    connection.ensure_connection()
    parameters = connection.connection.get_dsn_parameters()
    assert {name: parameters.get(name) for name in ("connect_timeout", "keepalives", "keepalives_idle",
            "keepalives_interval", "keepalives_count", "tcp_user_timeout")} == {
        "connect_timeout": "3", "keepalives": "1", "keepalives_idle": "10", "keepalives_interval": "5",
        "keepalives_count": "3", "tcp_user_timeout": "10000",
    }  # fmt: skip
