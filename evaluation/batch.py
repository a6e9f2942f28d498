"""A whole unit's period scored at once (issue 17, Figures): for everyone in the unit's
subtree, the results criterion from their products, the discipline criterion from their
attendance evidence, the total and the provisional classification — in a handful of
queries, whatever the number of people.

What the page does one person at a time (actions.manager_score) this does in bulk, for
the periods where a unit scores everyone together and for the bench:
- a decided evaluation is locked and left as it is;
- the results criterion and the discipline criterion are computed (they are the two the
  records fix); the other general criteria keep the manager's points, or the person's own
  where the manager has given none yet;
- the evidence snapshot (evaluation.evidence.snapshot_many: attendance facts, the unit's
  deduction rule and its suggested discipline points) is stored with the evaluation, so a
  later recomputation of the attendance does not change the score silently;
- the status becomes "manager_scored"; the head's decision, with its quota and
  consistency checks, stays a separate step (actions.decide).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation import evidence, rules
from evaluation.models import Assignment, DisciplinaryMeasure, Evaluation
from hr_system.models import AuditLog, Employee, OrgUnit

_CHUNK = 5000
UPDATED_FIELDS = [
    "unit",
    "regime",
    "manager_scores",
    "total",
    "classification",
    "evidence",
    "task_results",
    "task_group",
    "status",
    "scored_by",
    "scored_at",
    "updated_at",
]


def _people(unit: OrgUnit, start: dt.date, end: dt.date) -> list[Employee]:
    """Everyone of the unit's subtree employed at some time in [start, end]."""
    return list(
        Employee.objects.filter(unit__path__startswith=unit.path)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=end))
        .filter(Q(leave_date__isnull=True) | Q(leave_date__gt=start))
        .select_related("unit")
        .only("id", "code", "category", "job_title", "rank", "unit__id", "unit__path")
    )


def _product_lines(ids: list[int], period_kind: str, start: dt.date) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    fields = (
        "employee_id",
        "quantity",
        "product_type__standard_units",
        "result__quantity_done",
        "result__rejected_on_quality",
        "result__late",
        "result__cause_accepted",
    )
    for i in range(0, len(ids), _CHUNK):
        rows = Assignment.objects.filter(
            employee_id__in=ids[i : i + _CHUNK], period_kind=period_kind, period_start=start
        ).values_list(*fields)
        for employee_id, quantity, units, done, rejected, late, accepted in rows:
            out[employee_id].append(
                {
                    "quantity": quantity,
                    "standard_units": units,
                    "quantity_done": done or 0,
                    "rejected": rejected or 0,
                    "late": late or 0,
                    "cause_accepted": bool(accepted),
                }
            )
    return out


def _disciplined(ids: list[int], start: dt.date, end: dt.date) -> set[int]:
    """People with a measure of khiển trách or above taking effect in the period's year,
    up to its last day (every level of DisciplinaryMeasure is khiển trách or above)."""
    year_start = dt.date(start.year, 1, 1)
    found: set[int] = set()
    for i in range(0, len(ids), _CHUNK):
        found.update(
            DisciplinaryMeasure.objects.filter(
                employee_id__in=ids[i : i + _CHUNK], effective_from__gte=year_start, effective_from__lte=end
            ).values_list("employee_id", flat=True)
        )
    return found


# What scoring reads of an existing evaluation (the rest is rewritten or left as it is).
_READ_FIELDS = (
    "id",
    "employee_id",
    "unit_id",
    "regime",
    "period_kind",
    "period_start",
    "period_end",
    "status",
    "self_scores",
    "manager_scores",
)


def _existing(ids: list[int], period_kind: str, start: dt.date) -> dict[int, Evaluation]:
    out = {}
    for i in range(0, len(ids), _CHUNK):
        rows = Evaluation.objects.filter(
            employee_id__in=ids[i : i + _CHUNK], period_kind=period_kind, period_start=start
        ).only(*_READ_FIELDS)
        for evaluation in rows:
            out[evaluation.employee_id] = evaluation
    return out


def _save(evaluations: list[Evaluation], now: dt.datetime) -> None:
    """Write the scored rows back. On PostgreSQL: one UPDATE … FROM jsonb_to_recordset per
    chunk, the rows travelling as one JSON document (Django's bulk_create upsert sends
    JSON columns as text arrays, escaped value by value: most of the time at 20,000
    rows, bench/evaluation.py). Elsewhere (SQLite: tests, small units): bulk_update."""
    if connection.vendor != "postgresql":
        # bulk_update reads only these fields (the rows were loaded with .only()).
        for e in evaluations:
            e.updated_at = now
        Evaluation.objects.bulk_update(evaluations, UPDATED_FIELDS, batch_size=500)
        return
    from psycopg.types.json import Jsonb  # PostgreSQL only

    table = Evaluation._meta.db_table
    sql = f"""
        UPDATE {table} AS e SET
            unit_id = x.unit_id, regime = x.regime, manager_scores = x.manager_scores, total = x.total,
            classification = x.classification, evidence = x.evidence, task_results = x.task_results,
            task_group = x.task_group, status = x.status, scored_by_id = x.scored_by_id,
            scored_at = %s, updated_at = %s
        FROM jsonb_to_recordset(%s) AS x(
            id bigint, unit_id bigint, regime text, manager_scores jsonb, total numeric, classification text,
            evidence jsonb, task_results jsonb, task_group text, status text, scored_by_id bigint)
        WHERE e.id = x.id
    """
    with connection.cursor() as cursor:
        for i in range(0, len(evaluations), _CHUNK):
            rows = [
                {
                    "id": e.pk,
                    "unit_id": e.unit_id,
                    "regime": e.regime,
                    "manager_scores": e.manager_scores,
                    "total": str(e.total),
                    "classification": e.classification,
                    "evidence": e.evidence,
                    "task_results": e.task_results,
                    "task_group": e.task_group,
                    "status": e.status,
                    "scored_by_id": e.scored_by_id,
                }
                for e in evaluations[i : i + _CHUNK]
            ]
            cursor.execute(sql, [now, now, Jsonb(rows)])


