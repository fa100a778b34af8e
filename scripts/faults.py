#!/usr/bin/env python3
"""Ride out every fault: customers file through the real form while faults are injected, then the books.

    python scripts/faults.py                      # every fault (`make faults`), a few minutes
    python scripts/faults.py --faults redis-stopped,postgres-frozen --customers 2

Everything runs against a private PostgreSQL cluster (initdb in a temporary directory, on a free port) and a
private redis-server, never the shared ones: gunicorn with the production settings, one Celery worker with
the periodic sweeps embedded (beat), and customers posting the public form in a loop, each posting the same
form again (same form token) after a failure, as a person would. For each fault: load first, the fault, the
recovery, load again, then wait (with a deadline) for the after-commit work to settle and check the books:
every reference shown to a customer exists exactly once, nothing exists that a customer was never told was
accepted, and every demand is scored, has its similar demands and its e-mail sent. Exit status 0 when every
row of the printed table is clean.
"""

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# A short statement timeout and quick sweeps, so that a run takes minutes; docs/operations.md has the production
# values and why.
FAULT_ENV = {
    "DB_STATEMENT_TIMEOUT_MS": "2000",
    "DB_CONNECT_TIMEOUT": "2",
    "SWEEP_GRACE_SECONDS": "3",
    "SWEEP_INTERVAL_SECONDS": "2",
    "CELERY_VISIBILITY_TIMEOUT": "8",
}
SETTLE_SECONDS = 120  # deadline for the after-commit work of a run to be done once the load stops
PHASE_SECONDS = 60  # deadline for each phase's condition (accepted posts, refusals...)


class Stack:
    """Private PostgreSQL and Redis, gunicorn and a Celery worker with beat."""

    def __init__(self, customers: int) -> None:
        from tests.ops.postgres import PostgresServer
        from tests.processes import RedisServer

        self.customers = customers
        self.postgres = PostgresServer().init()
        self.postgres.start()
        self.redis = RedisServer().start()
        self.web: Any = None
        self.worker: Any = None
        try:
            self._start()
        except BaseException:
            self.stop()  # nothing of a half-started stack is left running
            raise

    def _start(self) -> None:
        self.database_url = self.postgres.url("demanddesk")
        os.environ.update(
            DATABASE_URL=self.database_url,
            DJANGO_SETTINGS_MODULE="tests.ops.settings_live",
            SECRET_KEY=os.environ.get("SECRET_KEY", "faults-script-only-0123456789abcdefghijklmnopqrstuvwxyz"),
        )
        os.environ.pop("CELERY_BROKER_URL", None)  # this process publishes nothing; never the shared Redis
        import django

        django.setup()
        from tests.ops.live import database_prepare, server_env

        self.env = server_env(self.database_url, self.redis.url, **FAULT_ENV)
        self.product_id = database_prepare(self.postgres.url(), self.database_url, self.env)
        self.web = self._web().start()
        self.worker = self._worker().start()

    def _web(self) -> Any:
        from tests.processes import Gunicorn

        return Gunicorn(self.env, workers=2, threads=4)

    def _worker(self) -> Any:
        from tests.processes import CeleryWorker

        extra = {key: value for key, value in FAULT_ENV.items() if key != "CELERY_VISIBILITY_TIMEOUT"}
        return CeleryWorker(
            self.redis.url,
            database_url=self.database_url,
            visibility_timeout=int(FAULT_ENV["CELERY_VISIBILITY_TIMEOUT"]),
            extra_env=extra,
            beat=True,
            concurrency=2,
        )

    def worker_restart(self) -> None:
        self.worker = self._worker().start()

    def stop(self) -> None:
        started = [part.stop for part in (self.web, self.worker) if part is not None]
        for stop in (*started, self.redis.stop, self.postgres.destroy):
            try:
                stop()
            except Exception as exc:
                print(f"while stopping: {exc!r}", file=sys.stderr)


def run_fault(stack: Stack, name: str, inject: Callable[[Stack, Any], None]) -> Any:
    from tests.ops.live import Load, books, books_unsettled
    from tests.processes import wait_for

    load = Load(stack.web.url, stack.product_id, customers=stack.customers, name=name).start()
    try:
        wait_for(load.accepted_from_every_customer, timeout=PHASE_SECONDS, message=f"{name}: load before the fault")
        inject(stack, load)
        recovered = time.monotonic()
        wait_for(
            lambda: load.accepted_from_every_customer(since=recovered),
            timeout=PHASE_SECONDS,
            message=f"{name}: every customer accepted again after the recovery",
        )
        load.finish(timeout=PHASE_SECONDS)
    finally:
        load.stop.set()
    try:
        wait_for(
            lambda: not any(books_unsettled(stack.database_url, name).values()),
            timeout=SETTLE_SECONDS,
            message=f"{name}: every demand scored, with its similar demands and its e-mail",
        )
    except AssertionError as exc:
        print(exc, file=sys.stderr)
    return books(stack.database_url, load, name)


def refused_while(load: Any, moment: float) -> Callable[[], bool]:
    return lambda: len(load.failed_since(moment)) >= load.customers


def accepted_while(load: Any, moment: float) -> Callable[[], bool]:
    return lambda: load.accepted_from_every_customer(since=moment)


