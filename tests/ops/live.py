"""A live stack for fault runs: gunicorn on a private PostgreSQL, customers filing through the real form, the books.

Shared by the fault tests (tests/ops/test_*.py) and `make faults` (scripts/faults.py). Nothing here touches the
shared PostgreSQL or Redis: every URL is the private instance's the caller passes.
"""

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

import psycopg2
import requests
from django.core import signing

from intake.forms import FORM_TOKEN_SALT
from tests.processes import ROOT

SECRET_KEY = "fault-run-secret-key-0123456789abcdefghijklmnopqrstuv"
REQUEST_TIMEOUT_SECONDS = 20
REFERENCE = re.compile(r'data-testid="reference">([^<]+)<')


def server_env(database_url: str, broker_url: str | None = None, **extra: str) -> dict[str, str]:
    """The production settings over plain HTTP, on `database_url`; eager Celery unless a broker is given."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "DJANGO_", "DB_"))}
    env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "tests.ops.settings_live",
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "60",
        "EMAIL_URL": "dummymail://",
        "ATTACHMENT_ROOT": tempfile.mkdtemp(prefix="attachments-"),
        "INTAKE_FORM_RATE_PER_IP": "100000/hour",
        "INTAKE_FORM_RATE_PER_DOMAIN": "100000/hour",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def database_prepare(server_url: str, database_url: str, env: dict[str, str]) -> str:
    """Create and migrate the private database; return the id of the one product customers file for."""
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {database_url.rsplit('/', 1)[-1]}")
    admin.close()
    manage(env, "migrate", "--no-input", "-v", "0")
    return manage(
        env, "shell", "-c", "from tests.factories import ProductFactory; print(ProductFactory(name='Faults').pk)"
    ).split()[-1]


def answers(url: str, timeout: float = 2) -> bool:
    try:
        return requests.get(url, timeout=timeout).status_code == 200
    except requests.RequestException:
        return False


@dataclass
class Attempt:
    title: str
    started: float
    elapsed: float
    status: int | None  # None: no HTTP answer at all (connection error or client timeout)
    reference: str = ""


@dataclass
class Load:
    """Customers posting the public form in a loop, each with its own browser session.

    A customer whose post failed posts the same filled-in form again (same form token), as a person would,
    until it is accepted; then the next demand. Every attempt is recorded with its outcome.
    """

    base_url: str
    product_id: str
    customers: int = 3
    name: str = "load"
    attempts: list[Attempt] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> "Load":
        self.threads = [
            threading.Thread(target=self._customer, args=(index,), daemon=True) for index in range(self.customers)
        ]
        for thread in self.threads:
            thread.start()
        return self

    def finish(self, timeout: float = 60) -> None:
        """Stop starting new demands; each customer first gets its current one accepted (or the deadline passes)."""
        self.stop.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        assert not any(thread.is_alive() for thread in self.threads), "a customer still waiting after the deadline"

    def accepted(self) -> list[Attempt]:
        return [attempt for attempt in self.attempts if attempt.status == 302]

    def accepted_from_every_customer(self, since: float = 0) -> bool:
        customers = {attempt.title.rsplit(" number ", 1)[0] for attempt in self.accepted() if attempt.started > since}
        return len(customers) == self.customers

    def failed_since(self, moment: float) -> list[Attempt]:
        return [attempt for attempt in self.attempts if attempt.status != 302 and attempt.started >= moment]

    def _customer(self, index: int) -> None:
        session = requests.Session()
        while True:  # the form page itself may be refused while a fault lasts
            try:
                session.get(f"{self.base_url}/requests/new/", timeout=REQUEST_TIMEOUT_SECONDS).raise_for_status()
                break
            except requests.RequestException:
                if self.stop.is_set():
                    return
                time.sleep(0.2)  # a person's pause before reloading (pacing, not a wait for anything)
        csrf = session.cookies["csrftoken"]
        number = 0
        form: dict | None = None
        while form is not None or not self.stop.is_set():
            if form is None:
                number += 1
                form = self._form(csrf, index, number)
            started = time.monotonic()
            try:
                response = session.post(
                    f"{self.base_url}/requests/new/", form, allow_redirects=False, timeout=REQUEST_TIMEOUT_SECONDS
                )
                status: int | None = response.status_code
            except requests.RequestException:
                status, response = None, None
            attempt = Attempt(form["title"], started, time.monotonic() - started, status)
            if status == 302 and response is not None:
                attempt.reference = self._reference(session, response.headers["Location"])
                form = None  # accepted: next demand
            self.attempts.append(attempt)
            if form is not None:
                time.sleep(0.2)  # a person's pause before sending the same form again (pacing only)

    def _form(self, csrf: str, index: int, number: int) -> dict:
        return {
            "csrfmiddlewaretoken": csrf,
            "form_token": signing.dumps(f"{self.name}-{index}-{number}", key=SECRET_KEY, salt=FORM_TOKEN_SALT),
            "contact_name": "Load Tester",
            "contact_email": f"load{index}@faults.example",
            "organization_name": "Fault Test",
            "product": self.product_id,
            "kind": "integration",
            # Close wordings, so every demand but the first has similar demands to find.
            "title": f"Export invoices to SAP every night, {self.name} customer {index} number {number}",
            "description": "Every night, export all invoices of the day to our SAP system as IDocs.",
            "business_justification": "Testing.",
            "revenue_at_stake": "10000",
            "currency": "EUR",
            "desired_date": "",
            "agenda": "bt",
        }

    def _reference(self, session: requests.Session, location: str) -> str:
        """The reference the confirmation page shows (empty when that page itself failed to load)."""
        url = location if location.startswith("http") else f"{self.base_url}{location}"
        try:
            page = session.get(url, timeout=REQUEST_TIMEOUT_SECONDS)
        except requests.RequestException:
            return ""
        match = REFERENCE.search(page.text)
        return match.group(1).strip() if match else ""


@dataclass
class Books:
    """What the database holds against what customers were told, for one fault run."""

    fault: str
    posts: int
    accepted: int
    refused: int  # answered with an error (e.g. 503): the customer was told to try again
    unanswered: int  # no HTTP answer at all (a worker killed in the middle of the request)
    missing: int  # accepted, or a reference shown, but not in the database
    duplicated: int  # filed more than once
    told_failed_but_exist: int  # never accepted, yet in the database
    unscored: int
    without_similar: int
    without_email: int
    slowest_answer: str  # seconds, of every post that got an answer (the bound a fault may cost a customer)

    def clean(self) -> bool:
        return not (
            self.missing
            or self.duplicated
            or self.told_failed_but_exist
            or self.unscored
            or self.without_similar
            or self.without_email
        )

    COLUMNS = ("fault", "posts", "accepted", "refused", "unanswered", "missing", "duplicated",
               "told_failed_but_exist", "unscored", "without_similar", "without_email", "slowest_answer")  # fmt: skip


def books_unsettled(database_url: str, name: str) -> dict[str, int]:
    """Demands of this run still waiting for their score, similar demands or e-mail (0s when all is done)."""
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT
              count(*) FILTER (WHERE d.scoring_requested_at IS NOT NULL
                               OR NOT EXISTS (SELECT 1 FROM triage_assessment a WHERE a.change_request_id = d.id)),
              count(*) FILTER (WHERE d.similarity_requested_at IS NOT NULL
                               OR (d.id > (SELECT min(id) FROM intake_changerequest) AND NOT EXISTS (
                                   SELECT 1 FROM intake_similardemand s WHERE s.change_request_id = d.id))),
              count(*) FILTER (WHERE NOT EXISTS (
                  SELECT 1 FROM core_outboundemail e WHERE e.to = d.contact_email AND e.sent_at IS NOT NULL
                  AND e.subject LIKE '%%' || d.reference))
            FROM intake_changerequest d WHERE d.title LIKE %s
            """,
            [f"% {name} customer %"],
        )
        unscored, without_similar, without_email = cursor.fetchone()
    connection.close()
    return {"unscored": unscored, "without_similar": without_similar, "without_email": without_email}


