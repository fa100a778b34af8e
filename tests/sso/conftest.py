"""A real OpenID Connect provider (tests/oidc/provider.mjs, the certified `oidc-provider` package) in front of the
live Demand Desk, and a directory of its users whose groups a test may change between two sign-ins.

Nothing of the protocol is imitated: the provider is a separate Node.js process, the relying party is our code
behind pytest-django's live server, and the browser is `requests` with its cookie jar, following redirects.
"""

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.processes import wait_for

OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID = "demand-desk"
CLIENT_SECRET = "test-client-secret-0123456789"
GROUP_ROLES = "dd-cio=CIO,dd-analysts=Analyst,dd-pm=Portfolio manager"
PROVIDER_NAME = "Acme Login"


class Directory:
    """The identity provider's users and their groups, in the JSON file every provider process reads at sign-in."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.users: dict[str, dict] = {}
        self.save()

    def put(self, sub: str, *, groups: list[str], email: str | None = None, name: str = "Test Person") -> None:
        self.users[sub] = {"email": email or f"{sub}@corp.example", "name": name, "groups": groups}
        self.save()

    def save(self) -> None:
        self.path.write_text(json.dumps(self.users))


class ProviderProcess:
    """`node tests/oidc/provider.mjs` with its own signing key, on a free port; stopped with the session."""

    def __init__(self, *, site_url: str, users_file: Path, **extra_env: str) -> None:
        self.log = Path(tempfile.mkstemp(prefix="oidc-provider-", suffix=".log")[1])
        env = {
            **os.environ,
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "REDIRECT_URI": f"{site_url}/oidc/callback/",
            "POST_LOGOUT_REDIRECT_URI": f"{site_url}/",
            "USERS_FILE": str(users_file),
            **extra_env,
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                ["node", "provider.mjs"], cwd=OIDC_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        ready = wait_for(self._ready_line, timeout=30, message=f"OpenID provider ready (log: {self.log})")
        _, self.issuer, port = str(ready).split()
        self.base_url = f"http://127.0.0.1:{port}"
        self.discovery = requests.get(f"{self.base_url}/.well-known/openid-configuration", timeout=10).json()

    def _ready_line(self) -> str | None:
        assert self.process.poll() is None, self.log.read_text(errors="replace")
        return next((line for line in self.log.read_text().splitlines() if line.startswith("ready ")), None)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def users_file() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="oidc-users-"))
    yield folder / "users.json"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def directory(users_file) -> Directory:
    """An empty directory for each test."""
    return Directory(users_file)


def _start(live_server, users_file, **extra_env: str) -> ProviderProcess:
    if shutil.which("node") is None or not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        if os.environ.get("CI"):
            pytest.fail("the OpenID provider is not installed: .ci/run runs `npm ci` in tests/oidc")
        pytest.skip("no OpenID provider: run `npm ci` in tests/oidc (needs Node.js)")
    return ProviderProcess(site_url=live_server.url, users_file=users_file, **extra_env)


@pytest.fixture(scope="session")
def provider(live_server, users_file) -> Iterator[ProviderProcess]:
    """The company's identity provider, behaving."""
    process = _start(live_server, users_file)
    yield process
    process.stop()


@pytest.fixture(scope="session")
def slow_clock_provider(live_server, users_file) -> Iterator[ProviderProcess]:
    """A provider whose clock is 15 minutes behind: the 5-minute ID tokens it issues have expired on arrival."""
    process = _start(live_server, users_file, CLOCK_SKEW_SECONDS="-900", ID_TOKEN_TTL_SECONDS="300")
    yield process
    process.stop()


@pytest.fixture(scope="session")
def impostor_provider(live_server, users_file, provider) -> Iterator[ProviderProcess]:
    """A provider that calls itself by the real provider's issuer name and key id, but signs with another key."""
    process = _start(live_server, users_file, ISSUER=provider.issuer)
    yield process
    process.stop()


@dataclass
class Sso:
    """What a test may aim the relying party at."""

    provider: ProviderProcess

    def aim_at(self, settings, provider: ProviderProcess, *, keys_from: ProviderProcess | None = None) -> None:
        endpoints = provider.discovery
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_PROVIDER_NAME = PROVIDER_NAME
        settings.OIDC_OP_ISSUER = endpoints["issuer"]
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = endpoints["authorization_endpoint"]
        settings.OIDC_OP_TOKEN_ENDPOINT = endpoints["token_endpoint"]
        settings.OIDC_OP_USER_ENDPOINT = endpoints["userinfo_endpoint"]
        settings.OIDC_OP_JWKS_ENDPOINT = (keys_from or provider).discovery["jwks_uri"]
        settings.OIDC_OP_LOGOUT_ENDPOINT = endpoints["end_session_endpoint"]
        settings.OIDC_RP_SCOPES = "openid email profile groups"
        settings.OIDC_GROUP_ROLES = GROUP_ROLES


@pytest.fixture
def sso(settings, provider, transactional_db) -> Sso:
    """Demand Desk configured for the provider, as docs/sso.md tells an operator to do."""
    configured = Sso(provider=provider)
    configured.aim_at(settings, provider)
    return configured
