"""System checks for settings that would otherwise fail late, or quietly leak."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from core.proxies import networks_parse

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
