"""factory_boy factories; demands are filed through the real service so they look like real ones."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from intake.choices import ChangeRequestKind, CustomerTier
from intake.models import ChangeRequest, Customer, CustomerDomain, Product
from intake.services import Submission, change_request_submit

TEST_PASSWORD = "pw-for-tests-1"  # every factory user's; browser tests sign in with it


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs) -> None:
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Customer {n}")
    tier = CustomerTier.KEY
    annual_recurring_revenue = Decimal("500000")
    domain = factory.RelatedFactory(
        "tests.factories.CustomerDomainFactory",
        factory_related_name="customer",
        domain=factory.LazyAttribute(lambda d: f"{d.factory_parent.name.lower().replace(' ', '-')}.example"),
    )


class CustomerDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerDomain

    customer = factory.SubFactory(CustomerFactory, domain=None)
    domain = factory.Sequence(lambda n: f"domain{n}.example")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    default_day_rate = Decimal("1000")
    default_effort_days = Decimal("20")
    default_yearly_run_cost = Decimal("5000")


def submission(**overrides) -> Submission:
    """A valid filing; override any field."""
    fields = {
        "title": "Export invoices to SAP",
        "description": "Every night, export all invoices of the day to our SAP system as IDocs.",
        "contact_name": "Maria Rossi",
        "contact_email": "maria@unknown-org.example",
        "kind": ChangeRequestKind.INTEGRATION,
        "revenue_at_stake": Decimal("100000"),
    }
    fields.update(overrides)
    if "product" not in fields:
        fields["product"] = ProductFactory()
    return Submission(**fields)


def file_demand(**overrides) -> ChangeRequest:
    """File a demand through `change_request_submit`, as the form does; returns it fresh from the database."""
    demand, _token, _created = change_request_submit(submission=submission(**overrides))
    demand.refresh_from_db()
    return demand


def file_demand_with_token(**overrides) -> tuple[ChangeRequest, str]:
    demand, token, _created = change_request_submit(submission=submission(**overrides))
    demand.refresh_from_db()
    return demand, token


def form_data(product: Product, **overrides) -> dict:
    """A valid POST of the public form, with a fresh signed form token."""
    from intake.forms import form_token_new

    data = {
        "form_token": form_token_new(),
        "contact_name": "Maria Rossi",
        "contact_email": "maria@unknown-org.example",
        "organization_name": "Unknown Org",
        "product": str(product.pk),
        "kind": ChangeRequestKind.INTEGRATION,
        "title": "Export invoices to SAP every night",
        "description": "Every night, export all invoices of the day to our SAP system as IDocs.",
        "business_justification": "Our renewal depends on it.",
        "revenue_at_stake": "250000",
        "currency": "EUR",
        "desired_date": "",
        "agenda": "bt",
    }
    data.update(overrides)
    return data


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project written directly (as a seed would); approval through the service is tested on its own."""

    class Meta:
        model = "portfolio.Project"
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"BT-{n + 5000:04d}")
    name = factory.Sequence(lambda n: f"Project {n}")
    approved_budget = Decimal("100000")
    actual_spend = Decimal("40000")
    expected_revenue = Decimal("250000")

    @factory.post_generation
    def sponsors(self, create: bool, extracted: list | None, **kwargs) -> None:
        if create and extracted:
            self.sponsors.add(*extracted)


# --- What-if scoring and capacity (triage) ---


def link_demands(change_request: ChangeRequest, similar_to: ChangeRequest):
    """Two demands linked by triage as the same need (the row the similarity task and an analyst make)."""
    from intake.models import SimilarDemand

    return SimilarDemand.objects.create(
        change_request=change_request, similar_to=similar_to, similarity=0.8, is_linked=True
    )


def estimate(change_request: ChangeRequest, *, effort_days: str, day_rate: str = "900", run_cost: str = "1000"):
    """An analyst's estimate through the service (it also records the timeline event and the audit row)."""
    from triage.services import cost_estimate_create

    return cost_estimate_create(
        change_request=change_request,
        effort_days=Decimal(effort_days),
        day_rate=Decimal(day_rate),
        yearly_run_cost=Decimal(run_cost),
        confidence="medium",
        estimated_by=UserFactory(username="estimating-analyst", role="Analyst"),
    )


def approved_demand(
    *, decided_by, effort_days: str | None = None, score: str | None = None, decided_at=None, **overrides
):
    """A demand approved through triage's decision service, optionally estimated, scored and backdated."""
    from triage.models import Decision
    from triage.services import decision_record

    demand = file_demand(**overrides)
    if effort_days is not None:
        estimate(demand, effort_days=effort_days)
    if score is not None:
        ChangeRequest.objects.filter(pk=demand.pk).update(score=Decimal(score), score_band="review")
    decision = decision_record(change_request=demand, outcome="approved", rationale="Worth it.", decided_by=decided_by)
    if decided_at is not None:
        Decision.objects.filter(pk=decision.pk).update(created_at=decided_at)
    demand.refresh_from_db()
    return demand


# --- Webhooks -----------------------------------------------------------------------------------


