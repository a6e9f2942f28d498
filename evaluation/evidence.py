"""Evidence beside the criteria (issue 17 item 3): the period's attendance facts beside
the discipline criterion, with the unit's own deduction rule and what it deducts, and
the linked competency exam's result beside the competence criterion.

The evidence is a snapshot: actions.manager_score stores `snapshot()` on
Evaluation.evidence when the manager scores, so a punch corrected or an exam re-marked
later never changes a signed-off score silently. `current()` recomputes the same
figures for display and `differs()` / `changes()` tell the page they moved since, so it
can say so beside the stored ones (reopening is the only way to score again).

Attendance and exam figures are read only through attendance.reports and
assessments.reports (the import contract forbids their other modules).

Decree 335/2025 Art. 12 and Decree 233/2026 Art. 10 (Phụ lục I) put "ý thức kỷ luật,
kỷ cương" among the general criteria; no statute says how many points a late arrival
costs. The deduction is the unit's own rule (Rulebook.discipline_rule, Decree 233/2026
Art. 12(5)), and the page and the form say so (NOT_LAW).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import reports as exam_reports
from attendance import reports as attendance_reports
from evaluation import rules
from evaluation.models import Evaluation, Rulebook

VERSION = 1
NOT_LAW = gettext_lazy(
    "Không có văn bản quy phạm pháp luật nào quy định số điểm trừ cho mỗi lần đi muộn, về sớm hay nghỉ không lý "
    "do: mức trừ dưới đây là quy tắc trong quy chế đánh giá của đơn vị (Nghị định 233/2026/NĐ-CP, Điều 12 "
    "khoản 5), chỉ là căn cứ để người đánh giá cân nhắc."
)
# The attendance figures compared by changes(), with how the notice names them.
FACT_LABELS = {
    "worked_days": gettext_lazy("số ngày làm việc"),
    "late_count": gettext_lazy("số lần đi muộn"),
    "late_minutes": gettext_lazy("số phút đi muộn"),
    "early_count": gettext_lazy("số lần về sớm"),
    "early_minutes": gettext_lazy("số phút về sớm"),
    "absent_days": gettext_lazy("số ngày nghỉ không lý do"),
    "missing_punches": gettext_lazy("số lượt thiếu chấm công"),
    "leave_days": gettext_lazy("số ngày nghỉ có lý do"),
    "not_tracked_days": gettext_lazy("số ngày chưa theo dõi chấm công"),
}


# --- plain JSON values ------------------------------------------------------------------


def _plain(value):
    """What a JSONField keeps: Decimal → float, dates → ISO text, lazy text → str."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    return value


# --- what applies to an evaluation ------------------------------------------------------


def rulebook_for(evaluation: Evaluation, cache: dict | None = None) -> Rulebook | None:
    """The quy chế that governs the evaluation (Rulebook.in_force at the end of the
    period), looked up once per unit, regime and period when `cache` is given."""
    key = (evaluation.unit_id, evaluation.regime, evaluation.period_end)
    if cache is not None and key in cache:
        return cache[key]
    chosen = Rulebook.in_force(evaluation.unit, evaluation.regime, evaluation.period_end)
    if cache is not None:
        cache[key] = chosen
    return chosen


def _criterion(regime: rules.Regime, kind: str) -> rules.Criterion | None:
    return next((c for c in regime.criteria if getattr(c, kind)), None)


def rule_facts(facts: dict) -> dict:
    """The attendance report's figures under the names rules.discipline_deduction reads."""
    return {
        "late": facts.get("late_count", 0),
        "early": facts.get("early_count", 0),
        "unexcused_absences": facts.get("absent_days", 0),
        "missing_punches": facts.get("missing_punches", 0),
    }


