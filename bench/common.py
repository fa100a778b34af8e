"""Shared plumbing for the benchmarks: a dedicated PostgreSQL database and Redis DB, Django set up on them.

Benchmarks never touch the development or test databases: they drop and recreate `demanddesk_bench`.

BENCH_PGBOUNCER=1: the web processes and the worker go through PgBouncer in transaction pooling (started here as a
plain subprocess on a free port, BENCH_PGBOUNCER_POOL server connections, 4 by default), with
DATABASE_POOLER=pgbouncer; the bench process itself (seeding, counting) keeps its direct connection.
"""

import os
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = os.environ.get("BENCH_PG_ADMIN_DSN", "postgres://postgres@127.0.0.1:5432/postgres")
BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/demanddesk_bench")
BENCH_BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/11")
BENCH_SECRET_KEY = "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105 (throwaway bench DB)

BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": BENCH_DATABASE_URL,
    "CELERY_BROKER_URL": BENCH_BROKER_URL,
    "SECRET_KEY": BENCH_SECRET_KEY,
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "false",
    "EMAIL_URL": "dummymail://",
    "LOG_LEVEL": "WARNING",
    # The load comes from one address: lift the per-IP and per-token limits (they are still counted).
    "INTAKE_FORM_RATE_PER_IP": "1000000/hour",
    "INTAKE_FORM_RATE_PER_DOMAIN": "1000000/hour",
    "API_TOKEN_READ_RATE": "1000000/minute",
    "CONN_MAX_AGE": "60",
}


class Pooler:
    """PgBouncer in front of the bench database while BENCH_PGBOUNCER is set (`start` does nothing otherwise)."""

    bouncer = None  # a tests.processes.PgBouncer while running

    @classmethod
    def start(cls) -> None:
        if os.environ.get("BENCH_PGBOUNCER"):
            from tests.processes import PgBouncer

            pool = int(os.environ.get("BENCH_PGBOUNCER_POOL", "4"))
            cls.bouncer = PgBouncer(BENCH_DATABASE_URL, pool_size=pool).start()

    @classmethod
    def stop(cls) -> None:
        if cls.bouncer is not None:
            cls.bouncer.stop()
            cls.bouncer = None

    @classmethod
    def database_url(cls) -> str:
        """What the web processes and workers connect to: PgBouncer's address, or the database's."""
        return cls.bouncer.url_for(BENCH_DATABASE_URL) if cls.bouncer else BENCH_DATABASE_URL

    @classmethod
    def process_env(cls) -> dict[str, str]:
        """The environment of a web process or worker: BENCH_ENV, through PgBouncer when it runs."""
        if cls.bouncer is None:
            return dict(BENCH_ENV)
        return {**BENCH_ENV, "DATABASE_URL": cls.database_url(), "DATABASE_POOLER": "pgbouncer"}

    @classmethod
    def label(cls) -> str:
        if cls.bouncer is None:
            return "direct"
        return f"PgBouncer, transaction pooling, {cls.bouncer.pool_size} server connections"


class ConnectionPeak:
    """The most client connections to the bench database at once (pg_stat_activity, sampled every 0.1 s); the
    bench process's own direct connection is one of them."""

    def __enter__(self) -> "ConnectionPeak":
        import threading

        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        import psycopg2

        admin = psycopg2.connect(PG_ADMIN_DSN)
        admin.autocommit = True
        name = BENCH_DATABASE_URL.rsplit("/", 1)[-1]
        try:
            with admin.cursor() as cursor:
                while not self._stop.wait(0.1):
                    cursor.execute(  # clients only: not parallel query workers, not autovacuum
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
                        [name],
                    )
                    self.peak = max(self.peak, cursor.fetchone()[0])
        finally:
            admin.close()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def setup_django() -> None:
    """Point this process at the bench database and broker, then start Django."""
    os.environ.update(BENCH_ENV)
    import django

    django.setup()


def recreate_database() -> None:
    """Drop and create the bench database, then migrate it."""
    import psycopg2
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    name = BENCH_DATABASE_URL.rsplit("/", 1)[-1]
    admin = psycopg2.connect(PG_ADMIN_DSN)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    call_command("migrate", verbosity=0)


def flush_broker() -> None:
    import redis

    redis.Redis.from_url(BENCH_BROKER_URL).flushdb()


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the most resident memory the process ever had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def own_peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Result:
    """One line of the results table."""

    scenario: str
    figures: dict = field(default_factory=dict)
    target: str = ""
    met: bool | None = None


class Stopwatch:
    def __enter__(self) -> "Stopwatch":
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
