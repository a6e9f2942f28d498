"""Running an exam through assessments.attempts: set-up, the sitting, the clock, proctoring.

The builders at the top (a small approved bank, an exam with one part and one rule,
candidates, papers) are shared with the API and browser tests.
"""

from __future__ import annotations

import datetime as dt
import random
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from assessments import attempts
from assessments.models import Attempt, AttemptEvent, Category, Exam, Question, QuestionVersion, Response
from assessments.papers import ExamError, generate_papers
from hr_system.models import AuditLog, OrgUnit, Role
from tests.conftest import PASSWORD

OPTIONS = [
    {"id": "a", "text": "Luật Cán bộ, công chức", "correct": True},
    {"id": "b", "text": "Luật Viên chức", "correct": False},
    {"id": "c", "text": "Bộ luật Lao động", "correct": False},
    {"id": "d", "text": "Luật Tổ chức chính quyền địa phương", "correct": False},
]


def make_bank(n: int = 5, code: str = "QLNN", unit=None) -> Category:
    """An approved bank of `n` questions; owned by `unit`, by default the root of the
    tree (the province's shared bank)."""
    owner = unit or OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    category = Category.objects.create(code=code, name="Kiến thức quản lý nhà nước", unit=owner)
    for i in range(n):
        question = Question.objects.create(category=category)
        version = QuestionVersion.objects.create(
            question=question,
            text=f"Câu hỏi số {i + 1}: văn bản nào quy định nội dung này?",
            options=OPTIONS,
            status=QuestionVersion.Status.APPROVED,
        )
        question.current = version
        question.save(update_fields=["current"])
    return category


def make_board(cast):
    user = get_user_model().objects.create_user(username="board_a", password=PASSWORD)
    Role.objects.create(user=user, kind=Role.Kind.EXAM_BOARD, unit=cast.commune_a)
    return user


def build_exam(cast, *, count: int = 3, candidates=None, papers: bool = True, **options) -> SimpleNamespace:
    """An open exam of commune A (one part, one rule of `count` questions) with
    cast.emp_a and cast.teacher_a (who has no login account) as candidates."""
    board = make_board(cast)
    category = make_bank(max(count, 5))
    now = timezone.now()
    settings = {
        "title": "Kiểm tra năng lực công chức năm 2026",
        "opens_at": now - dt.timedelta(hours=1),
        "closes_at": now + dt.timedelta(hours=3),
        "time_limit": 30,
    }
    settings.update(options)
    exam = attempts.create_exam(
        acting_user=board,
        unit=cast.commune_a,
        parts=[{"title": "Kiến thức chung", "rules": [{"category": category, "difficulty": None, "count": count}]}],
        **settings,
    )
    people = [cast.emp_a, cast.teacher_a] if candidates is None else candidates
    attempts.add_candidates(acting_user=board, exam=exam, employees=people)
    if papers:
        generate_papers(acting_user=board, exam=exam)
    return SimpleNamespace(exam=exam, board=board, category=category)


def attempt_of(exam: Exam, employee) -> Attempt:
    return Attempt.objects.select_related("exam", "employee").get(exam=exam, employee=employee)


def started(exam: Exam, employee, now=None, **kwargs) -> Attempt:
    attempt = attempt_of(exam, employee)
    return attempts.start_attempt(attempt=attempt, ip="10.0.0.5", access_code=kwargs.get("code"), now=now)


def item_options(attempt: Attempt, position: int) -> list[str]:
    return attempt.items.get(position=position).option_order


@pytest.fixture
def setup(cast):
    return build_exam(cast)


