"""Scoring attempts, ranking an exam, publishing results and correcting an answer key.

The rules themselves are in scoring.py; this module loads papers, stores what the
rules return and writes the audit trail. Each paper item is scored with its OWN
question version, so a result always reflects the paper the candidate sat.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import access, scoring, sealing
from assessments.models import Attempt, Exam, ExamPart, PaperItem, QuestionVersion
from assessments.papers import ExamError
from hr_system import signed_documents
from hr_system.models import AuditLog
from hr_system.templatetags.numbers import vn_number
from hr_system.text import name_sort_key

TIE_BREAKS = scoring.DEFAULT_TIE_BREAKS
RESULT_FIELDS = ["score", "max_score", "part_scores", "passed"]


class ResultsError(ValueError):
    """A results operation that cannot be done; the message is shown as is."""

    def __init__(self, message: str, field: str = "__all__", status: int = 422):
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


# --- scoring -------------------------------------------------------------------------


def _parts(exam_id: int) -> list[ExamPart]:
    return list(ExamPart.objects.filter(exam_id=exam_id).order_by("order", "pk"))


def _papers(items) -> dict[int, list[dict]]:
    """{attempt id: [{part_id, kind, correct, selected, weights}]} from a PaperItem
    queryset: one query for the items with their responses, one for the versions."""
    rows = list(
        items.order_by("attempt_id", "position").values_list(
            "attempt_id", "part_id", "version_id", "response__selected"
        )
    )
    versions = {
        version.pk: (version.kind, sorted(version.correct_ids()), version.weights())
        for version in QuestionVersion.objects.filter(pk__in={r[2] for r in rows}).only("pk", "kind", "options")
    }
    papers: dict[int, list[dict]] = {}
    for attempt_id, part_id, version_id, selected in rows:
        kind, correct, weights = versions[version_id]
        papers.setdefault(attempt_id, []).append(
            {"part_id": part_id, "kind": kind, "correct": correct, "selected": selected or [], "weights": weights}
        )
    return papers


def _apply(attempt: Attempt, exam: Exam, parts: list[ExamPart], paper: list[dict]) -> bool:
    """Score `paper` into `attempt`'s fields; True when the stored result changed.
    The exam's scoring mode decides whether option weights count (scoring module)."""
    result = scoring.score_paper(
        paper,
        {p.pk: (float(p.pass_percent) if p.pass_percent is not None else None) for p in parts},
        float(exam.negative_mark),
        exam.floor_at_zero,
        float(exam.pass_percent) if exam.pass_percent is not None else None,
        exam.scoring,
    )
    before = (attempt.score, attempt.passed)
    attempt.score = Decimal(str(result["score"])).quantize(Decimal("0.01"))
    attempt.max_score = Decimal(str(result["max_score"])).quantize(Decimal("0.01"))
    attempt.part_scores = result["parts"]
    attempt.passed = result["passed"]
    return before != (attempt.score, attempt.passed)


def score_attempt(attempt: Attempt) -> Attempt:
    """Score one finalized attempt and store score, max_score, part_scores and passed.

    Three queries: the exam's parts, the paper items with their responses, and the
    versions on the paper (plus the exam itself if it was not loaded with the attempt).
    """
    if attempt.status != Attempt.Status.FINALIZED:
        raise ResultsError(_("Chỉ chấm điểm bài đã nộp."), status=409)
    sealing.check_unsealed(attempt)  # a sealed sitting's results change only through re-marking
    exam = attempt.exam
    paper = _papers(PaperItem.objects.filter(attempt_id=attempt.pk)).get(attempt.pk, [])
    _apply(attempt, exam, _parts(exam.pk), paper)
    attempt.save(update_fields=RESULT_FIELDS)
    return attempt


def _score_many(exam: Exam, attempts_q: Q) -> tuple[int, int]:
    """Score the exam's finalized attempts matching `attempts_q`; (scored, changed)."""
    attempts_q &= sealing.unsealed_q()  # sealed sittings are left as sealed (re-marking only)
    attempts = list(exam.attempts.filter(attempts_q, status=Attempt.Status.FINALIZED).order_by("pk"))
    if not attempts:
        return 0, 0
    parts = _parts(exam.pk)
    papers = _papers(
        PaperItem.objects.filter(attempt__in=exam.attempts.filter(attempts_q, status=Attempt.Status.FINALIZED))
    )
    changed = sum(_apply(a, exam, parts, papers.get(a.pk, [])) for a in attempts)
    Attempt.objects.bulk_update(attempts, RESULT_FIELDS, batch_size=500)
    return len(attempts), changed


