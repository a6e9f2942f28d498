"""Issue 17, item 7: the transfer criterion "evaluation results over the last N years"
reads the decided yearly classifications of the evaluation module; evidence rows still
count for the years without one, and every counted year says where it came from.

The pool and helpers are those of test_transfers.py (default set: xuất sắc 3, tốt 2,
hoàn thành 1, averaged over the last 3 years; reference day 30/09/2026).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from evaluation.models import Evaluation
from evaluation.ratings import yearly_ratings
from tests.transfers.test_transfers import (  # noqa: F401 (fixtures)
    REF,
    call,
    compute,
    evidence,
    hr,
    make_round,
    ok,
    pdf_text,
    pool,
)
from transfers.models import TransferRound

FROM_EVALUATION_2025 = "Đánh giá, xếp loại năm 2025 (đã quyết định)"
BY_HAND = "minh chứng nhập tay"


def yearly(employee, year: int, level: str, *, status=Evaluation.Status.DECIDED, decided=None, **extra):
    """A yearly evaluation as the evaluation module records it once decided."""
    return Evaluation.objects.create(
        employee=employee,
        unit=employee.unit,
        regime="nd90_2020_48_2023",
        period_kind="year",
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        status=status,
        classification=level,
        decided_at=decided or timezone.make_aware(dt.datetime(year, 12, 10, 9, 0)),
        **extra,
    )


def ratings_line(results: dict, code: str) -> dict:
    rows = results["ranked"] + results["excluded"]
    row = next(r for r in rows if r["employee"] == code)
    return next(line for line in row["breakdown"] if line["criterion"] == "ratings")


def test_a_decided_yearly_classification_scores_and_names_its_source_beside_hand_entered_years(hr, pool):  # noqa: F811
    yearly(pool.binh, 2025, "xuat_sac")
    rid = make_round(hr, pool)["id"]
    ok(evidence(hr, rid, "301", "rating", {"year": 2024, "rating": "tot"}), 201)
    ok(evidence(hr, rid, "301", "rating", {"year": 2023, "rating": "hoan_thanh"}), 201)
    line = ratings_line(compute(hr, rid), "301")
    assert line["points"] == 2  # (3 + 2 + 1) / 3
    assert [(s["year"], s["rating"], s["source"]) for s in line["sources"]] == [
        (2025, "xuat_sac", "evaluation"),
        (2024, "tot", "evidence"),
        (2023, "hoan_thanh", "evidence"),
    ]
    assert line["sources"][0]["source_text"] == FROM_EVALUATION_2025
    assert line["value_text"] == (
        f"2025: xuất sắc ({FROM_EVALUATION_2025}); 2024: tốt ({BY_HAND}); 2023: hoàn thành ({BY_HAND})"
    )


def test_the_decided_classification_wins_over_an_evidence_row_for_the_same_year(hr, pool):  # noqa: F811
    yearly(pool.hoa, 2025, "hoan_thanh")
    rid = make_round(hr, pool)["id"]
    ok(evidence(hr, rid, "302", "rating", {"year": 2025, "rating": "xuat_sac"}), 201)
    line = ratings_line(compute(hr, rid), "302")
    assert line["points"] == 1
    assert [(s["year"], s["rating"], s["source"]) for s in line["sources"]] == [(2025, "hoan_thanh", "evaluation")]


def test_without_an_evaluation_record_evidence_rows_still_count_as_before(hr, pool):  # noqa: F811
    rid = make_round(hr, pool)["id"]
    ok(evidence(hr, rid, "303", "rating", {"year": 2025, "rating": "tot"}), 201)
    line = ratings_line(compute(hr, rid), "303")
    assert line["points"] == 2
    assert line["sources"] == [{"year": 2025, "rating": "tot", "source": "evidence", "source_text": BY_HAND}]


def test_an_undecided_reopened_not_rated_or_later_decided_evaluation_is_not_used(hr, pool):  # noqa: F811
    yearly(pool.binh, 2025, "xuat_sac", status=Evaluation.Status.SCORED, decided=None)
    # reopened for a correction: its status left "decided"
    yearly(pool.hoa, 2025, "xuat_sac", status=Evaluation.Status.REVIEWED, reopened_reason="Sai số liệu sản phẩm")
    yearly(pool.nam, 2025, "not_rated")
    # decided after the round's reference day (30/09/2026)
    yearly(pool.lan, 2026, "xuat_sac", decided=timezone.make_aware(dt.datetime(2026, 12, 1, 9, 0)))
    rid = make_round(hr, pool)["id"]
    ok(evidence(hr, rid, "302", "rating", {"year": 2025, "rating": "tot"}), 201)
    results = compute(hr, rid)
    for code in ("301", "303", "304"):
        line = ratings_line(results, code)
        assert (line["points"], line["sources"], line["value_text"]) == (0, [], "chưa có kết quả")
    hoa = ratings_line(results, "302")
    assert [(s["year"], s["rating"], s["source"]) for s in hoa["sources"]] == [(2025, "tot", "evidence")]


def test_a_classification_decided_after_the_first_computation_waits_for_a_registry_refresh(hr, pool):  # noqa: F811
    rid = make_round(hr, pool)["id"]
    assert ratings_line(compute(hr, rid), "305")["sources"] == []
    yearly(pool.son, 2025, "tot")
    assert ratings_line(compute(hr, rid), "305")["sources"] == []  # the stored snapshot is reused
    line = ratings_line(compute(hr, rid, from_registry=True), "305")
    assert (line["points"], line["sources"][0]["source"]) == (2, "evaluation")


def test_the_ranking_page_and_pdf_show_the_source(hr, pool, client):  # noqa: F811
    yearly(pool.binh, 2025, "tot")
    rid = make_round(hr, pool)["id"]
    ok(evidence(hr, rid, "301", "rating", {"year": 2024, "rating": "tot"}), 201)
    compute(hr, rid)
    page = hr.get(f"/transfers/rounds/{rid}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"2025: tốt ({FROM_EVALUATION_2025})" in html and f"2024: tốt ({BY_HAND})" in html
    pdf = call(hr, "get", f"/rounds/{rid}/ranking.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    assert "Nguồn kết quả đánh giá, xếp loại" in text
    assert f"Nguyễn Văn Bình — 2025: tốt ({FROM_EVALUATION_2025}); 2024: tốt ({BY_HAND})" in text


def test_another_units_hr_sees_neither_the_round_nor_its_rating_sources(hr, pool, login):  # noqa: F811
    yearly(pool.binh, 2025, "xuat_sac")
    rid = make_round(hr, pool)["id"]
    compute(hr, rid)
    other = login(pool.cast.hr_b)
    assert call(other, "get", f"/rounds/{rid}/results").status_code == 404
    assert other.get(f"/transfers/rounds/{rid}/").status_code == 404
    assert TransferRound.objects.get(pk=rid).candidates.count() == 6


def test_yearly_ratings_reads_only_the_asked_people_and_years(pool):  # noqa: F811
    yearly(pool.binh, 2025, "tot")
    yearly(pool.binh, 2019, "xuat_sac")
    yearly(pool.hoa, 2025, "xuat_sac")
    found = yearly_ratings([pool.binh.pk], range(2021, 2027))
    assert found == {pool.binh.pk: {2025: "tot"}}
    assert yearly_ratings([], [2025]) == {} and yearly_ratings([pool.binh.pk], []) == {}


def test_the_reference_day_bounds_the_decisions_counted(pool):  # noqa: F811
    yearly(pool.binh, 2025, "tot", decided=timezone.make_aware(dt.datetime(2026, 10, 5, 9, 0)))
    before = timezone.make_aware(dt.datetime.combine(REF, dt.time.max))
    assert yearly_ratings([pool.binh.pk], [2025], decided_by=before) == {}
    assert yearly_ratings([pool.binh.pk], [2025]) == {pool.binh.pk: {2025: "tot"}}