class _Context:
    """What stays the same for every evaluation under one quy chế (or none) in one
    snapshot run: the maxima, the rule, the labels as text; and the deductions already
    worked out for a given set of figures (many people share them)."""

    def __init__(self, regime_code: str, rulebook: Rulebook | None):
        regime = rules.get_regime(regime_code)
        self.rulebook = rulebook
        maxima = rules.criteria_maxima(regime, rulebook.criteria_points if rulebook else None)
        self.discipline = _criterion(regime, "discipline")
        self.competence = _criterion(regime, "competence")
        self.own_rule = dict(rulebook.discipline_rule or {}) if rulebook else {}
        self.discipline_max = maxima[self.discipline.code] if self.discipline else None
        self.static_discipline = (
            _plain(
                {
                    "criterion": self.discipline.code,
                    "criterion_label": self.discipline.label,
                    "max_points": self.discipline_max,
                    "rule": {**rules.DEFAULT_DISCIPLINE_RULE, **self.own_rule},
                    "rule_is_default": not self.own_rule,
                    "note": NOT_LAW,
                }
            )
            if self.discipline
            else None
        )
        self.exam_id = rulebook.competence_exam_id if rulebook else None
        self.static_competence = (
            _plain(
                {
                    "criterion": self.competence.code,
                    "criterion_label": self.competence.label,
                    "max_points": maxima[self.competence.code],
                    "exam_id": self.exam_id,
                }
            )
            if self.competence and self.exam_id
            else None
        )
        self._deductions: dict[tuple, tuple[float, float, str]] = {}

    def deduction(self, facts: dict) -> tuple[float, float, str]:
        figures = rule_facts(facts)
        key = tuple(figures.values())
        if key not in self._deductions:
            deducted, explanation = rules.discipline_deduction(figures, self.own_rule, self.discipline_max)
            suggested = max(self.discipline_max - deducted, rules.ZERO)
            self._deductions[key] = (float(deducted), float(suggested), explanation)
        return self._deductions[key]


# A month of office work in working days (Monday to Friday: 261 a year / 12 ≈ 21.75),
# to count the months absent that the 48/2023 cap reads [U: no text found that says how
# to count "nghỉ làm việc từ 03 tháng"; this is our reading, kept in one place].
WORKING_DAYS_A_MONTH = 22
MATERNITY = "Ts"


def months_absent(facts: dict) -> float:
    """Months away from work in the period for the 48/2023 cap (absent 3 to under 6
    months → not above hoàn thành): leave with a reason and unexcused absence, in
    working days over WORKING_DAYS_A_MONTH. Maternity leave is left out: 48/2023 excepts
    it [S]."""
    leave = facts.get("leave_days") or {}
    days = sum(v for symbol, v in leave.items() if symbol != MATERNITY) + (facts.get("absent_days") or 0)
    return round(days / WORKING_DAYS_A_MONTH, 2)


def _build(evaluation: Evaluation, context: _Context, facts: dict | None, exam: dict | None, **shared) -> dict:
    attendance = dict(facts or {})
    # The names rules.discipline_deduction and actions.take_evidence read, beside the
    # attendance report's own.
    attendance.update(rule_facts(attendance))
    labels = shared["leave_labels"]
    attendance["leave_labels"] = {symbol: labels.get(symbol, symbol) for symbol in attendance.get("leave_days", {})}
    discipline = None
    if context.static_discipline is not None:
        deducted, suggested, explanation = context.deduction(attendance)
        discipline = {
            **context.static_discipline,
            "deduction": deducted,
            "suggested_points": suggested,
            "explanation": explanation,
        }
    competence = None
    if context.static_competence is not None:
        competence = {**context.static_competence, "result": _plain(exam) if exam else None}
    return {
        "version": VERSION,
        "taken_at": shared["taken_at"],
        "period_start": evaluation.period_start.isoformat(),
        "period_end": evaluation.period_end.isoformat(),
        "rulebook_id": context.rulebook.pk if context.rulebook else None,
        "months_absent": months_absent(attendance),
        "maternity": bool((attendance.get("leave_days") or {}).get(MATERNITY)),
        "attendance": attendance,
        "discipline": discipline,
        "competence": competence,
    }


# --- public ------------------------------------------------------------------------------


def snapshot(evaluation: Evaluation) -> dict:
    """The evidence as it stands now, as plain JSON values, for Evaluation.evidence.
    Stored by actions.manager_score; this function itself writes nothing."""
    return snapshot_many([evaluation])[evaluation.pk]


