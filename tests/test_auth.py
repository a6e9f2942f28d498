from django.test import override_settings

from tests.conftest import PASSWORD


@override_settings(LOGIN_MAX_FAILURES=3)
def test_login_locks_after_repeated_failures(cast, client):
    answers = [client.post("/login/", {"username": "hr_a", "password": "wrong"}).status_code for _ in range(3)]
    assert answers == [403, 403, 429]  # the failure that reaches the limit is told so
    r = client.post("/login/", {"username": "hr_a", "password": PASSWORD})
    assert r.status_code == 429
    assert "tạm bị khóa" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_and_logout(cast, client):
    r = client.post("/login/", {"username": "hr_a", "password": PASSWORD})
    assert r.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_open_redirect_is_refused(cast, client):
    r = client.post(
        "/login/?next=https://evil.example/",
        {"username": "hr_a", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert r.status_code == 302 and r["Location"] == "/"


def test_pages_have_csrf_protection(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    r = client.post("/login/", {"username": "hr_a", "password": PASSWORD})
    assert r.status_code == 403
