"""Accounts and roles as pages: HR officers within their subtree, administrators
everywhere, the privilege ladder, temporary passwords and the forced change, each write
audited. Every action has its wrong-unit test."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from hr_system.accounts import actions
from hr_system.models import AccountState, AuditLog, Role
from tests.conftest import PASSWORD

User = get_user_model()
NEW_PASSWORD = "Đổi-mật-khẩu-2026"


def temporary_password_on(response) -> str:
    html = response.content.decode()
    start = html.index('<code id="password">') + len('<code id="password">')
    return html[start : html.index("</code>", start)]


def table(response, table_id: str) -> str:
    """The rows of one table of a page (the header names the signed-in user)."""
    html = response.content.decode()
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


@pytest.fixture
def mixed(cast):
    """A login with one role in commune A and one in commune B."""
    user = User.objects.create_user("mixed", password=PASSWORD)
    Role.objects.create(user=user, kind=Role.Kind.UNIT_HEAD, unit=cast.school_a)
    Role.objects.create(user=user, kind=Role.Kind.EXAM_BOARD, unit=cast.commune_b)
    return user


# --- creating a login --------------------------------------------------------------------


def test_hr_officer_creates_a_login_with_a_temporary_password_shown_once(cast, login):
    client = login(cast.hr_a)
    form = client.get("/accounts/new/?employee=102")
    assert form.status_code == 200 and "huonglt" in form.content.decode()  # "Lò Thị Hương"

    r = client.post("/accounts/new/", {"employee": "102", "username": "", "role_kind": "employee"})
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    password = temporary_password_on(r)
    assert len(password) == actions.TEMPORARY_LENGTH

    cast.teacher_a.refresh_from_db()
    account = cast.teacher_a.user
    assert account.username == "huonglt" and account.check_password(password)
    assert list(account.roles.values_list("kind", "unit__code")) == [("employee", "P-MC-TH")]
    state = AccountState.objects.get(user=account)
    assert state.must_change_password and state.password_set_by == cast.hr_a
    entry = AuditLog.objects.get(action="account.create")
    assert entry.user == cast.hr_a and entry.detail["employee"] == "102"
    assert password not in json.dumps(entry.detail)

    detail = client.get(f"/accounts/{account.pk}/")
    assert detail.status_code == 200 and password not in detail.content.decode()  # shown once


def test_username_suggestion_is_folded_and_unique(cast):
    assert actions.suggest_username("Lò Thị Hương") == "huonglt"
    assert actions.suggest_username("Đinh Văn Đức") == "ducdv"
    User.objects.create_user("huonglt")
    User.objects.create_user("huonglt2")
    assert actions.suggest_username("Lò Thị Hương") == "huonglt3"


def test_a_taken_username_is_refused_in_vietnamese(cast, login):
    r = login(cast.hr_a).post("/accounts/new/", {"employee": "102", "username": "HR_A", "role_kind": "employee"})
    assert "Tên đăng nhập đã được sử dụng." in r.content.decode()
    cast.teacher_a.refresh_from_db()
    assert cast.teacher_a.user is None


def test_employee_with_a_login_gets_no_second_one(cast, login):
    r = login(cast.hr_a).post("/accounts/new/", {"employee": "101", "username": "an2", "role_kind": "employee"})
    assert r.status_code == 200 and not User.objects.filter(username="an2").exists()


def test_wrong_unit_create_is_not_found(cast, login):
    r = login(cast.hr_a).post("/accounts/new/", {"employee": "201", "username": "ducvc", "role_kind": "employee"})
    assert r.status_code == 404
    assert not User.objects.filter(username="ducvc").exists()


def test_employee_picker_lists_only_people_without_login_in_scope(cast, login):
    html = table(login(cast.hr_a).get("/accounts/new/"), "candidates")
    assert "Lò Thị Hương" in html
    assert "Nguyễn Văn An" not in html  # has a login
    assert "Cầm Văn Đức" not in html  # commune B
    html = table(login(cast.hr_a).get("/accounts/new/?q=LO THI HUONG"), "candidates")
    assert "Lò Thị Hương" in html  # typed without diacritics


def test_only_managers_reach_account_pages(cast, login):
    assert login(cast.head_a).get("/accounts/").status_code == 403
    assert login(cast.staff_user).get("/accounts/roles/").status_code == 403


# --- lists -------------------------------------------------------------------------------


def test_account_list_is_scoped_and_filterable(cast, login, mixed):
    client = login(cast.hr_a)
    html = table(client.get("/accounts/"), "accounts")
    assert "hr_a" in html and "head_a" in html and ">an<" in html
    assert "hr_b" not in html and "root" not in html and "mixed" not in html
    html = table(client.get("/accounts/?kind=unit_head"), "accounts")
    assert "head_a" in html and ">an<" not in html
    html = table(client.get("/accounts/?q=nguyen van"), "accounts")
    assert ">an<" in html and "head_a" not in html
    html = table(client.get("/accounts/?unit=P-MC-UB"), "accounts")
    assert ">an<" in html and "head_a" not in html


def test_roles_in_a_unit_list_who_holds_what(cast, login):
    client = login(cast.hr_a)
    html = table(client.get("/accounts/roles/?unit=P-MC-TH"), "roles")
    assert "head_a" in html and "hr_a" not in html  # hr_a's role is on the commune, above the school
    html = table(client.get("/accounts/roles/"), "roles")
    assert "hr_a" in html and "hr_b" not in html
    assert client.get("/accounts/roles/?unit=X-DK").status_code == 404  # commune B: outside
    assert client.get("/accounts/?unit=X-DK").status_code == 404


# --- roles and the ladder ----------------------------------------------------------------


def test_hr_officer_grants_roles_up_to_their_own_inside_their_subtree(cast, login):
    client = login(cast.hr_a)
    r = client.post(f"/accounts/{cast.staff_user.pk}/roles/", {"kind": "unit_head", "unit": "P-MC-UB"})
    assert r.status_code == 302
    r = client.post(f"/accounts/{cast.staff_user.pk}/roles/", {"kind": "hr_officer", "unit": "P-MC-TH"})
    assert r.status_code == 302
    assert set(cast.staff_user.roles.values_list("kind", "unit__code")) == {
        ("unit_head", "P-MC-UB"),
        ("hr_officer", "P-MC-TH"),
    }
    assert AuditLog.objects.filter(action="account.role_grant", object_id=str(cast.staff_user.pk)).count() == 2


def test_hr_officer_cannot_grant_admin(cast, login):
    r = login(cast.hr_a).post(f"/accounts/{cast.staff_user.pk}/roles/", {"kind": "admin", "unit": ""})
    assert r.status_code == 403
    assert not cast.staff_user.roles.filter(kind="admin").exists()


@pytest.mark.parametrize("unit", ["X-DK", "X-DK-UB", "SL"])
def test_wrong_unit_role_grant_is_refused(cast, login, unit):
    """Commune B, or the province above A: outside hr_a's subtree."""
    r = login(cast.hr_a).post(f"/accounts/{cast.staff_user.pk}/roles/", {"kind": "unit_head", "unit": unit})
    assert r.status_code == 422
    assert "Không có đơn vị này trong phạm vi bạn quản lý." in r.content.decode()
    assert not cast.staff_user.roles.exists()


