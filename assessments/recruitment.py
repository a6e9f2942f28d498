"""Recruitment exams: who was recruited, and anonymising those who were not.

Law 91/2025/QH15 on Personal Data Protection (in force 1/1/2026) lets personal data be
kept only as long as the purpose of processing needs it; the personal data of a
recruitment candidate who was not recruited has served its purpose once results are
final (reference records-exams-privacy-2026.md §3). Here that is: the exam's results
were published, its re-marking window closed (assessments.remarks), no re-marking request
is still pending, and the exam's own delay (Exam.anonymise_after_days) has passed.

Who is anonymised — an Employee record that exists only as a candidate:
- every attempt of theirs is on a recruitment exam that is due (or already anonymised),
  and none is marked recruited;
- they were never on the staff roster: no start date of work (Employee.start_date), so
  a serving civil servant who sat a recruitment exam is never touched;
- their login account (if any) has no role and is not staff or superuser;
- no other record refers to them (punches, day results, leave, transfer rounds, …:
  found by introspecting every relation to Employee, so hr_system's rule holds for
  apps assessments may not import). Anyone on the roster for any other reason is kept.

What changes: the name becomes "Thí sinh <mã>" (the code is the candidate's number on
the sealed records), date of birth, citizen-ID number, gender, home commune, distance,
job title, rank and service dates are cleared, and the account is disabled and renamed.
Attempts, answers, scores, ranks and item statistics are kept unchanged.

Sealed sittings: the seal (assessments.sealing) holds each candidate's code and full
name. The archive is not rewritten (it is the exam's record); verify_sitting accepts a
name that differs only because of an audited anonymisation of the exam.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from assessments.models import Attempt, Exam, RemarkRequest
from hr_system.models import AuditLog, Employee, Role

ANONYMISED_ACTION = "exam.candidates_anonymised"
RECRUITED_ACTION = "exam.recruited_marked"
SETTINGS_ACTION = "exam.recruitment_set"
MAX_DELAY_DAYS = 3650


class RecruitmentError(ValueError):
    """A refused recruitment step, with a Vietnamese message for pages and the API."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


def anonymised_name(code: str) -> str:
    return f"Thí sinh {code}"


# --- the exam's purpose and delay ------------------------------------------------------------


def set_purpose(*, acting_user, exam: Exam, purpose: str, anonymise_after_days: int | None = None) -> Exam:
    """Declare the exam a competency test or a recruitment exam, with the delay after the
    re-marking window before non-recruited candidates are anonymised. Audited with the
    before and after values; refused once anonymised."""
    if exam.candidates_anonymised_at is not None:
        raise RecruitmentError("Thí sinh không trúng tuyển của kỳ thi đã được ẩn danh; không sửa được nữa.")
    if purpose not in Exam.Purpose.values:
        raise RecruitmentError("Mục đích kỳ thi không hợp lệ.", 422)
    days = exam.anonymise_after_days if anonymise_after_days is None else anonymise_after_days
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DELAY_DAYS:
        raise RecruitmentError(f"Số ngày trước khi ẩn danh phải từ 0 đến {MAX_DELAY_DAYS}.", 422)
    before = {"purpose": exam.purpose, "anonymise_after_days": exam.anonymise_after_days}
    with transaction.atomic():
        exam.purpose, exam.anonymise_after_days = purpose, days
        exam.save(update_fields=["purpose", "anonymise_after_days"])
        after = {"purpose": exam.purpose, "anonymise_after_days": exam.anonymise_after_days}
        if after != before:
            AuditLog.record(user=acting_user, action=SETTINGS_ACTION, obj=exam, before=before, after=after)
    return exam


def candidate_rows(exam: Exam) -> list[dict]:
    """The exam's candidates for the board's recruitment list: code, name, score, rank."""
    return [
        {
            "code": a.employee.code,
            "full_name": a.employee.full_name,
            "status": a.status,
            "score": a.score,
            "rank": a.rank,
            "recruited": a.recruited,
        }
        for a in Attempt.objects.filter(exam=exam)
        .select_related("employee")
        .order_by(F("rank").asc(nulls_last=True), "employee__sort_key", "employee__code")
    ]


# --- marking who was recruited ---------------------------------------------------------------


def set_recruited(*, acting_user, exam: Exam, codes: list[str], recruited: bool) -> int:
    """Mark (or unmark) the candidates with these employee codes as recruited; returns how
    many attempts changed. Unknown codes are refused as a whole (nothing is written)."""
    if exam.purpose != Exam.Purpose.RECRUITMENT:
        raise RecruitmentError("Kỳ thi này không phải kỳ thi tuyển dụng.", 422)
    if exam.candidates_anonymised_at is not None:
        raise RecruitmentError("Thí sinh không trúng tuyển của kỳ thi đã được ẩn danh; không sửa được nữa.")
    codes = sorted({c.strip() for c in codes if c and c.strip()})
    if not codes:
        raise RecruitmentError("Chưa chọn thí sinh nào.", 422)
    with transaction.atomic():
        attempts = Attempt.objects.select_for_update().filter(exam=exam, employee__code__in=codes)
        found = set(attempts.values_list("employee__code", flat=True))
        missing = [c for c in codes if c not in found]
        if missing:
            raise RecruitmentError(
                f"Không có thí sinh mã {', '.join(missing[:10])} trong kỳ thi này.",
                422,
            )
        changed = attempts.exclude(recruited=recruited).update(recruited=recruited)
        AuditLog.record(user=acting_user, action=RECRUITED_ACTION, obj=exam, recruited=recruited, count=changed)
    return changed


