"""Every way in counts its failures (web login, admin login, API tokens), locked by
username + source address and by source address alone; old failures expire."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from hr_system.models import ApiToken
from tests.conftest import PASSWORD

ATTACKER = "198.51.100.7"
OFFICE = "113.160.1.1"


def client_from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def web_login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def admin_login(client, username, password):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password, "next": "/admin/"})


@pytest.fixture
def limits(settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 10
    settings.LOGIN_LOCKOUT_MINUTES = 15
    return settings


def test_admin_login_locks_out_after_repeated_failures(cast, limits):
    client = client_from(ATTACKER)
    for _ in range(10):
        admin_login(client, "root", "wrong")
    r = admin_login(client, "root", PASSWORD)
    assert r.status_code == 429
    assert "tạm bị khóa" in r.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still the login page


def test_failures_on_the_web_login_lock_the_admin_login_too(cast, limits):
    client = client_from(ATTACKER)
    assert [web_login(client, "root", "wrong").status_code for _ in range(3)] == [403, 403, 429]
    assert web_login(client, "root", PASSWORD).status_code == 429
    r = admin_login(client, "root", PASSWORD)
    assert r.status_code == 429 and "_auth_user_id" not in client.session


def test_the_locked_username_still_logs_in_from_its_own_office(cast, limits):
    attacker = client_from(ATTACKER)
    for _ in range(5):
        web_login(attacker, "hr_a", "wrong")
    assert web_login(attacker, "hr_a", PASSWORD).status_code == 429
    # A stranger cannot lock a named official out everywhere: the lock is per address.
    office = client_from(OFFICE)
    assert web_login(office, "hr_a", PASSWORD).status_code == 302


def test_case_does_not_split_the_count(cast, limits):
    client = client_from(ATTACKER)
    for username in ("HR_A", "Hr_a", "hr_A"):
        web_login(client, username, "wrong")
    assert web_login(client, "hr_a", PASSWORD).status_code == 429


def test_one_address_spraying_many_usernames_is_stopped(cast, limits):
    client = client_from(ATTACKER)
    answers = [web_login(client, f"user{i}", "wrong").status_code for i in range(40)]
    assert answers[:9] == [403] * 9
    assert set(answers[9:]) == {429}  # the tenth failure locks the address
    assert web_login(client, "hr_b", PASSWORD).status_code == 429
    assert web_login(client_from(OFFICE), "hr_b", PASSWORD).status_code == 302


def test_failures_older_than_the_window_are_forgotten(cast, limits):
    from axes.models import AccessAttempt

    client = client_from(ATTACKER)
    for _ in range(3):
        web_login(client, "hr_a", "wrong")
    assert web_login(client, "hr_a", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert web_login(client, "hr_a", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()  # pruned, and cleared by the success


def test_a_successful_login_clears_the_pair(cast, limits):
    client = client_from(OFFICE)
    for _ in range(2):
        web_login(client, "hr_a", "wrong")
    assert web_login(client, "hr_a", PASSWORD).status_code == 302
    client.post("/logout/")
    for _ in range(2):
        web_login(client, "hr_a", "wrong")
    assert web_login(client, "hr_a", PASSWORD).status_code == 302


def test_wrong_api_tokens_lock_the_address(cast, limits):
    _token, raw = ApiToken.issue(cast.hr_a, "script")
    client = client_from(ATTACKER)
    answers = []
    for i in range(4):
        r = client.get("/api/v1/people/employees", HTTP_AUTHORIZATION=f"Bearer hrt_guess{i}")
        answers.append(r.status_code)
    assert answers[:2] == [401, 401] and answers[2:] == [429, 429]
    r = client.get("/api/v1/people/employees", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "too_many_failures"
    # The token still works from anywhere else.
    r = client_from(OFFICE).get("/api/v1/people/employees", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 200


def test_wrong_tokens_count_towards_the_address_limit(cast, limits):
    client = client_from(ATTACKER)
    for i in range(2):
        client.get("/api/v1/people/employees", HTTP_AUTHORIZATION=f"Bearer hrt_guess{i}")
    for i in range(8):
        web_login(client, f"user{i}", "wrong")
    assert web_login(client, "hr_a", PASSWORD).status_code == 429


def test_the_address_comes_from_trusted_proxies_only(cast, limits):
    limits.TRUSTED_PROXIES = ["10.0.0.0/24"]
    behind_proxy = client_from("10.0.0.2")
    for _ in range(3):
        behind_proxy.post("/login/", {"username": "hr_a", "password": "wrong"}, HTTP_X_FORWARDED_FOR=ATTACKER)
    r = behind_proxy.post("/login/", {"username": "hr_a", "password": PASSWORD}, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert r.status_code == 429
    r = behind_proxy.post("/login/", {"username": "hr_a", "password": PASSWORD}, HTTP_X_FORWARDED_FOR=OFFICE)
    assert r.status_code == 302
    # A client that is not a proxy cannot pick its address with the header.
    direct = client_from(ATTACKER)
    r = direct.post("/login/", {"username": "hr_a", "password": PASSWORD}, HTTP_X_FORWARDED_FOR=OFFICE)
    assert r.status_code == 429


@pytest.mark.django_db
def test_wrong_tokens_count_under_one_non_null_username_so_axes_unique_key_holds(client):
    """NULL usernames escaped axes' unique (username, address, browser) key: two
    concurrent wrong tokens stored two rows and every later failure answered 500."""
    from axes.models import AccessAttempt

    from hr_system.lockout import NO_USERNAME

    for _ in range(2):
        response = client.get("/api/v1/org/units", HTTP_AUTHORIZATION="Bearer hrt_wrong")
        assert response.status_code == 401
    attempts = list(AccessAttempt.objects.all())
    assert [(a.username, a.failures_since_start) for a in attempts] == [(NO_USERNAME, 2)]