def test_admin_grants_admin(cast, login):
    r = login(cast.admin).post(f"/accounts/{cast.hr_a.pk}/roles/", {"kind": "admin", "unit": ""})
    assert r.status_code == 302
    assert cast.hr_a.roles.filter(kind="admin", unit=None).exists()


def test_remove_role_and_wrong_unit_remove(cast, login):
    client = login(cast.hr_a)
    role = cast.head_a.roles.get()
    assert client.post(f"/accounts/{cast.head_a.pk}/roles/{role.pk}/remove/").status_code == 302
    assert not cast.head_a.roles.exists()
    assert AuditLog.objects.filter(action="account.role_revoke", detail__kind="unit_head").exists()
    other = cast.hr_b.roles.get()
    assert client.post(f"/accounts/{cast.hr_b.pk}/roles/{other.pk}/remove/").status_code == 404
    assert cast.hr_b.roles.exists()


def test_nobody_changes_their_own_roles(cast, login):
    client = login(cast.hr_a)
    r = client.post(f"/accounts/{cast.hr_a.pk}/roles/", {"kind": "unit_head", "unit": "P-MC-TH"})
    assert r.status_code == 403
    assert client.post(f"/accounts/{cast.hr_a.pk}/password/").status_code == 403


# --- acting on logins outside the subtree ------------------------------------------------


