"""Evidence beside the criteria (issue 17 item 3): the attendance facts, the unit's own
deduction rule and the linked exam's result, recorded as a snapshot when the manager
scores, so later changes show as a notice and never alter a signed-off score.

March 2026 starts on a Sunday: its weekdays are Mon 2 … Tue 31 (22). Commune A starts
tracking on 2 March, so January and February are "not tracked" in the first quarter.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.models import Attempt, Exam
from attendance import actions as attendance_actions
from attendance import engine
from attendance.models import TrackingStart
from devices.actions import store_punches
from devices.models import Device
from devices.records import RawPunch
from evaluation import actions, evidence
from evaluation.models import Evaluation, Rulebook
from hr_system.models import Employee, Role

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
Q1 = dt.date(2026, 1, 1)
MAR = {d: dt.date(2026, 3, d) for d in range(1, 32)}
WEEKDAYS = [d for d in range(1, 32) if MAR[d].weekday() < 5]
ON_TIME = ("07:25", "11:31", "13:28", "17:02")
LATE = ("07:50", "11:31", "13:28", "17:02")  # 20 minutes late, grace is 5
RULE = {"late_per": 2, "late_points": 1, "unexcused_absence_points": 2, "missing_punch_per": 3}


def punch(device, code: str, day: dt.date, times) -> None:
    records = [RawPunch(user_id=code, local_time=dt.datetime.combine(day, dt.time.fromisoformat(t))) for t in times]
    store_punches(device=device, records=records, source="import")


def recompute() -> None:
    engine.recompute(Employee.objects.all(), dt.date(2026, 1, 1), dt.date(2026, 3, 31))


@pytest.fixture
def world(cast):
    """An's first quarter of 2026: late on Tue 3, Wed 4, Thu 5, Fri 6 (four times, 80
    minutes), no punches on Tue 31 (one unexcused day), every other March weekday on time.
    The unit's rule: 1 point per 2 late arrivals, 2 points per unexcused day → 2 + 2 = 4
    off the discipline criterion's 6. Its competence criterion is linked to an exam An
    scored 31/40 in."""
    attendance_actions.create_schedule(
        acting_user=cast.hr_a,
        unit=cast.commune_a,
        name="Giờ hành chính",
        valid_from=dt.date(2025, 1, 1),
        valid_to=None,
        weekdays="01234",
        sessions=[{"start": dt.time(7, 30), "end": dt.time(11, 30)}, {"start": dt.time(13, 30), "end": dt.time(17)}],
    )
    cast.clock = Device.objects.create(
        name="may-a", host="127.0.0.1", unit=cast.commune_a, synced_through=dt.datetime(2026, 4, 2, tzinfo=HCM)
    )
    TrackingStart.objects.create(unit=cast.commune_a, date=MAR[2])
    for d in WEEKDAYS:
        if d in (3, 4, 5, 6):
            punch(cast.clock, "101", MAR[d], LATE)
        elif d != 31:
            punch(cast.clock, "101", MAR[d], ON_TIME)
    recompute()
    now = timezone.now()
    cast.exam = Exam.objects.create(
        title="Kiểm tra năng lực công chức quý I/2026",
        unit=cast.commune_a,
        opens_at=now - dt.timedelta(hours=3),
        closes_at=now - dt.timedelta(hours=1),
        published_at=now,
    )
    Attempt.objects.create(
        exam=cast.exam,
        employee=cast.emp_a,
        status=Attempt.Status.FINALIZED,
        score=Decimal("31"),
        max_score=Decimal("40"),
        passed=True,
        finalized_at=now - dt.timedelta(hours=2),
    )
    cast.rulebook = Rulebook.objects.create(
        unit=cast.commune_a,
        regime="nd335_2025",
        effective_from=Q1,
        discipline_rule=RULE,
        competence_exam_id=cast.exam.pk,
    )
    cast.head_ub = cast.admin.__class__.objects.create_user(username="head_ub", password="x")
    Role.objects.create(user=cast.head_ub, kind=Role.Kind.UNIT_HEAD, unit=cast.office_a)
    return cast


def evaluation_of(cast, employee=None) -> Evaluation:
    return Evaluation.objects.create(
        employee=employee or cast.emp_a,
        unit=(employee or cast.emp_a).unit,
        regime="nd335_2025",
        period_kind="quarter",
        period_start=Q1,
        period_end=dt.date(2026, 3, 31),
    )


def test_snapshot_holds_the_facts_the_rule_the_deduction_and_the_exam(world):
    ev = evaluation_of(world)

    snap = evidence.snapshot(ev)

    facts = snap["attendance"]
    assert (facts["late_count"], facts["late_minutes"]) == (4, 80)
    assert facts["absent_days"] == 1 and facts["missing_punches"] == 0
    assert facts["worked_days"] == 21
    assert facts["not_tracked_days"] == 31 + 28 + 1  # January, February and Sun 1 March
    assert (facts["late"], facts["early"], facts["unexcused_absences"]) == (4, 0, 1)  # the rule's names
    assert snap["months_absent"] == round(1 / 22, 2) and snap["maternity"] is False
    discipline = snap["discipline"]
    assert discipline["criterion"] == "ky_luat_ky_cuong" and discipline["max_points"] == 6
    assert discipline["rule"]["late_per"] == 2 and discipline["rule_is_default"] is False
    assert discipline["deduction"] == 4 and discipline["suggested_points"] == 2
    assert "đi muộn" in discipline["explanation"] and "Không có văn bản quy phạm pháp luật" in discipline["note"]
    competence = snap["competence"]
    assert competence["criterion"] == "nang_luc" and competence["exam_id"] == world.exam.pk
    assert (competence["result"]["score"], competence["result"]["percent"]) == (31.0, 77.5)
    assert snap["rulebook_id"] == world.rulebook.pk
    assert snap["period_start"] == "2026-01-01" and snap["period_end"] == "2026-03-31"
    assert dt.datetime.fromisoformat(snap["taken_at"]) <= timezone.now()


def test_without_a_rulebook_the_framework_default_rule_applies_and_no_exam_is_linked(world):
    world.rulebook.delete()
    ev = evaluation_of(world)

    snap = evidence.snapshot(ev)

    assert snap["rulebook_id"] is None and snap["competence"] is None
    assert snap["discipline"]["rule_is_default"] is True
    assert snap["discipline"]["max_points"] == 6  # the framework's default sub-criterion


def test_a_department_rulebook_wins_over_the_communes(world):
    Rulebook.objects.create(
        unit=world.office_a, regime="nd335_2025", effective_from=Q1, discipline_rule={"late_per": 1, "late_points": 1}
    )
    ev = evaluation_of(world)

    snap = evidence.snapshot(ev)

    assert snap["discipline"]["rule"]["late_per"] == 1
    assert snap["discipline"]["deduction"] == 4 + 2  # 4 late × 1 point, plus the default 2 a day absent
    assert snap["competence"] is None  # the department's own quy chế links no exam


def test_an_unpublished_exam_gives_no_competence_result(world):
    world.exam.published_at = None
    world.exam.save(update_fields=["published_at"])

    snap = evidence.snapshot(evaluation_of(world))

    assert snap["competence"]["exam_id"] == world.exam.pk and snap["competence"]["result"] is None


def test_the_snapshot_is_stored_when_the_manager_scores_and_later_punches_do_not_alter_it(world):
    ev = actions.open_evaluation(acting_user=world.hr_a, employee=world.emp_a, period_kind="quarter", period_start=Q1)
    scores = {"chinh_tri_dao_duc": 6, "ky_luat_ky_cuong": 2, "trach_nhiem_phuc_vu": 6, "nang_luc": 5}
    scores |= {"doi_moi_sang_tao": 5, "ket_qua_nhiem_vu": 60}
    actions.self_assess(acting_user=world.staff_user, evaluation=ev, scores=scores, comment="Hoàn thành")
    actions.manager_score(acting_user=world.head_ub, evaluation=ev, scores=scores, comment="Đồng ý")
    ev.refresh_from_db()
    stored = ev.evidence
    assert stored["attendance"]["absent_days"] == 1 and stored["discipline"]["deduction"] == 4
    assert stored["competence"]["result"]["score"] == 31.0
    assert evidence.differs(ev) is False and evidence.changes(ev) == []

    # The clock delivers Tuesday 31's punches late; the worker recomputes the day.
    punch(world.clock, "101", MAR[31], ON_TIME)
    recompute()
    ev.refresh_from_db()

    assert ev.evidence == stored  # the recorded evidence did not move
    live = evidence.current(ev)
    assert live["attendance"]["absent_days"] == 0 and live["discipline"]["deduction"] == 2
    assert evidence.differs(ev) is True
    notice = evidence.changes(ev)
    assert any("nghỉ không lý do: 1 khi chấm, nay 0" in line for line in notice)
    assert any("điểm trừ tiêu chí kỷ luật, kỷ cương: 4 khi chấm, nay 2" in line for line in notice)


def test_a_remarked_exam_shows_as_a_change(world):
    ev = evaluation_of(world)
    ev.evidence = evidence.snapshot(ev)
    ev.save(update_fields=["evidence"])
    Attempt.objects.filter(exam=world.exam).update(score=Decimal("35"))

    notice = evidence.changes(ev)

    assert notice == ["kết quả kiểm tra năng lực: 31/40 khi chấm, nay 35/40"]


def test_months_absent_count_leave_and_absence_but_not_maternity():
    facts = {"leave_days": {"Ô": 44, "Ts": 110, "P": 11}, "absent_days": 11}

    assert evidence.months_absent(facts) == 3.0  # (44 + 11 + 11) / 22
    assert evidence.months_absent({}) == 0


def test_maternity_leave_is_flagged_for_the_yearly_overrides(world):
    attendance_actions.request_leave(
        acting_user=world.hr_a,
        employee=world.emp_a,
        leave_type="Ts",
        start_date=MAR[23],
        end_date=MAR[27],
        reason="Nghỉ thai sản",
        approve=True,
    )

    snap = evidence.snapshot(evaluation_of(world))

    assert snap["maternity"] is True and snap["attendance"]["leave_days"]["Ts"] == 5


def test_nothing_recorded_yet_is_no_change(world):
    assert evidence.differs(evaluation_of(world)) is False


def test_snapshots_of_many_read_attendance_once_per_period(world, django_assert_max_num_queries):
    bình = Employee.objects.create(
        code="103", full_name="Hoàng Văn Bình", unit=world.office_a, category="civil_servant", start_date=Q1
    )
    evaluations = [evaluation_of(world), evaluation_of(world, bình)]
    for e in evaluations:
        e.unit  # noqa: B018 - loaded beforehand, as a list page's select_related would

    # One read of the rulebooks per unit, one of attendance, one of the exam and its
    # results (two): five at most, for any number of people in one unit and period.
    with django_assert_max_num_queries(5):
        snaps = evidence.snapshot_many(evaluations)

    assert snaps[evaluations[0].pk]["attendance"]["late_count"] == 4
    assert snaps[evaluations[1].pk]["attendance"]["late_count"] == 0
    assert snaps[evaluations[1].pk]["competence"]["result"] is None  # Bình did not sit it