# --- set-up -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, field",
    [
        ({"closes_at_offset": -2}, "closes_at"),
        ({"time_limit": 0}, "time_limit"),
        ({"time_limit": 601}, "time_limit"),
        ({"pass_percent": 101}, "pass_percent"),
        ({"pass_percent": -1}, "pass_percent"),
        ({"negative_mark": "1.5"}, "negative_mark"),
        ({"allowed_networks": ["10.0.0.0/33"]}, "allowed_networks"),
        ({"allowed_networks": "not-a-network"}, "allowed_networks"),
        ({"count": 0}, "parts.0.rules.0.count"),
        ({"part_pass": 120}, "parts.0.pass_percent"),
        ({"parts": []}, "parts"),
    ],
)
def test_create_exam_rejects_bad_settings(cast, change, field):
    board = make_board(cast)
    category = make_bank(3)
    now = timezone.now()
    change = dict(change)
    closes = now + dt.timedelta(hours=change.pop("closes_at_offset", 3))
    rule = {"category": category, "difficulty": None, "count": change.pop("count", 2)}
    parts = change.pop("parts", [{"title": "Phần 1", "pass_percent": change.pop("part_pass", None), "rules": [rule]}])
    with pytest.raises(ExamError) as info:
        attempts.create_exam(
            acting_user=board,
            unit=cast.commune_a,
            title="Kỳ thi thử",
            opens_at=now,
            closes_at=closes,
            time_limit=change.pop("time_limit", 30),
            parts=parts,
            **change,
        )
    assert info.value.field == field
    assert not Exam.objects.exists()


def test_create_exam_stores_parts_rules_networks_and_audits(cast):
    board = make_board(cast)
    category = make_bank(4)
    now = timezone.now()
    exam = attempts.create_exam(
        acting_user=board,
        unit=cast.commune_a,
        title="Thi nâng ngạch",
        opens_at=now,
        closes_at=now + dt.timedelta(hours=2),
        time_limit=45,
        access_code="XK-2026",
        allowed_networks=["10.20.0.5/24", " 192.168.1.0/24 "],
        parts=[
            {"title": "Luật", "pass_percent": 50, "rules": [{"category": category, "difficulty": 2, "count": 2}]},
            {"title": "Tin học", "rules": [{"category": category, "difficulty": None, "count": 1}]},
        ],
    )
    assert [p.title for p in exam.parts.order_by("order")] == ["Luật", "Tin học"]
    assert exam.allowed_networks.splitlines() == ["10.20.0.0/24", "192.168.1.0/24"]
    assert exam.check_access_code("XK-2026") and not exam.check_access_code("xk")
    assert AuditLog.objects.filter(action="exam.create", object_id=str(exam.pk), user=board).exists()


def test_candidates_come_from_the_registry_and_adding_twice_adds_nothing(cast):
    s = build_exam(cast, papers=False)
    assert cast.teacher_a.user is None  # no login account, still a candidate
    assert set(s.exam.attempts.values_list("employee__code", flat=True)) == {"101", "102"}
    again = attempts.add_candidates(
        acting_user=s.board, exam=s.exam, employees=[cast.emp_a, cast.teacher_a, cast.emp_b]
    )
    assert again == 1
    assert s.exam.attempts.count() == 3
    assert AuditLog.objects.filter(action="exam.candidates_added", object_id=str(s.exam.pk)).count() == 2


# --- start ------------------------------------------------------------------------------


def test_start_sets_deadline_from_time_limit_and_extra_time(setup, cast):
    attempt = attempt_of(setup.exam, cast.emp_a)
    Attempt.objects.filter(pk=attempt.pk).update(extra_seconds=600)
    attempt.refresh_from_db()
    now = timezone.now()
    attempt = attempts.start_attempt(attempt=attempt, ip="10.0.0.5", access_code=None, now=now)
    assert attempt.status == Attempt.Status.IN_PROGRESS and attempt.started_at == now
    assert attempt.deadline == now + dt.timedelta(minutes=30, seconds=600)
    assert len(attempt.session_token) >= 32
    assert AttemptEvent.objects.filter(attempt=attempt, kind="start").exists()


