"""The client's IP address, also behind a reverse proxy.

Exam venues are restricted by IP range and login failures are counted per address, so
the address must be the candidate's, not the proxy's, and must not be something the
candidate can forge. X-Forwarded-For is believed only when the request came from a
proxy listed in settings.TRUSTED_PROXIES (networks, from the environment), and then
only its right-most entries: each trusted proxy appends the address it saw, while the
left part of the header is whatever the client sent.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings


@functools.cache
def _trusted(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in networks)


def is_trusted_proxy(address: str) -> bool:
    """Whether `address` (a TCP peer or a hop of X-Forwarded-For) is one of TRUSTED_PROXIES."""
    networks = _trusted(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


def client_ip(request) -> str:
    """REMOTE_ADDR, or the nearest untrusted hop of X-Forwarded-For when REMOTE_ADDR
    is a trusted proxy. "" when unknown."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    if not is_trusted_proxy(address):
        return address
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not is_trusted_proxy(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return ""  # a mangled header: no address rather than a wrong one
    return address
