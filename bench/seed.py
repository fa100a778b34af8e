"""Realistic data, fast: catalogue rows with bulk_create, demands and estimates with PostgreSQL COPY.

A mix of statuses, kinds, products, customers, revenue and dates like a real queue: most demands
open, a quarter decided or withdrawn; revenue log-normal; a third with an analyst's estimate.
"""

import csv
import hashlib
import io
import random
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from intake.choices import ChangeRequestKind, ChangeRequestStatus, CustomerTier
from intake.models import ChangeRequest, Customer, CustomerDomain, Product, ProductKindDefault, ReferenceCounter
from portfolio.choices import ProjectStatus

STATUS_MIX = [
    (ChangeRequestStatus.SUBMITTED, 10),
    (ChangeRequestStatus.SCORED, 55),
    (ChangeRequestStatus.NEEDS_INFO, 10),
    (ChangeRequestStatus.APPROVED, 8),
    (ChangeRequestStatus.REJECTED, 10),
    (ChangeRequestStatus.DEFERRED, 4),
    (ChangeRequestStatus.WITHDRAWN, 3),
]
# One project in seven of each, but three in seven active.
PROJECT_STATUS_CYCLE = [
    ProjectStatus.PLANNED,
    ProjectStatus.ACTIVE,
    ProjectStatus.ACTIVE,
    ProjectStatus.ACTIVE,
    ProjectStatus.ON_HOLD,
    ProjectStatus.DELIVERED,
    ProjectStatus.CANCELLED,
]
KINDS = [kind for kind, _ in ChangeRequestKind.choices]
WORDS = (
    "export invoices nightly integration sap portal dashboard reporting api webhook mobile offline sync "
    "gdpr audit trail single sign-on saml billing currency tax e-invoicing fleet tracking alerts patient "
    "reminders sms analytics connector warehouse label printing routing forecast budget approval workflow "
    "archive retention search filter bulk import csv excel pdf layout branding theme accessibility"
).split()
DEMAND_COLUMNS = (
    "created_at",
    "updated_at",
    "reference",
    "title",
    "description",
    "kind",
    "product_id",
    "customer_id",
    "organization_name",
    "contact_name",
    "contact_email",
    "business_justification",
    "revenue_at_stake",
    "currency",
    "desired_date",
    "agenda",
    "risk_shares_ip",
    "risk_exclusive",
    "risk_security",
    "status",
    "tracking_token_hash",
    "score_is_provisional",
    "score_band",
    "score",
    "it_cost",
    "value_total",
    "customers_asking",
    "scored_at",
    "scoring_requested_at",
)
COPY_BATCH = 100_000


def seed_catalogue(*, customers: int = 500, products: int = 12) -> tuple[list[int], list[int]]:
    rng = random.Random(7)
    tiers = [CustomerTier.STRATEGIC] * 1 + [CustomerTier.KEY] * 3 + [CustomerTier.STANDARD] * 6
    rows = Customer.objects.bulk_create(
        Customer(
            name=f"Customer {index:04d}",
            tier=rng.choice(tiers),
            annual_recurring_revenue=Decimal(rng.randint(50, 5000) * 1000),
        )
        for index in range(customers)
    )
    CustomerDomain.objects.bulk_create(CustomerDomain(customer=row, domain=f"customer{row.pk}.example") for row in rows)
    product_rows = Product.objects.bulk_create(
        Product(
            name=f"Product {index:02d}",
            default_day_rate=Decimal(rng.choice([700, 850, 1000, 1200])),
            default_effort_days=Decimal(rng.choice([10, 20, 40])),
            default_yearly_run_cost=Decimal(5000),
        )
        for index in range(products)
    )
    ProductKindDefault.objects.bulk_create(
        ProductKindDefault(
            product=product, kind=ChangeRequestKind.INTEGRATION, effort_days=Decimal(60), yearly_run_cost=Decimal(12000)
        )
        for product in product_rows
    )
    return [row.pk for row in rows], [row.pk for row in product_rows]


def _left_out_defaults(model, columns: tuple[str, ...]) -> tuple[tuple[str, ...], tuple]:
    """The NOT NULL columns of `model` that `columns` leaves out, and the model's default of each: COPY would
    write NULL there, as Django keeps its defaults in Python, not in the table. A field added later (savings,
    language, idempotency) then needs nothing here."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.null and field.column not in columns and field.has_default()
    ]
    return tuple(field.column for field in fields), tuple(
        field.get_db_prep_value(field.get_default(), connection) for field in fields
    )


def _copy(table: str, columns: tuple[str, ...], rows, *, empty_strings: tuple[str, ...] = ()) -> None:
    """COPY rows in batches; in CSV an empty field is NULL, except in the `empty_strings` columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> None:
        buffer.seek(0)
        with connection.cursor() as cursor:
            options = f", FORCE_NOT_NULL ({', '.join(empty_strings)})" if empty_strings else ""
            cursor.cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv{options})", buffer
            )
        buffer.seek(0)
        buffer.truncate()

    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % COPY_BATCH == 0:
            flush()
    flush()


