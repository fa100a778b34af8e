"""The demo's partner story (issue 18), through the services so it stays consistent with the rules.

A strategic customer demands a sovereign edition of the Data Hub, which the market lets us build only with a
state-required local joint venture (a likely competitor, under an NDA that expires soon and a source-escrow
agreement). Plan v1 reveals the core components with source rights and the CIO refuses it; v2, narrower
(interface specification and escrow), is signed off; the demand is approved and its project records handovers
that follow the signed plan. Another demand's plan reveals core IP and waits for the CIO: it cannot be approved.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from intake import services as intake_services
from intake.choices import ChangeRequestKind
from intake.models import ChangeRequest, Product
from intake.services import Submission
from partners import services as partner_services
from partners.choices import AgreementKind, CompetitorRisk, DisclosureDepth, PartnerRelationship
from partners.models import Partner, ProductComponent
from portfolio import services as portfolio_services
from triage import services as triage_services

SOVEREIGN_DEMAND = "Sovereign edition of the Data Hub for the national cloud"
PENDING_DEMAND = "Share our route optimizer source with a partner"
JOINT_VENTURE = "Sovra Data JV"
INTEGRATOR = "Nordlys Integration"
NDA_REFERENCE = "NDA-SOVRA-2025"
ESCROW_REFERENCE = "ESC-SOVRA-2026"
# Product → (component, core IP, description).
COMPONENTS: dict[str, list[tuple[str, bool, str]]] = {
    "Data Hub": [
        ("Query engine", True, "The cost-based optimizer and columnar executor."),
        ("Ingestion pipeline", True, "Change-data capture and the schema-evolution logic."),
        ("Connector SDK", False, "The public SDK partners build connectors with."),
        ("Admin console", False, "The web console for tenants and quotas."),
    ],
    "Fleet Tracker": [
        ("Route optimizer", True, "The routing heuristics tuned on ten years of fleet data."),
        ("Driver app", False, "The mobile app drivers use."),
    ],
}


def demo_partners_load(users: dict[str, Any]) -> bool:
    """The partner story above; False (and nothing added) when it is already there."""
    if Partner.objects.filter(name=JOINT_VENTURE).exists():
        return False
    cio, analyst, pm = users["cio"], users["analyst"], users["pm"]
    today = timezone.localdate()
    components = _components()
    joint_venture = partner_services.partner_create(
        name=JOINT_VENTURE,
        country="Atlantis",
        relationship=PartnerRelationship.JOINT_VENTURE,
        competitor_risk=CompetitorRisk.HIGH,
        competitor_risk_reason="Its state shareholder funds a rival analytics platform.",
        agreements=[
            {
                "kind": AgreementKind.NDA,
                "reference": NDA_REFERENCE,
                "starts_on": today - timedelta(days=300),
                "expires_on": today + timedelta(days=45),
            },
            {
                "kind": AgreementKind.SOURCE_ESCROW,
                "reference": ESCROW_REFERENCE,
                "starts_on": today - timedelta(days=30),
                "expires_on": today + timedelta(days=3 * 365),
            },
        ],
        actor=cio,
    )
    partner_services.partner_create(
        name=INTEGRATOR,
        country="Norway",
        relationship=PartnerRelationship.INTEGRATOR,
        competitor_risk=CompetitorRisk.LOW,
        competitor_risk_reason="A services firm with no product of its own.",
        agreements=[
            {
                "kind": AgreementKind.NDA,
                "reference": "NDA-NORDLYS-2026",
                "starts_on": today - timedelta(days=60),
                "expires_on": today + timedelta(days=2 * 365),
            }
        ],
        actor=cio,
    )
    agreements = {agreement.reference: agreement for agreement in joint_venture.agreements.all()}
    data_hub = components["Data Hub"]
    demand = _sovereign_demand()
    refused = partner_services.disclosure_plan_propose(
        change_request=demand,
        partner=joint_venture,
        agreement=agreements[NDA_REFERENCE],
        items=[
            (data_hub["Query engine"], DisclosureDepth.SOURCE_MODIFY),
            (data_hub["Ingestion pipeline"], DisclosureDepth.SOURCE_READ_ONLY),
            (data_hub["Connector SDK"], DisclosureDepth.BINARIES),
        ],
        note="What the joint venture asked for: our source, so it can host and patch the edition in-country.",
        actor=analyst,
    )
    partner_services.disclosure_plan_refuse(
        plan=refused,
        actor=cio,
        reason="Not our query engine's source to a likely competitor: give it the interfaces, and escrow the rest.",
    )
    signed = partner_services.disclosure_plan_propose(
        change_request=demand,
        partner=joint_venture,
        agreement=agreements[ESCROW_REFERENCE],
        items=[
            (data_hub["Query engine"], DisclosureDepth.INTERFACE_SPEC),
            (data_hub["Ingestion pipeline"], DisclosureDepth.SOURCE_ESCROW),
            (data_hub["Connector SDK"], DisclosureDepth.BINARIES),
        ],
        note="Narrower: interface specifications for the engine, the pipeline's source only in escrow.",
        actor=analyst,
    )
    partner_services.disclosure_plan_sign_off(plan=signed, actor=cio, reason="The least we can reveal and deliver.")
    demand.refresh_from_db()
    project = portfolio_services.change_request_approve(
        change_request=demand,
        decided_by=cio,
        rationale="A strategic account's sovereign edition, built with the least disclosure the market allows.",
    )
    for component, depth, recipient in (
        ("Query engine", DisclosureDepth.INTERFACE_SPEC, "Dr. Ines Calder, chief architect"),
        ("Connector SDK", DisclosureDepth.BINARIES, "Dr. Ines Calder, chief architect"),
        ("Ingestion pipeline", DisclosureDepth.SOURCE_ESCROW, "Escrow agent, on behalf of Sovra Data JV"),
    ):
        portfolio_services.handover_record(
            project=project,
            component=data_hub[component],
            depth=depth,
            partner=joint_venture,
            agreement=agreements[ESCROW_REFERENCE],
            handed_over_on=today,
            recipient=recipient,
            actor=pm,
        )
    _pending_plan(components, joint_venture=joint_venture, escrow=agreements[ESCROW_REFERENCE], analyst=analyst)
    return True


def _components() -> dict[str, dict[str, ProductComponent]]:
    products = {product.name: product for product in Product.objects.filter(name__in=COMPONENTS)}
    return {
        product_name: {
            name: partner_services.component_create(
                product=products[product_name], name=name, is_core_ip=core, description=description
            )
            for name, core, description in rows
        }
        for product_name, rows in COMPONENTS.items()
    }


def _sovereign_demand() -> ChangeRequest:
    demand, _, _ = intake_services.change_request_submit(
        submission=Submission(
            title=SOVEREIGN_DEMAND,
            description=(
                "Our regulator requires the Data Hub to run in a sovereign cloud operated in-country, and the "
                "market lets a foreign vendor in only with the state-required local joint venture."
            ),
            contact_name="Maria Rossi",
            contact_email="sovereign@northwind.example",
            organization_name="Northwind",
            product=Product.objects.get(name="Data Hub"),
            kind=ChangeRequestKind.CUSTOMIZATION,
            business_justification="The renewal of our group contract depends on it.",
            revenue_at_stake=Decimal("300000"),
            desired_date=timezone.localdate() + timedelta(days=240),
            risk_shares_ip=True,
        ),
        idempotency_key="demo:sovereign",
    )
    triage_services.assessment_compute(change_request_id=demand.pk)
    demand.refresh_from_db()
    return demand


def _pending_plan(components: dict, *, joint_venture: Partner, escrow: Any, analyst: Any) -> None:
    """The route optimizer demand: core IP at source read-only, waiting for the CIO (so it cannot be approved)."""
    demand = ChangeRequest.objects.filter(title=PENDING_DEMAND).first()
    if demand is None:
        return
    fleet = components["Fleet Tracker"]
    partner_services.disclosure_plan_propose(
        change_request=demand,
        partner=joint_venture,
        agreement=escrow,
        items=[
            (fleet["Route optimizer"], DisclosureDepth.SOURCE_READ_ONLY),
            (fleet["Driver app"], DisclosureDepth.BINARIES),
        ],
        note="The partner wants to read the optimizer to tune it for its own fleets.",
        actor=analyst,
    )
