"""Issue 17 figures: a quarter's scores and classification for 20,000 civil servants with
their attendance evidence, on PostgreSQL (target ≤ 10 s), and the cost per person at
2,000 and 20,000 so the growth is visible.

Set-up (not timed): a province-sized unit, one quy chế, one product type, two assignments
and their results per person, each person's self-assessment, and the quarter's day results
(91 days a person, generated inside PostgreSQL: 1.8 million rows at 20,000 people) with a
few late arrivals, early departures, missing punches and unexcused absences spread over them.
Timed: evaluation.batch.score_period — attendance facts, products, discipline records,
scores, classification, evidence snapshot, one upsert.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from bench.common import report, setup_django, timer

QUARTER = dt.date(2026, 4, 1)
QUARTER_END = dt.date(2026, 6, 30)


def build(n: int):
    from django.db import connection

    from evaluation.models import Assignment, Evaluation, ProductResult, ProductType, Rulebook
    from hr_system.models import Employee, OrgUnit

    root = OrgUnit.add(code=f"EV{n}", name=f"Tỉnh (bench đánh giá {n})", kind=OrgUnit.Kind.PROVINCE)
    Rulebook.objects.create(unit=root, regime="nd335_2025", effective_from=dt.date(2026, 1, 1))
    product = ProductType.objects.create(unit=root, name="Văn bản tham mưu", measure="văn bản", standard_units=1)
    heavy = ProductType.objects.create(unit=root, name="Hồ sơ thẩm định", measure="hồ sơ", standard_units=3)
    Employee.objects.bulk_create(
        (
            Employee(
                code=str(n * 1000 + i),  # digits only, distinct per bench size
                full_name=f"Nguyễn Văn Bình {i}",
                unit=root,
                category="civil_servant",
                job_title="Chuyên viên",
                start_date=dt.date(2020, 1, 1),
            )
            for i in range(n)
        ),
        batch_size=5000,
    )
    ids = list(Employee.objects.filter(unit=root).order_by("pk").values_list("pk", flat=True))
    deadline = QUARTER_END
    assignments = []
    for pk in ids:
        assignments.append(
            Assignment(
                employee_id=pk,
                product_type=product,
                period_kind="quarter",
                period_start=QUARTER,
                quantity=Decimal(12),
                deadline=deadline,
            )
        )
        assignments.append(
            Assignment(
                employee_id=pk,
                product_type=heavy,
                period_kind="quarter",
                period_start=QUARTER,
                quantity=Decimal(4),
                deadline=deadline,
            )
        )
    Assignment.objects.bulk_create(assignments, batch_size=5000)
    results = []
    for k, assignment in enumerate(Assignment.objects.filter(employee__unit=root).order_by("pk")):
        results.append(
            ProductResult(
                assignment=assignment,
                quantity_done=assignment.quantity - int(k % 3 == 0),
                rejected_on_quality=int(k % 5 == 0),
                late=int(k % 7 == 0),
            )
        )
    ProductResult.objects.bulk_create(results, batch_size=5000)
    general = {"chinh_tri_dao_duc": "6", "trach_nhiem_phuc_vu": "5.5", "nang_luc": "5", "doi_moi_sang_tao": "4"}
    Evaluation.objects.bulk_create(
        (
            Evaluation(
                employee_id=pk,
                unit=root,
                regime="nd335_2025",
                period_kind="quarter",
                period_start=QUARTER,
                period_end=QUARTER_END,
                status=Evaluation.Status.SELF,
                self_scores=general,
            )
            for pk in ids
        ),
        batch_size=5000,
    )
    with connection.cursor() as cur:
        # Weekdays present (every 11th person-day late 12 min, every 13th early, every
        # 17th a missing punch, every 97th absent); weekends rest.
        cur.execute(
            """
            INSERT INTO attendance_dayresult (employee_id, date, status, symbol, late_minutes, early_minutes,
                worked_minutes, missing_punches, late_count, early_count, absent_units, sessions, reasons,
                corrected, uncorrected, computed_at)
            SELECT e.id, d::date,
                   CASE WHEN extract(isodow FROM d) > 5 THEN 'rest'
                        WHEN (e.id + extract(doy FROM d)::int) %% 97 = 0 THEN 'absent'
                        WHEN (e.id + extract(doy FROM d)::int) %% 11 = 0 THEN 'late'
                        ELSE 'present' END,
                   CASE WHEN extract(isodow FROM d) > 5 THEN ''
                        WHEN (e.id + extract(doy FROM d)::int) %% 97 = 0 THEN 'KP'
                        ELSE '+' END,
                   CASE WHEN extract(isodow FROM d) <= 5 AND (e.id + extract(doy FROM d)::int) %% 11 = 0
                        THEN 12 ELSE 0 END,
                   CASE WHEN extract(isodow FROM d) <= 5 AND (e.id + extract(doy FROM d)::int) %% 13 = 0
                        THEN 20 ELSE 0 END,
                   CASE WHEN extract(isodow FROM d) > 5 THEN 0 ELSE 450 END,
                   CASE WHEN extract(isodow FROM d) <= 5 AND (e.id + extract(doy FROM d)::int) %% 17 = 0
                        THEN 1 ELSE 0 END,
                   CASE WHEN extract(isodow FROM d) <= 5 AND (e.id + extract(doy FROM d)::int) %% 11 = 0
                        THEN 1 ELSE 0 END,
                   CASE WHEN extract(isodow FROM d) <= 5 AND (e.id + extract(doy FROM d)::int) %% 13 = 0
                        THEN 1 ELSE 0 END,
                   CASE WHEN extract(isodow FROM d) <= 5 AND (e.id + extract(doy FROM d)::int) %% 97 = 0
                        THEN 1 ELSE 0 END,
                   '[]'::jsonb, '[]'::jsonb, false, '{}'::jsonb, now()
            FROM hr_system_employee e
            CROSS JOIN generate_series(%s::date, %s::date, interval '1 day') AS d
            WHERE e.unit_id = %s
            """,
            [QUARTER, QUARTER_END, root.pk],
        )
        cur.execute("ANALYZE")
    return root


def run(n: int, target: float | None) -> float:
    from evaluation import batch
    from evaluation.models import Evaluation

    root = build(n)
    with timer() as t:
        counts = batch.score_period(root, "quarter", QUARTER)
    assert counts["scored"] == n and counts["created"] == 0, counts
    scored = Evaluation.objects.filter(unit=root, period_start=QUARTER, status=Evaluation.Status.SCORED)
    assert scored.count() == n
    sample = scored.order_by("pk").first()
    facts = sample.evidence["attendance"]
    assert facts["recorded_days"] >= 65 and facts["late_count"] > 0, sample.evidence  # 65 weekdays in Q2
    per = t["seconds"] / n * 1000
    levels = ", ".join(f"{k} {v}" for k, v in sorted(counts["levels"].items()))
    name = f"quarterly scores + classification, {n:,} people with attendance evidence (PostgreSQL)"
    if target is None:
        print(f"       {name}: {t['seconds']:.3f} s, {per:.3f} ms per person ({levels})", flush=True)
    else:
        report(
            name, t["seconds"], "s", f"<= {target:g} s", t["seconds"] <= target, f"{per:.3f} ms per person; {levels}"
        )
    return per


def main() -> None:
    url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/hr_bench_evaluation")
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    setup_django(url)
    small = run(2_000, None)
    large = run(20_000, 10)
    print(f"       growth: cost per person at 20,000 / at 2,000 = {large / small:.2f} (1.00 = linear)", flush=True)


if __name__ == "__main__":
    main()