@contextmanager
def secondary_indexes_rebuilt_after(table: str, *, when: bool = True):
    """Drop `table`'s plain indexes for a bulk load and build them again after it.

    Building an index once over a million rows is several times faster than updating it a row at a time
    (the trigram GIN indexes most of all). Unique indexes stay: they are the load's own checks.
    """
    if not when:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
            "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.tablename = %s AND NOT x.indisunique",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _, definition in indexes:
                cursor.execute(definition)


def seed_demands(
    count: int,
    *,
    customer_ids: list[int],
    product_ids: list[int],
    statuses=None,
    seed: int = 11,
    start_number: int = 0,
) -> None:
    """COPY `count` demands; `statuses` overrides the realistic mix (e.g. [(ChangeRequestStatus.SCORED, 1)])."""
    rng = random.Random(seed)
    mix = statuses or STATUS_MIX
    status_population = [status for status, weight in mix for _ in range(weight)]
    now = timezone.now()
    year = now.year

    def scores(status: str, revenue: int):
        if status == ChangeRequestStatus.SUBMITTED:
            return "", "", "", "", 1, ""
        score = round(min(100.0, max(0.0, rng.betavariate(2.2, 2.6) * 100)), 2)
        band = "fast_track" if score >= 70 else ("review" if score >= 40 else "decline")
        return band, score, round(rng.lognormvariate(11, 1.0), 2), revenue, rng.choice((1, 1, 1, 2, 3)), now.isoformat()

    def rows():
        for offset in range(count):
            number = start_number + offset + 1
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 700))
            words = rng.sample(WORDS, 6)
            customer = rng.choice(customer_ids) if rng.random() < 0.8 else ""
            revenue = int(rng.lognormvariate(11, 1.5)) if rng.random() < 0.85 else 0
            desired = (now + timedelta(days=rng.randint(-30, 500))).date().isoformat() if rng.random() < 0.7 else ""
            status = rng.choice(status_population)
            yield (
                created.isoformat(),
                created.isoformat(),
                f"CR-{year}-{number:05d}",
                " ".join(words[:4]).capitalize(),
                " ".join(words) + " for our teams, every day, with an audit trail.",
                rng.choice(KINDS),
                rng.choice(product_ids),
                customer,
                "",
                "Bench Contact",
                f"contact{number}@customer.example",
                "",
                revenue,
                "EUR",
                desired,
                "bt" if rng.random() < 0.8 else "it",
                rng.random() < 0.05,
                rng.random() < 0.1,
                rng.random() < 0.15,
                status,
                hashlib.sha256(f"bench-{number}".encode()).hexdigest(),
                True,
                *scores(status, revenue),
                # Not scored yet: its score is due.
                created.isoformat() if status == ChangeRequestStatus.SUBMITTED else "",
            )

    extra_columns, extra_values = _left_out_defaults(ChangeRequest, DEMAND_COLUMNS)
    with secondary_indexes_rebuilt_after("intake_changerequest", when=count >= 50_000):
        _copy(
            "intake_changerequest",
            DEMAND_COLUMNS + extra_columns,
            (row + extra_values for row in rows()),
            empty_strings=(
                "organization_name",
                "business_justification",
                "score_band",
                *(column for column, value in zip(extra_columns, extra_values, strict=True) if value == ""),
            ),
        )
    ReferenceCounter.objects.update_or_create(year=year, defaults={"last_number": start_number + count})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE intake_changerequest")


