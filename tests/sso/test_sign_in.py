"""Staff sign in through a real OpenID provider: first login, group → role mapping, role removal, refusals of a
tampered state or nonce and of expired or wrongly signed tokens, and sign-out at the provider (docs/sso.md)."""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from django.contrib.auth.models import User

from core import roles
from core.models import AuditEvent, SsoIdentity
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


class Forms(HTMLParser):
    """The forms of a page: each one's action and the values of its inputs (hidden ones included)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append({"action": values.get("action") or "", "id": values.get("id"), "fields": {}})
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1]["fields"][values["name"]] = values.get("value") or ""


class Browser:
    """A person's browser: one cookie jar, redirects followed one by one so a test can look at (or tamper with)
    the hop that comes back to Demand Desk."""

    def __init__(self, site_url: str) -> None:
        self.site_url = site_url
        self.http = requests.Session()

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.http.get(urljoin(self.site_url, url), timeout=15, **kwargs)

    def start_sign_in(self) -> str:
        """Press "Sign in with …": the URL of the provider's authorization endpoint we are sent to."""
        started = self.get("/oidc/authenticate/", allow_redirects=False)
        assert started.status_code == 302, started.status_code
        return started.headers["Location"]

    def at_provider(self, authorization_url: str, login: str) -> str:
        """Sign in at the provider's page (when it asks) and return the callback URL it sends us back to."""
        response = self.http.get(authorization_url, allow_redirects=False, timeout=15)
        while True:
            if response.status_code in (302, 303):
                location = urljoin(response.url, response.headers["Location"])
                if location.startswith(f"{self.site_url}/oidc/callback/"):
                    return location
                response = self.http.get(location, allow_redirects=False, timeout=15)
            elif response.status_code == 200 and 'name="login"' in response.text:
                form = Forms(response.text).forms[0]
                response = self.http.post(
                    urljoin(response.url, form["action"]),
                    data={**form["fields"], "login": login, "password": "whatever the provider asks"},
                    allow_redirects=False,
                    timeout=15,
                )
            else:
                raise AssertionError(
                    f"unexpected answer from the provider: {response.status_code} {response.text[:300]}"
                )

    def sign_in(self, login: str) -> requests.Response:
        """The whole round trip; the answer of our callback, not followed."""
        return self.get(self.at_provider(self.start_sign_in(), login), allow_redirects=False)

    def can_open_triage(self) -> bool:
        return self.get("/triage/", allow_redirects=False).status_code == 200


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **changes})))


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def refusal_reasons(caplog) -> str:
    """What the relying party logged when it refused (the person only sees that sign-in did not complete)."""
    return " ".join(record.getMessage() for record in caplog.records if record.name == "core.sso")


def role_names(user: User) -> set[str]:
    return set(user.groups.filter(name__in=roles.ROLES).values_list("name", flat=True))


def test_first_sign_in_makes_the_account_with_the_roles_of_its_groups(live_server, sso, directory):
    directory.put("alice", groups=["dd-cio", "all-staff"], email="alice@corp.example", name="Alice Martin")
    browser = Browser(live_server.url)

    authorization_url = browser.start_sign_in()
    asked = query_of(authorization_url)
    assert asked["response_type"] == "code" and asked["code_challenge_method"] == "S256"
    assert asked["code_challenge"] and asked["state"] and asked["nonce"]
    answer = browser.get(browser.at_provider(authorization_url, "alice"), allow_redirects=False)

    # On to the role's own page (core.roles.landing_url_name): the queue for a CIO.
    assert answer.status_code == 302 and answer.headers["Location"] == "/start/"
    assert browser.can_open_triage()
    identity = SsoIdentity.objects.select_related("user").get(subject="alice")
    user = identity.user
    assert identity.issuer == sso.provider.issuer and identity.groups == ["dd-cio", "all-staff"]
    assert (user.email, user.first_name, user.last_name) == ("alice@corp.example", "Alice", "Martin")
    assert role_names(user) == {"CIO"} and user.is_staff and not user.is_superuser
    assert not user.has_usable_password()
    assert AuditEvent.objects.filter(action="roles_changed", username=user.username).exists()


def test_an_account_is_found_by_its_identity_never_taken_over_by_e_mail(live_server, sso, directory):
    local = UserFactory(username="alice", email="alice@corp.example", is_superuser=True)
    directory.put("alice", groups=["dd-analysts"], email="alice@corp.example")

    assert Browser(live_server.url).sign_in("alice").status_code == 302

    signed_in = SsoIdentity.objects.get(subject="alice").user
    assert signed_in.pk != local.pk and signed_in.username.startswith("alice-")
    local.refresh_from_db()
    assert local.is_superuser and role_names(local) == set()


def test_each_group_gives_its_role_and_a_group_taken_away_is_a_role_lost_at_next_sign_in(live_server, sso, directory):
    directory.put("bob", groups=["dd-cio", "dd-analysts"])
    assert Browser(live_server.url).sign_in("bob").status_code == 302
    bob = SsoIdentity.objects.get(subject="bob").user
    assert role_names(bob) == {"CIO", "Analyst"} and bob.has_perm(roles.DECIDE)

    directory.put("bob", groups=["dd-analysts"])
    browser = Browser(live_server.url)
    assert browser.sign_in("bob").status_code == 302

    bob = User.objects.get(pk=bob.pk)  # a fresh object: permissions are cached on the old one
    assert role_names(bob) == {"Analyst"} and not bob.has_perm(roles.DECIDE) and bob.has_perm(roles.ADD_ESTIMATE)
    removal = AuditEvent.objects.filter(action="roles_changed", username=bob.username).order_by("-id").first()
    assert removal.details["removed"] == ["CIO"] and removal.details["added"] == []
    assert browser.get("/triage/decision-times/", allow_redirects=False).status_code == 200
    assert browser.get("/audit/", allow_redirects=False).status_code == 403


