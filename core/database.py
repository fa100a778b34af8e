"""Deadlines on every wait for PostgreSQL, per process role (docs/operations.md, "Timeouts").

The server enforces `statement_timeout` while it runs; nothing on the server side helps when the server
does not run at all (a frozen postmaster, a host that stopped answering). So the client keeps its own
deadline too: psycopg2 is put in "green" mode with `wait_with_deadline` as its wait callback, which gives up
on a connect or a query that has not answered in time, cuts the connection and raises OperationalError.
The web answers that with the friendly 503 page (core.views.server_error); a worker's task retries later.

Roles: `web` (config.wsgi: every page and API call), `worker` (config.celery: tasks), and none (manage.py
commands such as migrate, which may legitimately run long: no timeout, no deadline).

Behind PgBouncer in transaction pooling (DATABASE_POOLER=pgbouncer, docs/scaling.md) a client holds a server
connection only for one transaction, so nothing may be set for a session: PgBouncer refuses libpq's `options`
startup parameter, and a session-level SET would stay on a server connection that other clients (a worker, a web
process with another timeout) borrow next. There the statement timeout travels with each statement instead, as
`SET LOCAL` in the same query string, which PostgreSQL runs as one transaction (`_statement_timeout_per_transaction`).
"""

import contextlib
import select
import socket
import time
from collections.abc import Iterator
from contextvars import ContextVar

# Seconds a connect may take, and a statement, for this process; None: no client-side deadline.
_connect_seconds: float | None = None
_statement_seconds: float | None = None
# A shorter or longer deadline for a stretch of code (the readiness probe, an export), in seconds.
_override_seconds: ContextVar[float | None] = ContextVar("database_deadline_override", default=None)
# Behind a transaction pooler: the role's server-side statement timeout, sent with every statement (ms), and a
# longer one for the transaction under way (an export's), set by `transaction_statement_timeout`.
_pooled_statement_ms: int | None = None
_transaction_statement_ms: ContextVar[int | None] = ContextVar("database_transaction_statement_ms", default=None)

# Set for the length of one web request: whether a wait has already been cut in it.
_cut_in_request: ContextVar[list[bool] | None] = ContextVar("database_cut_in_request", default=None)

# What the client waits beyond the server's own statement_timeout: the server's cancel travelling back.
CLIENT_MARGIN_SECONDS = 0.5


class DeadlineExceeded(Exception):
    """Raised as psycopg2.OperationalError's cause; the message names the wait that was cut."""


def role_apply(role: str) -> None:
    """Set this process's statement timeout (server side) and deadlines (client side) for `role`.

    Called once, before the first connection: by config.wsgi for web processes and by config.celery for
    workers. The values come from settings (DB_*); see docs/operations.md for why each has its value.
    """
    from django.conf import settings
    from django.db import connections

    global _connect_seconds, _statement_seconds, _pooled_statement_ms
    database = connections["default"].settings_dict
    if connections["default"].vendor != "postgresql":
        return
    statement_ms = {"web": settings.DB_STATEMENT_TIMEOUT_MS, "worker": settings.DB_WORKER_STATEMENT_TIMEOUT_MS}[role]
    options = database.setdefault("OPTIONS", {})
    if statement_ms and settings.DATABASE_POOLER == "pgbouncer":
        _pooled_statement_ms = statement_ms
        from django.db.backends.signals import connection_created

        connection_created.connect(_statement_timeout_per_transaction_install, dispatch_uid="pooled_statement_timeout")
        _statement_timeout_per_transaction_install(None, connections["default"])  # this thread's, if connected
        _statement_seconds = statement_ms / 1000 + CLIENT_MARGIN_SECONDS
    elif statement_ms:
        # Added to any libpq `options` DATABASE_URL already carries (a search_path, say), not in their place.
        options["options"] = f"{options.get('options', '')} -c statement_timeout={statement_ms}".strip()
        _statement_seconds = statement_ms / 1000 + CLIENT_MARGIN_SECONDS
    _connect_seconds = float(options.get("connect_timeout") or settings.DB_CONNECT_TIMEOUT)
    import psycopg2.extensions

    psycopg2.extensions.set_wait_callback(wait_with_deadline)


