"""Sittings (ca thi): set-up, candidate lists, check-in at the door, absentees, the end,
and the exam's settings while they may still change.

A sitting is one room or venue with one candidate list and one programmed start
(Circular 22/2025/TT-BNV): every listed candidate's clock starts at `starts_at`, logged
in or not (attempts.start_attempt), a late candidate enters until
`Sitting.entry_closes_at` with only the time left, and whoever never entered is marked
absent then (`mark_absent_due`, run by `manage.py finalize_attempts --loop`). Papers
are generated ahead, so the start itself is no work at all: nothing runs at
`starts_at`; each candidate's own start is the one small write it always was.

Keyword-only functions; each write is atomic and audited. The audit detail never holds
a citizen-ID number.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.utils import timezone

from assessments import attempts
from assessments.models import Attempt, AttemptEvent, Exam, Sitting
from assessments.papers import ExamError
from assessments.sealing import check_unsealed
from hr_system.models import AuditLog, Employee

Status = Attempt.Status
MAX_NAME = 100
MAX_VENUE = 200
MAX_SEAT = 40
MAX_LATE_ENTRY_MINUTES = attempts.MAX_LATE_ENTRY_MINUTES
MAX_REMARK_DAYS = attempts.MAX_REMARK_DAYS


check_year = attempts.check_year


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M ngày %d/%m/%Y")


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


# --- when an exam's settings are frozen -----------------------------------------------


def first_start(exam: Exam) -> dt.datetime | None:
    """The moment the exam's settings froze: its first sitting's programmed start, or,
    without sittings, the first attempt's start; None if neither exists yet."""
    sitting_start = exam.sittings.aggregate(first=Min("starts_at"))["first"]
    if sitting_start is not None:
        return sitting_start
    return exam.attempts.aggregate(first=Min("started_at"))["first"]


def check_editable(exam: Exam, now: dt.datetime | None = None) -> None:
    """Settings and sittings change only until the first sitting starts (or, for an
    exam without sittings, until the first candidate starts): 409 afterwards."""
    now = now or timezone.now()
    started = first_start(exam)
    if started is not None and started <= now:
        raise ExamError(
            f"Kỳ thi đã bắt đầu lúc {_local(started)}; không thể thay đổi cài đặt hay ca thi nữa.",
            "__all__",
            409,
        )


# --- sittings -------------------------------------------------------------------------


def proctor_choices(exam: Exam):
    """Active users who may proctor the exam's sittings: those whose employee record or
    whose role is in the exam's unit subtree (whatever their role)."""
    path = exam.unit.path
    users = get_user_model().objects.filter(is_active=True)
    users = users.filter(Q(employee__unit__path__startswith=path) | Q(roles__unit__path__startswith=path))
    return users.distinct().order_by("username")


