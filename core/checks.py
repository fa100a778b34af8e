"""`manage.py check` catches a half-configured single sign-on before a user meets it."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from core.roles import group_roles_parse

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