def test_deadline_never_passes_the_exam_close(cast):
    now = timezone.now()
    s = build_exam(cast, closes_at=now + dt.timedelta(minutes=10))
    attempt = started(s.exam, cast.emp_a, now=now)
    assert attempt.deadline == s.exam.closes_at


def test_start_outside_the_window_is_refused(cast):
    now = timezone.now()
    s = build_exam(cast, opens_at=now + dt.timedelta(hours=1), closes_at=now + dt.timedelta(hours=2))
    with pytest.raises(attempts.AttemptError) as info:
        started(s.exam, cast.emp_a, now=now)
    assert info.value.code == "not_open" and info.value.status == 409
    with pytest.raises(attempts.AttemptError) as info:
        started(s.exam, cast.emp_a, now=now + dt.timedelta(hours=3))
    assert info.value.code == "closed"
    assert attempt_of(s.exam, cast.emp_a).status == Attempt.Status.NOT_STARTED


def test_access_code_and_ip_range_are_enforced(cast):
    s = build_exam(cast, access_code="MC-0915", allowed_networks=["10.20.0.0/24"])
    attempt = attempt_of(s.exam, cast.emp_a)
    for ip, code, expected in [
        ("10.20.0.7", "sai", "bad_access_code"),
        ("10.20.0.7", None, "bad_access_code"),
        ("10.99.0.7", "MC-0915", "ip_not_allowed"),
        ("", "MC-0915", "ip_not_allowed"),
    ]:
        with pytest.raises(attempts.AttemptError) as info:
            attempts.start_attempt(attempt=attempt, ip=ip, access_code=code)
        assert info.value.code == expected and info.value.status == 403
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.NOT_STARTED
    attempt = attempts.start_attempt(attempt=attempt, ip="10.20.0.7", access_code="MC-0915")
    assert attempt.status == Attempt.Status.IN_PROGRESS


def test_second_start_takes_over_and_keeps_the_deadline(setup, cast):
    t0 = timezone.now()
    first = started(setup.exam, cast.emp_a, now=t0)
    token_one, deadline = first.session_token, first.deadline
    second = started(setup.exam, cast.emp_a, now=t0 + dt.timedelta(minutes=7))
    assert second.session_token != token_one
    assert second.deadline == deadline and second.started_at == t0
    assert AttemptEvent.objects.filter(attempt=second, kind="takeover").count() == 1
    opts = item_options(second, 1)
    with pytest.raises(attempts.AttemptError) as info:
        attempts.save_answer(attempt=second, session_token=token_one, position=1, selected=opts[:1], seq=1)
    assert info.value.code == "session_taken_over" and info.value.status == 409
    beat = attempts.heartbeat(attempt=second, session_token=token_one)
    assert beat["active"] is False
    assert attempts.heartbeat(attempt=second, session_token=second.session_token)["active"] is True


# --- saving answers -----------------------------------------------------------------------


def test_doubled_and_reordered_saves_keep_the_newest_answer(setup, cast):
    attempt = started(setup.exam, cast.emp_a)
    token = attempt.session_token
    first, second = item_options(attempt, 1)[:2]
    r5 = attempts.save_answer(attempt=attempt, session_token=token, position=1, selected=[first], seq=5)
    assert r5["saved"] is True and r5["seq"] == 5
    doubled = attempts.save_answer(attempt=attempt, session_token=token, position=1, selected=[first], seq=5)
    late = attempts.save_answer(attempt=attempt, session_token=token, position=1, selected=[second], seq=4)
    assert doubled["saved"] is False and doubled["seq"] == 5
    assert late["saved"] is False and late["seq"] == 5
    rows = Response.objects.filter(attempt=attempt)
    assert rows.count() == 1
    assert rows.get().selected == [first] and rows.get().seq == 5
    newer = attempts.save_answer(attempt=attempt, session_token=token, position=1, selected=[second], seq=6)
    assert newer["saved"] is True and Response.objects.get(attempt=attempt).selected == [second]


