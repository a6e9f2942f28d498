"""Running exams: set-up, candidates, the candidate's sitting, proctoring, finalisation.

Keyword-only functions; each write is atomic, and what an official does is audited.
The server owns the clock: `Attempt.deadline` is fixed when the candidate starts and
only proctors move it (extend, pause/resume). A reload, a crash, a server restart or
another computer never moves it, and the server finalises at the deadline itself
(`finalize_due`, run by `manage.py finalize_attempts --loop`), so there is no submit
storm and no answer depends on a last client request.

Answers are one row per paper item, upserted only when the client's `seq` is newer
than the stored one, so a doubled, retried or reordered save never overwrites a newer
answer. Unlike Moodle's hidden 60 s "last submission grace", our grace is small
(`Exam.grace_seconds`, for the network only) and the save path itself enforces it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import secrets
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from assessments import results, sealing
from assessments.models import (
    Attempt,
    AttemptEvent,
    BlueprintRule,
    Category,
    Exam,
    ExamPart,
    PaperItem,
    QuestionVersion,
    Response,
)
from assessments.papers import ExamError
from hr_system.models import AuditLog, Employee

logger = logging.getLogger(__name__)

Status = Attempt.Status
OPEN_STATUSES = (Status.IN_PROGRESS, Status.PAUSED)
CLOSED_STATUSES = (Status.FINALIZED, Status.TERMINATED)

MAX_TIME_LIMIT = 600
MAX_GRACE_SECONDS = 120
MAX_EXTEND_MINUTES = 600
MAX_LATE_ENTRY_MINUTES = 120
MAX_REMARK_DAYS = 90
# If the finalising worker is down, a heartbeat closes an attempt this long after
# deadline + grace, so candidates are never left waiting for a result page.
FALLBACK_FINALIZE_AFTER = dt.timedelta(seconds=60)

# Events the exam page may report (anything else is refused); label for the monitor.
CLIENT_EVENTS = {
    "focus_lost": "Rời cửa sổ bài thi",
    "focus_back": "Quay lại cửa sổ bài thi",
    "tab_hidden": "Ẩn thẻ bài thi",
    "tab_visible": "Mở lại thẻ bài thi",
    "offline": "Mất kết nối mạng",
    "online": "Có lại kết nối mạng",
    "copy": "Sao chép nội dung",
    "paste": "Dán nội dung",
    "fullscreen_exit": "Thoát chế độ toàn màn hình",
}
FOCUS_LOSS_EVENTS = ("focus_lost", "tab_hidden")
MAX_EVENT_DETAIL = 1000
# A page (or a script) sending focus events in a loop must not fill the log: beyond
# this many client events in a minute an attempt's further events are refused (429).
EVENTS_PER_MINUTE = 30
# Refused late saves of one attempt within this window share one logged event.
LATE_SAVE_LOG_WINDOW = dt.timedelta(minutes=1)


class AttemptError(ExamError):
    """An ExamError with a machine-readable code the exam page acts on
    (e.g. `session_taken_over` stops saving, `paused` waits, `time_up` ends)."""

    def __init__(self, message: str, *, code: str, status: int = 409, field: str = "__all__"):
        super().__init__(message, field, status)
        self.code = code


# --- exam set-up ---------------------------------------------------------------------


# Dates outside these years are typing errors (or a fuzzer): refused before any
# arithmetic or local-time conversion (the late-entry rule of the exam's day) overflows.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099


def check_year(value: dt.datetime, field: str) -> None:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ExamError(f"Năm phải từ {EARLIEST_YEAR} đến {LATEST_YEAR}.", field)


def _percent(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ExamError("Giá trị phải là một số.", field) from None
    if not Decimal(0) <= number <= Decimal(100):
        raise ExamError("Tỷ lệ phần trăm phải từ 0 đến 100.", field)
    return number


def clean_networks(networks) -> str:
    """CIDR ranges (a list or one per line) → the normalised text stored on the exam."""
    if isinstance(networks, str):
        networks = networks.splitlines()
    out = []
    for raw in networks or ():
        text = raw.strip()
        if not text:
            continue
        try:
            out.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            raise ExamError(f"“{text}” không phải là dải địa chỉ IP hợp lệ (ví dụ 10.20.0.0/24).", "allowed_networks")
    return "\n".join(dict.fromkeys(out))


def _clean_parts(parts: list[dict]) -> list[dict]:
    if not parts:
        raise ExamError("Kỳ thi cần ít nhất một phần thi.", "parts")
    levels = {value for value, _label in QuestionVersion.Difficulty.choices}
    cleaned = []
    for i, part in enumerate(parts):
        title = (part.get("title") or "").strip()
        if not title:
            raise ExamError(f"Phần thi thứ {i + 1} chưa có tên.", f"parts.{i}.title")
        pass_percent = part.get("pass_percent")
        if pass_percent is not None:
            pass_percent = _percent(pass_percent, f"parts.{i}.pass_percent")
        rules = part.get("rules") or []
        if not rules:
            raise ExamError(f"Phần “{title}” chưa có quy tắc chọn câu hỏi.", f"parts.{i}.rules")
        clean_rules = []
        for j, rule in enumerate(rules):
            category = rule.get("category")
            if not isinstance(category, Category):
                raise ExamError("Chủ đề câu hỏi không hợp lệ.", f"parts.{i}.rules.{j}.category")
            difficulty = rule.get("difficulty")
            if difficulty is not None and difficulty not in levels:
                raise ExamError("Mức độ khó không hợp lệ.", f"parts.{i}.rules.{j}.difficulty")
            count = rule.get("count")
            if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
                raise ExamError("Số câu hỏi phải lớn hơn 0.", f"parts.{i}.rules.{j}.count")
            clean_rules.append({"category": category, "difficulty": difficulty, "count": count})
        cleaned.append({"title": title, "pass_percent": pass_percent, "rules": clean_rules})
    return cleaned


def create_exam(
    *,
    acting_user,
    unit,
    title: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    time_limit: int,
    parts: list[dict],
    access_code: str = "",
    allowed_networks: list[str] | str = (),
    shuffle_questions: bool = True,
    shuffle_options: bool = True,
    negative_mark: Decimal | float | str = 0,
    floor_at_zero: bool = True,
    pass_percent: Decimal | float | str = 50,
    results_policy: str = Exam.Results.PUBLISHED,
    layout: str = Exam.Layout.ONE,
    grace_seconds: int = 10,
    scoring: str = Exam.Scoring.ALL_OR_NOTHING,
    late_entry_minutes: int | None = None,
    require_checkin: bool = False,
    remark_window_days: int | None = None,
) -> Exam:
    """An exam with its parts and blueprint rules.

    `parts`: [{"title", "pass_percent" (optional), "rules": [{"category": Category,
    "difficulty": 1-3 or None for any, "count"}]}], in paper order.
    """
    title = (title or "").strip()
    if not title:
        raise ExamError("Vui lòng nhập tên kỳ thi.", "title")
    if timezone.is_naive(opens_at) or timezone.is_naive(closes_at):
        raise ExamError("Thời điểm mở và đóng phải có múi giờ.", "opens_at")
    check_year(opens_at, "opens_at")
    check_year(closes_at, "closes_at")
    if closes_at <= opens_at:
        raise ExamError("Thời điểm đóng phải sau thời điểm mở.", "closes_at")
    if not isinstance(time_limit, int) or not 1 <= time_limit <= MAX_TIME_LIMIT:
        raise ExamError(f"Thời gian làm bài phải từ 1 đến {MAX_TIME_LIMIT} phút.", "time_limit")
    exam_pass = _percent(pass_percent, "pass_percent")
    try:
        negative = Decimal(str(negative_mark))
    except (InvalidOperation, ValueError):
        raise ExamError("Giá trị phải là một số.", "negative_mark") from None
    if not Decimal(0) <= negative <= Decimal(1):
        raise ExamError("Điểm trừ mỗi câu sai phải từ 0 đến 1.", "negative_mark")
    if not 0 <= grace_seconds <= MAX_GRACE_SECONDS:
        raise ExamError(f"Thời gian chờ mạng phải từ 0 đến {MAX_GRACE_SECONDS} giây.", "grace_seconds")
    if results_policy not in Exam.Results.values:
        raise ExamError("Chế độ công bố kết quả không hợp lệ.", "results_policy")
    if layout not in Exam.Layout.values:
        raise ExamError("Cách trình bày đề không hợp lệ.", "layout")
    if scoring not in Exam.Scoring.values:
        raise ExamError("Cách tính điểm không hợp lệ.", "scoring")
    if late_entry_minutes is not None and (
        isinstance(late_entry_minutes, bool)
        or not isinstance(late_entry_minutes, int)
        or not 0 <= late_entry_minutes <= min(time_limit, MAX_LATE_ENTRY_MINUTES)
    ):
        raise ExamError(
            f"Thời gian cho phép vào muộn phải từ 0 đến {min(time_limit, MAX_LATE_ENTRY_MINUTES)} phút "
            "(để trống: theo quy định).",
            "late_entry_minutes",
        )
    if remark_window_days is not None and (
        isinstance(remark_window_days, bool)
        or not isinstance(remark_window_days, int)
        or not 1 <= remark_window_days <= MAX_REMARK_DAYS
    ):
        raise ExamError(
            f"Thời hạn phúc khảo phải từ 1 đến {MAX_REMARK_DAYS} ngày (để trống: theo quy định).", "remark_window_days"
        )
    networks = clean_networks(allowed_networks)
    clean_parts = _clean_parts(parts)
    with transaction.atomic():
        exam = Exam(
            title=title,
            unit=unit,
            time_limit=time_limit,
            opens_at=opens_at,
            closes_at=closes_at,
            allowed_networks=networks,
            shuffle_questions=shuffle_questions,
            shuffle_options=shuffle_options,
            negative_mark=negative,
            floor_at_zero=floor_at_zero,
            pass_percent=exam_pass,
            results_policy=results_policy,
            layout=layout,
            grace_seconds=grace_seconds,
            scoring=scoring,
            late_entry_minutes=late_entry_minutes,
            require_checkin=bool(require_checkin),
            remark_window_days=remark_window_days,
            created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        )
        exam.set_access_code((access_code or "").strip())
        exam.save()
        for order, part in enumerate(clean_parts):
            exam_part = ExamPart.objects.create(
                exam=exam, order=order, title=part["title"], pass_percent=part["pass_percent"]
            )
            BlueprintRule.objects.bulk_create(BlueprintRule(part=exam_part, **rule) for rule in part["rules"])
        AuditLog.record(
            user=acting_user,
            action="exam.create",
            obj=exam,
            title=exam.title,
            parts=len(clean_parts),
            questions=sum(r["count"] for p in clean_parts for r in p["rules"]),
        )
    return exam


def add_candidates(*, acting_user, exam: Exam, employees) -> int:
    """Put employees from the HR registry on the candidate list; returns how many were new.

    Idempotent (one attempt per candidate is a database constraint). An employee without
    a login account is still a candidate: the list is the registry, not the user table.
    Papers for late additions come from the next `generate_papers`.
    """
    if exam.closes_at <= timezone.now():
        raise ExamError("Kỳ thi đã đóng; không thể bổ sung thí sinh.", "employees", 409)
    ids = list(dict.fromkeys(e.pk if isinstance(e, Employee) else int(e) for e in employees))
    with transaction.atomic():
        Exam.objects.select_for_update().filter(pk=exam.pk).first()  # serialise concurrent additions
        before = Attempt.objects.filter(exam=exam).count()
        Attempt.objects.bulk_create(
            (Attempt(exam=exam, employee_id=pk) for pk in ids), batch_size=1000, ignore_conflicts=True
        )
        added = Attempt.objects.filter(exam=exam).count() - before
        AuditLog.record(user=acting_user, action="exam.candidates_added", obj=exam, requested=len(ids), added=added)
    return added


# --- the candidate's sitting ----------------------------------------------------------


def _same_token(current: str, given: str | None) -> bool:
    return bool(current) and bool(given) and secrets.compare_digest(current, given)


def check_session(attempt: Attempt, session_token: str | None) -> None:
    if not _same_token(attempt.session_token, session_token):
        raise AttemptError(
            "Bài thi đã được mở ở một máy khác; phiên làm bài này không còn hiệu lực.", code="session_taken_over"
        )


def _grace(attempt: Attempt) -> dt.timedelta:
    return dt.timedelta(seconds=attempt.exam.grace_seconds)


def is_overdue(attempt: Attempt, now: dt.datetime) -> bool:
    """In progress but past deadline + grace: due for finalisation."""
    return (
        attempt.status == Status.IN_PROGRESS
        and attempt.deadline is not None
        and now > attempt.deadline + _grace(attempt)
    )


def _check_answerable(attempt: Attempt, now: dt.datetime, *, position: int | None = None) -> None:
    if attempt.status == Status.PAUSED:
        raise AttemptError("Bài thi đang tạm dừng theo yêu cầu của giám thị.", code="paused")
    if attempt.status in CLOSED_STATUSES:
        raise AttemptError("Bài thi đã kết thúc.", code="finished")
    if attempt.status != Status.IN_PROGRESS or attempt.deadline is None:
        raise AttemptError("Bài thi chưa bắt đầu.", code="not_started")
    if now > attempt.deadline + _grace(attempt):
        _log_late_save(attempt, now, position)
        raise AttemptError("Đã hết giờ làm bài; câu trả lời không được ghi nhận.", code="time_up")


def _log_late_save(attempt: Attempt, now: dt.datetime, position: int | None) -> None:
    """Record a refused late save for the proctors, at most one event per attempt per
    minute: further refusals in that minute only raise its `refused` count, so a client
    hammering a closed sitting cannot grow the log."""
    late = round((now - attempt.deadline).total_seconds(), 1)
    window = now - LATE_SAVE_LOG_WINDOW
    with transaction.atomic():
        recent = (
            AttemptEvent.objects.select_for_update()
            .filter(attempt=attempt, kind="late_save_refused", at__gt=window, at__lte=now)
            .order_by("-at", "-pk")
            .first()
        )
        if recent is None:
            AttemptEvent.objects.create(
                attempt=attempt,
                at=now,
                kind="late_save_refused",
                detail={"position": position, "late_seconds": late, "refused": 1},
            )
            return
        detail = recent.detail if isinstance(recent.detail, dict) else {}
        detail.update(refused=int(detail.get("refused", 1)) + 1, last_position=position, last_late_seconds=late)
        AttemptEvent.objects.filter(pk=recent.pk).update(detail=detail)


def _check_sitting_entry(attempt: Attempt, sitting, now: dt.datetime) -> None:
    """A candidate listed on a sitting enters between its programmed start and its
    late-entry limit, once checked in at the door when the exam requires it."""
    if now < sitting.starts_at:
        starts = timezone.localtime(sitting.starts_at).strftime("%H:%M ngày %d/%m/%Y")
        raise AttemptError(f"Chưa đến giờ thi; ca thi bắt đầu lúc {starts}.", code="not_open")
    if sitting.ended_at is not None or now > sitting.entry_closes_at:
        closes = timezone.localtime(sitting.entry_closes_at).strftime("%H:%M:%S ngày %d/%m/%Y")
        raise AttemptError(
            f"Đã quá thời gian cho phép vào phòng thi muộn ({attempt.exam.late_entry_limit()} phút sau giờ bắt đầu, "
            f"đến {closes}); bạn không được vào làm bài.",
            code="entry_closed",
            status=403,
        )
    if attempt.exam.require_checkin and attempt.checked_in_at is None:
        raise AttemptError(
            "Bạn chưa được giám thị xác nhận danh tính; đề nghị xuất trình giấy tờ tùy thân với giám thị.",
            code="not_checked_in",
            status=403,
        )


def start_attempt(
    *, attempt: Attempt, ip: str | None, access_code: str | None, now: dt.datetime | None = None
) -> Attempt:
    """Start, resume or take over the candidate's sitting; issues a new session token.

    The first start fixes the deadline: start + time limit + extra time, never past the
    exam's closing time (+ extra). A candidate listed on a sitting (ca thi) started at
    the sitting's programmed start whenever they arrive: deadline = programmed start +
    time limit + extra, entry only until the late-entry limit (_check_sitting_entry). Later starts (a reload without the stored token,
    another computer) keep that deadline and take the sitting over: the previous
    session's token stops working at once.
    """
    now = now or timezone.now()
    exam = attempt.exam
    if not exam.ip_allowed(ip):
        raise AttemptError(
            "Máy tính này không nằm trong mạng được phép dự thi; đề nghị liên hệ giám thị.",
            code="ip_not_allowed",
            status=403,
        )
    if not exam.check_access_code(access_code):
        raise AttemptError("Mã dự thi không đúng.", code="bad_access_code", status=403, field="access_code")
    overdue = False
    with transaction.atomic():
        # The exam was read with the attempt a moment ago and is not locked here either:
        # joining it (twice, through the sitting) again only cost compiling a wide query.
        locked = Attempt.objects.select_for_update(of=("self",)).select_related("sitting").get(pk=attempt.pk)
        locked.exam = exam
        if locked.sitting is not None and locked.sitting.exam_id == exam.pk:
            locked.sitting.exam = exam
        if locked.status in CLOSED_STATUSES:
            raise AttemptError("Bài thi đã kết thúc.", code="finished")
        if locked.status == Status.ABSENT:
            raise AttemptError(
                "Bạn đã bị ghi nhận vắng thi vì không vào phòng thi trước giờ cho phép vào muộn.",
                code="entry_closed",
                status=403,
            )
        if locked.status == Status.NOT_STARTED:
            sitting = locked.sitting
            if sitting is None and exam.sittings.exists():
                raise AttemptError(
                    "Bạn không có tên trong danh sách ca thi nào của kỳ thi này; đề nghị liên hệ Hội đồng thi.",
                    code="not_on_sitting",
                    status=403,
                )
            if sitting is not None:
                _check_sitting_entry(locked, sitting, now)
            elif now < exam.opens_at:
                opens = timezone.localtime(exam.opens_at).strftime("%H:%M ngày %d/%m/%Y")
                raise AttemptError(f"Chưa đến giờ thi; kỳ thi mở lúc {opens}.", code="not_open")
            if now > exam.closes_at:
                raise AttemptError("Kỳ thi đã đóng.", code="closed")
            if not PaperItem.objects.filter(attempt=locked).exists():
                raise AttemptError("Chưa có đề thi cho bạn; đề nghị liên hệ Hội đồng thi.", code="no_paper")
            extra = dt.timedelta(seconds=locked.extra_seconds)
            if sitting is not None:
                # Circular 22/2025/TT-BNV: the clock of every listed candidate started at
                # the programmed start; a late candidate only gets the time left.
                locked.started_at = sitting.starts_at
                locked.deadline = sitting.starts_at + dt.timedelta(minutes=exam.time_limit) + extra
            else:
                locked.started_at = now
                locked.deadline = min(now + dt.timedelta(minutes=exam.time_limit) + extra, exam.closes_at + extra)
            locked.status = Status.IN_PROGRESS
            kind = "start"
        elif is_overdue(locked, now):
            overdue = True
        else:
            kind = "takeover" if locked.session_token else "start"
        if not overdue:
            locked.session_token = secrets.token_urlsafe(32)
            locked.last_heartbeat = now
            locked.save(update_fields=["status", "started_at", "deadline", "session_token", "last_heartbeat"])
            AttemptEvent.objects.create(attempt=locked, at=now, kind=kind, detail={"ip": ip or ""})
    if overdue:
        finalize(attempt=locked, now=now, reason="deadline")
        raise AttemptError("Đã hết giờ làm bài.", code="time_up")
    return locked


# The save path is the hot path (every click of every candidate), so its three
# statements are plain SQL: compiling the equivalent ORM queries cost more than running
# them. Elsewhere the ORM is used as usual.


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _json(value):
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _paper_item(attempt_id: int, position: int) -> tuple[int, list[str], str] | None:
    """(item id, option ids in the candidate's order, question kind) or None."""
    sql = (
        f"SELECT p.id, p.option_order, v.kind FROM {_table(PaperItem)} p "
        f"JOIN {_table(QuestionVersion)} v ON v.id = p.version_id "
        f"WHERE p.attempt_id = %s AND p.position = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [attempt_id, position])
        row = cursor.fetchone()
    return None if row is None else (row[0], _json(row[1]), row[2])


def _upsert_response(attempt: Attempt, item_id: int, selected: list[str], seq: int, now: dt.datetime) -> int | None:
    """One statement: insert or update the item's row if `seq` is newer and the attempt
    is still open to this session; the stored seq if applied, else None.

    The attempt guard in the same statement closes the race with a finaliser or a
    takeover between the checks and the write. On PostgreSQL the guard locks the
    attempt row (FOR UPDATE: the caller then updates that row in the same transaction,
    and two share locks upgraded at once would deadlock), so the insert waits for a
    finaliser holding the row and re-checks its status after it commits.
    """
    responses = _table(Response)
    selected_db = Response._meta.get_field("selected").get_db_prep_value(selected, connection)
    saved_at = Response._meta.get_field("saved_at").get_db_prep_value(now, connection)
    earliest = Attempt._meta.get_field("deadline").get_db_prep_value(now - _grace(attempt), connection)
    lock = " FOR UPDATE OF a" if connection.vendor == "postgresql" else ""
    sql = (
        f"INSERT INTO {responses} (attempt_id, item_id, selected, seq, saved_at) "
        f"SELECT a.id, %s, %s, %s, %s FROM {_table(Attempt)} a "
        f"WHERE a.id = %s AND a.status = %s AND a.session_token = %s AND a.deadline >= %s{lock} "
        f"ON CONFLICT (item_id) DO UPDATE SET selected = excluded.selected, seq = excluded.seq, "
        f"saved_at = excluded.saved_at WHERE {responses}.seq < excluded.seq "
        f"RETURNING seq"
    )
    params = [item_id, selected_db, seq, saved_at, attempt.pk, Status.IN_PROGRESS, attempt.session_token, earliest]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def _recount_answered(attempt_id: int, now: dt.datetime) -> None:
    """Attempt.answered = questions with a non-empty answer, and a save counts as a
    heartbeat (the page skips heartbeats while it is saving), both for the monitor."""
    length = "jsonb_array_length" if connection.vendor == "postgresql" else "json_array_length"
    sql = (
        f"UPDATE {_table(Attempt)} SET last_heartbeat = %s, answered = (SELECT COUNT(*) FROM {_table(Response)} r "
        f"WHERE r.attempt_id = %s AND {length}(r.selected) > 0) WHERE id = %s"
    )
    seen = Attempt._meta.get_field("last_heartbeat").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [seen, attempt_id, attempt_id])


def _answered_count_expr():
    answered = (
        Response.objects.filter(attempt_id=OuterRef("pk"))
        .exclude(selected=[])
        .order_by()
        .values("attempt_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(answered), Value(0))


def save_answer(
    *,
    attempt: Attempt,
    session_token: str | None,
    position: int,
    selected: list[str],
    seq: int,
    now: dt.datetime | None = None,
) -> dict:
    """Store the candidate's answer for one paper position (an empty list clears it).

    Returns {saved, seq, server_now, deadline}: `saved` is False when a newer answer
    (higher seq) is already stored; `seq` is then the stored one. Refused: another
    session took over (409), position not on the paper or an option not on the item
    (422), after deadline + grace (409, logged), attempt not in progress (409).
    """
    now = now or timezone.now()
    check_session(attempt, session_token)
    _check_answerable(attempt, now, position=position)
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ExamError("Số thứ tự lưu phải là số nguyên dương.", "seq")
    row = _paper_item(attempt.pk, position)
    if row is None:
        raise ExamError("Câu hỏi này không có trong đề của bạn.", "position")
    item_id, option_order, kind = row
    chosen = set(selected)
    if not chosen <= set(option_order):
        raise ExamError("Phương án đã chọn không thuộc câu hỏi này.", "selected")
    if kind != QuestionVersion.Kind.MULTIPLE and len(chosen) > 1:
        raise ExamError("Câu hỏi này chỉ được chọn một phương án.", "selected")
    canonical = [option for option in option_order if option in chosen]
    # One transaction (one commit, one WAL flush) for the answer and the count.
    with transaction.atomic():
        stored = _upsert_response(attempt, item_id, canonical, seq, now)
        if stored is not None:
            _recount_answered(attempt.pk, now)
    if stored is None:
        current = Response.objects.filter(item_id=item_id).values_list("seq", flat=True).first()
        if current is None or current < seq:
            # Not a stale seq: the attempt changed under us (finalised, paused, taken over).
            attempt.refresh_from_db(fields=["status", "session_token", "deadline", "paused_at"])
            check_session(attempt, session_token)
            _check_answerable(attempt, now, position=position)
            raise AttemptError("Câu trả lời chưa được ghi nhận; vui lòng thử lại.", code="retry")
        return {"saved": False, "seq": current, "server_now": now, "deadline": attempt.deadline}
    return {"saved": True, "seq": stored, "server_now": now, "deadline": attempt.deadline}


def remaining_seconds(attempt: Attempt, now: dt.datetime) -> int | None:
    if attempt.deadline is None or attempt.status in CLOSED_STATUSES:
        return None
    until = attempt.paused_at if attempt.status == Status.PAUSED and attempt.paused_at else now
    return max(0, int((attempt.deadline - until).total_seconds()))


def heartbeat(*, attempt: Attempt, session_token: str | None, now: dt.datetime | None = None) -> dict:
    """The exam page's periodic "I am here": status, time left, and whether this
    browser is still the active session (after a takeover it is not)."""
    now = now or timezone.now()
    active = _same_token(attempt.session_token, session_token)
    if active and attempt.status in OPEN_STATUSES:
        Attempt.objects.filter(pk=attempt.pk, session_token=session_token).update(last_heartbeat=now)
        attempt.last_heartbeat = now
    if (
        attempt.status == Status.IN_PROGRESS
        and attempt.deadline is not None
        and now > attempt.deadline + _grace(attempt) + FALLBACK_FINALIZE_AFTER
    ):
        attempt = finalize(attempt=attempt, now=now, reason="deadline")
    return {
        "status": attempt.status,
        "active": active,
        "remaining_seconds": remaining_seconds(attempt, now),
        "deadline": attempt.deadline,
        "server_now": now,
        "answered": attempt.answered,
    }


def log_event(
    *,
    attempt: Attempt,
    session_token: str | None,
    kind: str,
    detail: dict | None = None,
    now: dt.datetime | None = None,
) -> AttemptEvent:
    """Record what the exam page saw (focus loss, hidden tab, offline…) for the proctors."""
    now = now or timezone.now()
    check_session(attempt, session_token)
    if kind not in CLIENT_EVENTS:
        raise ExamError("Loại sự kiện không hợp lệ.", "kind")
    if attempt.status not in OPEN_STATUSES:
        raise AttemptError("Bài thi không còn đang diễn ra.", code="finished")
    detail = detail or {}
    if len(json.dumps(detail, ensure_ascii=False)) > MAX_EVENT_DETAIL:
        raise ExamError("Chi tiết sự kiện quá dài.", "detail")
    recent = AttemptEvent.objects.filter(
        attempt=attempt, kind__in=CLIENT_EVENTS, at__gt=now - dt.timedelta(minutes=1), at__lte=now
    )
    if recent.count() >= EVENTS_PER_MINUTE:
        raise AttemptError(
            "Quá nhiều sự kiện trong một phút; sự kiện này không được ghi.", code="too_many_events", status=429
        )
    return AttemptEvent.objects.create(attempt=attempt, at=now, kind=kind, detail=detail)


# --- finalisation ---------------------------------------------------------------------


def _score(attempt: Attempt) -> None:
    """Score a finalised attempt.

    The submission itself is already committed: a scoring failure is logged and left
    for a re-score, never turned into a failed submit.
    """
    try:
        results.score_attempt(attempt)
    except Exception:
        logger.exception("Scoring attempt %s failed; it stays finalised and can be re-scored.", attempt.pk)


def _close(attempt: Attempt, *, now: dt.datetime, status: str, kind: str, detail: dict, by=None) -> Attempt | None:
    """Move an open attempt to a closed status; None if it was already closed."""
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("exam").get(pk=attempt.pk)
        if locked.status in CLOSED_STATUSES:
            return None
        if locked.status == Status.NOT_STARTED and status == Status.FINALIZED:
            raise AttemptError("Bài thi chưa bắt đầu.", code="not_started")
        finished = now if locked.deadline is None else min(now, locked.deadline)
        Attempt.objects.filter(pk=locked.pk).update(
            status=status, finalized_at=finished, paused_at=None, answered=_answered_count_expr()
        )
        AttemptEvent.objects.create(attempt=locked, at=now, kind=kind, detail=detail, by=_user_or_none(by))
    locked.refresh_from_db()
    return locked


def finalize(*, attempt: Attempt, now: dt.datetime | None = None, reason: str, acting_user=None) -> Attempt:
    """Close the sitting (voluntary submit or deadline) and score it. Idempotent:
    a second call changes nothing and scores nothing."""
    now = now or timezone.now()
    closed = _close(
        attempt, now=now, status=Status.FINALIZED, kind="finalized", detail={"reason": reason}, by=acting_user
    )
    if closed is None:
        attempt.refresh_from_db()
        return attempt
    _score(closed)
    return closed


def finalize_due(now: dt.datetime | None = None) -> int:
    """Finalise every in-progress attempt whose deadline + grace has passed; returns how
    many this call closed.

    A whole sitting reaches its deadline at once, so this works in batches: the overdue
    attempts are locked (SKIP LOCKED on PostgreSQL: a row a submit or a proctor holds is
    left for the next round, several workers never close one attempt twice), closed with
    one UPDATE and one INSERT of events, then scored per exam in a few queries.
    1,000 attempts closed one by one took ~10 s before their results showed.
    """
    now = now or timezone.now()
    closed: dict[int, list[int]] = {}
    with transaction.atomic():
        due = (
            Attempt.objects.filter(status=Status.IN_PROGRESS, deadline__lt=now)
            .select_related("exam")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("deadline", "pk")
        )
        overdue = [a for a in due if now > a.deadline + _grace(a)]
        if not overdue:
            return 0
        ids = [a.pk for a in overdue]
        # finalized_at = the deadline itself: the sitting ended then, not when a worker noticed.
        Attempt.objects.filter(pk__in=ids, status=Status.IN_PROGRESS).update(
            status=Status.FINALIZED, finalized_at=F("deadline"), paused_at=None, answered=_answered_count_expr()
        )
        AttemptEvent.objects.bulk_create(
            AttemptEvent(attempt_id=pk, at=now, kind="finalized", detail={"reason": "deadline"}) for pk in ids
        )
        exams = {}
        for attempt in overdue:
            exams[attempt.exam_id] = attempt.exam
            closed.setdefault(attempt.exam_id, []).append(attempt.pk)
    for exam_id, attempt_ids in closed.items():
        _score_batch(exams[exam_id], attempt_ids)
    return sum(len(v) for v in closed.values())


def finalize_open(*, attempts_q, now: dt.datetime, reason: str, acting_user=None) -> int:
    """Close every open (in progress or paused) attempt matching `attempts_q` now, in
    one UPDATE and one INSERT of events, then score them per exam: what a sitting's
    end does to the candidates still working (their answers so far count). Returns
    how many were closed."""
    by = _user_or_none(acting_user)
    closed: dict[int, list[int]] = {}
    exams = {}
    with transaction.atomic():
        rows = list(
            Attempt.objects.filter(attempts_q, status__in=OPEN_STATUSES)
            .select_related("exam")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        if not rows:
            return 0
        ids = [a.pk for a in rows]
        finished = Least(Coalesce(F("deadline"), Value(now)), Value(now))
        Attempt.objects.filter(pk__in=ids, status__in=OPEN_STATUSES).update(
            status=Status.FINALIZED, finalized_at=finished, paused_at=None, answered=_answered_count_expr()
        )
        AttemptEvent.objects.bulk_create(
            AttemptEvent(attempt_id=pk, at=now, kind="finalized", detail={"reason": reason}, by=by) for pk in ids
        )
        for attempt in rows:
            exams[attempt.exam_id] = attempt.exam
            closed.setdefault(attempt.exam_id, []).append(attempt.pk)
    for exam_id, attempt_ids in closed.items():
        _score_batch(exams[exam_id], attempt_ids)
    return len(ids)


def _score_batch(exam, attempt_ids: list[int]) -> None:
    """Score freshly finalised attempts of one exam; like _score, a failure is logged
    and the attempts stay finalised for a re-score."""
    try:
        results.score_attempts(exam, attempt_ids)
    except Exception:
        logger.exception("Scoring %s attempts of exam %s failed; they stay finalised.", len(attempt_ids), exam.pk)


# --- proctoring -----------------------------------------------------------------------


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ExamError("Vui lòng ghi lý do.", "reason")
    if len(text) > 500:
        raise ExamError("Lý do quá dài (tối đa 500 ký tự).", "reason")
    return text


def extend(*, acting_user, attempts, minutes: int, reason: str, now: dt.datetime | None = None) -> int:
    """Give extra minutes to one candidate or to all of an exam (pass its attempts).

    Not-yet-started candidates get it as extra time at their start; running ones see
    the new deadline in their next save or heartbeat response. Closed attempts are
    skipped. Returns how many attempts were extended.
    """
    now = now or timezone.now()
    reason = _reason(reason)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_EXTEND_MINUTES:
        raise ExamError(f"Số phút gia hạn phải từ 1 đến {MAX_EXTEND_MINUTES}.", "minutes")
    ids = [a.pk if isinstance(a, Attempt) else int(a) for a in attempts]
    delta = dt.timedelta(minutes=minutes)
    by = _user_or_none(acting_user)
    with transaction.atomic():
        locked = list(
            Attempt.objects.select_for_update().filter(pk__in=ids).exclude(status__in=CLOSED_STATUSES).order_by("pk")
        )
        for attempt in locked:
            attempt.extra_seconds += minutes * 60
            if attempt.deadline is not None:
                attempt.deadline += delta
        Attempt.objects.bulk_update(locked, ["extra_seconds", "deadline"], batch_size=500)
        AttemptEvent.objects.bulk_create(
            AttemptEvent(
                attempt=a,
                at=now,
                kind="extended",
                by=by,
                detail={
                    "minutes": minutes,
                    "reason": reason,
                    "deadline": a.deadline.isoformat() if a.deadline else None,
                },
            )
            for a in locked
        )
        for exam_id in sorted({a.exam_id for a in locked}):
            AuditLog.record(
                user=acting_user,
                action="exam.extend",
                object_type=Exam._meta.label,
                object_id=str(exam_id),
                minutes=minutes,
                reason=reason,
                attempts=[a.pk for a in locked if a.exam_id == exam_id],
            )
    return len(locked)


def _proctor_step(
    *, acting_user, attempt: Attempt, reason: str, now: dt.datetime | None, allowed: tuple, kind: str, apply
) -> Attempt:
    now = now or timezone.now()
    reason = _reason(reason)
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("exam").get(pk=attempt.pk)
        sealing.check_unsealed(locked)
        if locked.status not in allowed:
            raise AttemptError(
                f"Không thể thực hiện: bài thi đang ở trạng thái “{locked.get_status_display()}”.", code="bad_state"
            )
        detail = {"reason": reason, **(apply(locked, now) or {})}
        locked.save(update_fields=["status", "paused_at", "deadline", "finalized_at"])
        AttemptEvent.objects.create(attempt=locked, at=now, kind=kind, detail=detail, by=_user_or_none(acting_user))
        AuditLog.record(user=acting_user, action=f"attempt.{kind}", obj=locked, exam=locked.exam_id, **detail)
    return locked


def pause(*, acting_user, attempt: Attempt, reason: str, now: dt.datetime | None = None) -> Attempt:
    """Stop the clock for one candidate (power cut, illness); saves wait until resume."""

    def apply(a: Attempt, at: dt.datetime) -> dict:
        a.status, a.paused_at = Status.PAUSED, at
        return {}

    return _proctor_step(
        acting_user=acting_user,
        attempt=attempt,
        reason=reason,
        now=now,
        allowed=(Status.IN_PROGRESS,),
        kind="paused",
        apply=apply,
    )


def resume(*, acting_user, attempt: Attempt, reason: str, now: dt.datetime | None = None) -> Attempt:
    """Restart the clock; the time spent paused is added to the deadline."""

    def apply(a: Attempt, at: dt.datetime) -> dict:
        paused_for = max(dt.timedelta(0), at - (a.paused_at or at))
        a.deadline = a.deadline + paused_for
        a.status, a.paused_at = Status.IN_PROGRESS, None
        return {"paused_seconds": int(paused_for.total_seconds()), "deadline": a.deadline.isoformat()}

    return _proctor_step(
        acting_user=acting_user,
        attempt=attempt,
        reason=reason,
        now=now,
        allowed=(Status.PAUSED,),
        kind="resumed",
        apply=apply,
    )


def terminate(*, acting_user, attempt: Attempt, reason: str, now: dt.datetime | None = None) -> Attempt:
    """End a candidate's sitting for an irregularity; answers stay stored as evidence."""

    def apply(a: Attempt, at: dt.datetime) -> dict:
        a.status, a.paused_at, a.finalized_at = Status.TERMINATED, None, at
        return {}

    return _proctor_step(
        acting_user=acting_user,
        attempt=attempt,
        reason=reason,
        now=now,
        allowed=(Status.NOT_STARTED, Status.IN_PROGRESS, Status.PAUSED),
        kind="terminated",
        apply=apply,
    )


# --- monitoring (read) ----------------------------------------------------------------


def monitor(exam: Exam, now: dt.datetime | None = None) -> dict:
    """Who is in, their status, progress, last heartbeat, time left and focus losses.

    Three queries whatever the number of candidates.
    """
    now = now or timezone.now()
    candidates = exam.attempts.select_related("employee__unit")
    attempts = list(candidates.order_by("employee__sort_key", "employee__code", "pk"))
    totals = dict(
        PaperItem.objects.filter(attempt__exam=exam)
        .order_by()
        .values("attempt_id")
        .annotate(n=Count("pk"))
        .values_list("attempt_id", "n")
    )
    focus = dict(
        AttemptEvent.objects.filter(attempt__exam=exam, kind__in=FOCUS_LOSS_EVENTS)
        .order_by()
        .values("attempt_id")
        .annotate(n=Count("pk"))
        .values_list("attempt_id", "n")
    )
    rows = []
    counts = {value: 0 for value in Status.values}
    for a in attempts:
        counts[a.status] += 1
        rows.append(
            {
                "attempt_id": a.pk,
                "employee": a.employee.code,
                "full_name": a.employee.full_name,
                "unit": a.employee.unit.name,
                "status": a.status,
                "status_label": a.get_status_display(),
                "answered": a.answered,
                "total": totals.get(a.pk, 0),
                "started_at": a.started_at,
                "deadline": a.deadline,
                "last_heartbeat": a.last_heartbeat,
                "seconds_since_heartbeat": int((now - a.last_heartbeat).total_seconds()) if a.last_heartbeat else None,
                "remaining_seconds": remaining_seconds(a, now),
                "extra_minutes": a.extra_seconds // 60,
                "focus_losses": focus.get(a.pk, 0),
            }
        )
    return {"server_now": now, "counts": counts, "attempts": rows}
