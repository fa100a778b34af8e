"""The exposure register (portfolio/exposure.py, its page and its API): per partner and component what was handed
over at which depth, the likely competitors holding core IP, the agreements expiring within 90 days."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.choices import DisclosureDepth
from partners.services import agreement_add, disclosure_plan_sign_off
from portfolio.exposure import exposure_register
from portfolio.models import Handover
from portfolio.services import change_request_approve, handover_record
from tests.factories import ProductFactory, component, file_demand, partner_with_agreement, propose_plan, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]  # on the SQLite default too


def delivered_to(partner, product, components, *, cio, portfolio_manager):
    """A demand planned with `partner` for `components` [(component, depth)], signed off, approved, and each handed
    over at its planned depth."""
    demand = file_demand(product=product)
    plan = propose_plan(demand, partner, components)
    disclosure_plan_sign_off(plan=plan, actor=cio)
    project = change_request_approve(change_request=demand, decided_by=cio, rationale="Go.")
    for item, depth in components:
        handover_record(
            project=project,
            component=item,
            depth=depth,
            partner=partner,
            agreement=partner.agreements.order_by("pk").first(),
            handed_over_on=timezone.localdate(),
            recipient="Their architect",
            actor=portfolio_manager,
        )
    return project


@pytest.fixture
def register(cio, portfolio_manager):
    product = ProductFactory(name="Data Hub")
    engine = component(product, "Query engine", core_ip=True)
    sdk = component(product, "Connector SDK")
    rival = partner_with_agreement(name="Sovra Data JV", competitor_risk="high", reference="LIC-SOVRA")
    friend = partner_with_agreement(name="Nordlys Integration", competitor_risk="low", reference="LIC-NORDLYS")
    today = timezone.localdate()
    agreement_add(
        partner=rival,
        kind="nda",
        reference="NDA-SOVRA",
        starts_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=45),
    )
    agreement_add(
        partner=friend,
        kind="nda",
        reference="NDA-LATER",
        starts_on=today - timedelta(days=10),
        expires_on=today + timedelta(days=200),
    )
    agreement_add(
        partner=friend,
        kind="nda",
        reference="NDA-GONE",
        starts_on=today - timedelta(days=300),
        expires_on=today - timedelta(days=1),
    )
    delivered_to(
        rival,
        product,
        [(engine, DisclosureDepth.INTERFACE_SPEC), (sdk, DisclosureDepth.BINARIES)],
        cio=cio,
        portfolio_manager=portfolio_manager,
    )
    delivered_to(
        rival, product, [(engine, DisclosureDepth.SOURCE_ESCROW)], cio=cio, portfolio_manager=portfolio_manager
    )
    delivered_to(friend, product, [(sdk, DisclosureDepth.BINARIES)], cio=cio, portfolio_manager=portfolio_manager)
    return {"rival": rival, "friend": friend, "engine": engine, "sdk": sdk}


def test_exposure_per_partner_takes_the_deepest_handover_of_each_component(register):
    found = exposure_register()
    by_name = {partner.name: partner for partner in found["by_partner"]}
    assert list(by_name) == ["Nordlys Integration", "Sovra Data JV"]
    rival = by_name["Sovra Data JV"]
    assert [(c.component_name, c.depth, c.handovers) for c in rival.components] == [
        ("Query engine", DisclosureDepth.SOURCE_ESCROW, 2),  # core IP first, at its deepest
        ("Connector SDK", DisclosureDepth.BINARIES, 1),
    ]
    assert rival.handovers == 3 and rival.deepest == DisclosureDepth.SOURCE_ESCROW
    # Per component: who holds it, deepest first; core IP first.
    assert [
        (item.name, [(holder.partner_name, holder.depth) for holder in item.holders]) for item in found["by_component"]
    ] == [
        ("Query engine", [("Sovra Data JV", DisclosureDepth.SOURCE_ESCROW)]),
        ("Connector SDK", [("Nordlys Integration", DisclosureDepth.BINARIES), ("Sovra Data JV", 2)]),
    ]
    assert [partner.name for partner in found["competitors_with_core_ip"]] == ["Sovra Data JV"]


def test_only_agreements_in_force_expiring_within_90_days_are_listed(register):
    expiring = exposure_register()["agreements_expiring"]
    assert [(agreement.reference, agreement.days_left) for agreement in expiring] == [("NDA-SOVRA", 45)]


def test_the_page_shows_the_three_parts_and_is_linked_from_the_portfolio(register, analyst):
    page = signed_in(analyst)
    assert 'data-testid="exposure-link"' in page.get("/portfolio/").content.decode()
    body = page.get("/portfolio/exposure/").content.decode()
    for text in ("Sovra Data JV", "Query engine", "Source under escrow", "NDA-SOVRA", "Core IP", "Nordlys Integration"):
        assert text in body
    assert "NDA-GONE" not in body and "NDA-LATER" not in body


def test_the_page_costs_the_same_queries_whatever_the_register_holds(register, analyst, cio, portfolio_manager):
    page = signed_in(analyst)
    page.get("/portfolio/exposure/")
    counts = []
    for _round in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert page.get("/portfolio/exposure/").status_code == 200
        counts.append(len(queries))
        product = ProductFactory()
        more = [(component(product, f"Module {n}", core_ip=n % 2 == 0), DisclosureDepth.BINARIES) for n in range(4)]
        delivered_to(register["friend"], product, more, cio=cio, portfolio_manager=portfolio_manager)
    # The staff page's own five (session, user, permissions, the bell), then the register's two: the handovers
    # grouped by partner and component, the expiring agreements with their partner.
    assert counts == [7, 7]


def test_staff_without_the_partner_permission_get_403_and_visitors_the_login(client, register):
    from tests.factories import UserFactory

    assert client.get("/portfolio/exposure/").status_code == 302
    assert signed_in(UserFactory(username="nobody", is_staff=True)).get("/portfolio/exposure/").status_code == 403


# The API, with a staff token


def test_the_api_returns_the_register_partners_plans_and_handovers(register, reader_client):
    body = reader_client.get("/api/v1/exposure/").json()
    rival = next(row for row in body["by_partner"] if row["partner"]["name"] == "Sovra Data JV")
    assert rival["components"][0] == {
        "component": {"id": register["engine"].pk, "name": "Query engine", "is_core_ip": True},
        "product": "Data Hub",
        "depth": 3,
        "handovers": 2,
        "exceptions": 0,
        "last_handed_over_on": timezone.localdate().isoformat(),
    }
    assert body["competitors_with_core_ip"] == [register["rival"].pk]
    assert body["by_component"][1]["component"]["name"] == "Connector SDK"
    assert [holder["partner"]["name"] for holder in body["by_component"][1]["holders"]] == [
        "Nordlys Integration",
        "Sovra Data JV",
    ]
    assert [row["reference"] for row in body["agreements_expiring"]] == ["NDA-SOVRA"]

    partners = reader_client.get("/api/v1/partners/").json()["results"]
    assert [partner["name"] for partner in partners] == ["Nordlys Integration", "Sovra Data JV"]
    assert {agreement["reference"] for agreement in partners[1]["agreements"]} == {"LIC-SOVRA", "NDA-SOVRA"}

    handovers = reader_client.get("/api/v1/handovers/").json()["results"]
    assert len(handovers) == 4
    project = handovers[0]["project"]
    mine = reader_client.get("/api/v1/handovers/", {"project": project}).json()["results"]
    assert {row["project"] for row in mine} == {project}

    reference = handovers[0]["reference"]
    plans = reader_client.get(f"/api/v1/requests/{reference}/disclosure-plans/").json()
    assert plans[0]["version"] == 1 and plans[0]["signed_off_in_force"] is True
    assert plans[0]["sign_off"]["outcome"] == "signed_off" and plans[0]["sign_off"]["decided_by"] == "cio"
    assert reader_client.get("/api/v1/requests/CR-1999-99999/disclosure-plans/").status_code == 404


def test_a_token_whose_user_has_no_partner_role_is_refused(register, api_client):
    from core.choices import TokenScope
    from core.services import api_token_create
    from tests.factories import UserFactory

    _token, key = api_token_create(
        user=UserFactory(username="reader", is_staff=True), name="no role", scope=TokenScope.READ
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    for url in ("/api/v1/exposure/", "/api/v1/partners/", "/api/v1/handovers/"):
        assert api_client.get(url).status_code == 403, url


def test_the_register_answers_304_until_a_handover_is_recorded(register, reader_client, cio, portfolio_manager):
    first = reader_client.get("/api/v1/exposure/")
    etag = first.headers["ETag"]
    assert reader_client.get("/api/v1/exposure/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    product = ProductFactory()
    delivered_to(
        register["friend"],
        product,
        [(component(product, "Scheduler"), DisclosureDepth.BINARIES)],
        cio=cio,
        portfolio_manager=portfolio_manager,
    )
    assert reader_client.get("/api/v1/exposure/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_register_and_the_handover_form_speak_french(register, cio):
    french = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}
    page = signed_in(cio)
    body = page.get("/portfolio/exposure/", **french).content.decode()
    for text in ("Exposition aux partenaires", "Concurrents probables détenant de la PI cœur", "Jours restants"):
        assert text in body
    assert "Exposure to partners" not in body
    project = Handover.objects.first().project
    detail = page.get(f"/portfolio/{project.code}/", **french).content.decode()
    for text in ("Remises aux partenaires", "Enregistrer la remise", "Accepter comme exception au plan validé"):
        assert text in detail
    refused = page.post(
        f"/portfolio/{project.code}/handovers/",
        {
            "component": register["engine"].pk,
            "depth": DisclosureDepth.SOURCE_MODIFY,
            "partner": register["rival"].pk,
            "agreement": register["rival"].agreements.get(reference="LIC-SOVRA").pk,
            "handed_over_on": timezone.localdate().isoformat(),
            "recipient": "X",
        },
        **french,
    )
    assert refused.status_code == 400 and "Hors du plan validé" in refused.content.decode()