def test_concurrent_saves_in_any_order_leave_the_highest_seq(transactional_db, cast):
    """Twenty saves of one question racing on separate connections: the newest wins."""
    s = build_exam(cast)
    attempt = started(s.exam, cast.emp_a)
    options = item_options(attempt, 1)
    seqs = list(range(1, 21))
    random.Random(7).shuffle(seqs)

    def send(seq: int) -> None:
        try:
            mine = attempt_of(s.exam, cast.emp_a)
            attempts.save_answer(
                attempt=mine, session_token=mine.session_token, position=1, selected=[options[seq % 4]], seq=seq
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, seqs))
    row = Response.objects.get(attempt=attempt)
    assert row.seq == 20 and row.selected == [options[20 % 4]]
    assert attempt_of(s.exam, cast.emp_a).answered == 1


def test_answered_count_and_last_contact_follow_saves(setup, cast):
    t0 = timezone.now()
    attempt = started(setup.exam, cast.emp_a, now=t0)
    token = attempt.session_token
    for position, seq in ((1, 1), (2, 2)):
        attempts.save_answer(
            attempt=attempt,
            session_token=token,
            position=position,
            selected=item_options(attempt, position)[:1],
            seq=seq,
        )
    attempt.refresh_from_db()
    assert attempt.answered == 2
    later = t0 + dt.timedelta(minutes=3)
    attempts.save_answer(attempt=attempt, session_token=token, position=2, selected=[], seq=3, now=later)
    attempt.refresh_from_db()
    assert attempt.answered == 1
    assert attempt.last_heartbeat == later  # a save counts as a heartbeat on the monitor


def test_position_not_on_the_paper_is_422(setup, cast):
    attempt = started(setup.exam, cast.emp_a)
    with pytest.raises(ExamError) as info:
        attempts.save_answer(attempt=attempt, session_token=attempt.session_token, position=99, selected=["a"], seq=1)
    assert info.value.status == 422 and info.value.field == "position"
    assert not Response.objects.exists()


def test_option_not_on_the_item_is_422(setup, cast):
    attempt = started(setup.exam, cast.emp_a)
    for selected in (["z"], ["a", "b"]):  # unknown id; two ids on a single-answer item
        with pytest.raises(ExamError) as info:
            attempts.save_answer(
                attempt=attempt, session_token=attempt.session_token, position=1, selected=selected, seq=1
            )
        assert info.value.status == 422 and info.value.field == "selected"
    assert not Response.objects.exists()


def test_save_after_deadline_and_grace_is_refused_and_logged(setup, cast):
    t0 = timezone.now()
    attempt = started(setup.exam, cast.emp_a, now=t0)
    token, opts = attempt.session_token, item_options(attempt, 1)
    grace = dt.timedelta(seconds=setup.exam.grace_seconds)
    within = attempts.save_answer(
        attempt=attempt, session_token=token, position=1, selected=opts[:1], seq=1, now=attempt.deadline + grace
    )
    assert within["saved"] is True
    with pytest.raises(attempts.AttemptError) as info:
        attempts.save_answer(
            attempt=attempt,
            session_token=token,
            position=1,
            selected=opts[1:2],
            seq=2,
            now=attempt.deadline + grace + dt.timedelta(seconds=1),
        )
    assert info.value.status == 409 and info.value.code == "time_up"
    assert Response.objects.get(attempt=attempt).selected == opts[:1]
    event = AttemptEvent.objects.get(attempt=attempt, kind="late_save_refused")
    assert event.detail["position"] == 1


def test_save_on_a_finalized_attempt_is_refused(setup, cast):
    attempt = started(setup.exam, cast.emp_a)
    token = attempt.session_token
    attempts.finalize(attempt=attempt, reason="submitted")
    attempt.refresh_from_db()
    with pytest.raises(attempts.AttemptError) as info:
        attempts.save_answer(attempt=attempt, session_token=token, position=1, selected=[], seq=1)
    assert info.value.code == "finished" and info.value.status == 409