def _clean_sitting(
    exam: Exam, *, name: str, venue: str, starts_at: dt.datetime, ends_at: dt.datetime, exclude: int | None = None
) -> tuple[str, str]:
    name = " ".join((name or "").split())
    venue = " ".join((venue or "").split())
    if not name:
        raise ExamError("Vui lòng nhập tên ca thi.", "name")
    if len(name) > MAX_NAME:
        raise ExamError(f"Tên ca thi tối đa {MAX_NAME} ký tự.", "name")
    if not venue:
        raise ExamError("Vui lòng nhập phòng thi, địa điểm.", "venue")
    if len(venue) > MAX_VENUE:
        raise ExamError(f"Phòng thi, địa điểm tối đa {MAX_VENUE} ký tự.", "venue")
    if starts_at is None or ends_at is None or timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ExamError("Giờ bắt đầu và kết thúc phải có múi giờ.", "starts_at")
    check_year(starts_at, "starts_at")
    check_year(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ExamError("Giờ kết thúc phải sau giờ bắt đầu.", "ends_at")
    if ends_at < starts_at + dt.timedelta(minutes=exam.time_limit):
        raise ExamError(
            f"Ca thi phải kéo dài ít nhất bằng thời gian làm bài ({exam.time_limit} phút).",
            "ends_at",
        )
    if starts_at <= timezone.now():
        raise ExamError("Giờ bắt đầu ca thi đã qua; chọn một thời điểm sắp tới.", "starts_at")
    if starts_at < exam.opens_at or ends_at > exam.closes_at:
        raise ExamError(
            f"Ca thi phải nằm trong thời gian của kỳ thi (từ {_local(exam.opens_at)} đến {_local(exam.closes_at)}).",
            "starts_at",
        )
    others = Sitting.objects.filter(exam=exam)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.filter(name__iexact=name).exists():
        raise ExamError(f"Kỳ thi đã có ca thi tên “{name}”.", "name")
    # One room holds one sitting at a time: an overlap in the same venue (any exam of
    # the same organising unit) is refused rather than warned, because two candidate
    # lists would then share seats and proctors. Other units' sittings are not
    # looked at: their names are not the caller's to read.
    clash = (
        Sitting.objects.filter(exam__unit=exam.unit, venue__iexact=venue, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk=exclude)
        .select_related("exam")
        .first()
    )
    if clash is not None:
        raise ExamError(
            f"Phòng “{venue}” đã có ca “{clash.name}” ({clash.exam.title}) từ {_local(clash.starts_at)} "
            f"đến {_local(clash.ends_at)}; chọn phòng hoặc giờ khác.",
            "venue",
        )
    return name, venue


def _clean_proctors(exam: Exam, proctors) -> list:
    chosen = list(dict.fromkeys(proctors or ()))
    if not chosen:
        return []
    ids = [p.pk if hasattr(p, "pk") else int(p) for p in chosen]
    allowed = list(proctor_choices(exam).filter(pk__in=ids))
    if len(allowed) != len(set(ids)):
        raise ExamError("Giám thị phải là người dùng thuộc đơn vị tổ chức kỳ thi.", "proctors")
    return allowed


def create_sitting(
    *,
    acting_user,
    exam: Exam,
    name: str,
    venue: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    proctors=(),
    employees=(),
) -> Sitting:
    """A sitting of the exam with its proctors and (optionally) its first candidates."""
    check_editable(exam)
    name, venue = _clean_sitting(exam, name=name, venue=venue, starts_at=starts_at, ends_at=ends_at)
    chosen = _clean_proctors(exam, proctors)
    with transaction.atomic():
        Exam.objects.select_for_update().filter(pk=exam.pk).first()  # serialise set-up of one exam
        try:
            with transaction.atomic():
                sitting = Sitting.objects.create(
                    exam=exam,
                    name=name,
                    venue=venue,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    created_by=_user_or_none(acting_user),
                )
        except IntegrityError:
            raise ExamError(f"Kỳ thi đã có ca thi tên “{name}”.", "name") from None
        sitting.proctors.set(chosen)
        AuditLog.record(
            user=acting_user,
            action="sitting.create",
            obj=sitting,
            exam=exam.pk,
            name=name,
            venue=venue,
            starts_at=starts_at.isoformat(),
            ends_at=ends_at.isoformat(),
            proctors=[u.username for u in chosen],
        )
        if employees:
            add_to_sitting(acting_user=acting_user, sitting=sitting, employees=employees)
    return sitting


def update_sitting(*, acting_user, sitting: Sitting, **changes) -> Sitting:
    """Change a sitting's name, venue, times or proctors while the exam's settings may
    still change (check_editable); audited with before/after values."""
    exam = sitting.exam
    check_editable(exam)
    allowed = {"name", "venue", "starts_at", "ends_at", "proctors"}
    unknown = set(changes) - allowed
    if unknown:
        raise ExamError("Trường không được phép thay đổi: " + ", ".join(sorted(unknown)), sorted(unknown)[0])
    values = {
        "name": changes.get("name", sitting.name),
        "venue": changes.get("venue", sitting.venue),
        "starts_at": changes.get("starts_at", sitting.starts_at),
        "ends_at": changes.get("ends_at", sitting.ends_at),
    }
    name, venue = _clean_sitting(exam, exclude=sitting.pk, **values)
    before = {
        "name": sitting.name,
        "venue": sitting.venue,
        "starts_at": sitting.starts_at.isoformat(),
        "ends_at": sitting.ends_at.isoformat(),
        "proctors": sorted(sitting.proctors.values_list("username", flat=True)),
    }
    chosen = _clean_proctors(exam, changes["proctors"]) if "proctors" in changes else None
    with transaction.atomic():
        sitting.name, sitting.venue = name, venue
        sitting.starts_at, sitting.ends_at = values["starts_at"], values["ends_at"]
        sitting.save(update_fields=["name", "venue", "starts_at", "ends_at"])
        if chosen is not None:
            sitting.proctors.set(chosen)
        after = {
            "name": sitting.name,
            "venue": sitting.venue,
            "starts_at": sitting.starts_at.isoformat(),
            "ends_at": sitting.ends_at.isoformat(),
            "proctors": sorted(sitting.proctors.values_list("username", flat=True)),
        }
        changed = {k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]}
        if changed:
            AuditLog.record(user=acting_user, action="sitting.update", obj=sitting, exam=exam.pk, changes=changed)
    return sitting


