"""Realistic data, fast: catalogue rows with bulk_create, demands and estimates with PostgreSQL COPY.

A mix of statuses, kinds, products, customers, revenue and dates like a real queue: most demands
open, a quarter decided or withdrawn; revenue log-normal; a third with an analyst's estimate.
"""

import csv
import hashlib
import io
import random
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from intake.choices import ChangeRequestKind, CustomerTier
from intake.models import Customer, CustomerDomain, Product, ProductKindDefault, ReferenceCounter

STATUS_MIX = [
    ("submitted", 10),
    ("scored", 55),
    ("needs_info", 10),
    ("approved", 8),
    ("rejected", 10),
    ("deferred", 4),
    ("withdrawn", 3),
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


def _copy(table: str, columns: tuple[str, ...], rows, *, empty_strings: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
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


def seed_demands(
    count: int,
    *,
    customer_ids: list[int],
    product_ids: list[int],
    statuses=None,  # type: ignore[no-untyped-def]
    seed: int = 11,
    start_number: int = 0,
) -> None:
    """COPY `count` demands; `statuses` overrides the realistic mix (e.g. [("scored", 1)])."""
    rng = random.Random(seed)
    mix = statuses or STATUS_MIX
    status_population = [status for status, weight in mix for _ in range(weight)]
    now = timezone.now()
    year = now.year

    def rows():  # type: ignore[no-untyped-def]
        for offset in range(count):
            number = start_number + offset + 1
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 700))
            words = rng.sample(WORDS, 6)
            customer = rng.choice(customer_ids) if rng.random() < 0.8 else ""
            revenue = int(rng.lognormvariate(11, 1.5)) if rng.random() < 0.85 else 0
            desired = (now + timedelta(days=rng.randint(-30, 500))).date().isoformat() if rng.random() < 0.7 else ""
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
                rng.choice(status_population),
                hashlib.sha256(f"bench-{number}".encode()).hexdigest(),
                True,
                "",
            )

    _copy(
        "intake_changerequest",
        DEMAND_COLUMNS,
        rows(),
        empty_strings=("organization_name", "business_justification", "score_band"),
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
