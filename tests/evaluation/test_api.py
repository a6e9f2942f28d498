"""The evaluation API: scoped, paginated lists with a fixed order; the workflow; and each
bad input the issue lists answered in the one error envelope (422 naming the field or
criterion, 409 for the quota, 404 outside the caller's scope), never a 5xx."""

from __future__ import annotations

import datetime as dt

from evaluation import actions
from evaluation.models import Evaluation
from hr_system.models import Employee
from tests.evaluation.web_world import Q1, decided, product_fixture, scores, world_fixture  # noqa: F401  (fixtures)

API = "/api/v1/evaluation"


def call(client, method: str, path: str, data=None):
    return getattr(client, method)(f"{API}{path}", data if data is not None else {}, content_type="application/json")


def ok(response, status: int = 200):
    assert response.status_code == status, response.content
    return response.json()


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


def test_a_quarter_through_the_api(world, product, login):
    hr = login(world.hr)
    a = ok(
        call(
            hr,
            "post",
            "/assignments",
            {
                "employee": "101",
                "product_type": product.pk,
                "period_start": "2026-01-01",
                "quantity": "4",
                "deadline": "2026-03-31",
            },
        ),
        201,
    )
    result = ok(call(hr, "put", f"/assignments/{a['id']}/result", {"quantity_done": "4", "late": 1}))
    assert result["late"] == 1 and result["cause_accepted"] is False
    opened = ok(call(hr, "post", "/evaluations", {"employee": "101", "period_start": "2026-01-01"}), 201)
    assert opened["regime"] == "nd335_2025" and opened["status"] == "draft"
    # Opening again returns the same evaluation.
    assert ok(call(hr, "post", "/evaluations", {"employee": "101", "period_start": "2026-01-01"}))["id"] == opened["id"]
    pk = opened["id"]

    me = login(world.cast.staff_user)
    done = ok(call(me, "post", f"/evaluations/{pk}/self-assessment", {"scores": scores(4, 60), "comment": "Đạt"}))
    assert done["status"] == "self_assessed"
    mine = ok(call(me, "get", "/mine"))
    assert [row["id"] for row in mine["items"]] == [pk] and mine["count"] == 1

    head = login(world.head)
    scored = ok(call(head, "post", f"/evaluations/{pk}/score", {"scores": scores(3, 60)}))
    assert scored["status"] == "manager_scored"
    assert scored["task_results"]["lines"][0]["late"] == 1
    assert scored["manager_scores"]["ket_qua_nhiem_vu"] < 70
    decision = ok(call(head, "post", f"/evaluations/{pk}/decision", {}))
    assert decision["evaluation"]["status"] == "decided" and decision["evaluation"]["classification"] == "tot"
    assert decision["evaluation"]["locked"] is True
    # Locked: a new score is a conflict; reopening needs a reason.
    assert error(call(head, "post", f"/evaluations/{pk}/score", {"scores": scores(3, 60)}), 409)["code"] == "locked"
    assert error(call(head, "post", f"/evaluations/{pk}/reopen", {"reason": ""}), 422)["code"] == "validation_error"
    reopened = ok(call(head, "post", f"/evaluations/{pk}/reopen", {"reason": "Nhập nhầm điểm"}))
    assert reopened["status"] == "manager_scored" and reopened["reopened_reason"] == "Nhập nhầm điểm"


def test_points_above_a_criterions_maximum_are_422_naming_the_criterion(world, login):
    e = actions.open_evaluation(acting_user=world.hr, employee=world.an, period_kind="quarter", period_start=Q1)
    body = error(
        call(login(world.cast.staff_user), "post", f"/evaluations/{e.pk}/self-assessment", {"scores": scores(7, 60)}),
        422,
    )
    assert "scores" in body["fields"]
    assert "Năng lực, kỹ năng chuyên môn" in " ".join(body["fields"]["scores"])
    body = error(
        call(
            login(world.cast.staff_user),
            "post",
            f"/evaluations/{e.pk}/self-assessment",
            {"scores": {"khong_co": 1}},
        ),
        422,
    )
    assert body["fields"]["scores"]
    e.refresh_from_db()
    assert e.self_scores == {} and e.status == "draft"


