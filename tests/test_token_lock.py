"""The API's lock check (hr_system.lockout.token_locked) gives axes' own answer for
the token credentials, from one query: it runs before every API request."""

import datetime as dt

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hr_system import lockout

ATTACKER = "198.51.100.7"
OFFICE = "113.160.1.1"


@pytest.fixture
def limits(settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 10
    settings.LOGIN_LOCKOUT_MINUTES = 15
    return settings


def api_request(address: str):
    return RequestFactory().get("/api/v1/people/employees", REMOTE_ADDR=address)


def wrong_tokens(n: int, address: str = ATTACKER) -> None:
    client = Client(REMOTE_ADDR=address)
    for i in range(n):
        client.get("/api/v1/people/employees", HTTP_AUTHORIZATION=f"Bearer hrt_guess{i}")


def wrong_logins(n: int, address: str = ATTACKER) -> None:
    client = Client(REMOTE_ADDR=address)
    for i in range(n):
        client.post("/login/", {"username": f"user{i}", "password": "wrong"})


def age_all_failures(minutes: int) -> None:
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=minutes))


SCENARIOS = {
    "nothing": (lambda: None, False),
    "two wrong tokens": (lambda: wrong_tokens(2), False),
    "three wrong tokens": (lambda: wrong_tokens(3), True),
    "nine wrong logins of other users": (lambda: wrong_logins(9), False),
    "two tokens and eight logins": (lambda: (wrong_tokens(2), wrong_logins(8)), True),
    "three wrong tokens, all expired": (lambda: (wrong_tokens(3), age_all_failures(16)), False),
    "three wrong tokens from elsewhere": (lambda: wrong_tokens(3, address=OFFICE), False),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", SCENARIOS)
def test_same_answer_as_axes_from_one_query(name, limits):
    make, expected = SCENARIOS[name]
    make()
    request = api_request(ATTACKER)
    with CaptureQueriesContext(connection) as captured:
        locked = lockout.token_locked(request)
    assert locked is expected
    assert len(captured.captured_queries) == 1
    assert AxesProxyHandler.is_locked(api_request(ATTACKER), dict(lockout.TOKEN_CREDENTIALS)) is expected
