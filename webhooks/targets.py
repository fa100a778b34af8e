"""Which receiver URLs are acceptable: HTTPS to a public host, unless the host is explicitly allowed.

Checked when an endpoint is registered (`validate_endpoint_url`) and again, on the resolved addresses,
before every delivery (`address_refusal`), because a name may point somewhere else by then.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def host_is_allowed(host: str) -> bool:
    """Hosts in WEBHOOKS_ALLOW_HTTP_HOSTS may use plain HTTP and private or loopback addresses."""
    allowed = {name.strip().lower() for name in settings.WEBHOOKS_ALLOW_HTTP_HOSTS}
    return host.lower() in allowed


def _is_public(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        return False


def validate_endpoint_url(url: str) -> None:
    """Refuse URLs a receiver should not have: plain HTTP, credentials, non-public addresses."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        raise ValidationError(_("Enter a valid URL."), code="invalid") from None
    host = (parts.hostname or "").lower()
    if not host:
        raise ValidationError(_("Enter a URL with a host name."), code="invalid")
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            _("Leave user names and passwords out of the URL; deliveries are signed with the endpoint's secret."),
            code="userinfo",
        )
    if parts.fragment:
        raise ValidationError(_("Leave the #fragment out of the URL."), code="fragment")
    if parts.scheme == "http" and not host_is_allowed(host):
        raise ValidationError(_("Use an https:// URL; plain http:// is refused."), code="http")
    if parts.scheme not in ("http", "https"):
        raise ValidationError(_("Use an https:// URL."), code="scheme")
    if host_is_allowed(host):
        return
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise ValidationError(_("Use a public host name, not a local one."), code="private")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return  # a name: its addresses are checked before each delivery
    if not literal.is_global:
        raise ValidationError(_("Use a public address, not a private, loopback or reserved one."), code="private")


def address_refusal(url: str) -> str:
    """Why a delivery to `url` must not be sent now ("" when it may): its host resolves to a non-public address.

    Resolving here and again in the HTTP client leaves a short window for DNS tricks; it stops the
    obvious cases (a name that points at 127.0.0.1 or the cloud metadata address).
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host_is_allowed(host):
        return ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError, ValueError) as error:
        return f"could not resolve {host}: {error}"
    private = sorted(address for address in addresses if not _is_public(address))
    if private:
        return f"refused: {host} resolves to a non-public address ({', '.join(private)})"
    return ""
