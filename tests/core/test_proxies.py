"""The client address behind trusted proxies: one function, used by every limit, the lockout and the audit trail.

Real requests through Django's test client, with REMOTE_ADDR as gunicorn would set it (the proxy's address)
and X-Forwarded-For as the proxy writes it. Through a real nginx and gunicorn: tests/security/test_behind_proxy.py.
"""

import pytest
from django.test import Client, RequestFactory

from core.models import AuditEvent
from tests.factories import ProductFactory, file_demand_with_token, form_data

PROXY = "10.9.0.2"
BEHIND_PROXY = ["10.9.0.0/24"]


def address(remote: str, forwarded: str | None = None, *, trusted: list[str], settings) -> str | None:
    from core.proxies import client_address

    settings.TRUSTED_PROXY_NETWORKS = trusted
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        # No trusted proxy configured: forwarding headers are ignored, as before.
        ("203.0.113.5", "198.51.100.1", [], "203.0.113.5"),
        (PROXY, "198.51.100.1", [], PROXY),
        # From a trusted proxy: the right-most address that is not a trusted proxy.
        (PROXY, "198.51.100.1", BEHIND_PROXY, "198.51.100.1"),
        (PROXY, "6.6.6.6, 198.51.100.1", BEHIND_PROXY, "198.51.100.1"),  # the client's own claim is to the left
        (PROXY, "198.51.100.1, 10.9.0.7", BEHIND_PROXY, "198.51.100.1"),  # two proxies of ours in a row
        (PROXY, "10.9.0.8, 10.9.0.7", BEHIND_PROXY, "10.9.0.8"),  # only proxies: the farthest one
        (PROXY, "", BEHIND_PROXY, PROXY),
        (PROXY, "garbage, 198.51.100.1", BEHIND_PROXY, "198.51.100.1"),
        (PROXY, "198.51.100.1, garbage", BEHIND_PROXY, PROXY),  # not written by a proxy we trust
        (PROXY, "[2001:db8::5]:4431", BEHIND_PROXY, "2001:db8::5"),
        (PROXY, "198.51.100.1:5678", BEHIND_PROXY, "198.51.100.1"),
        (PROXY, "::ffff:198.51.100.1", BEHIND_PROXY, "198.51.100.1"),
        # From anyone else, the header proves nothing.
        ("203.0.113.5", "198.51.100.1", BEHIND_PROXY, "203.0.113.5"),
        ("", "198.51.100.1", BEHIND_PROXY, None),
    ],
)
def test_the_client_is_the_right_most_untrusted_forwarded_address_only_behind_a_trusted_proxy(
    settings, remote, forwarded, trusted, expected
):
    assert address(remote, forwarded, trusted=trusted, settings=settings) == expected


def test_a_malformed_trusted_network_is_a_configuration_error_named_by_the_system_check(settings):
    from django.core.checks import run_checks

    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8", "not-a-network"]
    errors = [message for message in run_checks() if message.id == "core.E001"]
    assert len(errors) == 1 and "'not-a-network'" in errors[0].msg


def behind_proxy(client_ip: str, spoofed: str = "") -> dict:
    """What gunicorn hands Django for a request nginx forwarded: the proxy's address, and its header."""
    chain = f"{spoofed}, {client_ip}" if spoofed else client_ip
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain}


@pytest.mark.django_db
def test_two_customers_behind_the_proxy_each_get_their_own_form_limit(settings):
    settings.TRUSTED_PROXY_NETWORKS = BEHIND_PROXY
    settings.INTAKE_FORM_RATE_PER_IP = "1/hour"
    product = ProductFactory()
    first = Client(**behind_proxy("198.51.100.1"))
    second = Client(**behind_proxy("198.51.100.2"))
    assert first.post("/requests/new/", form_data(product, title="The first customer's demand")).status_code == 302
    assert first.post("/requests/new/", form_data(product, title="The first customer again")).status_code == 429
    assert second.post("/requests/new/", form_data(product, title="The second customer's demand")).status_code == 302
    # Spoofing X-Forwarded-For through the proxy gains the first customer nothing: nginx appends the real address.
    spoofing = Client(**behind_proxy("198.51.100.1", spoofed="192.0.2.77"))
    assert spoofing.post("/requests/new/", form_data(product, title="A spoofed third try")).status_code == 429


@pytest.mark.django_db
def test_tracking_misses_behind_the_proxy_count_per_client_and_never_block_a_good_link(settings):
    settings.TRUSTED_PROXY_NETWORKS = BEHIND_PROXY
    settings.INTAKE_TRACK_MISSES_PER_IP = "2/hour"
    _demand, token = file_demand_with_token()
    guesser = Client(**behind_proxy("198.51.100.66"))
    assert [guesser.get(f"/track/guess{n}/").status_code for n in range(3)] == [404, 404, 429]
    customer = Client(**behind_proxy("198.51.100.1"))
    assert customer.get("/track/typo/").status_code == 404  # the guesser's misses are not the customer's
    assert customer.get(f"/track/{token}/").status_code == 200
    assert guesser.get(f"/track/{token}/").status_code == 200  # a good link always opens


@pytest.mark.django_db
def test_the_staff_lockout_counts_per_forwarded_client_and_the_audit_trail_names_it(settings, cio):
    settings.TRUSTED_PROXY_NETWORKS = BEHIND_PROXY
    attacker = Client(**behind_proxy("198.51.100.66"))
    for _ in range(5):
        attacker.post("/accounts/login/", {"username": "cio", "password": "wrong"})
    assert attacker.post("/accounts/login/", {"username": "cio", "password": "pw-for-tests-1"}).status_code == 429
    colleague = Client(**behind_proxy("198.51.100.1"))
    assert colleague.post("/accounts/login/", {"username": "cio", "password": "pw-for-tests-1"}).status_code == 302
    assert {event.ip_address for event in AuditEvent.objects.filter(action="locked_out")} == {"198.51.100.66"}
    assert AuditEvent.objects.get(action="login").ip_address == "198.51.100.1"


def test_api_throttles_identify_a_client_by_the_same_address_and_ignore_a_spoofed_header(settings):
    from rest_framework.request import Request

    from core.throttling import TokenRateThrottle, TokenReadThrottle

    settings.TRUSTED_PROXY_NETWORKS = []
    spoofed = Request(
        RequestFactory().get("/api/v1/projects/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    )
    assert TokenRateThrottle().get_ident(spoofed) == TokenReadThrottle().get_ident(spoofed) == "203.0.113.5"
    settings.TRUSTED_PROXY_NETWORKS = BEHIND_PROXY
    forwarded = Request(RequestFactory().get("/api/v1/projects/", **behind_proxy("198.51.100.1", spoofed="1.2.3.4")))
    assert TokenReadThrottle().get_ident(forwarded) == "198.51.100.1"