def add_to_sitting(*, acting_user, sitting: Sitting, employees) -> int:
    """List employees on the sitting; returns how many were newly placed on it.

    Employees not yet candidates of the exam are added to its candidate list (papers
    come from the next `generate_papers`). A candidate is on at most one sitting of an
    exam (Attempt.sitting): one listed on another sitting that has not started is
    moved here; one on a sitting already started stays where they are (refused).
    """
    now = timezone.now()
    if sitting.has_started(now) or sitting.ended_at is not None:
        raise ExamError("Ca thi đã bắt đầu; không thể bổ sung thí sinh.", "employees", 409)
    exam = sitting.exam
    ids = list(dict.fromkeys(e.pk if isinstance(e, Employee) else int(e) for e in employees))
    if not ids:
        return 0
    with transaction.atomic():
        attempts.add_candidates(acting_user=acting_user, exam=exam, employees=ids)
        rows = list(
            Attempt.objects.select_for_update(of=("self",))
            .filter(exam=exam, employee_id__in=ids)
            .select_related("sitting", "employee")
            .order_by("pk")
        )
        stuck = [a for a in rows if a.sitting_id not in (None, sitting.pk) and a.sitting.has_started(now)]
        if stuck:
            names = ", ".join(f"{a.employee.full_name} ({a.sitting.name})" for a in stuck[:10])
            raise ExamError(f"Thí sinh đã thuộc ca thi đã bắt đầu: {names}.", "employees", 409)
        moving = [a for a in rows if a.sitting_id != sitting.pk]
        moved_from = sorted({a.sitting_id for a in moving if a.sitting_id is not None})
        placed = Attempt.objects.filter(pk__in=[a.pk for a in moving], status=Status.NOT_STARTED).update(
            sitting=sitting, checked_in_at=None, checked_in_by=None
        )
        AuditLog.record(
            user=acting_user,
            action="sitting.candidates_added",
            obj=sitting,
            exam=exam.pk,
            requested=len(ids),
            placed=placed,
            moved_from=moved_from,
        )
    return placed


def remove_from_sitting(*, acting_user, sitting: Sitting, employees) -> int:
    """Take candidates off a sitting that has not started (they stay exam candidates)."""
    if sitting.has_started() or sitting.ended_at is not None:
        raise ExamError("Ca thi đã bắt đầu; không thể bớt thí sinh.", "employees", 409)
    ids = [e.pk if isinstance(e, Employee) else int(e) for e in employees]
    with transaction.atomic():
        removed = Attempt.objects.filter(sitting=sitting, employee_id__in=ids, status=Status.NOT_STARTED).update(
            sitting=None, checked_in_at=None, checked_in_by=None, seat=""
        )
        AuditLog.record(user=acting_user, action="sitting.candidates_removed", obj=sitting, removed=removed)
    return removed


# --- at the door ----------------------------------------------------------------------


def check_in(*, acting_user, attempt: Attempt, now: dt.datetime | None = None, seat: str = "") -> Attempt:
    """A proctor confirms the candidate's identity at the door (who, when; the seat if
    given). Idempotent: a second confirmation keeps the first time and proctor.

    Refused for a candidate on no sitting, after the late-entry limit, after the end
    or once sealed. The audit names the attempt, never the citizen-ID number."""
    now = now or timezone.now()
    seat = (seat or "").strip()
    if len(seat) > MAX_SEAT:
        raise ExamError(f"Số máy thi tối đa {MAX_SEAT} ký tự.", "seat")
    with transaction.atomic():
        locked = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("sitting__exam", "employee")
            .get(pk=attempt.pk)
        )
        sitting = locked.sitting
        if sitting is None:
            raise ExamError("Thí sinh không có tên trong ca thi nào của kỳ thi.", "attempt", 409)
        check_unsealed(locked)
        if sitting.ended_at is not None:
            raise ExamError("Ca thi đã kết thúc.", "attempt", 409)
        if locked.status == Status.ABSENT or now > sitting.entry_closes_at:
            raise ExamError(f"Đã quá giờ cho phép vào phòng thi ({_local(sitting.entry_closes_at)}).", "attempt", 409)
        if locked.checked_in_at is not None:
            if seat and seat != locked.seat:
                locked.seat = seat
                locked.save(update_fields=["seat"])
            return locked
        locked.checked_in_at, locked.checked_in_by = now, _user_or_none(acting_user)
        if seat:
            locked.seat = seat
        locked.save(update_fields=["checked_in_at", "checked_in_by", "seat"])
        AttemptEvent.objects.create(
            attempt=locked, at=now, kind="checked_in", detail={"seat": locked.seat}, by=_user_or_none(acting_user)
        )
        AuditLog.record(
            user=acting_user,
            action="sitting.check_in",
            obj=locked,
            sitting=sitting.pk,
            employee=locked.employee.code,
            seat=locked.seat,
        )
    return locked