@contextlib.contextmanager
def database_deadline(seconds: float) -> Iterator[None]:
    """Within this block, every connect and statement gives up after `seconds` (the server is told too,
    by the caller, when the statement itself may legitimately run that long: `transaction_statement_timeout`)."""
    token = _override_seconds.set(seconds)
    try:
        yield
    finally:
        _override_seconds.reset(token)


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    """Within this scope (one web request), wait for PostgreSQL once: after a wait was cut, any later connect or
    statement fails at once. Without it a request would wait twice, as Django reconnects after a failed
    health check (CONN_HEALTH_CHECKS), and the customer would wait longer than the statement timeout."""
    token = _cut_in_request.set([False])
    try:
        yield
    finally:
        _cut_in_request.reset(token)


@contextlib.contextmanager
def transaction_statement_timeout(milliseconds: int) -> Iterator[None]:
    """Within this block, which must run inside one transaction (`transaction.atomic`), statements may take
    `milliseconds`: on the server (`SET LOCAL`, which the transaction's end undoes, so nothing stays behind on
    a connection, pooled or not) and in the client's deadline. An export's longer allowance, say."""
    from django.db import connection

    if connection.vendor == "postgresql":
        token = _transaction_statement_ms.set(milliseconds)
        try:
            with database_deadline(milliseconds / 1000 + CLIENT_MARGIN_SECONDS):
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{milliseconds}ms"])
                yield
        finally:
            _transaction_statement_ms.reset(token)
    else:  # SQLite (the embedded default) has no statement timeout
        yield


def _statement_timeout_per_transaction_install(sender: object, connection: object, **_: object) -> None:
    """On each new connection (Django keeps one wrapper per thread): send the timeout with every statement."""
    wrappers = connection.execute_wrappers  # type: ignore[attr-defined]
    if _statement_timeout_per_transaction not in wrappers:
        wrappers.append(_statement_timeout_per_transaction)


def _statement_timeout_per_transaction(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
    """Django execute wrapper behind a transaction pooler: `SET LOCAL statement_timeout` runs first, in the same
    transaction as the statement (the one of an atomic block, or the implicit one PostgreSQL gives a query string
    of several statements), so it binds this statement and goes when its transaction ends."""
    milliseconds = _transaction_statement_ms.get() or _pooled_statement_ms
    prefix = f"SET LOCAL statement_timeout = {int(milliseconds)}; "  # type: ignore[arg-type]
    cursor = context["cursor"].cursor
    if getattr(cursor, "name", None) is None:
        return execute(prefix + sql, params, many, context)
    # A server-side cursor, inside a transaction (core.postgresql_pooled): its DECLARE takes one statement.
    with context["connection"].connection.cursor() as plain:
        plain.execute(prefix)
    return execute(sql, params, many, context)


def _deadline_for(connecting: bool) -> float | None:
    override = _override_seconds.get()
    if override is not None:
        return override
    return _connect_seconds if connecting else _statement_seconds


def wait_with_deadline(conn) -> None:  # type: ignore[no-untyped-def]
    """psycopg2's wait callback: poll the connection until it is ready, or cut it at the deadline."""
    import psycopg2.extensions as ext

    connecting = conn.status == ext.STATUS_SETUP
    what = "connect" if connecting else "statement"
    cut_in_request = _cut_in_request.get()
    if cut_in_request and cut_in_request[0]:
        _cut(conn)
        raise ext.QueryCanceledError(f"PostgreSQL did not answer earlier in this request; no second wait ({what})")
    seconds = _deadline_for(connecting)
    deadline = None if seconds is None else time.monotonic() + seconds
    while True:
        state = conn.poll()
        if state == ext.POLL_OK:
            return
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            _cut(conn)
            if cut_in_request is not None:
                cut_in_request[0] = True
            raise ext.QueryCanceledError(f"PostgreSQL did not answer within {seconds:g} s ({what}); connection closed")
        if state not in (ext.POLL_READ, ext.POLL_WRITE):  # pragma: no cover (psycopg2 documents no other)
            raise ext.OperationalError(f"unexpected poll state {state}")
        # poll(), not select(): a busy process may hold descriptors above select's 1024.
        waiter = select.poll()
        waiter.register(conn.fileno(), select.POLLIN if state == ext.POLL_READ else select.POLLOUT)
        waiter.poll(None if remaining is None else max(1, int(remaining * 1000)))


def _cut(conn) -> None:  # type: ignore[no-untyped-def]
    """Shut the socket down under libpq: the connection is dead for psycopg2 and Django (closed, not reused),
    and nothing is sent to the server that does not answer (a cancel request would hang on it too)."""
    with contextlib.suppress(OSError, ValueError):
        sock = socket.socket(fileno=conn.fileno())
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.detach()  # the descriptor stays libpq's to close