def seed_estimates(share: float = 0.33, seed: int = 13) -> None:
    """An analyst's estimate for a share of the demands, in one INSERT ... SELECT."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO triage_costestimate (created_at, updated_at, change_request_id, effort_days, day_rate, "
            "yearly_run_cost, confidence, note) "
            "SELECT now(), now(), id, 5 + (id %% 120), 900, 1000 * (id %% 30), 'medium', '' "
            "FROM intake_changerequest WHERE (id * 7919) %% 100 < %s",
            [int(share * 100)],
        )
        cursor.execute("ANALYZE triage_costestimate")


def seed_assessments() -> None:
    """One assessment per scored demand, built in SQL from its seeded score (components add up to it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM triage_scoringmodel WHERE is_active")
        model_id = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) >= 50000 FROM intake_changerequest")
        large = cursor.fetchone()[0]
    with secondary_indexes_rebuilt_after("triage_assessment", when=large), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO triage_assessment (change_request_id, scoring_model_id, total, band, is_provisional, it_cost,
                                           components, inputs, inputs_hash, created_at)
            SELECT id, %s, score, score_band, score_is_provisional, it_cost,
                   jsonb_build_array(
                     jsonb_build_object('key', 'roi', 'label', 'Return on IT cost', 'points',
                                        round(score * 0.45, 2)::text, 'normalized', 0.5, 'weight', '40',
                                        'explanation', 'seeded for the benchmark'),
                     jsonb_build_object('key', 'revenue', 'label', 'Revenue at stake', 'points',
                                        round(score * 0.30, 2)::text, 'normalized', 0.5, 'weight', '20',
                                        'explanation', 'seeded for the benchmark'),
                     jsonb_build_object('key', 'strategic', 'label', 'Strategic fit', 'points',
                                        (score - round(score * 0.45, 2) - round(score * 0.30, 2))::text,
                                        'normalized', 0.5, 'weight', '15', 'explanation', 'seeded for the benchmark')),
                   jsonb_build_object('value', value_total::text, 'customers_asking', customers_asking),
                   md5(id::text) || md5(id::text || 'x'), scored_at
            FROM intake_changerequest WHERE score IS NOT NULL
            """,
            [model_id],
        )
        cursor.execute("ANALYZE triage_assessment")


def seed_projects(count: int, *, customer_ids: list[int]) -> None:
    """Projects with sponsors, two milestones and a status update each; approved demands linked to them."""
    first_customer, customers = min(customer_ids), len(customer_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO portfolio_project (created_at, updated_at, code, name, agenda, status, health,
                approved_budget, actual_spend, start_date, target_date, expected_revenue, realized_revenue,
                realized_savings, progress)
            SELECT now() - (g %% 700) * interval '1 day', now() - (g %% 300) * interval '1 hour',
                   'BT-' || CASE WHEN g < 10000 THEN lpad(g::text, 4, '0') ELSE g::text END, 'Project ' || g,
                   CASE WHEN g %% 5 = 0 THEN 'it' ELSE 'bt' END,
                   (%s::varchar[])[1 + g %% 7],
                   (ARRAY['green','green','green','amber','red'])[1 + g %% 5],
                   10000 + (g * 7919) %% 900000, ((10000 + (g * 7919) %% 900000) * (g %% 120)) / 100.0,
                   current_date - (g %% 400)::int, current_date + (g %% 300)::int, 50000 + (g * 104729) %% 2000000, 0,
                   0, g %% 101
            FROM generate_series(1::bigint, %s::bigint) AS g
            """,
            [[status.value for status in PROJECT_STATUS_CYCLE], count],
        )
        cursor.execute(
            "INSERT INTO portfolio_project_sponsors (project_id, customer_id) "
            "SELECT id, %s + (id %% %s) FROM portfolio_project",
            [first_customer, customers],
        )
        cursor.execute(
            "INSERT INTO portfolio_milestone (project_id, name, due_date, done_date) "
            "SELECT id, step.name, current_date + step.days, NULL FROM portfolio_project, "
            "(VALUES ('Design signed off', 20), ('Pilot with the sponsor', 75)) AS step(name, days)"
        )
        cursor.execute(
            "INSERT INTO portfolio_statusupdate (project_id, health, note, created_at) "
            "SELECT id, health, 'Steady progress; no blocker.', updated_at FROM portfolio_project"
        )
        cursor.execute(
            """
            INSERT INTO portfolio_projectdemand (project_id, change_request_id, added_at)
            SELECT p.id, d.id, now()
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM intake_changerequest
                  WHERE status = %s) AS d
            JOIN portfolio_project AS p ON p.id = (SELECT min(id) FROM portfolio_project) + (d.rn %% %s)
            """,
            [ChangeRequestStatus.APPROVED.value, count],
        )
        cursor.execute(
            "INSERT INTO portfolio_projectcounter (name, last_number) VALUES ('project', %s) "
            "ON CONFLICT (name) DO UPDATE SET last_number = excluded.last_number",
            [count],
        )
        # Statistics as autovacuum would leave them once it has passed: without them PostgreSQL guessed 70 customers
        # and 25,000 sponsorships per 50 projects, and read a page's sponsors by walking every customer (24 ms).
        for table in (
            "portfolio_project",
            "portfolio_project_sponsors",
            "intake_customer",
            "portfolio_milestone",
            "portfolio_statusupdate",
            "portfolio_projectdemand",
        ):
            cursor.execute(f"ANALYZE {table}")