# --- absentees and the end ------------------------------------------------------------


def _mark_absent(sitting: Sitting, now: dt.datetime, by=None) -> int:
    """NOT_STARTED attempts of one sitting → ABSENT: one UPDATE, one INSERT of events."""
    with transaction.atomic():
        ids = list(
            Attempt.objects.select_for_update(skip_locked=True)
            .filter(sitting=sitting, status=Status.NOT_STARTED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        marked = Attempt.objects.filter(pk__in=ids, status=Status.NOT_STARTED).update(status=Status.ABSENT)
        AttemptEvent.objects.bulk_create(
            AttemptEvent(attempt_id=pk, at=now, kind="absent", detail={"sitting": sitting.pk}, by=_user_or_none(by))
            for pk in ids
        )
        AuditLog.record(
            user=by,
            action="sitting.absent_marked",
            obj=sitting,
            exam=sitting.exam_id,
            absent=marked,
            entry_closed_at=sitting.entry_closes_at.isoformat(),
        )
    return marked


def mark_absent_due(now: dt.datetime | None = None) -> int:
    """Mark ABSENT every candidate of a sitting whose late-entry limit has passed and who
    never started; returns how many. The limit depends on the exam's rule, so the
    sittings are found by their start (no late-entry window exceeds
    MAX_LATE_ENTRY_MINUTES) and each one's limit is checked here."""
    now = now or timezone.now()
    due = (
        Sitting.objects.filter(starts_at__lte=now, sealed_at__isnull=True, attempts__status=Status.NOT_STARTED)
        .select_related("exam")
        .distinct()
        .order_by("starts_at", "pk")
    )
    return sum(_mark_absent(s, now) for s in due if now > s.entry_closes_at)


def end_sitting(*, acting_user, sitting: Sitting, now: dt.datetime | None = None) -> Sitting:
    """The proctors end the sitting: candidates still working are finalised now (their
    answers so far count), those who never entered are absent, and `ended_at` is set.
    Idempotent; refused before the programmed start and once sealed."""
    now = now or timezone.now()
    if sitting.is_sealed:
        raise ExamError("Ca thi đã được niêm phong.", "__all__", 409)
    if sitting.ended_at is not None:
        return sitting
    if now < sitting.starts_at:
        raise ExamError(f"Ca thi chưa bắt đầu (giờ thi {_local(sitting.starts_at)}).", "__all__", 409)
    # ended_at first: from its commit on, no candidate starts (start_attempt refuses an
    # ended sitting), so the two sweeps below leave nobody behind.
    if not Sitting.objects.filter(pk=sitting.pk, ended_at__isnull=True).update(ended_at=now):
        sitting.refresh_from_db()  # another proctor ended it a moment ago
        return sitting
    finalised = attempts.finalize_open(
        attempts_q=Q(sitting=sitting), now=now, reason="sitting_ended", acting_user=acting_user
    )
    absent = _mark_absent(sitting, now, by=acting_user)
    AuditLog.record(
        user=acting_user,
        action="sitting.end",
        obj=sitting,
        exam=sitting.exam_id,
        finalised=finalised,
        absent=absent,
    )
    sitting.refresh_from_db()
    return sitting


# --- the exam's settings --------------------------------------------------------------

EDITABLE_SETTINGS = (
    "title",
    "opens_at",
    "closes_at",
    "time_limit",
    "late_entry_minutes",
    "require_checkin",
    "scoring",
    "remark_window_days",
    "pass_percent",
    "negative_mark",
    "results_policy",
)


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def update_exam(*, acting_user, exam: Exam, now: dt.datetime | None = None, **changes) -> Exam:
    """Change an exam's settings until its first sitting starts (without sittings, until
    its first candidate starts); audited with the before and after values.

    A change that would leave a sitting outside the window or shorter than the time
    limit is refused naming that sitting."""
    now = now or timezone.now()
    unknown = set(changes) - set(EDITABLE_SETTINGS)
    if unknown:
        field = sorted(unknown)[0]
        raise ExamError(f"Không thể thay đổi “{field}” ở đây.", field)
    check_editable(exam, now)
    new = {field: changes.get(field, getattr(exam, field)) for field in EDITABLE_SETTINGS}
    title = " ".join(str(new["title"] or "").split())
    if not title:
        raise ExamError("Vui lòng nhập tên kỳ thi.", "title")
    opens_at, closes_at = new["opens_at"], new["closes_at"]
    if timezone.is_naive(opens_at) or timezone.is_naive(closes_at):
        raise ExamError("Thời điểm mở và đóng phải có múi giờ.", "opens_at")
    check_year(opens_at, "opens_at")
    check_year(closes_at, "closes_at")
    if closes_at <= opens_at:
        raise ExamError("Thời điểm đóng phải sau thời điểm mở.", "closes_at")
    limit = new["time_limit"]
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= attempts.MAX_TIME_LIMIT:
        raise ExamError(f"Thời gian làm bài phải từ 1 đến {attempts.MAX_TIME_LIMIT} phút.", "time_limit")
    late = new["late_entry_minutes"]
    if late is not None and (
        isinstance(late, bool) or not isinstance(late, int) or not 0 <= late <= min(limit, MAX_LATE_ENTRY_MINUTES)
    ):
        raise ExamError(
            f"Thời gian cho phép vào muộn phải từ 0 đến {min(limit, MAX_LATE_ENTRY_MINUTES)} phút "
            "(để trống: theo quy định).",
            "late_entry_minutes",
        )
    days = new["remark_window_days"]
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_REMARK_DAYS):
        raise ExamError(
            f"Thời hạn phúc khảo phải từ 1 đến {MAX_REMARK_DAYS} ngày (để trống: theo quy định).",
            "remark_window_days",
        )
    if new["scoring"] not in Exam.Scoring.values:
        raise ExamError("Cách tính điểm không hợp lệ.", "scoring")
    if new["results_policy"] not in Exam.Results.values:
        raise ExamError("Chế độ công bố kết quả không hợp lệ.", "results_policy")
    if not isinstance(new["require_checkin"], bool):
        raise ExamError("Giá trị phải là có hoặc không.", "require_checkin")
    pass_percent = attempts._percent(new["pass_percent"], "pass_percent")
    try:
        negative = Decimal(str(new["negative_mark"]))
    except (ArithmeticError, ValueError):
        raise ExamError("Giá trị phải là một số.", "negative_mark") from None
    if not Decimal(0) <= negative <= Decimal(1):
        raise ExamError("Điểm trừ mỗi câu sai phải từ 0 đến 1.", "negative_mark")
    for sitting in exam.sittings.all():
        if sitting.starts_at < opens_at or sitting.ends_at > closes_at:
            raise ExamError(f"Ca thi “{sitting.name}” sẽ nằm ngoài thời gian của kỳ thi.", "opens_at")
        if sitting.ends_at < sitting.starts_at + dt.timedelta(minutes=limit):
            raise ExamError(
                f"Ca thi “{sitting.name}” ngắn hơn thời gian làm bài {limit} phút.",
                "time_limit",
            )
    new.update(title=title, pass_percent=pass_percent, negative_mark=negative)
    with transaction.atomic():
        locked = Exam.objects.select_for_update().get(pk=exam.pk)
        check_editable(locked, now)
        changed = {}
        for field in EDITABLE_SETTINGS:
            before, after = getattr(locked, field), new[field]
            if before != after:
                changed[field] = {"before": _plain(before), "after": _plain(after)}
                setattr(locked, field, after)
        if changed:
            locked.save(update_fields=list(changed))
            AuditLog.record(user=acting_user, action="exam.update", obj=locked, changes=changed)
    for field in EDITABLE_SETTINGS:
        setattr(exam, field, getattr(locked, field))
    return exam


# --- reads ----------------------------------------------------------------------------


def sitting_counts(sitting: Sitting) -> dict:
    """How many candidates of the sitting are in each status, and checked in."""
    counts = {value: 0 for value in Status.values}
    for status in sitting.attempts.values_list("status", flat=True):
        counts[status] += 1
    counts["checked_in"] = sitting.attempts.filter(checked_in_at__isnull=False).count()
    counts["total"] = sum(counts[v] for v in Status.values)
    return counts


def candidates_of(sitting: Sitting, q: str | None = None):
    """The sitting's candidates in official order, optionally matching a name (folded,
    any case or diacritics) or the exact citizen-ID number / staff code typed."""
    rows = sitting.attempts.select_related("employee", "checked_in_by").order_by(
        "employee__sort_key", "employee__code", "pk"
    )
    text = (q or "").strip()
    if text:
        if text.isdigit():
            rows = rows.filter(Q(employee__citizen_id=text) | Q(employee__code=text))
        else:
            rows = rows.filter(
                pk__in=Attempt.objects.filter(sitting=sitting, employee__in=Employee.objects.search(text))
            )
    return rows