def test_someone_in_no_mapped_group_is_told_so_and_gets_no_account(live_server, sso, directory):
    directory.put("carol", groups=["marketing"])
    browser = Browser(live_server.url)

    answer = browser.sign_in("carol")

    assert answer.status_code == 403
    assert "No access to Demand Desk" in answer.text and "Acme Login" in answer.text
    assert not SsoIdentity.objects.filter(subject="carol").exists()
    assert browser.get("/triage/", allow_redirects=False).headers["Location"].startswith("/accounts/login/")


def test_someone_taken_out_of_every_group_loses_staff_access_at_next_sign_in(live_server, sso, directory):
    directory.put("dave", groups=["dd-pm"])
    assert Browser(live_server.url).sign_in("dave").status_code == 302
    directory.put("dave", groups=[])

    answer = Browser(live_server.url).sign_in("dave")

    assert answer.status_code == 403 and "No access to Demand Desk" in answer.text
    dave = SsoIdentity.objects.get(subject="dave").user
    assert not dave.is_staff and role_names(dave) == set()


def test_a_callback_with_a_tampered_state_is_refused(live_server, sso, directory, caplog):
    directory.put("erin", groups=["dd-cio"])
    browser = Browser(live_server.url)
    callback = browser.at_provider(browser.start_sign_in(), "erin")

    answer = browser.get(with_query(callback, state="forged-state-0123456789abcdef"), allow_redirects=False)

    assert answer.status_code == 400 and "Sign-in did not complete" in answer.text
    assert "state not found in session" in refusal_reasons(caplog)
    assert not browser.can_open_triage()


def test_a_callback_carried_to_another_browser_is_refused(live_server, sso, directory):
    directory.put("erin", groups=["dd-cio"])
    victim = Browser(live_server.url)
    callback = victim.at_provider(victim.start_sign_in(), "erin")
    attacker = Browser(live_server.url)

    answer = attacker.get(callback, allow_redirects=False)

    assert answer.status_code == 400
    assert not attacker.can_open_triage()


def test_an_id_token_with_another_nonce_is_refused(live_server, sso, directory, caplog):
    directory.put("frank", groups=["dd-cio"])
    browser = Browser(live_server.url)
    # The provider signs whatever nonce the request carried: here one this browser's session never made.
    tampered = with_query(browser.start_sign_in(), nonce="a-nonce-this-session-never-made")

    answer = browser.get(browser.at_provider(tampered, "frank"), allow_redirects=False)

    assert answer.status_code == 400 and "Sign-in did not complete" in answer.text
    assert "Nonce verification failed" in refusal_reasons(caplog)
    assert not browser.can_open_triage()
    assert not SsoIdentity.objects.filter(subject="frank").exists()


def test_an_expired_id_token_is_refused(live_server, sso, settings, slow_clock_provider, directory, caplog):
    sso.aim_at(settings, slow_clock_provider)
    directory.put("grace", groups=["dd-cio"])
    browser = Browser(live_server.url)

    answer = browser.sign_in("grace")

    assert answer.status_code == 400 and "Sign-in did not complete" in answer.text
    assert "Signature has expired" in refusal_reasons(caplog)
    assert not browser.can_open_triage()
    assert not SsoIdentity.objects.filter(subject="grace").exists()


def test_an_id_token_signed_with_another_key_is_refused(
    live_server, sso, settings, impostor_provider, directory, caplog
):
    # Same issuer name, same key id, another key: only the signature tells the impostor from the provider.
    sso.aim_at(settings, impostor_provider, keys_from=sso.provider)
    assert impostor_provider.issuer == sso.provider.issuer
    directory.put("heidi", groups=["dd-cio"])
    browser = Browser(live_server.url)

    answer = browser.sign_in("heidi")

    assert answer.status_code == 400 and "Sign-in did not complete" in answer.text
    assert "verification failed" in refusal_reasons(caplog)
    assert not browser.can_open_triage()


def test_signing_out_ends_the_session_at_the_provider_too(live_server, sso, directory):
    directory.put("ivan", groups=["dd-analysts"])
    browser = Browser(live_server.url)
    assert browser.sign_in("ivan").status_code == 302
    # While the provider's session lasts, signing in again needs no password: the provider answers at once.
    assert (
        browser.get(browser.start_sign_in(), allow_redirects=False)
        .headers["Location"]
        .startswith(f"{live_server.url}/oidc/callback/")
    )

    page = browser.get("/triage/")
    token = next(form for form in Forms(page.text).forms if form["action"] == "/accounts/logout/")["fields"]
    signed_out = browser.http.post(f"{live_server.url}/accounts/logout/", data=token, allow_redirects=False)
    end_session = signed_out.headers["Location"]
    assert end_session.startswith(sso.provider.discovery["end_session_endpoint"])
    assert query_of(end_session)["post_logout_redirect_uri"] == f"{live_server.url}/"
    assert not browser.can_open_triage()
    confirm_page = browser.http.get(end_session, timeout=15)
    confirm = Forms(confirm_page.text).forms[0]
    done = browser.http.post(
        urljoin(confirm_page.url, confirm["action"]), data={**confirm["fields"], "logout": "yes"}, timeout=15
    )
    assert done.url == f"{live_server.url}/"

    # The provider's session is over: it asks who you are again.
    again = browser.http.get(browser.start_sign_in(), timeout=15)
    assert again.status_code == 200 and 'name="login"' in again.text
