"""/api/v1/accounts: the same rules as the pages, for integrators (token auth) and the
session, in the one error envelope; personal tokens created and revoked by their owner."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hr_system.models import AccountState, ApiToken, AuditLog, Role

User = get_user_model()
API = "/api/v1/accounts"
NEW_PASSWORD = "Đổi-mật-khẩu-2026"


def bearer(user) -> Client:
    _token, raw = ApiToken.issue(user, "test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_create_login_returns_the_temporary_password_once(cast):
    api = bearer(cast.hr_a)
    r = post(api, f"{API}/users", {"employee": "102"})
    assert r.status_code == 201, r.content
    body = r.json()
    password = body["temporary_password"]
    account = body["account"]
    assert account["username"] == "huonglt" and account["employee"] == "102"
    assert account["must_change_password"] is True
    assert account["roles"] == [
        {
            "id": account["roles"][0]["id"],
            "kind": "employee",
            "unit": "P-MC-TH",
            "unit_name": "Trường Tiểu học Mộc Châu",
        }
    ]
    assert User.objects.get(username="huonglt").check_password(password)
    again = api.get(f"{API}/users/{account['id']}")
    assert again.status_code == 200 and password not in again.content.decode()
    assert password not in json.dumps(list(AuditLog.objects.values_list("detail", flat=True)))


def test_username_suggestion(cast):
    r = bearer(cast.hr_a).get(f"{API}/username-suggestion?employee=102")
    assert r.json() == {"employee": "102", "username": "huonglt"}
    assert bearer(cast.hr_a).get(f"{API}/username-suggestion?employee=201").status_code == 404


def test_wrong_unit_create_is_not_found(cast):
    r = post(bearer(cast.hr_a), f"{API}/users", {"employee": "201", "username": "ducvc"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert not User.objects.filter(username="ducvc").exists()


def test_bad_username_is_a_field_error(cast):
    r = post(bearer(cast.hr_a), f"{API}/users", {"employee": "102", "username": "có dấu"})
    assert r.status_code == 422 and "username" in r.json()["error"]["fields"]
    r = post(bearer(cast.hr_a), f"{API}/users", {"employee": "102", "extra": 1})
    assert r.status_code == 422 and "extra" in r.json()["error"]["fields"]


def test_roles_up_to_hr_officer_inside_the_subtree(cast):
    api = bearer(cast.hr_a)
    r = post(api, f"{API}/users/{cast.staff_user.pk}/roles", {"kind": "exam_board", "unit": "P-MC"})
    assert r.status_code == 201 and r.json()["unit"] == "P-MC"
    r = post(api, f"{API}/users/{cast.staff_user.pk}/roles", {"kind": "exam_board", "unit": "P-MC"})
    assert r.status_code == 422 and "kind" in r.json()["error"]["fields"]  # already held
    r = post(api, f"{API}/users/{cast.staff_user.pk}/roles", {"kind": "admin"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = post(api, f"{API}/users/{cast.staff_user.pk}/roles", {"kind": "hr_officer", "unit": "X-DK"})
    assert r.status_code == 422 and "unit" in r.json()["error"]["fields"]
    r = post(api, f"{API}/users/{cast.staff_user.pk}/roles", {"kind": "unit_head", "unit": "SL"})
    assert r.status_code == 422 and "unit" in r.json()["error"]["fields"]
    assert list(cast.staff_user.roles.values_list("kind", flat=True)) == ["exam_board"]


def test_revoke_role_and_wrong_unit_revoke(cast):
    api = bearer(cast.hr_a)
    role = cast.head_a.roles.get()
    assert api.delete(f"{API}/users/{cast.head_a.pk}/roles/{role.pk}").status_code == 204
    other = cast.hr_b.roles.get()
    assert api.delete(f"{API}/users/{cast.hr_b.pk}/roles/{other.pk}").status_code == 404
    assert api.delete(f"{API}/users/{cast.head_a.pk}/roles/{other.pk}").status_code == 404  # not that user's role
    assert cast.hr_b.roles.exists()


@pytest.mark.parametrize(
    "method,path,data",
    [
        ("get", "/users/{id}", None),
        ("post", "/users/{id}/password-reset", {}),
        ("post", "/users/{id}/deactivate", {}),
        ("post", "/users/{id}/reactivate", {}),
        ("post", "/users/{id}/roles", {"kind": "employee", "unit": "P-MC-UB"}),
        ("post", "/users/{id}/link", {"employee": "102"}),
    ],
)
@pytest.mark.parametrize("target", ["hr_b", "admin"])
def test_wrong_unit_login_is_not_found(cast, method, path, data, target):
    account = getattr(cast, target)
    before = (account.password, account.is_active, account.roles.count())
    api = bearer(cast.hr_a)
    url = API + path.format(id=account.pk)
    r = api.get(url) if method == "get" else post(api, url, data)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    account.refresh_from_db()
    assert (account.password, account.is_active, account.roles.count()) == before


def test_deactivate_stops_the_tokens_then_reactivate(cast):
    victim = bearer(cast.staff_user)
    assert victim.get(f"{API}/tokens").status_code == 200
    api = bearer(cast.hr_a)
    r = post(api, f"{API}/users/{cast.staff_user.pk}/deactivate")
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert victim.get(f"{API}/tokens").status_code == 401
    assert post(api, f"{API}/users/{cast.staff_user.pk}/reactivate").json()["is_active"] is True
    assert victim.get(f"{API}/tokens").status_code == 200


def test_reset_then_session_api_is_refused_until_the_password_changes(cast):
    r = post(bearer(cast.hr_a), f"{API}/users/{cast.staff_user.pk}/password-reset")
    assert r.status_code == 200
    password = r.json()["temporary_password"]
    assert r.json()["account"]["must_change_password"] is True

    session = Client()
    assert session.post("/login/", {"username": "an", "password": password}).status_code == 302
    refused = session.get("/api/v1/people/employees")
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "password_change_required",
        "message": "Bạn phải đổi mật khẩu tạm thời trước khi tiếp tục.",
    }
    r = post(session, f"{API}/password", {"old_password": password, "new_password": "83920571046"})
    assert r.status_code == 422 and r.json()["error"]["fields"]["new_password"] == ["Mật khẩu này hoàn toàn là số."]
    r = post(session, f"{API}/password", {"old_password": "wrong", "new_password": NEW_PASSWORD})
    assert r.status_code == 422 and "old_password" in r.json()["error"]["fields"]
    assert post(session, f"{API}/password", {"old_password": password, "new_password": NEW_PASSWORD}).status_code == 204
    assert session.get("/api/v1/people/employees").status_code == 200  # same session, no longer forced
    assert not AccountState.objects.get(user=cast.staff_user).must_change_password


def test_self_actions_are_refused(cast):
    api = bearer(cast.hr_a)
    assert post(api, f"{API}/users/{cast.hr_a.pk}/password-reset").status_code == 403
    assert post(api, f"{API}/users/{cast.hr_a.pk}/roles", {"kind": "unit_head", "unit": "P-MC"}).status_code == 403


def test_lists_are_scoped_and_filtered(cast):
    api = bearer(cast.hr_a)
    names = {a["username"] for a in api.get(f"{API}/users").json()["items"]}
    assert names == {"hr_a", "head_a", "an"}
    names = {a["username"] for a in bearer(cast.admin).get(f"{API}/users").json()["items"]}
    assert {"hr_a", "hr_b", "root"} <= names
    roles = api.get(f"{API}/roles?unit=P-MC-TH").json()["items"]
    assert [(r["username"], r["kind"], r["unit"]) for r in roles] == [("head_a", "unit_head", "P-MC-TH")]
    assert api.get(f"{API}/roles?unit=X-DK").status_code == 404
    assert api.get(f"{API}/users?kind=hr_officer").json()["count"] == 1
    assert bearer(cast.head_a).get(f"{API}/users").status_code == 403


def test_admin_grants_admin_and_link(cast):
    api = bearer(cast.admin)
    r = post(api, f"{API}/users/{cast.hr_b.pk}/roles", {"kind": "admin", "unit": "X-DK"})
    assert r.status_code == 201 and r.json()["unit"] is None  # an administrator's scope is everything
    bare = User.objects.create_user("bare")
    r = post(api, f"{API}/users/{bare.pk}/link", {"employee": "201"})
    assert r.status_code == 200 and r.json()["employee"] == "201"
    assert post(bearer(cast.hr_a), f"{API}/users/{bare.pk}/link", {"employee": "102"}).status_code == 404


# --- personal tokens ---------------------------------------------------------------------


def test_tokens_are_created_listed_and_revoked_by_their_owner(cast):
    api = bearer(cast.staff_user)
    r = post(api, f"{API}/tokens", {"name": "Bảng lương"})
    assert r.status_code == 201
    raw = r.json()["token"]
    assert raw.startswith("hrt_")
    fresh = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    items = fresh.get(f"{API}/tokens").json()["items"]
    assert {t["name"] for t in items} == {"test", "Bảng lương"} and all("token" not in t for t in items)
    assert raw not in json.dumps(list(AuditLog.objects.values_list("detail", flat=True)))

    other = ApiToken.issue(cast.hr_a, "hr")[0]
    assert fresh.delete(f"{API}/tokens/{other.pk}").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None

    assert fresh.delete(f"{API}/tokens/{r.json()['id']}").status_code == 204
    assert fresh.get(f"{API}/tokens").status_code == 401
    assert set(AuditLog.objects.values_list("action", flat=True)) == {"account.token_create", "account.token_revoke"}


def test_a_token_cannot_be_made_for_someone_else(cast):
    r = post(bearer(cast.admin), f"{API}/tokens", {"name": "x", "user": cast.hr_a.pk})
    assert r.status_code == 422 and "user" in r.json()["error"]["fields"]
    assert not cast.hr_a.api_tokens.exists()


def test_session_api_needs_csrf(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.hr_a)
    r = post(client, f"{API}/users/{cast.staff_user.pk}/deactivate")
    assert r.status_code == 403
    cast.staff_user.refresh_from_db()
    assert cast.staff_user.is_active
    assert Role.objects.count() == 3


def test_a_scoped_role_needs_a_unit_and_an_employee_role_takes_the_persons(cast):
    api = bearer(cast.hr_a)
    r = post(api, f"{API}/users/{cast.head_a.pk}/roles", {"kind": "unit_head"})
    assert r.status_code == 422 and r.json()["error"]["fields"]["unit"] == ["Vai trò này cần chọn đơn vị phạm vi."]
    r = post(api, f"{API}/users/{cast.head_a.pk}/roles", {"kind": "employee"})  # head_a works nowhere on the roster
    assert r.status_code == 422 and "unit" in r.json()["error"]["fields"]
    r = post(api, f"{API}/users/{cast.staff_user.pk}/roles", {"kind": "employee"})
    assert r.status_code == 201 and r.json()["unit"] == "P-MC-UB"
    unscoped = Role.objects.create(user=cast.staff_user, kind=Role.Kind.EMPLOYEE, unit=None)
    assert api.delete(f"{API}/users/{cast.staff_user.pk}/roles/{unscoped.pk}").status_code == 204
    assert bearer(cast.hr_b).delete(f"{API}/users/{cast.staff_user.pk}/roles/{r.json()['id']}").status_code == 404