def score_attempts(exam: Exam, attempt_ids: list[int]) -> int:
    """Score these finalized attempts of the exam in a few queries (the deadline worker
    closes a whole sitting at once); returns how many were scored."""
    return _score_many(exam, Q(pk__in=attempt_ids))[0]


def score_exam(exam: Exam) -> int:
    """Score every finalized attempt of the exam (a few queries whatever its size)."""
    with transaction.atomic():
        return _score_many(exam, Q())[0]


def limit_seconds(exam: Exam, extra_seconds: int) -> int:
    """A candidate's writing time: the exam's time limit plus their own extra time."""
    return exam.time_limit * 60 + (extra_seconds or 0)


def time_used(attempt: Attempt) -> int | None:
    """Seconds the candidate wrote (scoring.time_used); None until finalized."""
    if attempt.status != Attempt.Status.FINALIZED:
        return None
    return scoring.time_used(
        attempt.started_at, attempt.finalized_at, limit_seconds(attempt.exam, attempt.extra_seconds), attempt.deadline
    )


def rank_exam(exam: Exam) -> int:
    """Rank the exam's scored, finalized attempts with the tie-break chain of
    scoring.rank; every other attempt loses any rank it had. Returns how many ranked."""
    rows = []
    for pk, score, parts, started_at, finalized_at, deadline, extra in exam.attempts.filter(
        status=Attempt.Status.FINALIZED, score__isnull=False
    ).values_list("pk", "score", "part_scores", "started_at", "finalized_at", "deadline", "extra_seconds"):
        parts = parts or []
        rows.append(
            {
                "id": pk,
                "score": score,
                "first_part": parts[0]["score"] if parts else None,
                "wrong": sum(p.get("wrong", 0) for p in parts),
                "time_used": scoring.time_used(started_at, finalized_at, limit_seconds(exam, extra), deadline),
            }
        )
    ranks = scoring.rank(rows, TIE_BREAKS)
    with transaction.atomic():
        attempts = list(exam.attempts.only("pk", "rank"))
        for attempt in attempts:
            attempt.rank = ranks.get(attempt.pk)
        Attempt.objects.bulk_update(attempts, ["rank"], batch_size=1000)
    return len(ranks)


# --- publishing and key correction -------------------------------------------------


def publish(*, acting_user, exam: Exam) -> Exam:
    """Score and rank everything once more, then make results visible to candidates.

    Refused while a candidate is still writing, or while the exam window is open and
    someone on the list has not started: a published list must be final.
    """
    with transaction.atomic():
        exam = Exam.objects.select_for_update().select_related("unit").get(pk=exam.pk)
        if exam.published_at is not None:
            raise ResultsError(_("Kết quả kỳ thi này đã được công bố."), status=409)
        writing = exam.attempts.filter(status__in=[Attempt.Status.IN_PROGRESS, Attempt.Status.PAUSED]).count()
        if writing:
            raise ResultsError(
                _("Còn %(n)s thí sinh đang làm bài; chưa thể công bố kết quả.") % {"n": writing}, status=409
            )
        if timezone.now() < exam.closes_at and exam.attempts.filter(status=Attempt.Status.NOT_STARTED).exists():
            raise ResultsError(
                _("Kỳ thi chưa kết thúc và còn thí sinh chưa làm bài; chưa thể công bố kết quả."), status=409
            )
        scored = score_exam(exam)
        ranked = rank_exam(exam)
        exam.published_at = timezone.now()
        exam.save(update_fields=["published_at"])
        passed = exam.attempts.filter(passed=True, status=Attempt.Status.FINALIZED).count()
        AuditLog.record(
            user=acting_user, action="exam.results_published", obj=exam, scored=scored, ranked=ranked, passed=passed
        )
    return exam