# --- anonymising -----------------------------------------------------------------------------


def refusal(exam: Exam, now: dt.datetime | None = None) -> str | None:
    """Why the exam's candidates may not be anonymised now (Vietnamese), or None."""
    if exam.purpose != Exam.Purpose.RECRUITMENT:
        return "Chỉ ẩn danh thí sinh của kỳ thi tuyển dụng."
    if exam.published_at is None:
        return "Kỳ thi chưa công bố kết quả."
    day = exam.anonymise_on()
    if timezone.localdate(now or timezone.now()) < day:
        return f"Chưa đến hạn ẩn danh: từ ngày {day:%d/%m/%Y}."
    if RemarkRequest.objects.filter(attempt__exam=exam, status=RemarkRequest.Status.PENDING).exists():
        return "Kỳ thi còn đề nghị phúc khảo chưa giải quyết."
    return None


def due_exams(now: dt.datetime | None = None) -> list[Exam]:
    """Recruitment exams published and not yet anonymised whose day has come."""
    exams = Exam.objects.filter(
        purpose=Exam.Purpose.RECRUITMENT, published_at__isnull=False, candidates_anonymised_at__isnull=True
    ).order_by("published_at", "pk")
    return [e for e in exams if refusal(e, now) is None]


def _referenced_elsewhere(ids: set[int]) -> set[int]:
    """Of these employees, those some record other than an exam attempt points to."""
    held: set[int] = set()
    for relation in Employee._meta.related_objects:
        model = relation.related_model
        if model is Attempt or relation.many_to_many or not relation.field.concrete:
            continue
        name = relation.field.name
        held |= set(model._default_manager.filter(**{f"{name}__in": ids}).values_list(name, flat=True))
    return held


def candidates_to_anonymise(exam: Exam, now: dt.datetime | None = None) -> QuerySet[Employee]:
    """The exam's non-recruited candidates who exist only as recruitment candidates."""
    # Exams whose candidates' purpose has ended: due now, or already anonymised.
    done = Exam.objects.filter(purpose=Exam.Purpose.RECRUITMENT, candidates_anonymised_at__isnull=False)
    due_ids = {e.pk for e in due_exams(now)} | set(done.values_list("pk", flat=True)) | {exam.pk}
    ids = set(Attempt.objects.filter(exam=exam, recruited=False).values_list("employee_id", flat=True))
    if not ids:
        return Employee.objects.none()
    # Sitting anything else (or recruited anywhere) keeps the person as they are.
    ids -= set(
        Attempt.objects.filter(employee_id__in=ids)
        .filter(Q(recruited=True) | ~Q(exam_id__in=due_ids))
        .values_list("employee_id", flat=True)
    )
    ids -= set(
        Employee.objects.filter(pk__in=ids)
        .filter(
            Q(start_date__isnull=False)
            | Q(user__in=Role.objects.values("user_id"))
            | Q(user__is_staff=True)
            | Q(user__is_superuser=True)
        )
        .values_list("pk", flat=True)
    )
    ids -= _referenced_elsewhere(ids)
    return Employee.objects.filter(pk__in=ids).select_related("user").order_by("pk")


def _anonymise(employee: Employee, now: dt.datetime) -> None:
    employee.full_name = anonymised_name(employee.code)
    employee.date_of_birth = None
    employee.citizen_id = None
    employee.gender = ""
    employee.home_commune = ""
    employee.distance_km = None
    employee.job_title = ""
    employee.rank = ""
    employee.sector_start = None
    employee.unit_start = None
    employee.hardship_years = 0
    employee.save()
    Attempt.objects.filter(employee=employee).update(anonymised_at=now)
    user = employee.user
    if user is not None:
        user.username = f"thi-sinh-{employee.pk}"
        user.first_name = user.last_name = user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()


def anonymise_exam(*, acting_user, exam: Exam, now: dt.datetime | None = None) -> dict:
    """Anonymise the exam's non-recruited, candidate-only people; refuse before the
    window (or with a re-marking request pending). Audited with counts only."""
    with transaction.atomic():
        exam = Exam.objects.select_for_update().get(pk=exam.pk)
        if exam.candidates_anonymised_at is not None:
            raise RecruitmentError("Thí sinh của kỳ thi này đã được ẩn danh.")
        problem = refusal(exam, now)
        if problem:
            raise RecruitmentError(problem)
        people = list(candidates_to_anonymise(exam, now))
        at = now or timezone.now()
        for employee in people:
            _anonymise(employee, at)
        candidates = exam.attempts.count()
        exam.candidates_anonymised_at = at
        exam.save(update_fields=["candidates_anonymised_at"])
        counts = {"anonymised": len(people), "kept": candidates - len(people), "candidates": candidates}
        AuditLog.record(user=acting_user, action=ANONYMISED_ACTION, obj=exam, **counts)
    return counts
