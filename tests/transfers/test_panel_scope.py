"""Leader-selection panel members come only from the caller's scope, and the answer for
an account outside it is the answer for an account that does not exist (issue 12,
item 9): no "does this username exist" oracle."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from hr_system.models import Employee, Role
from transfers.models import LeaderSelection, PanelMember

API = "/api/v1/assessments/transfers"


def call(client, method: str, path: str, data=None):
    return getattr(client, method)(f"{API}{path}", data or {}, content_type="application/json")


@pytest.fixture
def people(cast):
    User = get_user_model()
    # Mộc Châu's own officials: one on the roster, one holding a role there only.
    clerk = User.objects.create_user(username="thuky_mc", password="x")
    Employee.objects.create(code="401", full_name="Lường Văn Thư", unit=cast.office_a, category="cadre", user=clerk)
    inspector = User.objects.create_user(username="thanhtra_mc", password="x")
    Role.objects.create(user=inspector, kind=Role.Kind.UNIT_HEAD, unit=cast.school_a)
    # Another commune's official and a province official: outside Mộc Châu's scope.
    outsider = User.objects.create_user(username="canbo_dk", password="x")
    Employee.objects.create(code="402", full_name="Cầm Thị Khác", unit=cast.office_b, category="cadre", user=outsider)
    User.objects.create_user(username="gone_mc", password="x", is_active=False)
    return {"clerk": clerk, "inspector": inspector, "outsider": outsider}


def body(panel: list[str]) -> dict:
    return {
        "title": "Thi tuyển Hiệu trưởng Trường Tiểu học Mộc Châu",
        "unit": "P-MC-TH",
        "weights": {"exam": 0, "presentation": 1, "interview": 1},
        "panel": panel,
    }


def test_panel_members_come_only_from_the_callers_scope(cast, login, people):
    hr = login(cast.hr_a)
    r = call(hr, "post", "/leaders", body(["thuky_mc", "thanhtra_mc"]))
    assert r.status_code == 201, r.content
    selection = r.json()["id"]
    assert set(PanelMember.objects.filter(selection_id=selection).values_list("user__username", flat=True)) == {
        "thuky_mc",
        "thanhtra_mc",
    }
    for name in ("canbo_dk", "hr_b", "root"):
        r = call(hr, "post", f"/leaders/{selection}/people", {"panel": [name]})
        assert r.status_code == 422 and "panel" in r.json()["error"]["fields"], r.content
    assert PanelMember.objects.filter(selection_id=selection).count() == 2


def test_an_unknown_and_an_out_of_scope_username_get_the_same_answer(cast, login, people):
    hr = login(cast.hr_a)
    before = LeaderSelection.objects.count()
    answers = []
    for name in ("canbo_dk", "khong_ton_tai", "gone_mc"):
        r = call(hr, "post", "/leaders", body(["thuky_mc", name]))
        assert r.status_code == 422
        error = r.json()["error"]
        # The same words, with only the name the caller typed in them.
        answers.append((r.status_code, error["code"], error["message"].replace(name, "…")))
    assert len(set(answers)) == 1
    assert LeaderSelection.objects.count() == before


def test_the_province_may_seat_officials_of_its_communes(cast, login, people):
    province_hr = get_user_model().objects.create_user(username="hr_tinh", password="x")
    Role.objects.create(user=province_hr, kind=Role.Kind.HR_OFFICER, unit=cast.province)
    r = call(login(province_hr), "post", "/leaders", body(["thuky_mc", "canbo_dk"]))
    assert r.status_code == 201, r.content
