"""Client-side deadlines (core.database): a frozen PostgreSQL cuts a statement or a connect at the deadline.

On a private cluster frozen with SIGSTOP (the kernel accepts and acknowledges, nothing answers), never the
shared one. The wait callback is installed for this test only and removed after.
"""

import psycopg2
import psycopg2.extensions
import pytest

from core import database

pytestmark = pytest.mark.postgres

DEADLINE = 1.0


@pytest.fixture
def deadlines(monkeypatch):
    monkeypatch.setattr(database, "_connect_seconds", DEADLINE)
    monkeypatch.setattr(database, "_statement_seconds", DEADLINE)
    psycopg2.extensions.set_wait_callback(database.wait_with_deadline)
    yield
    psycopg2.extensions.set_wait_callback(None)


def test_a_statement_and_a_connect_to_a_frozen_server_are_cut_and_the_connection_is_not_reused(
    private_postgres, deadlines
):
    connection = psycopg2.connect(private_postgres.url())
    cursor = connection.cursor()
    cursor.execute("SELECT 1")
    assert cursor.fetchone() == (1,)
    private_postgres.freeze()
    try:
        with pytest.raises(psycopg2.OperationalError, match=r"did not answer within 1 s \(statement\)"):
            cursor.execute("SELECT 1")
        assert connection.closed  # cut, so Django discards it instead of trying it again
        with pytest.raises(psycopg2.OperationalError, match=r"did not answer within 1 s \(connect\)"):
            psycopg2.connect(private_postgres.url())
        # A stretch of code with its own deadline (the readiness probe's) gets that one.
        with database.database_deadline(0.5), pytest.raises(psycopg2.OperationalError, match=r"within 0\.5 s"):
            psycopg2.connect(private_postgres.url())
    finally:
        private_postgres.thaw()
    again = psycopg2.connect(private_postgres.url())
    again_cursor = again.cursor()
    again_cursor.execute("SELECT 2")
    assert again_cursor.fetchone() == (2,)
    again.close()


def test_within_a_request_a_second_wait_fails_at_once(private_postgres, deadlines):
    connection = psycopg2.connect(private_postgres.url())
    private_postgres.freeze()
    try:
        with database.request_scope():
            with pytest.raises(psycopg2.OperationalError, match=r"within 1 s \(statement\)"):
                connection.cursor().execute("SELECT 1")
            # Django reconnects after a failed health check: that connect does not wait again.
            with pytest.raises(psycopg2.OperationalError, match=r"earlier in this request; no second wait \(connect\)"):
                psycopg2.connect(private_postgres.url())
        with pytest.raises(psycopg2.OperationalError, match=r"within 1 s \(connect\)"):  # the next request waits
            psycopg2.connect(private_postgres.url())
    finally:
        private_postgres.thaw()