def snapshot_many(evaluations: Iterable[Evaluation]) -> dict[int, dict]:
    """snapshot() for many evaluations at once, keyed by evaluation id: one attendance
    read per period and one exam read per linked exam, not one per person (a unit's
    quarter, or the 20,000-person benchmark)."""
    evaluations = list(evaluations)
    rulebooks: dict = {}
    contexts: dict[tuple, _Context] = {}

    def context_of(e: Evaluation) -> _Context:
        rulebook = rulebook_for(e, rulebooks)
        key = (e.regime, rulebook.pk if rulebook else None)
        if key not in contexts:
            contexts[key] = _Context(e.regime, rulebook)
        return contexts[key]

    by_period: dict[tuple[dt.date, dt.date], list[Evaluation]] = defaultdict(list)
    for e in evaluations:
        by_period[(e.period_start, e.period_end)].append(e)
    facts: dict[tuple, dict] = {}
    for (start, end), group in by_period.items():
        found = attendance_reports.evaluation_facts([e.employee_id for e in group], start, end)
        for e in group:
            facts[(e.employee_id, start, end)] = found.get(e.employee_id)
    by_exam: dict[int, list[Evaluation]] = defaultdict(list)
    for e in evaluations:
        exam_id = context_of(e).exam_id
        if exam_id:
            by_exam[exam_id].append(e)
    exams: dict[tuple[int, int], dict] = {}
    for exam_id, group in by_exam.items():
        for employee_id, result in exam_reports.employee_exam_results(exam_id, [e.employee_id for e in group]).items():
            exams[(exam_id, employee_id)] = result
    shared = {"taken_at": timezone.now().isoformat(), "leave_labels": attendance_reports.leave_labels()}
    out = {}
    for e in evaluations:
        context = context_of(e)
        out[e.pk] = _build(
            e,
            context,
            facts.get((e.employee_id, e.period_start, e.period_end)),
            exams.get((context.exam_id, e.employee_id)) if context.exam_id else None,
            **shared,
        )
    return out


def current(evaluation: Evaluation) -> dict:
    """The same figures recomputed from today's data, for display beside the stored
    snapshot (never written over it)."""
    return snapshot(evaluation)


def recorded(evaluation: Evaluation) -> dict:
    """The stored snapshot, or {} before the manager has scored."""
    return evaluation.evidence or {}


def changes(evaluation: Evaluation, live: dict | None = None) -> list[str]:
    """What moved since the snapshot, in words for the page's notice (Vietnamese): each
    attendance figure, the deduction and the exam result that differ. Empty when
    nothing moved or nothing was recorded yet."""
    stored = recorded(evaluation)
    if not stored:
        return []
    live = live if live is not None else current(evaluation)
    out = []
    was, now = stored.get("attendance") or {}, live.get("attendance") or {}
    for key, label in FACT_LABELS.items():
        before, after = was.get(key), now.get(key)
        if key == "leave_days":
            before, after = sum((before or {}).values()), sum((after or {}).values())
        if (before or 0) != (after or 0):
            out.append(
                _("%(what)s: %(before)s khi chấm, nay %(after)s")
                % {"what": label, "before": rules.fmt(before or 0) or "0", "after": rules.fmt(after or 0) or "0"}
            )
    was_d, now_d = stored.get("discipline") or {}, live.get("discipline") or {}
    if (was_d.get("deduction") or 0) != (now_d.get("deduction") or 0):
        out.append(
            _("điểm trừ tiêu chí kỷ luật, kỷ cương: %(before)s khi chấm, nay %(after)s")
            % {
                "before": rules.fmt(was_d.get("deduction") or 0) or "0",
                "after": rules.fmt(now_d.get("deduction") or 0) or "0",
            }
        )
    was_c = ((stored.get("competence") or {}).get("result")) or {}
    now_c = ((live.get("competence") or {}).get("result")) or {}
    if (was_c.get("score"), was_c.get("max_score")) != (now_c.get("score"), now_c.get("max_score")):
        out.append(
            _("kết quả kiểm tra năng lực: %(before)s khi chấm, nay %(after)s")
            % {"before": _score_text(was_c), "after": _score_text(now_c)}
        )
    return out


def differs(evaluation: Evaluation, live: dict | None = None) -> bool:
    """Whether the live figures changed since the snapshot (the page shows a notice;
    the stored evidence and the signed-off score stay as they were)."""
    return bool(changes(evaluation, live))


def _score_text(result: dict) -> str:
    if not result or result.get("score") is None:
        return _("chưa có")
    return f"{rules.fmt(result['score'])}/{rules.fmt(result.get('max_score'))}"
