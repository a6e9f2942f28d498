"""Issue 17, item 8: the evaluation demo on top of the hr, attendance and transfer demos.
It runs twice without change, and the figures the issue asks for hold: the Mộc Châu
ward's civil servants evaluated for Q1-Q3 2026 with products and attendance evidence,
one disciplined (không hoàn thành from the quarter the measure takes effect), one held
back by the xuất sắc quota, and the transfer round showing a decided 2025 classification
as the source of rating points."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command

from evaluation import demo
from evaluation.models import Assignment, DisciplinaryMeasure, Evaluation, ProductResult
from transfers.models import TransferRound

Q1, Q2, Q3 = demo.QUARTERS


def _state():
    return (
        list(Evaluation.objects.order_by("pk").values_list("pk", "status", "classification", "total")),
        Assignment.objects.count(),
        ProductResult.objects.count(),
        DisciplinaryMeasure.objects.count(),
    )


def test_the_evaluation_demo_is_idempotent_and_tells_its_story(db):
    out = io.StringIO()
    for command in ("seed_demo", "seed_demo_attendance", "seed_demo_transfers", "seed_demo_evaluation"):
        call_command(command, stdout=out)
    first = _state()
    call_command("seed_demo_evaluation", stdout=out)
    assert _state() == first

    people = demo.ward_civil_servants()
    assert len(people) == 14
    quarterly = Evaluation.objects.filter(employee__in=people, period_kind="quarter")
    assert quarterly.count() == 14 * 3
    assert Assignment.objects.filter(employee__in=people).count() == 14 * 3 * 2

    def level(employee, quarter):
        return quarterly.get(employee=employee, period_start=quarter)

    disciplined = DisciplinaryMeasure.objects.get(decision_number=demo.DISCIPLINE_DECISION).employee
    assert level(disciplined, Q1).classification != "khong_hoan_thanh"
    assert [level(disciplined, q).classification for q in (Q2, Q3)] == ["khong_hoan_thanh"] * 2

    first, second = [e for e in people if e.job_title not in demo.HEAD_TITLES][:2]
    assert [level(first, q).classification for q in (Q1, Q2, Q3)] == ["xuat_sac"] * 3
    held = level(second, Q3)
    assert held.status == Evaluation.Status.SCORED and held.total >= 90
    assert [level(second, q).classification for q in (Q1, Q2)] == ["tot"] * 2
    assert f"Chưa quyết định {second.code} kỳ {Q3.isoformat()}" in out.getvalue()
    assert "vượt tỷ lệ 20%" in out.getvalue()
    # everyone else decided
    assert quarterly.filter(status=Evaluation.Status.DECIDED).count() == 14 * 3 - 1, out.getvalue()

    # January 2026 (the demo's pilot month of punches) is Q1's attendance evidence: the
    # unexcused absence and late arrivals cost discipline points under the ward's rule
    q1 = quarterly.filter(period_start=Q1)
    assert all(e.evidence["attendance"]["recorded_days"] > 0 for e in q1)
    assert min(e.manager_scores["ky_luat_ky_cuong"] for e in q1) < demo.CRITERIA_POINTS["ky_luat_ky_cuong"]
    assert all(e.manager_scores["ky_luat_ky_cuong"] == 8 for e in quarterly.filter(period_start=Q3))

    # one product late without an accepted cause; another late with one
    late = ProductResult.objects.filter(assignment__employee__in=people, late__gt=0)
    assert late.filter(cause_accepted=False).exists() and late.filter(cause_accepted=True).exists()

    # the transfer round counted a decided 2025 classification and says so
    transfer_round = TransferRound.objects.get()
    sources = [
        source for c in transfer_round.candidates.all() for line in c.breakdown for source in line.get("sources", [])
    ]
    assert {"year": 2025, "source": "evaluation"}.items() <= next(
        s for s in sources if s["source"] == "evaluation"
    ).items()
    assert any(s["source"] == "evidence" for s in sources)
    assert Evaluation.objects.filter(period_kind="year", period_start=dt.date(2025, 1, 1)).count() == 3