def books(database_url: str, load: Load, fault: str) -> Books:
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT title, reference FROM intake_changerequest WHERE title LIKE %s", [f"% {load.name} customer %"]
        )
        stored = cursor.fetchall()
    connection.close()
    titles = [title for title, _ in stored]
    references = {reference for _, reference in stored}
    accepted_titles = {attempt.title for attempt in load.accepted()}
    shown = {attempt.reference for attempt in load.accepted() if attempt.reference}
    unsettled = books_unsettled(database_url, load.name)
    return Books(
        fault=fault,
        posts=len(load.attempts),
        accepted=len(load.accepted()),
        refused=sum(attempt.status not in (None, 302) for attempt in load.attempts),
        unanswered=sum(attempt.status is None for attempt in load.attempts),
        missing=len(accepted_titles - set(titles)) + len(shown - references),
        duplicated=len(titles) - len(set(titles)),
        told_failed_but_exist=len(set(titles) - accepted_titles),
        **unsettled,
        slowest_answer=f"{max((a.elapsed for a in load.attempts if a.status is not None), default=0):.2f}s",
    )


def books_table(rows: list[Books]) -> str:
    widths = [max(len(column), 8) for column in Books.COLUMNS]
    widths[0] = max([len("fault"), *(len(row.fault) for row in rows)])
    lines = ["  ".join(column.rjust(width) for column, width in zip(Books.COLUMNS, widths, strict=True))]
    for row in rows:
        values = [str(getattr(row, column)) for column in Books.COLUMNS]
        lines.append("  ".join(value.rjust(width) for value, width in zip(values, widths, strict=True)))
    return "\n".join(lines)
