"""System checks for settings that would otherwise fail late, or quietly leak: proxies, e-mail, single sign-on."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from core.proxies import networks_parse
from core.roles import group_roles_parse

# These write every message, with its private tracking link, where logs are read: development only.
DEVELOPMENT_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register()
def networks_check(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """TRUSTED_PROXY_NETWORKS and MONITORING_NETWORKS are lists of networks, refused at start-up otherwise."""
    errors: list[CheckMessage] = []
    for name in ("TRUSTED_PROXY_NETWORKS", "MONITORING_NETWORKS"):
        try:
            networks_parse(tuple(getattr(settings, name)))
        except ImproperlyConfigured as error:
            errors.append(Error(f"{name}: {error}", id="core.E001"))
    return errors


@register(Tags.security, deploy=True)
def email_backend_check(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """The console and file e-mail backends are for development: in production they put tracking links in logs."""
    if settings.DEBUG or settings.EMAIL_BACKEND not in DEVELOPMENT_EMAIL_BACKENDS:
        return []
    return [
        Error(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}, which writes every e-mail (with its private tracking link) "
            "to the log or to disk.",
            hint="Set EMAIL_URL to your mail server, e.g. smtp+tls://user:password@smtp.example.com:587.",
            id="core.E002",
        )
    ]


REQUIRED_WITH_SSO = (
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_ISSUER",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
    "OIDC_GROUP_ROLES",
)


@register()
def sso_settings_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """With OIDC_RP_CLIENT_ID set, every endpoint and the group mapping must be there, and the mapping valid."""
    errors = []
    if settings.LOCAL_PASSWORD_LOGIN not in ("all", "superusers"):
        errors.append(Error("LOCAL_PASSWORD_LOGIN must be 'all' or 'superusers'.", id="core.E101"))
    if not settings.OIDC_RP_CLIENT_ID:
        return errors
    errors += [
        Error(f"{name} must be set when OIDC_RP_CLIENT_ID is (docs/sso.md).", id="core.E102")
        for name in REQUIRED_WITH_SSO
        if not getattr(settings, name)
    ]
    try:
        group_roles_parse(settings.OIDC_GROUP_ROLES)
    except ValueError as error:
        errors.append(Error(f"OIDC_GROUP_ROLES: {error}.", id="core.E103"))
    return errors