def test_a_period_outside_the_persons_employment_is_422(world, login):
    world.an.start_date = dt.date(2026, 6, 1)
    world.an.save()
    body = error(call(login(world.hr), "post", "/evaluations", {"employee": "101", "period_start": "2026-01-01"}), 422)
    assert "nằm ngoài thời gian công tác" in " ".join(sum(body["fields"].values(), []))
    assert not Evaluation.objects.exists()


def test_a_regime_outside_its_dates_is_422_a_public_employee_in_may_2026_under_decree_233(world, cast, login):
    # The ward's HR covers the school.
    body = error(
        call(
            login(world.hr),
            "post",
            "/evaluations",
            {"employee": "102", "period_kind": "month", "period_start": "2026-05-01", "regime": "nd233_2026"},
        ),
        422,
    )
    assert "regime" in body["fields"]
    assert not Evaluation.objects.filter(employee=cast.teacher_a).exists()


def test_a_decision_exceeding_the_quota_is_409_naming_who(world, login):
    for colleague in world.colleagues[:4]:
        decided(world, colleague, 5, 55)
    decided(world, world.an, 5, 55)
    assert decided(world, world.colleagues[4], 6, 66).classification == "xuat_sac"
    extra = Employee.objects.create(
        code="120",
        full_name="Lò Văn Hùng",
        unit=world.cast.office_a,
        category=Employee.Category.CIVIL_SERVANT,
        start_date=dt.date(2015, 1, 1),
    )
    e = actions.open_evaluation(acting_user=world.hr, employee=extra, period_kind="quarter", period_start=Q1)
    actions.self_assess(acting_user=world.cast.admin, evaluation=e, scores=scores(6, 66))
    head = login(world.head)
    ok(call(head, "post", f"/evaluations/{e.pk}/score", {"scores": scores(6, 66)}))
    body = error(call(head, "post", f"/evaluations/{e.pk}/decision", {}), 409)
    assert body["code"] == "blocked"
    assert any("120" in p and "xuất sắc" in p for p in body["fields"]["problems"])
    e.refresh_from_db()
    assert e.status == "manager_scored"


def test_a_manager_outside_scope_gets_404_and_the_hr_officer_403(world, login):
    e = actions.open_evaluation(acting_user=world.hr, employee=world.an, period_kind="quarter", period_start=Q1)
    actions.self_assess(acting_user=world.cast.staff_user, evaluation=e, scores=scores())
    for user in (world.cast.head_a, world.cast.hr_b):
        client = login(user)
        assert (
            error(call(client, "post", f"/evaluations/{e.pk}/score", {"scores": scores()}), 404)["code"] == "not_found"
        )
        assert error(call(client, "get", f"/evaluations/{e.pk}"), 404)["code"] == "not_found"
        assert ok(call(client, "get", "/evaluations"))["count"] == 0
    # HR over the ward reads it, but the score is the direct manager's.
    assert error(call(login(world.hr), "post", f"/evaluations/{e.pk}/score", {"scores": scores()}), 403)
    e.refresh_from_db()
    assert e.status == "self_assessed" and e.manager_scores == {}