ACTIONS = [
    ("get", "/accounts/{id}/", {}),
    ("post", "/accounts/{id}/password/", {}),
    ("post", "/accounts/{id}/active/", {"active": "0"}),
    ("post", "/accounts/{id}/roles/", {"kind": "employee", "unit": "P-MC-UB"}),
    ("post", "/accounts/{id}/link/", {"employee": "102"}),
]


@pytest.mark.parametrize("method,url,data", ACTIONS)
@pytest.mark.parametrize("target", ["hr_b", "admin", "mixed"])
def test_wrong_unit_login_is_not_found(cast, login, mixed, method, url, data, target):
    account = mixed if target == "mixed" else getattr(cast, target)
    before = (account.password, account.is_active, account.roles.count())
    r = getattr(login(cast.hr_a), method)(url.format(id=account.pk), data)
    assert r.status_code == 404
    account.refresh_from_db()
    assert (account.password, account.is_active, account.roles.count()) == before
    assert not AuditLog.objects.filter(action__startswith="account.").exists()


# --- link, deactivate, reset ------------------------------------------------------------


def test_link_an_existing_login_to_an_employee(cast, login):
    client = login(cast.hr_a)
    assert client.post(f"/accounts/{cast.head_a.pk}/link/", {"employee": "201"}).status_code == 404  # commune B
    r = client.post(f"/accounts/{cast.head_a.pk}/link/", {"employee": "102"})
    assert r.status_code == 302
    cast.teacher_a.refresh_from_db()
    assert cast.teacher_a.user == cast.head_a
    assert AuditLog.objects.filter(action="account.link", detail__employee="102").exists()


def test_deactivate_ends_the_session_and_reactivate(cast, login, client):
    client.force_login(cast.staff_user)
    assert client.get("/").status_code == 200
    from django.test import Client

    hr = Client()
    hr.force_login(cast.hr_a)
    assert hr.post(f"/accounts/{cast.staff_user.pk}/active/", {"active": "0"}).status_code == 302
    assert client.get("/").status_code == 302  # signed out: an inactive login has no session
    assert client.login(username="an", password=PASSWORD) is False
    hr.post(f"/accounts/{cast.staff_user.pk}/active/", {"active": "1"})
    cast.staff_user.refresh_from_db()
    assert cast.staff_user.is_active
    assert [e.action for e in AuditLog.objects.order_by("at")] == ["account.deactivate", "account.reactivate"]