def webhook_endpoint(url: str, events: tuple[str, ...] = ("demand.submitted",), **fields):
    """An endpoint registered through the service, as the page does; returns (endpoint, secret)."""
    from webhooks.services import webhook_endpoint_create

    return webhook_endpoint_create(
        name=fields.pop("name", "CRM sync"), url=url, event_types=events, created_by=fields.pop("created_by", None)
    )


# Realized revenue (payoff): records written directly, as a seed would; `revenue_record_add` keeps the
# project total in step and is tested on its own.


class RevenueRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "portfolio.RevenueRecord"

    project = factory.SubFactory(ProjectFactory)
    period = factory.LazyFunction(lambda: date.today().replace(day=1))
    amount = Decimal("1000")
    note = factory.Sequence(lambda n: f"Invoice {n}")


def signed_in(user) -> Client:
    """A browser session already signed in as `user` (no login form, no lockout counting)."""
    client = Client()
    client.force_login(user)
    return client


# --- A demand with a history, for query counts at two sizes ---------------------------------------


def demand_with_history(size: int, **overrides) -> tuple[ChangeRequest, str]:
    """A demand (and its tracking token) with `size` of everything its pages list: questions asked and
    answered (timeline events both sides see), attachments (every other one sent with a message), the
    conversation's messages of each kind (customer, reply, internal note), cost estimates each scored (assessments),
    and similar demands of other customers in both directions, linked or not. It ends waiting for an answer."""
    import hashlib

    from intake.choices import CommentKind
    from intake.models import Attachment, Comment, SimilarDemand
    from intake.services import change_request_answer
    from triage.selectors import scoring_model_active
    from triage.services import assessments_compute_bulk, change_request_ask_information

    demand, token = file_demand_with_token(**overrides)
    analyst = UserFactory(username="history-analyst", role="Analyst")
    for index in range(size):
        estimate(demand, effort_days=str(10 + index))
        assessments_compute_bulk(change_request_ids=[demand.pk], scoring_model=scoring_model_active())
        content = f"%PDF-1.4 attachment {index}".encode()
        message = Comment.objects.create(
            change_request=demand, kind=CommentKind.CUSTOMER, body=f"Customer message {index}.", author_label="Buyer"
        )
        Comment.objects.create(
            change_request=demand, kind=CommentKind.REPLY, body=f"Staff reply {index}.", author=analyst
        )
        Comment.objects.create(
            change_request=demand, kind=CommentKind.NOTE, body=f"Staff note {index}.", author=analyst
        )
        Attachment.objects.create(
            change_request=demand,
            comment=message if index % 2 else None,
            original_name=f"offer-{index}.pdf",
            stored_name=f"history-{demand.pk}-{index}",
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        domain = f"alike-{demand.pk}-{index}.example"
        CustomerFactory(name=f"Alike {demand.pk}-{index}", domain__domain=domain)
        other = file_demand(title=f"Alike {demand.pk}-{index}", contact_email=f"buyer@{domain}")
        pair = (demand, other) if index % 2 else (other, demand)
        SimilarDemand.objects.create(
            change_request=pair[0], similar_to=pair[1], similarity=0.5 + index / 100, is_linked=index % 3 == 0
        )
        demand.refresh_from_db()
        if index:
            change_request_answer(change_request=demand, answer=f"Answer {index}.")
        change_request_ask_information(change_request=demand, question=f"Question {index}?", asked_by=analyst)
    demand.refresh_from_db()
    return demand, token


# --- Partners and disclosure plans (issue 18) ------------------------------------------------------


def partner_with_agreement(
    *,
    name: str = "Nordic Sovereign JV",
    competitor_risk: str = "high",
    agreement_kind: str = "licence",
    reference: str = "LIC-001",
    expires_on: date | None = None,
    starts_on: date | None = None,
):
    """A partner entered through the register's service with one agreement (in force by default)."""
    from datetime import timedelta

    from partners.services import partner_create

    today = date.today()
    return partner_create(
        name=name,
        country="Norway",
        relationship="joint_venture",
        competitor_risk=competitor_risk,
        competitor_risk_reason="Builds its own platform in the same market.",
        agreements=[
            {
                "kind": agreement_kind,
                "reference": reference,
                "starts_on": starts_on or today - timedelta(days=365),
                "expires_on": expires_on or today + timedelta(days=365),
            }
        ],
    )


def component(product: Product, name: str, *, core_ip: bool = False):
    """A product component through the service."""
    from partners.services import component_create

    return component_create(product=product, name=name, is_core_ip=core_ip)


def propose_plan(change_request: ChangeRequest, partner, items: list, *, agreement=None, actor=None, note: str = ""):
    """The next version of a demand's disclosure plan through the service; `agreement` defaults to the partner's
    first; `actor` to an analyst (so the CIO may sign it)."""
    from partners.services import disclosure_plan_propose

    return disclosure_plan_propose(
        change_request=change_request,
        partner=partner,
        agreement=agreement if agreement is not None else partner.agreements.order_by("pk").first(),
        items=items,
        note=note,
        actor=actor or UserFactory(username="planning-analyst", role="Analyst"),
    )
