"""Endpoints for machines, not people: `/healthz` for a load balancer or monitor,
`/metrics` for Prometheus."""

from __future__ import annotations

import functools
import hmac
import ipaddress

from django.conf import settings
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from hr_system import health, metrics
from hr_system.net import client_ip


@require_GET
@never_cache
def healthz(request):
    ok, body = health.health()
    return JsonResponse(body, status=200 if ok else 503)


@functools.cache
def _networks(networks: tuple[str, ...]):
    return tuple(ipaddress.ip_network(n, strict=False) for n in networks)


def _bearer_ok(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not token or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode())


def _address_ok(request) -> bool:
    networks = _networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    try:
        ip = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(ip in n for n in networks)


@require_GET
@never_cache
def metrics_view(request):
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_NETWORKS:
        raise Http404  # not configured: the endpoint does not exist
    if not (_bearer_ok(request) or _address_ok(request)):
        return HttpResponseForbidden("forbidden", content_type="text/plain")
    return HttpResponse(metrics.render(), content_type=CONTENT_TYPE_LATEST)


def server_error(request):
    """The 500 page (urls.handler500). Rendered without the request context, as Django's
    own is, since the failure may be the database or a context processor; it adds only the
    request's id (hr_system.logs), which the person can quote and the log line carries."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"request_id": getattr(request, "request_id", "")}))


@require_GET
def favicon(request):
    """/favicon.ico, which browsers and bookmark tools ask for whatever the page links:
    a redirect to the hashed static file (cached for a year by WhiteNoise) instead of a
    logged 404 on every first visit."""
    response = HttpResponseRedirect(static("favicon.ico"))
    response["Cache-Control"] = "public, max-age=86400"
    return response
