"""Request checks that hold for every page and endpoint.

- `TrustedProxyHeadersMiddleware`: X-Forwarded-Proto is believed only from a proxy in
  settings.TRUSTED_PROXIES (hr_system.net). SECURE_PROXY_SSL_HEADER alone believes any
  client's header, and a plain-HTTP client that sent "X-Forwarded-Proto: https" was
  treated as secure (no redirect to HTTPS, an HSTS preload header on plain HTTP).
- `ControlCharactersMiddleware`: a NUL byte or another C0 control character (tab, CR
  and LF excepted) in the path, the query, a form field, an uploaded file's name, a
  JSON body, a cookie or a header is refused with 400. PostgreSQL refuses NUL in text, so such a value reached
  the database as a 500 ("A string literal cannot contain NUL"); no field of ours
  legitimately holds one. The API answers in its error envelope, pages with a
  Vietnamese 400 page.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from hr_system.api_base import error_body
from hr_system.net import is_trusted_proxy

API_PREFIX = "/api/"

# C0 controls and DEL, less tab, LF and CR.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A URL path has no business with any control character, line breaks included (a
# newline also slips past the `.` of URL patterns, so /api/v1/<anything> with one would
# reach the HTML 404 page instead of the API's envelope).
PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A JSON string can carry a control character only escaped (\u0000…\u001f, \u007f);
# bodies without the escape, or a raw control byte, skip the parse.
JSON_CONTROL_HINT = re.compile(rb"\\u00[01][0-9a-fA-F]|\\u007[fF]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TrustedProxyHeadersMiddleware:
    """Drop X-Forwarded-Proto unless the TCP peer is a trusted proxy. Must come before
    SecurityMiddleware, which reads it through SECURE_PROXY_SSL_HEADER."""

    HEADERS = ("HTTP_X_FORWARDED_PROTO",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            for header in self.HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


def _json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _bad_form(data) -> str | None:
    for key, values in data.lists():
        if CONTROL.search(key) or any(isinstance(v, str) and CONTROL.search(v) for v in values):
            return key
    return None


def control_characters_in_head(request) -> str | None:
    """Where the path, query, headers, cookies or a JSON body carry a control character
    (the name of the field, or "path", "cookie", "body"); None when they do not."""
    if PATH_CONTROL.search(request.path_info):
        return "path"
    field = _bad_form(request.GET)
    if field is not None:
        return field
    for name, value in request.META.items():
        if name.startswith("HTTP_") and isinstance(value, str) and CONTROL.search(value):
            return name[5:].lower().replace("_", "-")
    for key, value in request.COOKIES.items():
        if CONTROL.search(key) or CONTROL.search(value):
            return "cookie"
    content_type = request.content_type or ""
    if request.method not in ("GET", "HEAD", "OPTIONS") and (
        content_type == "application/json" or content_type.endswith("+json")
    ):
        body = request.body
        if JSON_CONTROL_HINT.search(body):
            try:
                data = json.loads(body)
            except ValueError:
                return None  # not JSON at all: the endpoint reports it
            if any(CONTROL.search(s) for s in _json_strings(data)):
                return "body"
    return None


def control_characters_in_form(request) -> str | None:
    """The form field (or uploaded file's field) whose value or file name carries one."""
    field = _bad_form(request.POST)
    if field is not None:
        return field
    for key, upload in request.FILES.items():
        if CONTROL.search(upload.name or ""):
            return key
    return None


class ControlCharactersMiddleware:
    """Refuse input that carries control characters (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Clocks' ADMS uploads (devices/adms.py) judge each line themselves: one bad
        # ATTLOG line is rejected with its reason and the rest of the batch is stored.
        self.exempt = tuple(getattr(settings, "CONTROL_CHARACTERS_EXEMPT_PATHS", ()))

    def __call__(self, request):
        if not request.path_info.startswith(self.exempt):
            field = control_characters_in_head(request)
            if field is not None:
                return self.refuse(request, field)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Form bodies are read here, where the view is known. A multipart body is left
        to views marked csrf_exempt (django-ninja's, and any view that installs its own
        upload handlers, which it can do only before the body is read); for every other
        view CsrfViewMiddleware reads it before the view anyway."""
        if request.method in ("GET", "HEAD", "OPTIONS") or request.path_info.startswith(self.exempt):
            return None
        content_type = request.content_type or ""
        multipart = content_type == "multipart/form-data"
        if content_type != "application/x-www-form-urlencoded" and not multipart:
            return None
        if multipart and getattr(view_func, "csrf_exempt", False):
            return None
        field = control_characters_in_form(request)
        return self.refuse(request, field) if field is not None else None

    @staticmethod
    def refuse(request, field: str):
        message = _("Dữ liệu gửi lên chứa ký tự điều khiển (như ký tự NUL) không được phép.")
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse(
                error_body("bad_request", message, {field: [_("Có ký tự điều khiển không được phép.")]}),
                status=400,
            )
        return HttpResponseBadRequest(render_to_string("400.html", {"message": message}))
