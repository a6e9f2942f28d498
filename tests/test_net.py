"""hr_system.net.client_ip: the peer, or the proxy's word only when the proxy is trusted."""

import pytest
from django.test import RequestFactory

from hr_system.net import client_ip


def ip(remote: str, forwarded: str | None = None) -> str:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert ip("113.160.1.1", "10.0.0.5") == "113.160.1.1"


@pytest.mark.parametrize(
    "remote, forwarded, expected",
    [
        ("10.0.0.2", "113.160.1.1", "113.160.1.1"),  # one trusted proxy
        ("10.0.0.2", "1.2.3.4, 113.160.1.1", "113.160.1.1"),  # forged left part ignored
        ("10.0.0.2", "113.160.1.1, 10.0.0.3", "113.160.1.1"),  # two trusted hops
        ("10.0.0.2", "", "10.0.0.2"),  # no header: the proxy itself
        ("10.0.0.2", "not-an-ip", ""),  # mangled: no address rather than a wrong one
        ("203.0.113.9", "10.20.0.8", "203.0.113.9"),  # an untrusted peer's header counts for nothing
    ],
)
def test_trusted_proxy_chain(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert ip(remote, forwarded) == expected
