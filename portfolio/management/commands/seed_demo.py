"""Demo data for `make run`: catalogue, staff logins, demands at every stage, projects, an API token.

It lives in portfolio because it walks the whole pipeline. Idempotent: a second run adds nothing, it
only resets the demo passwords and issues a fresh demo API token (tokens are stored hashed, so the
previous one cannot be shown again).
"""

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from core.choices import TokenScope
from core.emails import email_destination
from core.models import ApiToken
from core.services import api_token_create
from intake import services as intake_services
from intake.choices import Agenda, ChangeRequestKind, CommentSource, CustomerKind, CustomerTier
from intake.conversation import services as conversation_services
from intake.models import (
    ChangeRequest,
    Customer,
    CustomerDomain,
    Product,
    ProductKindDefault,
    SimilarDemand,
    StatusEvent,
)
from intake.services import Submission
from intake.similarity import similar_demands_record
from intake.tracking import tracking_token_new, tracking_url
from portfolio import services as portfolio_services
from portfolio.choices import Health, ProjectStatus, RealizedKind
from portfolio.management.demo_partners import SOVEREIGN_DEMAND, demo_partners_load
from portfolio.models import Project, ProjectDemand, RevenueRecord
from triage import services as triage_services
from triage.choices import DecisionOutcome
from triage.models import Assessment, Decision, QuarterCapacity, ScoringModel
from triage.quarters import quarter_after, quarter_start
from triage.scoring import V2_CHANGES, V3_CHANGES

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (local demo logins only; refused outside DEBUG)
DEMO_WEBHOOK_NAME = "Demo CRM (paused: points nowhere)"
USERS = [
    ("cio", "Carla", "Ionescu", "CIO"),
    ("analyst", "Arjun", "Nair", "Analyst"),
    ("pm", "Paula", "Moreau", "Portfolio manager"),
]
CUSTOMERS = [
    ("Northwind Logistics", CustomerTier.STRATEGIC, "2400000", ["northwind.example"]),
    ("Contoso Retail", CustomerTier.KEY, "950000", ["contoso.example"]),
    ("Fabrikam Health", CustomerTier.STRATEGIC, "3100000", ["fabrikam.example"]),
    ("Tailspin Travel", CustomerTier.STANDARD, "180000", ["tailspin.example"]),
    ("Litware Finance", CustomerTier.KEY, "720000", ["litware.example", "litware-bank.example"]),
    ("Adatum Energy", CustomerTier.STANDARD, "260000", ["adatum.example"]),
]
PRODUCTS = [
    ("Billing Cloud", "900", "25"),
    ("Fleet Tracker", "850", "30"),
    ("Patient Portal", "1000", "35"),
    ("Data Hub", "950", "40"),
]
DEMANDS = [
    ("Export invoices to SAP every night", "Billing Cloud", ChangeRequestKind.INTEGRATION, "northwind", 420000, 60),
    (
        "Nightly SAP export of invoices and credit notes",
        "Billing Cloud",
        ChangeRequestKind.INTEGRATION,
        "contoso",
        180000,
        90,
    ),
    ("Custom invoice layout with our logo", "Billing Cloud", ChangeRequestKind.CUSTOMIZATION, "tailspin", 15000, 200),
    (
        "Multi-currency invoices for our EU branches",
        "Billing Cloud",
        ChangeRequestKind.NEW_CAPABILITY,
        "litware",
        260000,
        120,
    ),
    ("E-invoicing for the Italian SDI mandate", "Billing Cloud", ChangeRequestKind.COMPLIANCE, "contoso", 90000, 25),
    (
        "Live ETA sharing with end customers",
        "Fleet Tracker",
        ChangeRequestKind.NEW_CAPABILITY,
        "northwind",
        800000,
        150,
    ),
    ("Driver rest-time alerts per EU rules", "Fleet Tracker", ChangeRequestKind.COMPLIANCE, "northwind", 120000, 40),
    ("Fuel card integration with Shell", "Fleet Tracker", ChangeRequestKind.INTEGRATION, "adatum", 60000, 300),
    (
        "Share our route optimizer source with a partner",
        "Fleet Tracker",
        ChangeRequestKind.OTHER,
        "tailspin",
        40000,
        180,
    ),
    ("Appointment reminders by SMS", "Patient Portal", ChangeRequestKind.NEW_CAPABILITY, "fabrikam", 350000, 75),
    ("HL7 FHIR export of patient records", "Patient Portal", ChangeRequestKind.INTEGRATION, "fabrikam", 1200000, 200),
    ("GDPR data-subject export in one click", "Patient Portal", ChangeRequestKind.COMPLIANCE, "litware", 70000, 45),
    ("Dark mode for the patient app", "Patient Portal", ChangeRequestKind.CUSTOMIZATION, "gmail", 0, None),
    ("Power BI connector for the data hub", "Data Hub", ChangeRequestKind.INTEGRATION, "litware", 210000, 100),
    ("Row-level security per business unit", "Data Hub", ChangeRequestKind.NEW_CAPABILITY, "northwind", 500000, 130),
    ("Exclusive dashboard pack for our board", "Data Hub", ChangeRequestKind.CUSTOMIZATION, "fabrikam", 45000, 20),
    ("Power BI connector for our reporting team", "Data Hub", ChangeRequestKind.INTEGRATION, "adatum", 95000, 160),
    ("Archive old invoices to cold storage", "Billing Cloud", ChangeRequestKind.OTHER, "internal", 0, 240),
]
# What the internal demands above save each year (issue 17): valued on savings under scoring model v2.
INTERNAL_SAVINGS: dict[str, dict] = {
    "Archive old invoices to cold storage": {"licences_retired_per_year": Decimal("38000")},
}
# Internal business units (issue 17): name, cost centre, head of unit, e-mail domain, what the unit values.
INTERNAL_UNITS = [
    ("Finance", "CC-4100", "Hélène Dubois", "finance.ourcompany.example", "A faster close and fewer manual touches."),
    ("Sales Operations", "CC-5200", "Marco Bianchi", "salesops.ourcompany.example", "Orders entered once, right."),
    ("Customer Service", "CC-6300", "Sofia Lind", "service.ourcompany.example", "Fewer calls, shorter waits."),
]
# Their IT-agenda demands: title, product, kind, unit, what it saves (per year), days to the deadline. From the
# most to the least saved, so the queue ranks them in that order under model v2.
INTERNAL_DEMANDS: list[tuple[str, str, str, str, dict[str, Any], int | None]] = [
    (
        "Deflect password-reset calls to self-service",
        "Patient Portal",
        ChangeRequestKind.NEW_CAPABILITY,
        "Customer Service",
        {"transactions_per_year": 90000, "cost_per_transaction_before": "4.80", "cost_per_transaction_after": "0.30"},
        45,
    ),
    (
        "Automatic three-way matching of supplier invoices",
        "Billing Cloud",
        ChangeRequestKind.NEW_CAPABILITY,
        "Finance",
        {"hours_saved_per_year": "5200", "loaded_hourly_rate": "55", "risk_exposure_avoided": "200000"},
        90,
    ),
    (
        "Quote-to-order without re-keying",
        "Data Hub",
        ChangeRequestKind.INTEGRATION,
        "Sales Operations",
        {"transactions_per_year": 30000, "cost_per_transaction_before": "6.50", "cost_per_transaction_after": "1.20"},
        120,
    ),
    (
        "Retire the legacy expense tool",
        "Data Hub",
        ChangeRequestKind.OTHER,
        "Finance",
        {"licences_retired_per_year": "60000"},
        180,
    ),
    (
        "Order status lookup for the sales team",
        "Fleet Tracker",
        ChangeRequestKind.CUSTOMIZATION,
        "Sales Operations",
        {"hours_saved_per_year": "150", "loaded_hourly_rate": "45"},
        None,
    ),
]
# Billing Cloud's cost per invoice processed, the last 8 months, oldest first: it falls after the matching
# project is delivered (4 months ago).
UNIT_COSTS = ["4.80", "4.75", "4.82", "4.70", "3.10", "2.60", "2.30", "2.10"]
# Delivered and running projects (by the title of their first demand) with what they have realized, month
# by month, oldest first: fast-track approvals realize a smaller share of their revenue at stake than review
# ones, so the calibration page has something to say. A negative amount is a correction with its reason.
REVENUE = {
    "Export invoices to SAP every night": [("90000", ""), ("80000", ""), ("70000", ""), ("-20000", "Credit note 2041")],
    "Driver rest-time alerts per EU rules": [("40000", ""), ("42000", ""), ("44000", "")],
    "E-invoicing for the Italian SDI mandate": [("30000", ""), ("27000", ""), ("24000", "")],
    "GDPR data-subject export in one click": [("6000", ""), ("8000", "")],
    "Live ETA sharing with end customers": [("60000", ""), ("55000", ""), ("65000", "")],
    "Appointment reminders by SMS": [("35000", ""), ("35000", "")],
}
# The demand whose conversation the demo shows (still open: it waits for the customer's answer).
CONVERSATION_DEMAND = "Fuel card integration with Shell"