def redis_stopped(stack: Stack, load: Any) -> None:
    from tests.processes import wait_for

    stack.redis.stop()
    down = time.monotonic()
    wait_for(accepted_while(load, down), timeout=PHASE_SECONDS, message="the form accepting while Redis is down")
    stack.redis.start()


def redis_hung(stack: Stack, load: Any) -> None:
    from tests.processes import wait_for

    stack.redis.freeze()
    hung = time.monotonic()
    wait_for(accepted_while(load, hung), timeout=PHASE_SECONDS, message="the form accepting while Redis hangs")
    stack.redis.thaw()


def worker_process_killed(stack: Stack, load: Any) -> None:
    from tests.processes import wait_for

    stack.worker.kill_pool_child()
    killed = time.monotonic()
    wait_for(accepted_while(load, killed), timeout=PHASE_SECONDS, message="the form accepting after the kill")


def worker_killed_whole_holding_a_task(stack: Stack, load: Any) -> None:
    """A scoring task blocked on a row lock and held past the visibility timeout (so it runs twice at once), then
    the whole worker SIGKILLed and a new one started: the demand is still scored, once."""
    import psycopg2

    from tests.processes import wait_for

    holder = psycopg2.connect(stack.database_url)
    cursor = holder.cursor()
    # The newest demand's score due again (its inputs changed, say), committed, so the sweep sends its task...
    cursor.execute("SELECT max(id) FROM intake_changerequest")
    newest = cursor.fetchone()[0]
    cursor.execute(
        "UPDATE intake_changerequest SET scoring_requested_at = now() - interval '1 minute' WHERE id = %s", [newest]
    )
    holder.commit()
    # ...and its row held, so that task blocks in the middle.
    cursor.execute("SELECT id FROM intake_changerequest WHERE id = %s FOR UPDATE", [newest])

    def waiters() -> int:
        with psycopg2.connect(stack.database_url) as probe, probe.cursor() as probe_cursor:
            probe_cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            count = probe_cursor.fetchone()[0]
        probe.close()
        return count

    try:
        # The sweep (every 2 s, for marks older than 3 s) sends the task; it blocks on the row.
        wait_for(lambda: waiters() >= 1, timeout=PHASE_SECONDS, message="a task blocked on the held row")
        # Held on: past the visibility timeout Redis hands the message out again (and the sweep sends the demand
        # again), so the worker's other slot runs the same scoring, blocked too: two at once for one demand.
        wait_for(lambda: waiters() >= 2, timeout=PHASE_SECONDS, message="the same scoring running twice, held")
        stack.worker.kill_whole()
        stack.worker_restart()
        # Past the visibility timeout the message is handed out again (or the sweep sends it): blocked again.
        wait_for(lambda: waiters() >= 1, timeout=PHASE_SECONDS, message="the task delivered again to the new worker")
    finally:
        holder.rollback()
        holder.close()


def postgres_restarted(stack: Stack, load: Any) -> None:
    stack.postgres.stop("fast")
    stack.postgres.start()


def postgres_stopped(stack: Stack, load: Any) -> None:
    from tests.processes import wait_for

    stack.postgres.stop("fast")
    down = time.monotonic()
    wait_for(refused_while(load, down), timeout=PHASE_SECONDS, message="posts refused while PostgreSQL is down")
    stack.postgres.start()


def postgres_frozen(stack: Stack, load: Any) -> None:
    from tests.processes import wait_for

    stack.postgres.freeze()
    frozen = time.monotonic()
    try:
        wait_for(refused_while(load, frozen), timeout=PHASE_SECONDS, message="posts refused while PostgreSQL is frozen")
    finally:
        stack.postgres.thaw()


def gunicorn_worker_killed(stack: Stack, load: Any) -> None:
    from tests.processes import wait_for

    killed_pid = stack.web.kill_worker()
    wait_for(
        lambda: killed_pid not in stack.web.worker_pids() and len(stack.web.worker_pids()) == stack.web.workers,
        timeout=PHASE_SECONDS,
        message="gunicorn replacing the killed worker",
    )


FAULTS: dict[str, Callable] = {
    "redis-stopped": redis_stopped,
    "redis-hung": redis_hung,
    "worker-process-killed": worker_process_killed,
    "worker-killed-whole": worker_killed_whole_holding_a_task,
    "postgres-restarted": postgres_restarted,
    "postgres-stopped": postgres_stopped,
    "postgres-frozen": postgres_frozen,
    "gunicorn-worker-killed": gunicorn_worker_killed,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faults", default=",".join(FAULTS), help="comma-separated, of: " + ", ".join(FAULTS))
    parser.add_argument("--customers", type=int, default=3)
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.faults.split(",") if name.strip()]
    unknown = set(names) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")

    started = time.monotonic()
    stack = Stack(args.customers)
    rows = []
    stopped_by = ""
    try:
        for name in names:
            print(f"--- {name}", flush=True)
            try:
                rows.append(run_fault(stack, name, FAULTS[name]))
            except AssertionError as exc:  # a phase missed its deadline: the stack may be broken, stop here
                stopped_by = f"{name}: {exc}"
                break
    finally:
        stack.stop()
    from tests.ops.live import books_table

    print(books_table(rows))
    if stopped_by:
        print(f"stopped: {stopped_by}")
    clean = not stopped_by and all(row.clean() for row in rows)
    print(f"{'all clean' if clean else 'NOT CLEAN'} after {time.monotonic() - started:.0f} s")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