def test_lists_are_scoped_paginated_and_in_a_fixed_order(world, login):
    for employee in [world.an, *world.colleagues]:
        actions.open_evaluation(acting_user=world.hr, employee=employee, period_kind="quarter", period_start=Q1)
    hr = login(world.hr)
    first = ok(call(hr, "get", "/evaluations?page_size=4&period_kind=quarter&period_start=2026-01-01"))
    second = ok(call(hr, "get", "/evaluations?page_size=4&page=2&period_kind=quarter&period_start=2026-01-01"))
    assert first["count"] == 6 and len(first["items"]) == 4 and len(second["items"]) == 2
    ids = [r["id"] for r in first["items"] + second["items"]]
    assert len(set(ids)) == 6
    assert ids == [r["id"] for r in ok(call(hr, "get", "/evaluations?page_size=10"))["items"]]
    # No personal data beyond code and name in the list.
    assert set(first["items"][0]) >= {"employee", "full_name"} and "date_of_birth" not in first["items"][0]
    assert "citizen_id" not in first["items"][0]
    assert ok(call(login(world.cast.hr_b), "get", "/evaluations"))["count"] == 0
    assert error(call(login(world.hr), "get", "/evaluations?unit=X-DK"), 404)


def test_inputs_forbid_unknown_fields_and_bad_values(world, product, login):
    hr = login(world.hr)
    body = error(call(hr, "post", "/evaluations", {"employee": "101", "period_start": "2026-01-01", "x": 1}), 422)
    assert body["code"] == "validation_error"
    body = error(call(hr, "post", "/evaluations", {"employee": "101", "period_start": "2026-02-01"}), 422)
    assert "period_kind" in body["fields"] or "period_start" in body["fields"] or body["message"]
    body = error(
        call(
            hr,
            "post",
            "/assignments",
            {
                "employee": "201",
                "product_type": product.pk,
                "period_start": "2026-01-01",
                "quantity": "1",
                "deadline": "2026-03-31",
            },
        ),
        422,
    )
    assert "employee" in body["fields"]
    e = actions.open_evaluation(acting_user=world.hr, employee=world.an, period_kind="quarter", period_start=Q1)
    me = login(world.cast.staff_user)
    assert error(call(me, "post", f"/evaluations/{e.pk}/self-assessment", {"scores": {"nang_luc": "NaN"}}), 422)
    assert error(call(me, "post", f"/evaluations/{e.pk}/self-assessment", {"scores": {"nang_luc": 1e30}}), 422)


def test_catalogue_rulebook_and_discipline_records_are_hr_work_in_scope(world, login):
    # `login` signs the one test client in as someone else: each call names its user.
    def as_(user):
        return login(user)

    p = ok(
        call(as_(world.hr), "post", "/product-types", {"unit": "P-MC-UB", "name": "Tờ trình", "measure": "văn bản"}),
        201,
    )
    assert p["name"] == "Tờ trình"
    item = {"unit": "P-MC-UB", "name": "X", "measure": "x"}
    assert error(call(as_(world.cast.hr_b), "post", "/product-types", item), 422)["fields"]["unit"]
    assert error(call(as_(world.head), "post", "/product-types", item), 403)
    rb = {
        "unit": "P-MC-UB",
        "regime": "nd335_2025",
        "effective_from": "2026-01-01",
        "criteria_points": {"nang_luc": 40},
    }
    assert "criteria_points" in error(call(as_(world.hr), "post", "/rulebooks", rb), 422)["fields"]
    rb["criteria_points"] = {}
    rb["discipline_rule"] = {"late_per": 2, "late_points": 1}
    assert ok(call(as_(world.hr), "post", "/rulebooks", rb), 201)["discipline_rule"] == {
        "late_per": 2.0,
        "late_points": 1.0,
    }
    body = error(call(as_(world.hr), "post", "/rulebooks", {**rb, "competence_exam_id": 999}), 422)
    assert body["fields"]["competence_exam_id"]
    assert ok(call(as_(world.cast.hr_b), "get", "/rulebooks"))["count"] == 0
    record = {
        "employee": "101",
        "level": "canh_cao",
        "decision_number": "3/QĐ-UBND",
        "decided_on": "2026-02-01",
        "effective_from": "2026-02-01",
    }
    assert error(call(as_(world.cast.hr_b), "post", "/discipline-records", record), 404)
    assert error(call(as_(world.head), "post", "/discipline-records", record), 403)
    assert ok(call(as_(world.hr), "post", "/discipline-records", record), 201)["level"] == "canh_cao"
    assert ok(call(as_(world.cast.hr_b), "get", "/discipline-records"))["count"] == 0
    assert ok(call(as_(world.hr), "get", "/discipline-records"))["count"] == 1