@transaction.atomic
def score_period(
    unit: OrgUnit, period_kind: str, period_start: dt.date, *, acting_user=None, now: dt.datetime | None = None
) -> dict:
    """Score everyone of `unit`'s subtree for one month or quarter; returns counts:
    {"scored", "created", "locked", "skipped" (no points framework applies), "levels"}."""
    if period_kind not in ("month", "quarter"):
        raise rules.RuleError(_("Chấm điểm hàng loạt chỉ áp dụng cho kỳ tháng hoặc quý."))
    start, end = rules.period_bounds(period_kind, period_start)
    now = now or timezone.now()
    people = _people(unit, start, end)
    ids = [p.pk for p in people]
    existing = _existing(ids, period_kind, start)
    counts = {"scored": 0, "created": 0, "locked": 0, "skipped": 0, "levels": defaultdict(int)}
    books: dict = {}
    work: list[tuple[Employee, Evaluation, rules.Regime]] = []
    new: list[Evaluation] = []
    for person in people:
        try:
            regime = rules.regime_for(person.category, start)
            rules.check_regime(regime.code, person.category, start, end)
        except rules.RegimeError:
            counts["skipped"] += 1
            continue
        if not regime.scored:
            counts["skipped"] += 1
            continue
        evaluation = existing.get(person.pk)
        if evaluation is not None and evaluation.locked():
            counts["locked"] += 1
            continue
        if evaluation is None:
            evaluation = Evaluation(
                employee_id=person.pk,
                unit=person.unit,
                regime=regime.code,
                period_kind=period_kind,
                period_start=start,
                period_end=end,
            )
            new.append(evaluation)
        evaluation.unit = person.unit
        evaluation.regime = regime.code
        work.append((person, evaluation, regime))
    # New rows first, so that every evaluation has its id for the evidence snapshot.
    Evaluation.objects.bulk_create(new, batch_size=2000)
    snapshots = evidence.snapshot_many(e for _p, e, _r in work)
    lines = _product_lines([p.pk for p, _e, _r in work], period_kind, start)
    disciplined = _disciplined([p.pk for p, _e, _r in work], start, end)
    scorer = acting_user if getattr(acting_user, "is_authenticated", False) else None
    maxima_of: dict[tuple, dict] = {}
    for person, evaluation, regime in work:
        book = evidence.rulebook_for(evaluation, books)
        key = (regime.code, book.pk if book else None)
        if key not in maxima_of:
            maxima_of[key] = rules.criteria_maxima(regime, book.criteria_points if book else None)
        maxima = maxima_of[key]
        snapshot = snapshots[evaluation.pk]
        suggested = (snapshot.get("discipline") or {}).get("suggested_points")
        given = evaluation.manager_scores or evaluation.self_scores or {}
        scores: dict[str, float] = {}
        task_results: dict = {}
        for criterion in regime.criteria:
            top = maxima[criterion.code]
            if criterion.discipline and suggested is not None:
                points = rules.to_decimal(suggested)
            elif criterion.group == "results":
                task_results = rules.results_points(lines.get(person.pk, ()), top, book.results_split if book else None)
                points = task_results["total"]
            else:
                points = min(rules.to_decimal(given.get(criterion.code)) or Decimal(0), top)
            scores[criterion.code] = float(points)
        total = rules.total_of(scores)
        # A month or quarter is never "not rated" for months worked: that rule is the year's.
        level, reasons = rules.classify(total, regime=regime, disciplined=person.pk in disciplined, months_worked=12)
        evaluation.manager_scores = scores
        evaluation.total = total
        evaluation.classification = level
        evaluation.task_group = book.task_group_of(person) if book else ""
        evaluation.evidence = snapshot
        evaluation.task_results = {
            "criterion": next((c.code for c in regime.criteria if c.group == "results"), ""),
            "points": {k: float(v) for k, v in task_results.items()},
            "classification_reasons": [str(r) for r in reasons],
        }
        evaluation.status = Evaluation.Status.SCORED
        evaluation.scored_by = scorer
        evaluation.scored_at = now
        counts["levels"][level] += 1
    _save([e for _p, e, _r in work], now)
    counts["created"] = len(new)
    counts["scored"] = len(work)
    counts["levels"] = dict(counts["levels"])
    AuditLog.record(
        user=acting_user,
        action="evaluation.score_period",
        obj=unit,
        period_kind=period_kind,
        period_start=start.isoformat(),
        scored=counts["scored"],
        created=counts["created"],
        locked=counts["locked"],
        skipped=counts["skipped"],
    )
    return counts