def test_the_write_itself_rechecks_a_stale_attempt(setup, cast):
    """A finaliser that commits between the checks and the write still wins."""
    attempt = started(setup.exam, cast.emp_a)
    stale = attempt_of(setup.exam, cast.emp_a)  # loaded while in progress
    attempts.finalize(attempt=attempt, reason="submitted")
    with pytest.raises(attempts.AttemptError) as info:
        attempts.save_answer(
            attempt=stale, session_token=stale.session_token, position=1, selected=item_options(stale, 1)[:1], seq=1
        )
    assert info.value.code == "finished"
    assert not Response.objects.exists()


# --- heartbeat and events ------------------------------------------------------------------


def test_heartbeat_reports_time_left_and_records_presence(setup, cast):
    t0 = timezone.now()
    attempt = started(setup.exam, cast.emp_a, now=t0)
    beat = attempts.heartbeat(attempt=attempt, session_token=attempt.session_token, now=t0 + dt.timedelta(minutes=10))
    assert beat["status"] == "in_progress" and beat["active"] is True
    assert beat["remaining_seconds"] == 20 * 60
    attempt.refresh_from_db()
    assert attempt.last_heartbeat == t0 + dt.timedelta(minutes=10)


def test_only_whitelisted_events_are_logged(setup, cast):
    attempt = started(setup.exam, cast.emp_a)
    attempts.log_event(attempt=attempt, session_token=attempt.session_token, kind="focus_lost", detail={"s": 3})
    with pytest.raises(ExamError):
        attempts.log_event(attempt=attempt, session_token=attempt.session_token, kind="drop_table", detail={})
    with pytest.raises(attempts.AttemptError):
        attempts.log_event(attempt=attempt, session_token="someone-else", kind="tab_hidden", detail={})
    assert list(AttemptEvent.objects.filter(attempt=attempt).values_list("kind", flat=True)) == ["start", "focus_lost"]


def test_a_flood_of_events_is_refused_after_the_minute_budget(setup, cast):
    t0 = timezone.now()
    attempt = started(setup.exam, cast.emp_a, now=t0)
    token = attempt.session_token
    for i in range(attempts.EVENTS_PER_MINUTE):
        attempts.log_event(attempt=attempt, session_token=token, kind="focus_lost", now=t0 + dt.timedelta(seconds=i))
    with pytest.raises(attempts.AttemptError) as refused:
        attempts.log_event(attempt=attempt, session_token=token, kind="focus_lost", now=t0 + dt.timedelta(seconds=40))
    assert refused.value.status == 429 and refused.value.code == "too_many_events"
    # A minute later the budget is back.
    attempts.log_event(attempt=attempt, session_token=token, kind="tab_hidden", now=t0 + dt.timedelta(seconds=75))
    kinds = list(AttemptEvent.objects.filter(attempt=attempt).values_list("kind", flat=True))
    assert kinds.count("focus_lost") == attempts.EVENTS_PER_MINUTE and kinds[-1] == "tab_hidden"


# --- finalisation --------------------------------------------------------------------------


def test_finalize_due_closes_attempts_at_the_deadline_without_any_client(setup, cast):
    t0 = timezone.now()
    mine = started(setup.exam, cast.emp_a, now=t0)
    attempts.save_answer(
        attempt=mine, session_token=mine.session_token, position=1, selected=item_options(mine, 1)[:1], seq=1, now=t0
    )
    other = started(setup.exam, cast.teacher_a, now=t0 + dt.timedelta(minutes=5))
    grace = dt.timedelta(seconds=setup.exam.grace_seconds)
    assert attempts.finalize_due(mine.deadline) == 0  # not before deadline + grace
    assert attempts.finalize_due(mine.deadline + grace + dt.timedelta(seconds=1)) == 1
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.status == Attempt.Status.FINALIZED and mine.finalized_at == mine.deadline
    assert mine.answered == 1
    assert mine.score is not None and mine.max_score > 0  # scored in the same round
    assert other.status == Attempt.Status.IN_PROGRESS
    assert attempts.finalize_due(mine.deadline + grace + dt.timedelta(seconds=2)) == 0  # idempotent
    assert AttemptEvent.objects.filter(attempt=mine, kind="finalized").count() == 1


