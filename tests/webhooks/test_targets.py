"""Which receiver URLs are accepted: HTTPS to public hosts; plain HTTP and local addresses only for allowed hosts."""

import pytest
from django.core.exceptions import ValidationError

from webhooks.targets import address_refusal, validate_endpoint_url


def refusal(url: str) -> str:
    try:
        validate_endpoint_url(url)
    except ValidationError as error:
        return error.code or "invalid"
    return ""


@pytest.fixture(autouse=True)
def production_allow_list(settings):
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = []
    return settings


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://hooks.example.com/demand-desk", ""),
        ("https://hooks.example.com:8443/in?source=dd", ""),
        ("https://203.0.113.10/hook", "private"),  # TEST-NET-3: documentation range, not global
        ("https://8.8.8.8/hook", ""),
        ("http://hooks.example.com/demand-desk", "http"),
        ("ftp://hooks.example.com/demand-desk", "scheme"),
        ("https://user:pass@hooks.example.com/", "userinfo"),
        ("https://token@hooks.example.com/", "userinfo"),
        ("https://hooks.example.com/#frag", "fragment"),
        ("https://127.0.0.1/hook", "private"),
        ("https://10.0.0.7/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "private"),
        ("https://[::1]/hook", "private"),
        ("https://localhost/hook", "private"),
        ("https://printer.local/hook", "private"),
        ("https://hooks.example.com:99999/", "invalid"),
    ],
)
def test_endpoint_urls_in_production(url, code):
    assert refusal(url) == code


def test_hosts_on_the_allow_list_may_use_plain_http_and_local_addresses(settings):
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = ["127.0.0.1", "receiver.internal"]
    assert refusal("http://127.0.0.1:8123/hook") == ""
    assert refusal("http://receiver.internal/hook") == ""
    assert refusal("http://localhost/hook") == "http"
    assert refusal("http://user:pw@127.0.0.1/hook") == "userinfo"


def test_before_a_delivery_a_name_that_resolves_to_a_private_address_is_refused(settings):
    assert address_refusal("https://localhost:9/hook").startswith("refused: localhost resolves to a non-public")
    assert "could not resolve" in address_refusal("https://no-such-host.invalid/hook")
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = ["localhost"]
    assert address_refusal("http://localhost:9/hook") == ""
