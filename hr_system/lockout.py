"""Login lockout, through django-axes: every way in counts its failures.

Web login (/login/), the admin site's login and API tokens all count, so ten wrong
passwords on /admin/login/ no longer walk past a lock that /login/ set. Two limits:

- a username from one source address: LOGIN_MAX_FAILURES failures lock that pair. A
  stranger elsewhere cannot lock a named official out, since the pair includes the
  stranger's own address;
- one source address, whatever the usernames (and wrong API tokens):
  LOGIN_MAX_FAILURES_PER_ADDRESS failures lock the address, so spraying forty
  usernames from one machine is stopped.

A failure counts while it is younger than LOGIN_LOCKOUT_MINUTES; axes keeps one row per
username, address and browser and drops it once its latest failure is older than that,
so a lock ends LOGIN_LOCKOUT_MINUTES after the last failure. A successful login clears
the pair's failures. The client address is hr_system.net.client_ip (X-Forwarded-For
only from TRUSTED_PROXIES). Settings are read on each call, so tests can override them.
"""

from __future__ import annotations

import datetime as dt

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Q, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from hr_system.net import client_ip

API_PREFIX = "/api/"
# What failures without a username (wrong API tokens, an empty login form) count under.
NO_USERNAME = "(none)"


# --- settings callables (AXES_* in settings.py name these) ------------------------------


def failure_limit(request, credentials) -> int:
    return settings.LOGIN_MAX_FAILURES


def cool_off(request) -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def address_of(request) -> str | None:
    return client_ip(request) or None


def username_of(request, credentials) -> str:
    """Usernames are counted case-folded: "Hr_A" and "hr_a" are one official."""
    if credentials is not None and "username" in credentials:
        username = credentials["username"]
    else:
        username = request.POST.get("username") if request is not None else None
    if not username:
        # Not NULL: axes' one-row-per-(username, address, browser) key is a unique
        # constraint, and NULLs never collide in one. Under concurrent failures (wrong API
        # tokens from one client) NULL let two rows in, and every later failure of that
        # pair was a 500 (MultipleObjectsReturned). No real username has brackets.
        return NO_USERNAME
    return str(username).strip().casefold()[:150]


def lockout_message() -> str:
    return _("Tài khoản tạm bị khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau %(m)s phút.") % {
        "m": settings.LOGIN_LOCKOUT_MINUTES
    }


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out attempt gets: the login page with the lockout message, or the
    API's error envelope. 429: the answer is "not now", not "wrong password"."""
    if request.path.startswith(API_PREFIX):
        body = {"error": {"code": "too_many_failures", "message": lockout_message()}}
        return JsonResponse(body, status=429)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {"error": lockout_message(), "username": username, "next": request.GET.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


# --- the handler and the backend ---------------------------------------------------------


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler (username + address pairs) plus an address-wide limit."""

    def address_failures(self, request) -> int:
        attempts = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
        )
        return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0

    def address_locked(self, request) -> bool:
        return self.address_failures(request) >= settings.LOGIN_MAX_FAILURES_PER_ADDRESS

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not request.axes_locked_out and self.address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out attempt before any password is checked.

    `authenticate()` without a request (the test client's login(), a shell) has no
    source address to count against, and no HTTP path calls it so: our login view and
    the admin's both pass the request. Such calls are left to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


# --- API tokens ----------------------------------------------------------------------------


TOKEN_CREDENTIALS = {"username": None}


def token_locked(request) -> bool:
    """Whether the request's source address may not try a token now: too many wrong
    tokens from it, or too many failures of any kind from it.

    The same answer as `AxesProxyHandler.is_locked(request, TOKEN_CREDENTIALS)` (the
    (NO_USERNAME, address) pair's failures, then the address-wide sum), but from ONE
    query: it runs before every API request, and axes' two aggregates were a fifth of
    a candidate's answer save (bench/hot_path.py)."""
    AxesProxyHandler.update_request(request)
    credentials = dict(TOKEN_CREDENTIALS)
    pair = Q(username=username_of(request, credentials))
    failures = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
    ).aggregate(address=Sum("failures_since_start"), pair=Sum("failures_since_start", filter=pair))
    if settings.AXES_LOCK_OUT_AT_FAILURE and (failures["pair"] or 0) >= failure_limit(request, credentials):
        return True
    return (failures["address"] or 0) >= settings.LOGIN_MAX_FAILURES_PER_ADDRESS


def token_failed(request) -> None:
    """Count a wrong API token against the source address (there is no username)."""
    user_login_failed.send(sender=__name__, credentials=dict(TOKEN_CREDENTIALS), request=request)