def test_finalize_due_closes_a_whole_sitting_in_one_round(cast):
    s = build_exam(cast, candidates=[cast.emp_a, cast.teacher_a, cast.emp_b])
    t0 = timezone.now()
    sitting = [started(s.exam, e, now=t0) for e in (cast.emp_a, cast.teacher_a)]
    late = started(s.exam, cast.emp_b, now=t0 + dt.timedelta(minutes=10))
    after = sitting[0].deadline + dt.timedelta(seconds=s.exam.grace_seconds + 1)
    assert attempts.finalize_due(after) == 2
    for attempt in sitting:
        attempt.refresh_from_db()
        assert attempt.status == Attempt.Status.FINALIZED and attempt.finalized_at == attempt.deadline
        assert attempt.score is not None
    late.refresh_from_db()
    assert late.status == Attempt.Status.IN_PROGRESS and late.score is None
    assert AttemptEvent.objects.filter(kind="finalized", detail__reason="deadline").count() == 2


def test_finalize_is_idempotent_and_not_for_unstarted(setup, cast):
    attempt = started(setup.exam, cast.emp_a)
    once = attempts.finalize(attempt=attempt, reason="submitted")
    twice = attempts.finalize(attempt=attempt, reason="submitted")
    assert once.status == twice.status == Attempt.Status.FINALIZED
    assert once.finalized_at == twice.finalized_at
    assert AttemptEvent.objects.filter(attempt=attempt, kind="finalized").count() == 1
    with pytest.raises(attempts.AttemptError):
        attempts.finalize(attempt=attempt_of(setup.exam, cast.teacher_a), reason="submitted")


def test_finalize_attempts_command_once(setup, cast):
    past = timezone.now() - dt.timedelta(hours=1)
    attempt = started(setup.exam, cast.emp_a, now=past)
    assert attempt.deadline < timezone.now()
    call_command("finalize_attempts", "--once")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.FINALIZED


def test_an_overdue_restart_is_finalized_not_resumed(setup, cast):
    past = timezone.now() - dt.timedelta(hours=1)
    attempt = started(setup.exam, cast.emp_a, now=past)
    with pytest.raises(attempts.AttemptError) as info:
        started(setup.exam, cast.emp_a)
    assert info.value.code == "time_up"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.FINALIZED


# --- proctoring ------------------------------------------------------------------------------


def test_pause_and_resume_shift_the_deadline_by_the_paused_time(setup, cast):
    t0 = timezone.now()
    attempt = started(setup.exam, cast.emp_a, now=t0)
    deadline, token = attempt.deadline, attempt.session_token
    paused = attempts.pause(
        acting_user=setup.board, attempt=attempt, reason="Mất điện phòng thi", now=t0 + dt.timedelta(minutes=5)
    )
    assert paused.status == Attempt.Status.PAUSED
    assert attempts.remaining_seconds(paused, t0 + dt.timedelta(minutes=9)) == 25 * 60  # the clock is stopped
    with pytest.raises(attempts.AttemptError) as info:
        attempts.save_answer(attempt=paused, session_token=token, position=1, selected=[], seq=1)
    assert info.value.code == "paused"
    resumed = attempts.resume(
        acting_user=setup.board, attempt=paused, reason="Có điện trở lại", now=t0 + dt.timedelta(minutes=12)
    )
    assert resumed.status == Attempt.Status.IN_PROGRESS
    assert resumed.deadline == deadline + dt.timedelta(minutes=7)
    kinds = list(AttemptEvent.objects.filter(attempt=attempt, by=setup.board).values_list("kind", flat=True))
    assert kinds == ["paused", "resumed"]
    assert AuditLog.objects.filter(action="attempt.resumed", user=setup.board).exists()


