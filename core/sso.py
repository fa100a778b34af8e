"""Staff single sign-on with OpenID Connect, through mozilla-django-oidc, off unless `OIDC_RP_CLIENT_ID` is set.

The flow is the authorization code flow with PKCE, a state and a nonce (the library's request and callback
views). What this module adds to the library:
- the ID token is checked for its issuer, its audience (our client id) and its expiry, and any token the library
  cannot verify (expired, wrongly signed, for another client) refuses the sign-in with a page, never a 500;
- the account is found by the provider's identity (issuer + subject), never by e-mail, and its roles are set
  from the groups claim through `OIDC_GROUP_ROLES` at every sign-in (core.services.user_sso_sync);
- someone whose groups give no staff role is told so (403), and is not signed in;
- signing out ends the provider's session too (RP-initiated logout) when it has an end-session endpoint.
Local passwords stay for the break-glass superuser (`LOCAL_PASSWORD_LOGIN=superusers`, the default with SSO)
and for deployments without SSO, such as the embedded default.
"""

import logging
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render, resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from core.roles import group_roles_parse, roles_for_groups
from core.services import SsoPerson, user_sso_sync

logger = logging.getLogger(__name__)

# Claims about the token itself, not about the person: never taken from the ID token into the person's claims.
TOKEN_CLAIMS = frozenset({"iss", "aud", "exp", "iat", "nbf", "nonce", "azp", "at_hash", "c_hash", "auth_time", "sid"})


def sso_enabled() -> bool:
    """SSO is on when the deployment registered this site as a client of its identity provider."""
    return bool(settings.OIDC_RP_CLIENT_ID)


def local_password_allowed(user: User) -> bool:
    """Whether this account may sign in with a password stored here (`LOCAL_PASSWORD_LOGIN`)."""
    # S105: "all" is the setting's value, not a password.
    return settings.LOCAL_PASSWORD_LOGIN == "all" or user.is_superuser  # noqa: S105


class NoStaffRole(Exception):
    """The provider vouched for the person, but none of their groups gives a staff role here."""


class LocalPasswordBackend(ModelBackend):
    """Passwords stored here: for everyone without SSO; with SSO, for superusers only unless configured otherwise.

    With `LOCAL_PASSWORD_LOGIN=superusers` a staff member's local password (say, one set before SSO came) opens
    nothing, so leaving the company at the identity provider is leaving here too; the superuser's password is the
    break-glass way in when the provider is down.
    """

    def user_can_authenticate(self, user: User | AnonymousUser | None) -> bool:
        return super().user_can_authenticate(user) and isinstance(user, User) and local_password_allowed(user)


class SsoBackend(OIDCAuthenticationBackend):
    """Signs in whoever the identity provider vouches for, with the roles its groups map to."""

    # The library's own get_user skips the is_active check Django's backend makes.
    get_user = ModelBackend.get_user

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # Only the callback view passes a nonce: a password form posted to a URL with ?code=&state= is not SSO.
        if not sso_enabled() or "nonce" not in kwargs or "username" in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def get_payload_data(self, token: bytes | str, key: Any) -> dict[str, Any]:
        """Verify the ID token: signature and algorithm, issuer, audience, expiry (with a small leeway)."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
                raise SuspiciousOperation(f"ID token algorithm {header.get('alg')!r} is not {self.OIDC_RP_SIGN_ALGO}")
            return jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER,
                leeway=settings.OIDC_CLOCK_LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from error

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The person's claims: the verified ID token's, completed by the userinfo endpoint's for the same subject.

        Some providers (Entra ID) put the groups only in the ID token, others (Keycloak, as configured in
        docs/sso.md) in both; the userinfo answer must be about the same subject, or nothing is trusted.
        """
        userinfo = super().get_userinfo(access_token, id_token, payload) if self.OIDC_OP_USER_ENDPOINT else {}
        if userinfo.get("sub", payload["sub"]) != payload["sub"]:
            raise SuspiciousOperation("The userinfo answer is about another subject than the ID token.")
        return {**{name: value for name, value in payload.items() if name not in TOKEN_CLAIMS}, **userinfo}

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("sub"))

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User:
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("The provider sent no subject.")
        groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
        if isinstance(groups, str):
            groups = [groups]
        person = SsoPerson(
            issuer=str(payload["iss"]),
            subject=str(claims["sub"])[:255],
            username_hint=str(claims.get("preferred_username") or ""),
            email=_valid_email(claims.get("email")),
            first_name=str(claims.get("given_name") or ""),
            last_name=str(claims.get("family_name") or ""),
            groups=tuple(str(group) for group in groups),
        )
        roles = roles_for_groups(person.groups, group_roles_parse(settings.OIDC_GROUP_ROLES))
        user = user_sso_sync(person=person, roles=roles)
        if user is None or not user.is_staff:  # user_sso_sync made staff exactly those with a staff role
            raise NoStaffRole
        return user


def _valid_email(value: object) -> str:
    email = str(value or "")[:254]
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


class SsoLoginView(OIDCAuthenticationRequestView):
    """Send the browser to the provider with a fresh state, nonce and PKCE challenge (kept in the session)."""

    def get(self, request: HttpRequest) -> HttpResponseBase:
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back: check the state, redeem the code, verify the token, sign in."""

    def get(self, request: HttpRequest) -> HttpResponseBase:
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            return super().get(request)
        except NoStaffRole:
            return render(request, "registration/sso_no_role.html", sso_context(), status=403)
        except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError, KeyError, ValueError) as error:
            # A wrong state or nonce, a refused code, a token that does not verify: the reason goes to the log,
            # the person gets a page that says what to do, and nobody is signed in.
            logger.warning("Single sign-on refused: %s: %s", error.__class__.__name__, error)
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        return render(self.request, "registration/sso_failed.html", sso_context(), status=400)


def sso_context() -> dict[str, Any]:
    """What the sign-in pages need to offer SSO: its button's provider name ("" when SSO is off), and whether the
    password form below it is only the break-glass superuser's."""
    return {
        "sso_provider_name": settings.OIDC_PROVIDER_NAME if sso_enabled() else "",
        "local_password_break_glass_only": settings.LOCAL_PASSWORD_LOGIN == "superusers",  # noqa: S105
    }


def end_session_url(request: HttpRequest) -> str:
    """The provider's end-session URL for this session (RP-initiated logout), or "" when there is none to end."""
    id_token = request.session.get("oidc_id_token")
    if not (sso_enabled() and settings.OIDC_OP_LOGOUT_ENDPOINT and id_token):
        return ""
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL)),
        }
    )
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{query}"


class StaffLoginView(auth_views.LoginView):
    """The staff sign-in page: the local password form, and "Sign in with <provider>" when SSO is on."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **sso_context()}


class StaffLogoutView(auth_views.LogoutView):
    """Sign out here and, for a session that came from the provider, at the provider too."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        provider_logout = end_session_url(request)  # read before the session is flushed
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(provider_logout) if provider_logout else response
