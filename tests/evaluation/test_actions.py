"""The evaluation workflow through evaluation/actions.py: assignments and results,
self-assessment, the manager's score, the head's decision with its quota and
consistency checks, lock and reopen, yearly aggregation, audit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from evaluation import actions, rules
from evaluation.models import Evaluation
from hr_system.models import AuditLog, Employee, Role

Q1 = dt.date(2026, 1, 1)
GENERAL = {
    "chinh_tri_dao_duc": 6,
    "ky_luat_ky_cuong": 6,
    "trach_nhiem_phuc_vu": 6,
    "nang_luc": 6,
    "doi_moi_sang_tao": 6,
}


@pytest.fixture
def ward(cast):
    """A ward head over the People's Committee, a product catalogue, emp_a's Q1."""
    cast.head_ward = get_user_model().objects.create_user(username="head_ward", password="x")
    Role.objects.create(user=cast.head_ward, kind=Role.Kind.UNIT_HEAD, unit=cast.commune_a)
    cast.report = actions.add_product_type(
        acting_user=cast.hr_a, unit=cast.commune_a, name="Báo cáo chuyên đề", measure="văn bản", standard_units=2
    )
    cast.letter = actions.add_product_type(
        acting_user=cast.hr_a, unit=cast.commune_a, name="Công văn", measure="văn bản", standard_units=1
    )
    return cast


def scored(c, employee, total_results=70, general=None, kind="quarter", start=Q1, **open_kw):
    """An evaluation self-assessed and scored by the ward head, without products."""
    ev = actions.open_evaluation(acting_user=c.hr_a, employee=employee, period_kind=kind, period_start=start, **open_kw)
    scores = {**(general or GENERAL), "ket_qua_nhiem_vu": total_results}
    actions.self_assess(acting_user=c.staff_user, evaluation=ev, scores=scores)
    return actions.manager_score(acting_user=c.head_ward, evaluation=ev, scores=scores)


def colleague(c, code, **kw):
    return Employee.objects.create(
        code=code,
        full_name=f"Cán bộ {code}",
        unit=c.office_a,
        category=Employee.Category.CIVIL_SERVANT,
        start_date=dt.date(2015, 1, 1),
        **kw,
    )


def _decided_peers(c, n_tot, n_xs, start=Q1):
    """Colleagues in the same agency already decided for the quarter (the quota counts
    xuất sắc against those rated tốt, rounded down: 5 tốt make room for one)."""
    for i in range(n_tot + n_xs):
        e = Employee.objects.filter(code=f"3{i:02d}").first() or colleague(c, f"3{i:02d}")
        Evaluation.objects.create(
            employee=e,
            unit=c.office_a,
            regime="nd335_2025",
            period_kind="quarter",
            period_start=start,
            period_end=rules.period_bounds("quarter", start)[1],
            status=Evaluation.Status.DECIDED,
            total=95 if i >= n_tot else 80,
            classification="xuat_sac" if i >= n_tot else "tot",
        )


def test_a_quarter_from_assignment_to_decision(ward):
    c = ward
    _decided_peers(c, n_tot=5, n_xs=0)
    a1 = actions.assign(
        acting_user=c.head_ward,
        employee=c.emp_a,
        product_type=c.report,
        period_kind="quarter",
        period_start=Q1,
        quantity=4,
        deadline=dt.date(2026, 3, 20),
        quality_requirement="Đúng thể thức Nghị định 30/2020",
    )
    a2 = actions.assign(
        acting_user=c.head_ward,
        employee=c.emp_a,
        product_type=c.letter,
        period_kind="quarter",
        period_start=Q1,
        quantity=12,
        deadline=dt.date(2026, 3, 31),
    )
    actions.record_result(acting_user=c.head_ward, assignment=a1, quantity_done=4, late=1)
    actions.record_result(acting_user=c.head_ward, assignment=a2, quantity_done=12)
    ev = actions.open_evaluation(acting_user=c.hr_a, employee=c.emp_a, period_kind="quarter", period_start=Q1)
    assert (ev.regime, ev.period_end, ev.status) == ("nd335_2025", dt.date(2026, 3, 31), Evaluation.Status.DRAFT)
    ev = actions.self_assess(
        acting_user=c.staff_user, evaluation=ev, scores={**GENERAL, "ket_qua_nhiem_vu": 70}, comment="Hoàn thành"
    )
    assert ev.status == Evaluation.Status.SELF
    ev = actions.manager_score(
        acting_user=c.head_ward, evaluation=ev, scores={**GENERAL, "ket_qua_nhiem_vu": 70}, comment="Tốt"
    )
    # 20 standard products done, one report (2 standard units) late without an accepted
    # cause: timeliness 70/3 × (1 − 0.25 × 2/20)
    points = ev.task_results["points"]
    assert points["done_units"] == 20 and points["late_units"] == 2
    assert points["timeliness"] == pytest.approx(22.75, abs=0.01)
    assert ev.manager_scores["ket_qua_nhiem_vu"] == pytest.approx(69.42, abs=0.01)
    assert ev.total == Decimal("99.42")
    assert ev.status == Evaluation.Status.SCORED
    problems = actions.decide(acting_user=c.head_ward, evaluation=ev)
    ev.refresh_from_db()
    assert problems == [] and ev.classification == "xuat_sac" and ev.locked()
    assert ev.decided_by == c.head_ward
    logged = list(
        AuditLog.objects.filter(object_id=str(ev.pk), object_type="evaluation.Evaluation")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert logged == [
        "evaluation.opened",
        "evaluation.self_assessed",
        "evaluation.manager_scored",
        "evaluation.decided",
    ]


def test_accepted_cause_spares_the_timeliness_points(ward):
    c = ward
    a = actions.assign(
        acting_user=c.head_ward,
        employee=c.emp_a,
        product_type=c.letter,
        period_kind="quarter",
        period_start=Q1,
        quantity=4,
        deadline=dt.date(2026, 3, 31),
    )
    actions.record_result(acting_user=c.head_ward, assignment=a, quantity_done=4, late=2)
    with pytest.raises(actions.EvaluationError, match="nguyên nhân khách quan"):
        actions.accept_cause(acting_user=c.head_ward, assignment=a)
    actions.record_result(acting_user=c.head_ward, assignment=a, quantity_done=4, late=2, objective_cause="Mất điện")
    result = actions.accept_cause(acting_user=c.head_ward, assignment=a)
    assert result.cause_accepted
    ev = scored(c, c.emp_a)
    assert ev.task_results["points"]["timeliness"] == pytest.approx(23.33, abs=0.01)
    # a changed cause must be accepted again
    actions.record_result(acting_user=c.head_ward, assignment=a, quantity_done=4, late=2, objective_cause="Lý do khác")
    a.refresh_from_db()
    assert a.result.cause_accepted is False


def test_points_above_a_criterions_maximum_are_refused(ward):
    ev = actions.open_evaluation(acting_user=ward.hr_a, employee=ward.emp_a, period_kind="quarter", period_start=Q1)
    with pytest.raises(actions.EvaluationError) as err:
        actions.self_assess(acting_user=ward.staff_user, evaluation=ev, scores={"nang_luc": 7})
    assert err.value.code == "invalid_scores" and "vượt mức tối đa 6" in err.value.message
    ev.refresh_from_db()
    assert ev.status == Evaluation.Status.DRAFT and ev.self_scores == {}


def test_the_units_rulebook_sets_the_maximum(ward):
    actions.save_rulebook(
        acting_user=ward.hr_a,
        unit=ward.commune_a,
        regime="nd335_2025",
        effective_from=Q1,
        criteria_points={"ky_luat_ky_cuong": 10, "doi_moi_sang_tao": 2},
    )
    ev = actions.open_evaluation(acting_user=ward.hr_a, employee=ward.emp_a, period_kind="quarter", period_start=Q1)
    ev = actions.self_assess(acting_user=ward.staff_user, evaluation=ev, scores={"ky_luat_ky_cuong": 9})
    assert ev.self_scores == {"ky_luat_ky_cuong": 9.0}
    with pytest.raises(actions.EvaluationError):
        actions.self_assess(acting_user=ward.staff_user, evaluation=ev, scores={"doi_moi_sang_tao": 3})
    with pytest.raises(actions.EvaluationError, match="30"):
        actions.save_rulebook(
            acting_user=ward.hr_a,
            unit=ward.commune_a,
            regime="nd335_2025",
            effective_from=Q1,
            criteria_points={"ky_luat_ky_cuong": 12},
        )


def test_a_period_outside_employment_is_refused(ward):
    late_starter = colleague(ward, "150")
    late_starter.start_date = dt.date(2026, 5, 1)
    late_starter.save()
    with pytest.raises(actions.EvaluationError) as err:
        actions.open_evaluation(acting_user=ward.hr_a, employee=late_starter, period_kind="quarter", period_start=Q1)
    assert err.value.code == "outside_employment" and "01/05/2026" in err.value.message
    leaver = colleague(ward, "151", leave_date=dt.date(2026, 3, 31))
    with pytest.raises(actions.EvaluationError, match="ngoài thời gian công tác"):
        actions.open_evaluation(
            acting_user=ward.hr_a, employee=leaver, period_kind="quarter", period_start=dt.date(2026, 4, 1)
        )
    with pytest.raises(actions.EvaluationError, match="ngoài thời gian công tác"):
        actions.assign(
            acting_user=ward.head_ward,
            employee=leaver,
            product_type=ward.letter,
            period_kind="month",
            period_start=dt.date(2026, 4, 1),
            quantity=1,
            deadline=dt.date(2026, 4, 30),
        )
    assert not Evaluation.objects.filter(employee__in=[late_starter, leaver]).exists()


def test_a_public_employee_in_may_2026_is_not_under_decree_233(cast):
    may = dt.date(2026, 5, 1)
    with pytest.raises(actions.EvaluationError) as err:
        actions.open_evaluation(
            acting_user=cast.head_a, employee=cast.teacher_a, period_kind="month", period_start=may, regime="nd233_2026"
        )
    assert err.value.code == "regime" and "01/07/2026" in err.value.message
    # without a regime named, the one in force applies: 90/2020 as amended, qualitative
    ev = actions.open_evaluation(
        acting_user=cast.head_a, employee=cast.teacher_a, period_kind="month", period_start=may
    )
    assert ev.regime == "nd90_2020_48_2023"
    july = actions.open_evaluation(
        acting_user=cast.head_a, employee=cast.teacher_a, period_kind="quarter", period_start=dt.date(2026, 7, 1)
    )
    assert july.regime == "nd233_2026"
    # a civil servant is never under the viên chức decree
    with pytest.raises(actions.EvaluationError, match="không áp dụng"):
        actions.open_evaluation(
            acting_user=cast.hr_a,
            employee=cast.emp_a,
            period_kind="quarter",
            period_start=dt.date(2026, 7, 1),
            regime="nd233_2026",
        )


def test_a_decision_exceeding_the_quota_is_blocked(ward):
    _decided_peers(ward, n_tot=5, n_xs=1)
    ev = scored(ward, ward.emp_a)
    assert ev.total == 100
    with pytest.raises(actions.EvaluationBlocked) as err:
        actions.decide(acting_user=ward.head_ward, evaluation=ev)
    assert err.value.code == "blocked" and err.value.status == 409
    assert [p.code for p in err.value.problems] == ["quota"]
    assert err.value.problems[0].employee_ids == (ward.emp_a.pk,)
    ev.refresh_from_db()
    assert ev.status == Evaluation.Status.SCORED and ev.classification == ""
    # forcing does not pass a blocking problem
    with pytest.raises(actions.EvaluationBlocked):
        actions.decide(acting_user=ward.head_ward, evaluation=ev, force_warnings=True)
    assert not AuditLog.objects.filter(action="evaluation.decided").exists()


def test_the_quota_allows_one_xuat_sac_for_five_tot(ward):
    _decided_peers(ward, n_tot=5, n_xs=0)
    ev = scored(ward, ward.emp_a)
    assert actions.decide(acting_user=ward.head_ward, evaluation=ev) == []
    ev.refresh_from_db()
    assert ev.classification == "xuat_sac"


def test_a_disciplined_person_is_not_completed_whatever_the_points(ward):
    actions.record_discipline(
        acting_user=ward.hr_a,
        employee=ward.emp_a,
        level="khien_trach",
        decision_number="12/QĐ-UBND",
        decided_on=dt.date(2026, 2, 1),
        effective_from=dt.date(2026, 2, 1),
    )
    ev = scored(ward, ward.emp_a)
    actions.decide(acting_user=ward.head_ward, evaluation=ev)
    ev.refresh_from_db()
    assert ev.classification == "khong_hoan_thanh"
    assert any("kỷ luật" in r for r in ev.task_results["classification_reasons"])


def test_a_heads_warning_needs_confirmation(ward):
    _decided_peers(ward, n_tot=5, n_xs=0)
    ev = scored(ward, ward.emp_a, is_unit_head=True)
    with pytest.raises(actions.EvaluationBlocked) as err:
        actions.decide(acting_user=ward.head_ward, evaluation=ev, unit_level="tot")
    assert err.value.code == "needs_confirmation"
    problems = actions.decide(acting_user=ward.head_ward, evaluation=ev, unit_level="tot", force_warnings=True)
    assert [p.code for p in problems] == ["head_above_unit"]
    entry = AuditLog.objects.get(action="evaluation.decided")
    assert entry.detail["warnings"] == ["head_above_unit"]


def test_decided_is_locked_and_reopened_only_with_a_reason(ward):
    ev = scored(ward, ward.emp_a, total_results=50)
    actions.decide(acting_user=ward.head_ward, evaluation=ev)
    ev.refresh_from_db()
    assert ev.classification == "tot"
    for write in (
        lambda: actions.self_assess(acting_user=ward.staff_user, evaluation=ev, scores={}),
        lambda: actions.manager_score(acting_user=ward.head_ward, evaluation=ev, scores={}),
        lambda: actions.decide(acting_user=ward.head_ward, evaluation=ev),
        lambda: actions.assign(
            acting_user=ward.head_ward,
            employee=ward.emp_a,
            product_type=ward.letter,
            period_kind="month",
            period_start=dt.date(2026, 2, 1),
            quantity=1,
            deadline=dt.date(2026, 2, 28),
        ),
    ):
        with pytest.raises(actions.EvaluationError) as err:
            write()
        assert err.value.code == "locked"
    with pytest.raises(actions.EvaluationError, match="lý do"):
        actions.reopen(acting_user=ward.head_ward, evaluation=ev, reason="   ")
    ev = actions.reopen(acting_user=ward.head_ward, evaluation=ev, reason="Sai số liệu sản phẩm tháng 2")
    assert ev.status == Evaluation.Status.SCORED and ev.classification == "" and not ev.locked()
    entry = AuditLog.objects.get(action="evaluation.reopened")
    assert entry.detail == {"previous": "tot", "reason": "Sai số liệu sản phẩm tháng 2"}
    assert entry.user == ward.head_ward
    ev = actions.manager_score(acting_user=ward.head_ward, evaluation=ev, scores={**GENERAL, "ket_qua_nhiem_vu": 35})
    actions.decide(acting_user=ward.head_ward, evaluation=ev)
    ev.refresh_from_db()
    assert ev.classification == "hoan_thanh" and ev.total == 65


def test_workflow_order_is_kept(ward):
    ev = actions.open_evaluation(acting_user=ward.hr_a, employee=ward.emp_a, period_kind="quarter", period_start=Q1)
    with pytest.raises(actions.EvaluationError, match="chưa tự đánh giá"):
        actions.manager_score(acting_user=ward.head_ward, evaluation=ev, scores={**GENERAL, "ket_qua_nhiem_vu": 70})
    with pytest.raises(actions.EvaluationError, match="chưa chấm"):
        actions.decide(acting_user=ward.head_ward, evaluation=ev)
    with pytest.raises(actions.EvaluationError, match="năm"):
        actions.collective_review(acting_user=ward.head_ward, evaluation=ev, note="Họp")
    actions.self_assess(acting_user=ward.staff_user, evaluation=ev, scores=GENERAL)
    with pytest.raises(actions.EvaluationError, match="Chưa chấm các tiêu chí"):
        actions.manager_score(acting_user=ward.head_ward, evaluation=ev, scores=GENERAL)


def test_the_year_is_the_mean_of_its_decided_quarters_then_reviewed(ward):
    _decided_peers(ward, n_tot=5, n_xs=0)
    for start, results in ((Q1, 60), (dt.date(2026, 4, 1), 50), (dt.date(2026, 7, 1), 40)):
        ev = scored(ward, ward.emp_a, total_results=results, start=start)
        actions.decide(acting_user=ward.head_ward, evaluation=ev)
    open_q4 = scored(ward, ward.emp_a, start=dt.date(2026, 10, 1))  # not decided: left out
    assert open_q4.status == Evaluation.Status.SCORED
    year = actions.aggregate_year(acting_user=ward.head_ward, employee=ward.emp_a, year=2026)
    assert year.period_kind == "year" and year.total == Decimal("80.00")
    assert year.manager_scores["ket_qua_nhiem_vu"] == 50
    assert [p["total"] for p in year.task_results["periods"]] == [90.0, 80.0, 70.0]
    with pytest.raises(actions.EvaluationError, match="họp xét"):
        actions.decide(acting_user=ward.head_ward, evaluation=year)
    actions.collective_review(acting_user=ward.hr_a, evaluation=year, note="Tập thể thống nhất")
    actions.decide(acting_user=ward.head_ward, evaluation=year)
    year.refresh_from_db()
    assert year.classification == "tot" and year.locked()
    with pytest.raises(actions.EvaluationError) as err:
        actions.aggregate_year(acting_user=ward.head_ward, employee=ward.emp_a, year=2026)
    assert err.value.code == "locked"


def test_a_year_with_under_six_months_worked_is_blocked_when_rated(ward):
    newcomer = colleague(ward, "160")
    newcomer.start_date = dt.date(2026, 8, 1)
    newcomer.save()
    ev = scored(ward, newcomer, total_results=50, start=dt.date(2026, 10, 1))
    actions.decide(acting_user=ward.head_ward, evaluation=ev)  # quarters know no minimum
    year = actions.aggregate_year(acting_user=ward.head_ward, employee=newcomer, year=2026)
    actions.collective_review(acting_user=ward.hr_a, evaluation=year, note="Họp")
    actions.decide(acting_user=ward.head_ward, evaluation=year)
    year.refresh_from_db()
    assert year.classification == "not_rated"


def test_evidence_is_snapshotted_with_the_units_discipline_rule(ward, monkeypatch):
    class FakeEvidence:
        calls = 0

        @classmethod
        def snapshot(cls, evaluation):
            cls.calls += 1
            return {"attendance": {"late": 4, "unexcused_absences": 1}}

    monkeypatch.setattr(actions, "evidence_module", FakeEvidence)
    actions.save_rulebook(
        acting_user=ward.hr_a,
        unit=ward.commune_a,
        regime="nd335_2025",
        effective_from=Q1,
        discipline_rule={"late_per": 2, "late_points": 1, "unexcused_absence_points": 2},
    )
    ev = scored(ward, ward.emp_a, total_results=50)
    assert FakeEvidence.calls == 1
    assert ev.evidence["attendance"] == {"late": 4, "unexcused_absences": 1}
    assert ev.evidence["discipline"]["deduction"] == 4.0 and ev.evidence["discipline"]["suggested"] == 2.0
    assert ev.evidence["discipline"]["statutory"] is False
    # deciding does not recompute the snapshot
    actions.decide(acting_user=ward.head_ward, evaluation=ev)
    assert FakeEvidence.calls == 1


def test_audit_details_carry_no_personal_data(ward):
    ward.emp_a.citizen_id = "012345678901"
    ward.emp_a.date_of_birth = dt.date(1990, 4, 5)
    ward.emp_a.save()
    actions.record_discipline(
        acting_user=ward.hr_a,
        employee=ward.emp_a,
        level="canh_cao",
        decision_number="3/QĐ",
        decided_on=Q1,
        effective_from=Q1,
        note="Ghi chú riêng",
    )
    ev = scored(ward, ward.emp_a, total_results=50)
    actions.decide(acting_user=ward.head_ward, evaluation=ev)
    text = repr(list(AuditLog.objects.values_list("detail", flat=True)))
    for secret in ("012345678901", "1990-04-05", "05/04/1990", "Ghi chú riêng", "Nguyễn Văn An"):
        assert secret not in text


def test_bad_inputs_to_the_catalogue_and_assignments(ward):
    with pytest.raises(actions.EvaluationError, match="dương"):
        actions.add_product_type(
            acting_user=ward.hr_a, unit=ward.commune_a, name="X", measure="hồ sơ", standard_units=0
        )
    with pytest.raises(actions.EvaluationError, match="Kỳ quý"):
        actions.assign(
            acting_user=ward.head_ward,
            employee=ward.emp_a,
            product_type=ward.letter,
            period_kind="quarter",
            period_start=dt.date(2026, 2, 1),
            quantity=1,
            deadline=dt.date(2026, 3, 1),
        )
    other = actions.add_product_type(acting_user=ward.hr_b, unit=ward.commune_b, name="Y", measure="hồ sơ")
    with pytest.raises(actions.EvaluationError, match="danh mục"):
        actions.assign(
            acting_user=ward.head_ward,
            employee=ward.emp_a,
            product_type=other,
            period_kind="month",
            period_start=Q1,
            quantity=1,
            deadline=dt.date(2026, 1, 31),
        )
    a = actions.assign(
        acting_user=ward.head_ward,
        employee=ward.emp_a,
        product_type=ward.letter,
        period_kind="month",
        period_start=Q1,
        quantity=3,
        deadline=dt.date(2026, 1, 31),
    )
    with pytest.raises(actions.EvaluationError, match="vượt số hoàn thành"):
        actions.record_result(acting_user=ward.head_ward, assignment=a, quantity_done=2, rejected_on_quality=3)
    with pytest.raises(actions.EvaluationError, match="không âm"):
        actions.record_result(acting_user=ward.head_ward, assignment=a, quantity_done="-1")


def test_rules_reach_the_decision_reasons(ward):
    ev = scored(ward, ward.emp_a, total_results=Decimal("13.99"))
    actions.decide(acting_user=ward.head_ward, evaluation=ev)
    ev.refresh_from_db()
    assert ev.total == Decimal("43.99") and ev.classification == rules.KHONG_HOAN_THANH


def test_criteria_rows_follow_the_units_rulebook(ward):
    actions.save_rulebook(
        acting_user=ward.hr_a,
        unit=ward.commune_a,
        regime="nd335_2025",
        effective_from=Q1,
        criteria_points={"ky_luat_ky_cuong": 10, "doi_moi_sang_tao": 2},
    )
    ev = actions.open_evaluation(acting_user=ward.hr_a, employee=ward.emp_a, period_kind="quarter", period_start=Q1)
    ev = actions.self_assess(acting_user=ward.staff_user, evaluation=ev, scores={"ky_luat_ky_cuong": 9})
    rows = {r["code"]: r for r in ev.criteria_rows()}
    assert rows["ky_luat_ky_cuong"]["max_points"] == 10 and rows["ky_luat_ky_cuong"]["self"] == 9
    assert rows["ky_luat_ky_cuong"]["discipline"] and rows["nang_luc"]["competence"]
    assert rows["doi_moi_sang_tao"]["max_points"] == 2 and rows["ket_qua_nhiem_vu"]["max_points"] == 70
    assert sum(r["max_points"] for r in rows.values()) == 100


def test_yearly_deadline_is_shown_per_regime(cast):
    civil = actions.open_evaluation(acting_user=cast.hr_a, employee=cast.emp_a, period_kind="year", period_start=Q1)
    teacher = actions.open_evaluation(
        acting_user=cast.hr_a, employee=cast.teacher_a, period_kind="year", period_start=Q1
    )
    assert (civil.regime, teacher.regime) == ("nd335_2025", "nd233_2026")  # the year is rated under 233
    assert actions.deadline_warning(civil, dt.date(2026, 6, 1)) == ""
    assert actions.deadline_warning(civil, dt.date(2026, 12, 5)) == "Hạn xếp loại năm là 15/12/2026."
    assert actions.deadline_warning(teacher, dt.date(2026, 12, 5)) == "Hạn xếp loại năm là 05/12/2026."
    assert actions.deadline_warning(teacher, dt.date(2026, 12, 6)) == "Đã quá hạn xếp loại năm (05/12/2026)."


def test_a_department_counts_in_its_agencys_quota(ward):
    from hr_system.models import OrgUnit

    dept = OrgUnit.add(code="P-MC-VP", name="Văn phòng", kind=OrgUnit.Kind.DEPARTMENT, parent=ward.office_a)
    assert actions.agency_of(dept) == ward.office_a
    assert actions.agency_of(ward.office_a) == ward.office_a
    _decided_peers(ward, n_tot=5, n_xs=1)
    clerk = colleague(ward, "170")
    clerk.unit = dept
    clerk.save()
    ev = scored(ward, clerk)
    with pytest.raises(actions.EvaluationBlocked) as err:
        actions.decide(acting_user=ward.head_ward, evaluation=ev)
    assert err.value.problems[0].employee_ids == (clerk.pk,)


def test_a_units_quarter_decided_at_once_keeps_the_quota(ward):
    people = [colleague(ward, f"4{i:02d}") for i in range(7)]
    evaluations = [
        scored(ward, p, total_results=65 if i < 2 else 45) for i, p in enumerate(people)
    ]  # two at 95 (xuất sắc), five at 75 (tốt)
    with pytest.raises(actions.EvaluationBlocked) as err:
        actions.decide_many(acting_user=ward.head_ward, evaluations=evaluations)
    assert err.value.code == "blocked"
    assert set(err.value.problems[0].employee_ids) == {people[0].pk, people[1].pk}
    assert not Evaluation.objects.filter(status=Evaluation.Status.DECIDED).exists()  # all or nothing
    actions.manager_score(
        acting_user=ward.head_ward, evaluation=evaluations[1], scores={**GENERAL, "ket_qua_nhiem_vu": 45}
    )
    assert actions.decide_many(acting_user=ward.head_ward, evaluations=evaluations) == []
    levels = dict(Evaluation.objects.values_list("employee_id", "classification"))
    assert levels[people[0].pk] == "xuat_sac" and levels[people[1].pk] == "tot"
    assert all(Evaluation.objects.get(pk=e.pk).locked() for e in evaluations)
    entry = AuditLog.objects.get(action="evaluation.decided_many")
    assert entry.detail["decided"][str(evaluations[0].pk)] == "xuat_sac" and len(entry.detail["decided"]) == 7
    with pytest.raises(actions.EvaluationError) as again:
        actions.decide_many(acting_user=ward.head_ward, evaluations=evaluations)
    assert again.value.code == "locked"


def test_decided_yearly_classifications_are_what_transfers_read(ward):
    _decided_peers(ward, n_tot=1, n_xs=0)
    Evaluation.objects.update(period_kind="year", period_end=dt.date(2026, 12, 31))
    open_year = actions.open_evaluation(acting_user=ward.hr_a, employee=ward.emp_a, period_kind="year", period_start=Q1)
    found = list(Evaluation.objects.yearly_classifications([2026]).values_list("classification", flat=True))
    assert found == ["tot"] and open_year.status == Evaluation.Status.DRAFT
    assert not Evaluation.objects.yearly_classifications([2025]).exists()


def test_the_qualitative_regime_takes_the_level_from_the_head(cast):
    ev = actions.open_evaluation(
        acting_user=cast.head_a, employee=cast.teacher_a, period_kind="quarter", period_start=dt.date(2026, 4, 1)
    )
    assert ev.regime == "nd90_2020_48_2023" and ev.criteria_rows() == []
    with pytest.raises(actions.EvaluationError, match="không chấm điểm"):
        actions.self_assess(acting_user=cast.head_a, evaluation=ev, scores={"nang_luc": 5})
    actions.self_assess(acting_user=cast.head_a, evaluation=ev, scores={}, comment="Tự nhận xét")
    ev = actions.manager_score(acting_user=cast.head_a, evaluation=ev, scores={}, comment="Nhận xét")
    assert ev.total is None and ev.status == Evaluation.Status.SCORED
    with pytest.raises(actions.EvaluationError, match="chọn trực tiếp"):
        actions.decide(acting_user=cast.head_a, evaluation=ev)
    # the old regime's 20 %-of-tốt quota is only a warning
    with pytest.raises(actions.EvaluationBlocked) as err:
        actions.decide(acting_user=cast.head_a, evaluation=ev, classification="xuat_sac")
    assert err.value.code == "needs_confirmation"
    actions.decide(acting_user=cast.head_a, evaluation=ev, classification="xuat_sac", force_warnings=True)
    ev.refresh_from_db()
    assert ev.classification == "xuat_sac" and ev.classification_label() == "Hoàn thành xuất sắc nhiệm vụ"


def test_a_head_is_recognised_from_their_role(ward):
    ward.emp_a.user = ward.head_ward
    ward.emp_a.save()
    Role.objects.create(user=ward.head_ward, kind=Role.Kind.UNIT_HEAD, unit=ward.office_a)
    ev = actions.open_evaluation(acting_user=ward.hr_a, employee=ward.emp_a, period_kind="quarter", period_start=Q1)
    other = actions.open_evaluation(acting_user=ward.hr_a, employee=ward.emp_b, period_kind="quarter", period_start=Q1)
    assert ev.is_unit_head and not other.is_unit_head


def test_a_manager_outside_their_scope_cannot_score(ward):
    """Bad input of the issue: a manager scoring someone outside their scope. Pages and
    API fetch the evaluation through access.get_evaluation_for_user(action="score")."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from evaluation import access

    other_head = get_user_model().objects.create_user(username="head_dk", password="x")
    Role.objects.create(user=other_head, kind=Role.Kind.UNIT_HEAD, unit=ward.commune_b)
    ev = actions.open_evaluation(acting_user=ward.hr_a, employee=ward.emp_a, period_kind="quarter", period_start=Q1)
    actions.self_assess(acting_user=ward.staff_user, evaluation=ev, scores=GENERAL)
    with pytest.raises(Http404):
        access.get_evaluation_for_user(other_head, ev.pk, action="score")  # another commune: not even found
    with pytest.raises(Http404):
        access.get_evaluation_for_user(ward.head_a, ev.pk, action="score")  # a school head, same ward
    with pytest.raises(PermissionDenied):
        access.get_evaluation_for_user(ward.hr_a, ev.pk, action="score")  # HR prepares, does not score
    assert access.get_evaluation_for_user(ward.head_ward, ev.pk, action="score") == ev
