"""Who is asking: the client's address, seen through the reverse proxies we trust and no others.

Every per-client limit (the public form, wrong tracking links, the staff lockout of django-axes), the
audit trail and the probes' trusted networks ask `client_address` and nothing else. Without
`TRUSTED_PROXY_NETWORKS` forwarding headers are ignored: the address is the one that opened the
connection (REMOTE_ADDR). With it, and only when that connection comes from one of those networks, the
client is the right-most address of `X-Forwarded-For` that is not itself a trusted proxy: each proxy
appends the address it was reached from, so everything to the left of the last hop we trust was written
by the client and proves nothing.
"""

import functools
import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def networks_parse(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """CIDR strings (`10.0.0.0/8`, `2001:db8::/32`, a bare address) as networks; a bad one is a configuration error."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"{entry!r} is not an IP network (CIDR, e.g. 10.0.0.0/8)") from None
    return tuple(networks)


def address_parse(text: str) -> IPAddress | None:
    """An address as a proxy writes it (`192.0.2.1`, `192.0.2.1:5678`, `[2001:db8::1]:443`), or None if it is not one.

    An IPv4 address mapped into IPv6 (`::ffff:192.0.2.1`) is the IPv4 address, so one client has one key.
    """
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_in(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def trusted_proxy_networks() -> tuple[IPNetwork, ...]:
    return networks_parse(tuple(settings.TRUSTED_PROXY_NETWORKS))


def client_address(request: HttpRequest) -> str | None:
    """The client's address (see the module's docstring), or None when the connection has none (a Unix socket)."""
    peer = address_parse(request.META.get("REMOTE_ADDR", ""))
    proxies = trusted_proxy_networks()
    if peer is None or not proxies or not address_in(peer, proxies):
        return str(peer) if peer is not None else None
    client = peer
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = address_parse(hop)
        if address is None:
            # A hop that is no address was not written by a proxy we trust; stop at the last one that was.
            break
        client = address
        if not address_in(address, proxies):
            break
    return str(client)


def client_key(request: HttpRequest) -> str:
    """The client's address as a rate-limit key; `unknown` when there is none."""
    return client_address(request) or "unknown"


def monitoring_client(request: HttpRequest) -> bool:
    """Whether the client is this host (loopback) or one of `MONITORING_NETWORKS`: the scrapers and probes."""
    address = client_address(request)
    parsed = address_parse(address) if address else None
    if parsed is None:
        return False
    return parsed.is_loopback or address_in(parsed, networks_parse(tuple(settings.MONITORING_NETWORKS)))
