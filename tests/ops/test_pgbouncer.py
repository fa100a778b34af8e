"""Behind PgBouncer in transaction pooling (DATABASE_POOLER=pgbouncer, docs/scaling.md), nothing breaks.

A real PgBouncer (the Debian package, a plain subprocess on a free port) in front of the test database, with
a pool smaller than its clients, so web threads, the worker and commands share server connections as they
would in production: customers file through the form (gunicorn), a real Celery worker scores and rescores,
a staff member exports the queue as CSV, and the statement timeouts of each role still hold without ever
staying on a server connection that another client borrows next.
"""

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.test import Client

from intake.choices import OPEN_STATUSES
from intake.models import ChangeRequest
from tests.factories import ProductFactory, file_demand
from tests.ops.live import SECRET_KEY, Load, server_env
from tests.processes import (
    CeleryWorker,
    Gunicorn,
    PgBouncer,
    app_broker,
    database_url_of_this_test,
    django_script_run,
    pgbouncer_binary,
    wait_for,
)
from triage.choices import RescoreJobStatus
from triage.models import Assessment, RescoreJob

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(pgbouncer_binary() is None, reason="pgbouncer is not installed (.ci/run installs it)"),
]


@pytest.fixture
def pgbouncer():
    # Two server connections for the web's threads, the worker and this test's checks: they must take turns.
    bouncer = PgBouncer(database_url_of_this_test(), pool_size=2).start()
    yield bouncer
    bouncer.stop()


ROLES = """
import django
django.setup()
from django.db import connection, transaction
from core.database import role_apply, transaction_statement_timeout
from intake.models import ChangeRequest

def show():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]

print("none", show())
if "{role}" != "none":  # a manage.py command has no role
    role_apply("{role}")
print("role", show())
with transaction.atomic():
    print("atomic", show())
    with transaction_statement_timeout(60000):
        print("export", show())
        print("cursor", sum(1 for _ in ChangeRequest.objects.values_list("pk").iterator(chunk_size=2)))
        print("server_side_inside", connection.chunked_cursor().cursor.name is not None)
    print("after", show())
print("plain", sum(1 for _ in ChangeRequest.objects.values_list("pk").iterator(chunk_size=2)))
print("server_side_outside", connection.chunked_cursor().cursor.name is not None)
try:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(1)")
    print("sleep", "finished")
except Exception as error:
    print("sleep", str(error).splitlines()[0])
"""


def run_role(role: str, database_url: str, **env: str) -> dict[str, str]:
    """What one process of `role` sees through `database_url`: statement_timeout at each step, and so on."""
    lines = django_script_run(ROLES.format(role=role), database_url=database_url, DATABASE_POOLER="pgbouncer", **env)
    return dict(line.split(" ", 1) for line in lines)


def test_each_roles_statement_timeout_holds_per_transaction_and_never_stays_on_a_pooled_connection():
    for _ in range(5):
        file_demand()  # rows for the server-side cursor to read in chunks of two
    # One server connection for everyone: whatever a client left on it, the next one would see.
    bouncer = PgBouncer(database_url_of_this_test(), pool_size=1).start()
    try:
        url = bouncer.url_for(database_url_of_this_test())
        worker = run_role("worker", url, DB_WORKER_STATEMENT_TIMEOUT_MS="700")
        after_it = run_role("none", url)
        servers = bouncer.show("SERVERS")
    finally:
        bouncer.stop()
    assert (worker["none"], worker["role"], worker["atomic"], worker["after"]) == ("0", "700ms", "700ms", "700ms")
    assert worker["export"] == "1min" and worker["cursor"] == "5"  # an export's allowance, for its transaction
    # Outside a transaction a plain cursor, never one declared WITH HOLD; inside, a server-side one.
    assert (worker["plain"], worker["server_side_outside"], worker["server_side_inside"]) == ("5", "False", "True")
    assert worker["sleep"] == "canceling statement due to statement timeout"  # the server's, at 700 ms of 1 s
    assert after_it["none"] == "0"  # a command on the same server connection next: nothing stayed behind
    assert len(servers) <= 1


@pytest.mark.worker
@pytest.mark.timeout(300)  # gunicorn, a worker and three waits of up to 90 s on a loaded CI machine
def test_filing_scoring_the_csv_export_and_a_rescore_all_work_through_pgbouncer(
    pgbouncer, private_redis, cio, settings
):
    private_redis.start()
    url = pgbouncer.url_for(database_url_of_this_test())
    env = server_env(url, private_redis.url, DATABASE_POOLER="pgbouncer")
    product = ProductFactory(name="Pooled")
    worker = CeleryWorker(private_redis.url, database_url=url, extra_env={"DATABASE_POOLER": "pgbouncer"}).start()
    web = Gunicorn(env, workers=2, threads=2).start()
    try:
        # Customers file concurrently (four web threads, two server connections); each is scored by the worker.
        load = Load(web.url, str(product.pk), customers=3, name="pooled").start()
        wait_for(lambda: ChangeRequest.objects.count() >= 12, timeout=90, message="twelve filings")
        load.finish()
        filed = ChangeRequest.objects.count()
        assert len(load.accepted()) == filed and not load.failed_since(0)
        wait_for(
            lambda: Assessment.objects.values("change_request").distinct().count() == filed,
            timeout=90,
            message="every filing scored by the worker",
        )

        # The whole queue as CSV, read through a server-side cursor in chunks, in one pooled transaction.
        settings.SECRET_KEY = SECRET_KEY  # the session cookie must be one gunicorn's settings accept
        browser = Client()
        browser.force_login(cio)
        assert browser.session[SESSION_KEY] == str(cio.pk)
        cookies = {"sessionid": browser.cookies["sessionid"].value}
        export = requests.get(f"{web.url}/triage/export.csv", params={"scope": "all"}, cookies=cookies, timeout=30)
        assert export.status_code == 200, export.text[:500]
        lines = export.text.strip().splitlines()
        assert len(lines) == filed + 1
        assert sorted(line.split(",", 1)[0] for line in lines[1:]) == sorted(
            ChangeRequest.objects.values_list("reference", flat=True)
        )

        # A bulk rescore after a model change, run by the worker through the pool.
        from triage.services import scoring_model_create_version

        with app_broker(private_redis.url):
            model = scoring_model_create_version(changes={}, note="pooled", created_by=cio)
        job = RescoreJob.objects.get(scoring_model=model)
        wait_for(
            lambda: RescoreJob.objects.filter(pk=job.pk, status=RescoreJobStatus.DONE).exists(),
            timeout=90,
            message="the rescore job done",
        )
        open_demands = ChangeRequest.objects.filter(status__in=OPEN_STATUSES)
        assert Assessment.objects.filter(scoring_model=model).count() == open_demands.count() > 0
    finally:
        web.stop()
        worker.stop()
    assert "Traceback" not in web.output() + worker.output(), (web.output() + worker.output())[-3000:]
    # Never more server connections than the pool, however many clients.
    assert all(pool["sv_active"] + pool["sv_idle"] + pool["sv_used"] <= 2 for pool in pgbouncer.show("POOLS"))