def test_the_frameworks_are_published_as_data(world, login):
    regimes = {r["code"]: r for r in ok(call(login(world.cast.staff_user), "get", "/regimes"))}
    assert set(regimes) == {"nd335_2025", "nd233_2026", "nd90_2020_48_2023"}
    assert sum(c["max_points"] for c in regimes["nd335_2025"]["criteria"]) == 100
    assert regimes["nd233_2026"]["effective_from"] == "2026-07-01"


def test_the_objective_cause_is_accepted_by_the_head_only(world, product, login):
    a = actions.assign(
        acting_user=world.hr,
        employee=world.an,
        product_type=product,
        period_kind="quarter",
        period_start=Q1,
        quantity=2,
        deadline=dt.date(2026, 3, 31),
    )
    body = {"quantity_done": "2", "late": 1, "objective_cause": "Mất điện ba ngày"}
    assert ok(call(login(world.hr), "put", f"/assignments/{a.pk}/result", body))["cause_accepted"] is False
    assert error(call(login(world.cast.hr_b), "put", f"/assignments/{a.pk}/result", body), 404)
    assert error(call(login(world.hr), "post", f"/assignments/{a.pk}/result/cause", {"accepted": True}), 403)
    assert error(call(login(world.cast.head_a), "post", f"/assignments/{a.pk}/result/cause", {"accepted": True}), 404)
    assert ok(call(login(world.head), "post", f"/assignments/{a.pk}/result/cause", {"accepted": True}))[
        "cause_accepted"
    ]
    listed = ok(call(login(world.cast.staff_user), "get", "/assignments"))
    assert [row["id"] for row in listed["items"]] == [a.pk] and listed["items"][0]["result"]["cause_accepted"]


def test_the_form_and_the_unit_summary_download_in_scope_only(world, login):
    e = decided(world, world.an, 5, 55)
    hr = login(world.hr)
    form = hr.get(f"{API}/evaluations/{e.pk}/form.pdf")
    assert form.status_code == 200 and form.content.startswith(b"%PDF")
    assert "phieu-danh-gia-101" in form["Content-Disposition"]
    query = f"unit={world.cast.office_a.code}&period_kind=quarter&period_start=2026-01-01"
    pdf = hr.get(f"{API}/summary.pdf?{query}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = hr.get(f"{API}/summary.xlsx?{query}")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert error(hr.get(f"{API}/summary.doc?{query}"), 404)["code"] == "not_found"
    # Another commune's HR officer reaches neither.
    other = login(world.cast.hr_b)
    assert error(other.get(f"{API}/evaluations/{e.pk}/form.pdf"), 404)["code"] == "not_found"
    assert error(other.get(f"{API}/summary.pdf?{query}"), 404)["code"] == "not_found"


def test_the_yearly_result_is_built_by_the_head_from_the_decided_quarters(world, login):
    decided(world, world.an, 5, 55)
    body = {"employee": world.an.code, "year": 2026}
    assert error(call(login(world.cast.head_a), "post", "/years", body), 404)["code"] == "not_found"
    assert error(call(login(world.hr), "post", "/years", body), 403)
    assert error(call(login(world.cast.staff_user), "post", "/years", body), 403)  # never one's own
    year = ok(call(login(world.head), "post", "/years", body), 201)
    assert year["period_kind"] == "year" and year["status"] == "manager_scored"
    assert Evaluation.objects.get(pk=year["id"]).period_start == dt.date(2026, 1, 1)