DESCRIPTION = (
    "{title}. Our team does this by hand today, which costs us hours every week and causes errors. "
    "We would like it to work out of the box for every user of {product}, with an audit trail."
)


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print demo logins, a tracking link and an API token."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--force", action="store_true", help="Allow outside DEBUG (never in production).")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo creates known demo passwords; run it with DEBUG=true (or --force).")
        users = self._users()
        self._webhook_endpoint(users)
        if not Customer.objects.filter(name=CUSTOMERS[0][0]).exists():
            with transaction.atomic():
                self._catalogue(users)
            self._demands(users)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present; nothing added.")
        if self._internal_units(users):
            self.stdout.write(self.style.SUCCESS("Demo internal business units and scoring model v2 loaded."))
        self._capacity(users["cio"])
        unread = self._owners_views_notifications(users)
        if self._revenue(users):
            self.stdout.write(self.style.SUCCESS("Demo realized revenue recorded."))
        if demo_partners_load(users):
            self.stdout.write(self.style.SUCCESS("Demo partners, disclosure plans and handovers loaded."))
        ApiToken.objects.filter(name="demo").delete()
        _, api_key = api_token_create(user=users["cio"], name="demo", scope=TokenScope.READ)
        demo_link = tracking_url(tracking_token_new(idempotency_key="demo:0"))
        conversation_index = [row[0] for row in DEMANDS].index(CONVERSATION_DEMAND)
        conversation_link = tracking_url(tracking_token_new(idempotency_key=f"demo:{conversation_index}"))
        self.stdout.write(
            "\n"
            "  Demand Desk demo is ready at http://127.0.0.1:8000/\n\n"
            f"  Staff logins (password {DEMO_PASSWORD}):\n"
            "    cio      CIO: decides, edits the scoring model\n"
            "    analyst  Analyst: estimates, links, asks customers\n"
            "    pm       Portfolio manager: project updates\n"
            "    admin    superuser: /admin/\n\n"
            f"  A customer's private tracking link: {demo_link}\n"
            f"  A conversation (customer, staff reply, internal note, reply by e-mail): {conversation_link}\n"
            f"  cio has {unread} unread notifications (the bell in the header; /notifications/), every demand an\n"
            "  owner (by product: analyst or cio) and the queue a shared saved view.\n\n"
            "  A sovereign edition built with a required partner (a plan refused, a narrower one signed off):\n"
            f"    {SOVEREIGN_DEMAND}; the exposure register at /portfolio/exposure/\n\n"
            f"  E-mails of this command (the demo data's): {email_destination()}\n\n"
            f"  Demo API token (read-only; a new one each run): {api_key}\n"
            f"    curl -H 'Authorization: Token {api_key}' http://127.0.0.1:8000/api/v1/projects/\n"
        )

    def _internal_units(self, users: dict) -> bool:
        """Finance, Sales Operations and Customer Service with IT-agenda demands, then scoring model v2, which
        values their savings: the rescore it starts ranks them where their savings put them (idempotent)."""
        if Customer.objects.filter(name=INTERNAL_UNITS[0][0]).exists():
            return False
        units = {}
        for name, cost_centre, sponsor, domain, values in INTERNAL_UNITS:
            units[name] = Customer.objects.create(
                name=name,
                kind=CustomerKind.INTERNAL,
                cost_centre=cost_centre,
                sponsor_name=sponsor,
                value_notes=values,
                tier=CustomerTier.KEY,
                account_manager=users["analyst"],
            )
            CustomerDomain.objects.create(customer=units[name], domain=domain)
        products = {product.name: product for product in Product.objects.all()}
        for index, (title, product_name, kind, unit, savings, due_in) in enumerate(INTERNAL_DEMANDS):
            domain = units[unit].domains.get().domain
            figures: dict[str, Any] = {
                name: Decimal(value) if isinstance(value, str) else value for name, value in savings.items()
            }
            intake_services.change_request_submit(
                submission=Submission(
                    title=title,
                    description=DESCRIPTION.format(title=title, product=product_name),
                    contact_name=units[unit].sponsor_name,
                    contact_email=f"head@{domain}",
                    product=products[product_name],
                    kind=kind,
                    revenue_at_stake=Decimal("0"),
                    desired_date=timezone.localdate() + timedelta(days=due_in) if due_in else None,
                    agenda=Agenda.IT,
                    **figures,
                ),
                idempotency_key=f"demo:internal:{index}",
            )
        if not ScoringModel.objects.get(is_active=True).savings_years:
            triage_services.scoring_model_create_version(
                changes=dict(V2_CHANGES),
                note="Model v2: savings and risk avoided valued beside revenue, against the same IT cost.",
                created_by=users["cio"],
            )
        if not ScoringModel.objects.get(is_active=True).penalty_disclosure:
            triage_services.scoring_model_create_version(
                changes=dict(V3_CHANGES),
                note="Model v3 scores disclosure plans by what they expose to the partner; "
                "without a plan the flat IP penalty stays.",
                created_by=users["cio"],
            )
        self._unit_costs(users)
        return True

    def _unit_costs(self, users: dict) -> None:
        """Billing Cloud's cost per invoice falls once the invoice-matching project is delivered (4 months ago)."""
        billing = Product.objects.get(name="Billing Cloud")
        Product.objects.filter(pk=billing.pk).update(unit_of_work="invoices processed")
        demand = ChangeRequest.objects.get(title=INTERNAL_DEMANDS[1][0])
        project = portfolio_services.change_request_approve(
            change_request=demand, decided_by=users["cio"], rationale="Takes 286,000 a year out of Finance."
        )
        self._backdate(project, days=240)
        portfolio_services.project_update(
            project=project,
            status=ProjectStatus.DELIVERED,
            progress=100,
            start_date=timezone.localdate() - timedelta(days=230),
            target_unit_cost=Decimal("2.00"),
        )
        this_month = timezone.localdate().replace(day=1)
        for months_ago, cost in enumerate(UNIT_COSTS[::-1], start=1):
            period = this_month
            for _ in range(months_ago):
                period = (period - timedelta(days=1)).replace(day=1)
            portfolio_services.unit_cost_record(
                service=billing,
                period=period,
                cost_per_unit=Decimal(cost),
                currency="EUR",
                units=24000,
                recorded_by=users["pm"],
            )
            if months_ago <= 4:
                portfolio_services.revenue_record_add(
                    project=project,
                    period=period,
                    amount=Decimal("21000"),
                    kind=RealizedKind.SAVINGS,
                    note="Invoices matched automatically.",
                    recorded_by=users["pm"],
                )

    def _owners_views_notifications(self, users: dict) -> int:
        """Ownership rules and an owner per demand, saved views, and notifications for cio; returns cio's unread.

        Idempotent like the rest: a product or demand that has an owner keeps it, a view is made once, and
        notifications are keyed by what they report, so a second run tells nobody twice.
        """
        from notifications.events import decisions_due_notify
        from notifications.models import Notification
        from triage.models import SavedView

        cio, analyst = users["cio"], users["analyst"]
        for index, product in enumerate(Product.objects.filter(default_owner__isnull=True).order_by("name")):
            Product.objects.filter(pk=product.pk).update(default_owner=analyst if index % 2 == 0 else cio)
        owners = dict(Product.objects.values_list("pk", "default_owner"))
        for demand in ChangeRequest.objects.filter(owner__isnull=True).order_by("reference"):
            owner = analyst if owners[demand.product_id] == analyst.pk else cio
            # The analyst hands cio their demands, so cio's bell has something to show.
            triage_services.change_request_set_owner(
                change_request=demand, owner=owner, assigned_by=analyst if owner == cio else cio
            )
        if not SavedView.objects.filter(owner=cio).exists():
            open_query = "status=submitted&status=scored&status=needs_info&ordering=-score"
            triage_services.saved_view_create(owner=cio, name="Open, best first", query=open_query, is_shared=True)
            mine = triage_services.saved_view_create(
                owner=analyst, name="My open demands", query=f"mine=true&{open_query}", is_shared=False
            )
            triage_services.saved_view_set_default(view=mine, user=analyst)
        decisions_due_notify()
        return Notification.objects.filter(recipient=cio, read_at__isnull=True).count()

    def _capacity(self, cio) -> None:  # type: ignore[no-untyped-def]
        """A capacity for this quarter and the next, once: the queue's panel and the approve action use it."""
        this_quarter = quarter_start(timezone.localdate())
        if QuarterCapacity.objects.filter(quarter_start=this_quarter).exists():
            return
        next_quarter = quarter_after(this_quarter)
        triage_services.quarter_capacities_set(
            capacities={this_quarter: Decimal("120"), next_quarter: Decimal("150")},
            # The CIO aims 60 % of each quarter at the BT agenda, 40 % at the IT agenda (issue 17).
            bt_shares={this_quarter: Decimal("60"), next_quarter: Decimal("60")},
            set_by=cio,
        )

    def _users(self) -> dict:
        User = get_user_model()
        users = {}
        for username, first, last, group in USERS:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"}
            )
            user.is_staff = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(Group.objects.get(name=group))
            users[username] = user
        admin, _ = User.objects.get_or_create(username="admin", defaults={"email": "admin@example.com"})
        admin.is_staff = admin.is_superuser = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        users["admin"] = admin
        return users

    def _webhook_endpoint(self, users: dict) -> None:
        """A paused endpoint that points nowhere: its page shows the demo's events held for it, nothing is sent."""
        from webhooks.choices import EventType
        from webhooks.models import WebhookEndpoint
        from webhooks.services import webhook_endpoint_create, webhook_endpoint_pause

        if WebhookEndpoint.objects.filter(name=DEMO_WEBHOOK_NAME).exists():
            return
        endpoint, _secret = webhook_endpoint_create(
            name=DEMO_WEBHOOK_NAME,
            url="https://crm.example.invalid/hooks/demand-desk",
            event_types=EventType.values,
            created_by=users["cio"],
        )
        webhook_endpoint_pause(endpoint=endpoint, paused_by=users["cio"])

    def _catalogue(self, users: dict) -> None:
        for name, tier, arr, domains in CUSTOMERS:
            customer = Customer.objects.create(
                name=name, tier=tier, annual_recurring_revenue=Decimal(arr), account_manager=users["analyst"]
            )
            for domain in domains:
                CustomerDomain.objects.create(customer=customer, domain=domain)
        for name, rate, effort in PRODUCTS:
            product = Product.objects.create(
                name=name,
                default_day_rate=Decimal(rate),
                default_effort_days=Decimal(effort),
                product_manager=users["pm"],
            )
            ProductKindDefault.objects.create(
                product=product,
                kind=ChangeRequestKind.INTEGRATION,
                effort_days=Decimal(effort) * 2,
                yearly_run_cost=Decimal("12000"),
            )
            ProductKindDefault.objects.create(
                product=product,
                kind=ChangeRequestKind.CUSTOMIZATION,
                effort_days=Decimal(effort) / 2,
                yearly_run_cost=Decimal("2000"),
            )

    def _demands(self, users: dict) -> None:
        rng = random.Random(2026)
        products = {product.name: product for product in Product.objects.all()}
        today = timezone.localdate()
        demands = []
        for index, (title, product_name, kind, who, revenue, due_in) in enumerate(DEMANDS):
            domain = {"gmail": "gmail.com", "internal": "ourcompany.example"}.get(who, f"{who}.example")
            submission = Submission(
                title=title,
                description=DESCRIPTION.format(title=title, product=product_name),
                contact_name=rng.choice(["Maria Rossi", "John Smith", "Aiko Tanaka", "Lena Vogel", "Omar Haddad"]),
                contact_email=f"contact{index}@{domain}",
                organization_name=who.title() if who not in ("gmail", "internal") else "",
                product=products[product_name],
                kind=kind,
                business_justification="A renewal depends on it." if revenue else "",
                revenue_at_stake=Decimal(revenue),
                desired_date=today + timedelta(days=due_in) if due_in else None,
                agenda=Agenda.IT if who == "internal" else Agenda.BT,
                risk_shares_ip="source" in title,
                risk_exclusive="Exclusive" in title,
                risk_security="GDPR" in title or "security" in title.lower(),
                **INTERNAL_SAVINGS.get(title, {}),
            )
            demand, _, _ = intake_services.change_request_submit(submission=submission, idempotency_key=f"demo:{index}")
            demands.append(demand)
            # As if filed days ago: the demand and the events so far move back together.
            shift = timedelta(days=len(DEMANDS) - index, hours=rng.randint(0, 12))
            ChangeRequest.objects.filter(pk=demand.pk).update(created_at=F("created_at") - shift)
            StatusEvent.objects.filter(change_request=demand).update(created_at=F("created_at") - shift)
        for demand in demands:
            similar_demands_record(change_request_id=demand.pk)
        self._triage(demands, users)
        self._conversation(next(demand for demand in demands if demand.title == CONVERSATION_DEMAND), users)

    def _conversation(self, demand: ChangeRequest, users: dict) -> None:
        """One demand's conversation: the customer writes, an analyst answers and notes for the CIO, the customer
        answers by e-mail (so the queue shows "customer replied")."""
        demand.refresh_from_db()
        conversation_services.comment_customer_add(
            change_request=demand,
            body="While you look at this: some of our drivers also use Total cards. Could those work the same way?",
        )
        conversation_services.comment_reply_add(
            change_request=demand,
            author=users["analyst"],
            body="Thank you. Total cards are on our list too; how many of your drivers use them?",
        )
        conversation_services.comment_note_add(
            change_request=demand,
            author=users["analyst"],
            body="@cio Shell and Total together would cover most fleet customers: worth a look at the next review.",
        )
        conversation_services.comment_customer_add(
            change_request=demand,
            body="About 40 of our 300 drivers. Shell matters most to us.",
            source=CommentSource.EMAIL,
        )

    def _triage(self, demands: list[ChangeRequest], users: dict) -> None:
        cio, analyst, pm = users["cio"], users["analyst"], users["pm"]
        # The demands as scoring left them: a project approved without an estimate takes its budget from the
        # demand's scored IT cost, which the instances filed above do not have yet.
        by_title = {demand.title: demand for demand in ChangeRequest.objects.filter(pk__in=[d.pk for d in demands])}
        # Two customers asking for the same SAP export: linked, so they share value and breadth.
        pair = SimilarDemand.objects.filter(
            change_request=by_title["Nightly SAP export of invoices and credit notes"],
            similar_to=by_title["Export invoices to SAP every night"],
        ).first()
        if pair:
            triage_services.similar_demand_set_link(similar_demand=pair, is_linked=True, linked_by=analyst)
        for title, effort in (
            ("Live ETA sharing with end customers", "60"),
            ("HL7 FHIR export of patient records", "120"),
            ("Dark mode for the patient app", "15"),
        ):
            triage_services.cost_estimate_create(
                change_request=by_title[title],
                effort_days=Decimal(effort),
                day_rate=Decimal("900"),
                yearly_run_cost=Decimal("8000"),
                confidence="medium",
                estimated_by=analyst,
            )
        triage_services.change_request_ask_information(
            change_request=by_title["Fuel card integration with Shell"],
            asked_by=analyst,
            question="Which fuel card products do your drivers use, and how many cards are active?",
        )
        triage_services.decision_record(
            change_request=by_title["Custom invoice layout with our logo"],
            outcome=DecisionOutcome.REJECTED,
            decided_by=cio,
            rationale="A one-off fork with little revenue.",
            customer_message="Our new template editor (due in spring) will let you do this yourselves.",
        )
        for title in ("Live ETA sharing with end customers", "Appointment reminders by SMS"):
            project = portfolio_services.change_request_approve(
                change_request=by_title[title], decided_by=cio, rationale="High value, broad demand."
            )
            portfolio_services.milestone_add(
                project=project, name="Design signed off", due_date=timezone.localdate() + timedelta(days=20)
            )
            portfolio_services.milestone_add(
                project=project, name="Pilot with the sponsor", due_date=timezone.localdate() + timedelta(days=75)
            )
            portfolio_services.status_update_post(
                project=project, author=pm, health=Health.GREEN, note="Kick-off done; team staffed."
            )
            portfolio_services.project_update(
                project=project,
                status=ProjectStatus.ACTIVE,
                progress=15,
                start_date=timezone.localdate() - timedelta(days=10),
            )

        # More approvals, so the portfolio has delivered work to compare with what was expected of it. The two
        # linked SAP demands share one project, which splits its revenue between them by revenue at stake.
        sap = portfolio_services.change_request_approve(
            change_request=by_title["Export invoices to SAP every night"], decided_by=cio, rationale="Two customers."
        )
        portfolio_services.change_request_approve(
            change_request=by_title["Nightly SAP export of invoices and credit notes"],
            decided_by=cio,
            rationale="Same export as the first SAP demand.",
            project=sap,
        )
        delivered = [sap]
        for title in ("Driver rest-time alerts per EU rules", "E-invoicing for the Italian SDI mandate"):
            delivered.append(
                portfolio_services.change_request_approve(
                    change_request=by_title[title], decided_by=cio, rationale="A regulation our customers must meet."
                )
            )
        for project in delivered:
            self._backdate(project, days=300)
            portfolio_services.project_update(
                project=project,
                status=ProjectStatus.DELIVERED,
                progress=100,
                start_date=timezone.localdate() - timedelta(days=200),
                actual_spend=(project.approved_budget * Decimal("1.1")).quantize(Decimal("0.01")),
            )
        gdpr = portfolio_services.change_request_approve(
            change_request=by_title["GDPR data-subject export in one click"],
            decided_by=cio,
            rationale="Below the bar, but the law does not wait.",
        )
        self._backdate(gdpr, days=200)
        portfolio_services.project_update(
            project=gdpr, status=ProjectStatus.ACTIVE, progress=60, start_date=timezone.localdate() - timedelta(days=90)
        )

    def _backdate(self, project: Project, *, days: int) -> None:
        """Move a project's approval, with the filing and scoring before it, `days` back together: delivered work
        was approved quarters ago, so it does not weigh on this quarter's capacity, and the calibration still
        finds the score each demand had when it was approved."""
        shift = timedelta(days=days)
        demand_ids = list(project.project_demands.values_list("change_request_id", flat=True))
        # The rationale event is written just after the decision row, in the same transaction.
        decided_by = Decision.objects.filter(change_request_id__in=demand_ids).aggregate(last=Max("created_at"))[
            "last"
        ] + timedelta(seconds=1)
        ChangeRequest.objects.filter(pk__in=demand_ids).update(created_at=F("created_at") - shift)
        for model in (StatusEvent, Assessment, Decision):
            model.objects.filter(change_request_id__in=demand_ids, created_at__lte=decided_by).update(
                created_at=F("created_at") - shift
            )
        ProjectDemand.objects.filter(project=project).update(added_at=F("added_at") - shift)
        Project.objects.filter(pk=project.pk).update(created_at=F("created_at") - shift)

    def _revenue(self, users: dict) -> bool:
        """Monthly realized revenue on the demo projects that have none yet (idempotent); True if any was added."""
        added = False
        this_month = timezone.localdate().replace(day=1)
        for title, amounts in REVENUE.items():
            project = Project.objects.filter(project_demands__change_request__title=title).first()
            if project is None or RevenueRecord.objects.filter(project=project).exists():
                continue
            for months_ago, (amount, note) in zip(range(len(amounts), 0, -1), amounts, strict=True):
                period = this_month
                for _ in range(months_ago):
                    period = (period - timedelta(days=1)).replace(day=1)
                portfolio_services.revenue_record_add(
                    project=project, period=period, amount=Decimal(amount), note=note, recorded_by=users["pm"]
                )
            added = True
        return added