def sign_in(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_reset_password_forces_a_change_at_next_login(cast, login, client):
    hr = login(cast.hr_a)
    r = hr.post(f"/accounts/{cast.staff_user.pk}/password/")
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    password = temporary_password_on(r)
    assert not AuditLog.objects.filter(detail__icontains=password).exists()

    from django.test import Client

    user = Client()
    assert sign_in(user, "an", PASSWORD).status_code == 403  # the old password is gone
    assert sign_in(user, "an", password).status_code == 302
    r = user.get("/attendance/me/")
    assert r.status_code == 302 and r["Location"] == "/account/password/?next=%2Fattendance%2Fme%2F"
    api = user.get("/api/v1/people/employees")
    assert api.status_code == 403 and api.json()["error"]["code"] == "password_change_required"
    page = user.get("/account/password/")
    assert page.status_code == 200 and 'id="must-change"' in page.content.decode()

    r = user.post(
        "/account/password/",
        {
            "old_password": password,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "next": "/attendance/me/",
        },
    )
    assert r.status_code == 302 and r["Location"] == "/attendance/me/"
    assert user.get("/attendance/me/").status_code == 200  # still signed in, no longer forced
    state = AccountState.objects.get(user=cast.staff_user)
    assert not state.must_change_password and state.password_set_by == cast.staff_user
    assert AuditLog.objects.filter(action="account.password_change", user=cast.staff_user).exists()


def test_reset_password_lifts_the_lockout(cast, login, client, settings):
    settings.LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        sign_in(client, "an", "wrong")
    assert sign_in(client, "an", PASSWORD).status_code == 429
    password = temporary_password_on(login(cast.hr_a).post(f"/accounts/{cast.staff_user.pk}/password/"))
    from django.test import Client

    assert sign_in(Client(), "an", password).status_code == 302


# --- everyone's own password ---------------------------------------------------------------


@pytest.mark.parametrize(
    "new,message",
    [
        ("Ab1", "Mật khẩu quá ngắn: cần ít nhất 8 ký tự."),
        ("password123", "Mật khẩu này quá phổ biến."),
        ("20261234567", "Mật khẩu này hoàn toàn là số."),
        (PASSWORD, "Mật khẩu mới phải khác mật khẩu cũ."),
    ],
)
def test_password_change_messages_are_vietnamese(cast, login, new, message):
    r = login(cast.staff_user).post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert r.status_code == 422
    assert message in r.content.decode()
    cast.staff_user.refresh_from_db()
    assert cast.staff_user.check_password(PASSWORD)


def test_password_change_wrong_old_password_and_mismatch(cast, login):
    client = login(cast.staff_user)
    html = client.post(
        "/account/password/", {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    ).content.decode()
    assert "Mật khẩu cũ không chính xác" in html
    html = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "x"}
    ).content.decode()
    assert "Hai trường mật khẩu không giống nhau." in html
    page = client.get("/account/password/").content.decode()
    assert "Mật khẩu cũ" in page and "Mật khẩu mới" in page and "Mật khẩu của bạn không được" in page


def test_password_change_keeps_the_session(cast, client):
    client.post("/login/", {"username": "an", "password": PASSWORD})
    r = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.get("/").status_code == 200
    cast.staff_user.refresh_from_db()
    assert cast.staff_user.check_password(NEW_PASSWORD)


def test_token_page_writes_are_audited(cast, login):
    client = login(cast.staff_user)
    html = client.post("/account/tokens/", {"name": "Bảng tính"}).content.decode()
    token = cast.staff_user.api_tokens.get()
    entry = AuditLog.objects.get(action="account.token_create")
    assert entry.detail == {"name": "Bảng tính"} and token.hint not in json.dumps(entry.detail)
    assert 'id="new-token"' in html
    assert client.post("/account/tokens/", {"revoke": "abc"}).status_code == 404
    other = cast.hr_a.api_tokens.create(name="x", digest="d" * 64, hint="hrt_x")
    assert client.post("/account/tokens/", {"revoke": str(other.pk)}).status_code == 404
    client.post("/account/tokens/", {"revoke": str(token.pk)})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditLog.objects.filter(action="account.token_revoke").count() == 1


@pytest.mark.parametrize("password", ["hoant", "12345678", "password", "hoanguyen1"])
def test_every_configured_validator_speaks_vietnamese(db, password):
    """AUTH_PASSWORD_VALIDATORS' messages and help texts, whatever they refuse."""
    from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
    from django.core.exceptions import ValidationError

    user = User(username="hoanguyen", first_name="Nguyễn Thị Hoa")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    for message in [*refused.value.messages, *password_validators_help_texts()]:
        assert "password" not in message.lower() and "Mật khẩu" in message, message


def test_a_forced_user_can_still_sign_out_and_use_a_token(cast, client):
    from hr_system.models import ApiToken

    _token, raw = ApiToken.issue(cast.staff_user, "script")
    AccountState.objects.create(user=cast.staff_user, must_change_password=True)
    assert sign_in(client, "an", PASSWORD).status_code == 302
    assert client.get("/employees/")["Location"].startswith("/account/password/")
    assert client.get("/admin/").status_code == 302
    from django.test import Client

    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/accounts/tokens").status_code == 200
    r = client.post("/logout/")
    assert r.status_code == 302 and r["Location"] == "/login/"
    assert client.get("/")["Location"] == "/login/?next=/"