def test_extend_adds_minutes_to_one_or_all_and_is_audited(setup, cast):
    t0 = timezone.now()
    mine = started(setup.exam, cast.emp_a, now=t0)
    deadline = mine.deadline
    n = attempts.extend(acting_user=setup.board, attempts=[mine], minutes=10, reason="Máy tính hỏng, đổi máy")
    assert n == 1
    mine.refresh_from_db()
    assert mine.deadline == deadline + dt.timedelta(minutes=10) and mine.extra_seconds == 600
    n = attempts.extend(
        acting_user=setup.board, attempts=setup.exam.attempts.all(), minutes=5, reason="Sự cố mạng toàn phòng"
    )
    assert n == 2
    mine.refresh_from_db()
    assert mine.deadline == deadline + dt.timedelta(minutes=15)
    waiting = attempt_of(setup.exam, cast.teacher_a)
    assert waiting.extra_seconds == 300 and waiting.deadline is None  # applied at their start
    started_later = started(setup.exam, cast.teacher_a, now=t0)
    assert started_later.deadline == t0 + dt.timedelta(minutes=35)
    audits = AuditLog.objects.filter(action="exam.extend", object_id=str(setup.exam.pk), user=setup.board)
    assert [a.detail["minutes"] for a in audits.order_by("at")] == [10, 5]
    event = AttemptEvent.objects.filter(attempt=mine, kind="extended").first()
    assert event.by == setup.board and event.detail["reason"] == "Máy tính hỏng, đổi máy"


def test_proctor_actions_need_a_reason(setup, cast):
    attempt = started(setup.exam, cast.emp_a)
    for call in (
        lambda: attempts.pause(acting_user=setup.board, attempt=attempt, reason="  "),
        lambda: attempts.terminate(acting_user=setup.board, attempt=attempt, reason=""),
        lambda: attempts.extend(acting_user=setup.board, attempts=[attempt], minutes=5, reason=""),
    ):
        with pytest.raises(ExamError) as info:
            call()
        assert info.value.field == "reason"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS and attempt.extra_seconds == 0


def test_terminate_ends_the_sitting_and_is_logged(setup, cast):
    attempt = started(setup.exam, cast.emp_a)
    done = attempts.terminate(acting_user=setup.board, attempt=attempt, reason="Sử dụng tài liệu không được phép")
    assert done.status == Attempt.Status.TERMINATED and done.finalized_at is not None
    event = AttemptEvent.objects.get(attempt=attempt, kind="terminated")
    assert event.by == setup.board
    with pytest.raises(attempts.AttemptError):
        attempts.resume(acting_user=setup.board, attempt=done, reason="nhầm")
    assert attempts.finalize_due(timezone.now() + dt.timedelta(days=1)) == 0


def test_monitor_shows_progress_heartbeat_and_focus_losses(setup, cast):
    attempt = started(setup.exam, cast.emp_a)
    token = attempt.session_token
    attempts.save_answer(attempt=attempt, session_token=token, position=1, selected=item_options(attempt, 1)[:1], seq=1)
    for kind in ("focus_lost", "tab_hidden", "focus_back"):
        attempts.log_event(attempt=attempt, session_token=token, kind=kind, detail={})
    data = attempts.monitor(setup.exam)
    rows = {r["employee"]: r for r in data["attempts"]}
    assert rows["101"]["answered"] == 1 and rows["101"]["total"] == 3
    assert rows["101"]["focus_losses"] == 2 and rows["101"]["remaining_seconds"] > 0
    assert rows["102"]["status"] == "not_started" and rows["102"]["last_heartbeat"] is None
    assert data["counts"]["in_progress"] == 1 and data["counts"]["not_started"] == 1