def correct_key(*, acting_user, version: QuestionVersion, correct_ids: list[str], reason: str) -> dict:
    """Fix the answer key of a version that candidates have already answered.

    This is the one sanctioned in-place change to a used version: a wrong key is an
    error in the question, not a new question, so every attempt that had the version
    is re-scored against the corrected key and each affected exam is re-ranked.

    Only a manager of the unit owning the item's category corrects it (a shared item:
    the province), never a pending candidate of an exam drawing it, and only when every
    exam it re-scores is one they manage: a commune cannot re-score another's exam. The
    old and new keys and the reason go to the audit log of the version and of each
    affected exam (the other units see there who changed their results and why).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ResultsError(_("Cần ghi rõ lý do sửa đáp án."), "reason")
    try:
        access.check_key_correction(acting_user, version)
    except ExamError as exc:
        raise ResultsError(str(exc), exc.field, 403) from None
    new_key = sorted(set(correct_ids))
    with transaction.atomic():
        version = QuestionVersion.objects.select_for_update().get(pk=version.pk)
        option_ids = [o["id"] for o in version.options]
        unknown = [c for c in new_key if c not in option_ids]
        if unknown:
            raise ResultsError(
                _("Phương án không có trong câu hỏi: %(ids)s.") % {"ids": ", ".join(unknown)}, "correct_ids"
            )
        if not new_key:
            raise ResultsError(_("Câu hỏi phải có ít nhất một đáp án đúng."), "correct_ids")
        if version.kind != QuestionVersion.Kind.MULTIPLE and len(new_key) != 1:
            raise ResultsError(_("Câu hỏi một đáp án phải có đúng một phương án đúng."), "correct_ids")
        old_key = sorted(version.correct_ids())
        if old_key == new_key:
            raise ResultsError(_("Đáp án mới trùng với đáp án hiện tại."), "correct_ids")

        had_version = Q(pk__in=PaperItem.objects.filter(version=version).values("attempt_id"))
        exams = list(Exam.objects.filter(pk__in=Attempt.objects.filter(had_version).values("exam_id")).order_by("pk"))
        outside = Exam.objects.filter(pk__in=[e.pk for e in exams]).exclude(pk__in=access.exams_for(acting_user))
        if outside.exists():
            raise ResultsError(
                _(
                    "Câu hỏi này đã có trong đề của %(n)s kỳ thi ngoài phạm vi bạn quản lý; việc sửa đáp án "
                    "sẽ chấm lại các kỳ thi đó nên cần do cấp quản lý chung thực hiện."
                )
                % {"n": outside.count()},
                "version_id",
                403,
            )
        old_weights = version.weights()
        version.options = rekeyed_options(version.options, new_key)
        version.save(update_fields=["options"])

        exam_ids = [e.pk for e in exams]
        sealed = Attempt.objects.filter(had_version, sitting__sealed_at__isnull=False).count()  # not re-scored
        rescored = changed = 0
        for exam in exams:
            n, c = _score_many(exam, had_version)
            rescored, changed = rescored + n, changed + c
            rank_exam(exam)
            if c:
                # A signed results list no longer says what the exam's results are.
                signed_documents.void(
                    acting_user=acting_user,
                    kind=signed_documents.EXAM_RESULTS,
                    subject_key=exam.signed_results_key(),
                    reason=f"Sửa đáp án câu hỏi: {reason}",
                )
            AuditLog.record(
                user=acting_user,
                action="exam.key_corrected",
                obj=exam,
                version_id=version.pk,
                question_id=version.question_id,
                old_key=old_key,
                new_key=new_key,
                old_weights=old_weights,
                new_weights=version.weights(),
                reason=reason,
                rescored=n,
                changed=c,
            )
        AuditLog.record(
            user=acting_user,
            action="question.key_corrected",
            obj=version,
            question_id=version.question_id,
            old_key=old_key,
            new_key=new_key,
            old_weights=old_weights,
            new_weights=version.weights(),
            reason=reason,
            exams=exam_ids,
            rescored=rescored,
            changed=changed,
            sealed=sealed,
        )
    return {
        "version_id": version.pk,
        "old_key": old_key,
        "new_key": new_key,
        "exams": exam_ids,
        "rescored": rescored,
        "changed": changed,
        "sealed": sealed,  # attempts of sealed sittings: changed only through re-marking
    }


def rekeyed_options(options: list[dict], new_key: list[str]) -> list[dict]:
    """Options with the corrected key. A weighted question (partial credit) gets weights
    that fit the new key: its correct options share 100 % equally (two decimals, the
    last one takes the rounding), a wrong option keeps a penalty (negative weight) it
    had and loses any positive one. Unweighted options only change their flags."""
    if not any("weight" in o for o in options):
        return [{**o, "correct": o["id"] in new_key} for o in options]
    share = round(100 / len(new_key), 2)
    shares = {oid: share for oid in new_key[:-1]} | {new_key[-1]: round(100 - share * (len(new_key) - 1), 2)}
    return [
        {
            **o,
            "correct": o["id"] in shares,
            "weight": shares[o["id"]] if o["id"] in shares else min(0.0, float(o.get("weight", 0))),
        }
        for o in options
    ]


# --- what the lists and notices show -------------------------------------------------


def status_label(attempt: Attempt, now=None) -> str:
    """Kết quả column: Đạt / Không đạt, or why there is no result."""
    if attempt.status == Attempt.Status.FINALIZED:
        if attempt.passed is None:
            return _("Chưa chấm")
        return _("Đạt") if attempt.passed else _("Không đạt")
    if attempt.status == Attempt.Status.TERMINATED:
        return _("Bị đình chỉ")
    if attempt.status == Attempt.Status.ABSENT:  # a sitting's late-entry limit passed (issue 15)
        return _("Vắng thi")
    if attempt.status == Attempt.Status.NOT_STARTED:
        closed = (now or timezone.now()) > attempt.exam.closes_at
        return _("Vắng thi") if closed else _("Chưa thi")
    return _("Đang làm bài")


def result_rows(exam: Exam) -> dict:
    """The results list: parts, one row per candidate (ranked first, by rank; then the
    rest by name) and the ranking rule in words."""
    parts = _parts(exam.pk)
    attempts = list(exam.attempts.select_related("employee__unit", "exam"))
    # Ranked candidates by rank (ties by name); the rest in the order of official lists.
    attempts.sort(key=lambda a: (a.rank is None, a.rank or 0, name_sort_key(a.employee.full_name), a.employee.code))
    now = timezone.now()
    rows = []
    for attempt in attempts:
        by_part = {p.get("part_id"): p for p in attempt.part_scores or []}
        used = time_used(attempt)
        rows.append(
            {
                "attempt_id": attempt.pk,
                "employee_code": attempt.employee.code,
                "full_name": attempt.employee.full_name,
                "unit_name": attempt.employee.unit.name,
                "status": attempt.status,
                "parts": [by_part[p.pk]["score"] if p.pk in by_part else None for p in parts],
                "score": float(attempt.score) if attempt.score is not None else None,
                "max_score": float(attempt.max_score) if attempt.max_score is not None else None,
                "percent": (
                    round(100 * float(attempt.score) / float(attempt.max_score), 2)
                    if attempt.score is not None and attempt.max_score
                    else None
                ),
                "passed": attempt.passed if attempt.status == Attempt.Status.FINALIZED else None,
                "result": status_label(attempt, now),
                "rank": attempt.rank,
                **answer_counts(attempt),
                "time_used": used,
                "time_used_text": scoring.mm_ss(used),
            }
        )
    return {
        "parts": [{"id": p.pk, "title": p.title, "pass_percent": p.pass_percent} for p in parts],
        "rows": rows,
        "scoring": exam.scoring,
        "scoring_rule": scoring_rule(exam),
        "tie_break": scoring.describe_tie_breaks(TIE_BREAKS),
        "tie_break_steps": [str(scoring.TIE_BREAK_LABELS[t]) for t in TIE_BREAKS],
        "pass_rule": pass_rule(exam, parts),
    }


def answer_counts(attempt: Attempt) -> dict:
    """{right, partial, wrong, blank} of a scored attempt (None each until scored)."""
    scored = attempt.status == Attempt.Status.FINALIZED and attempt.score is not None
    parts = [p for p in attempt.part_scores or [] if isinstance(p, dict)] if scored else []
    return {outcome: sum(p.get(outcome, 0) for p in parts) if scored else None for outcome in scoring.OUTCOMES}


def scoring_rule(exam: Exam) -> str:
    """How a question earns its mark on this exam, for the results page and documents."""
    if exam.scoring == Exam.Scoring.PARTIAL:
        return _(
            "Tính điểm từng phần: mỗi câu được tổng trọng số của các phương án đã chọn (trọng số âm là điểm trừ "
            "trong câu đó), điểm mỗi câu từ 0 đến 1; câu không có trọng số chỉ được điểm khi chọn đúng và đủ."
        )
    return _("Đúng hoàn toàn mới được điểm: mỗi câu được 1 điểm khi chọn đúng và đủ các đáp án, ngược lại 0 điểm.")


def pass_rule(exam: Exam, parts: list[ExamPart] | None = None) -> str:
    parts = _parts(exam.pk) if parts is None else parts
    text = _("Đạt khi tổng điểm từ %(p)s%% số điểm tối đa trở lên") % {"p": vn_number(exam.pass_percent)}
    marked = [p for p in parts if p.pass_percent is not None]
    if marked:
        text += _(" và mỗi phần đạt mức tối thiểu: %(parts)s") % {
            "parts": "; ".join(f"{p.title} {vn_number(p.pass_percent)}%" for p in marked)
        }
    # In partial-credit mode the option weights are the penalty (scoring module).
    if exam.negative_mark and exam.scoring != Exam.Scoring.PARTIAL:
        text += _("; mỗi câu trả lời sai bị trừ %(m)s điểm, câu bỏ trống không bị trừ") % {
            "m": vn_number(exam.negative_mark)
        }
    return text + "."


def candidate_result(attempt: Attempt) -> dict:
    """One candidate's own result; nothing about anyone else but the number ranked.

    The rank is shown only once results are published: under the "immediate" policy
    it would still move while others are writing.
    """
    exam = attempt.exam
    if attempt.status == Attempt.Status.FINALIZED and attempt.score is None:
        score_attempt(attempt)
    parts = _parts(exam.pk)
    by_part = {p.get("part_id"): p for p in attempt.part_scores or []}
    published = exam.published_at is not None
    used = time_used(attempt)
    return {
        "exam_id": exam.pk,
        "exam_title": exam.title,
        "employee_code": attempt.employee.code,
        "full_name": attempt.employee.full_name,
        "unit_name": attempt.employee.unit.name,
        "status": attempt.status,
        "finalized_at": attempt.finalized_at,
        "parts": [
            {
                "title": p.title,
                "score": by_part.get(p.pk, {}).get("score"),
                "max": by_part.get(p.pk, {}).get("max"),
                "percent": by_part.get(p.pk, {}).get("percent"),
                "pass_percent": float(p.pass_percent) if p.pass_percent is not None else None,
                "passed": by_part.get(p.pk, {}).get("passed"),
                "right": by_part.get(p.pk, {}).get("right"),
                "partial": by_part.get(p.pk, {}).get("partial"),
                "wrong": by_part.get(p.pk, {}).get("wrong"),
                "blank": by_part.get(p.pk, {}).get("blank"),
            }
            for p in parts
        ],
        "score": float(attempt.score) if attempt.score is not None else None,
        "max_score": float(attempt.max_score) if attempt.max_score is not None else None,
        "passed": attempt.passed if attempt.status == Attempt.Status.FINALIZED else None,
        "result": status_label(attempt),
        "rank": attempt.rank if published else None,
        "ranked_count": exam.attempts.filter(rank__isnull=False).count() if published else None,
        "published_at": exam.published_at,
        "time_used": used,
        "time_used_text": scoring.mm_ss(used),
        "partial_credit": exam.scoring == Exam.Scoring.PARTIAL,
        "scoring_rule": scoring_rule(exam),
        "tie_break": scoring.describe_tie_breaks(TIE_BREAKS),
        "pass_rule": pass_rule(exam, parts),
    }


def _number(value) -> float | None:
    return None if value is None else float(value)


def attempt_result(attempt: Attempt) -> dict:
    """The result the exam page shows a candidate after the sitting: status and score
    fields only (no per-item key data).

    `part_scores` is written by the scoring code above: one entry per part with
    part_id, score, max, percent, passed; only those fields are passed on.
    """
    score, max_score = _number(attempt.score), _number(attempt.max_score)
    percent = round(100 * score / max_score, 2) if score is not None and max_score else None
    by_part = {p.get("part_id"): p for p in attempt.part_scores or [] if isinstance(p, dict)}
    parts = []
    if by_part:
        for part in attempt.exam.parts.order_by("order", "pk"):
            entry = by_part.get(part.pk, {})
            parts.append(
                {
                    "title": part.title,
                    "score": _number(entry.get("score")),
                    "max_score": _number(entry.get("max", entry.get("max_score"))),
                    "percent": _number(entry.get("percent")),
                    "passed": entry.get("passed"),
                }
            )
    return {
        "exam_id": attempt.exam_id,
        "title": attempt.exam.title,
        "status": attempt.status,
        "status_label": attempt.get_status_display(),
        "finalized_at": attempt.finalized_at,
        "answered": attempt.answered,
        "total": attempt.items.count(),
        "scored": score is not None,
        "score": score,
        "max_score": max_score,
        "percent": percent,
        "passed": attempt.passed,
        # A rank under the "immediate" policy would still move while others write.
        "rank": attempt.rank if attempt.exam.published_at else None,
        "parts": parts,
    }
