"""Documents cite the regulations in force on their own date (issue 14, item 10)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string

from hr_system import citations
from tests.transfers.test_transfers import API, call, compute, make_round, ok, pdf_text, pool  # noqa: F401
from transfers import reports, rules
from transfers.models import CriteriaSet, TransferRound

BEFORE, AFTER = dt.date(2026, 6, 30), dt.date(2026, 7, 1)


@pytest.mark.parametrize(
    ("key", "on", "expected"),
    [
        (
            "law.public_employees",
            BEFORE,
            "Luật Viên chức số 58/2010/QH12, được sửa đổi, bổ sung bởi Luật số 52/2019/QH14",
        ),
        ("law.public_employees", AFTER, "Luật Viên chức số 129/2025/QH15"),
        ("law.civil_servants", dt.date(2025, 6, 30), "Luật Cán bộ, công chức số 22/2008/QH12"),
        ("law.civil_servants", dt.date(2025, 7, 1), "Luật Cán bộ, công chức số 80/2025/QH15"),
        ("decree.discipline", dt.date(2025, 6, 30), "Nghị định số 112/2020/NĐ-CP"),
        ("decree.discipline", dt.date(2025, 7, 1), "Nghị định số 172/2025/NĐ-CP"),
        ("secondment", BEFORE, "Luật Viên chức 2010, Điều 36"),
    ],
)
def test_a_citation_is_the_text_in_force_on_the_day(key, on, expected):
    assert citations.cite(key, on).startswith(expected)


def test_every_key_has_one_entry_in_force_on_any_day_and_a_missing_one_is_an_error():
    keys = {c.key for c in citations.REGISTRY}
    for key in keys:
        for day in (dt.date(2025, 7, 1), BEFORE, AFTER, dt.date(2030, 1, 1)):
            assert sum(c.in_force(day) for c in citations.entries(key)) <= 1, (key, day)
    # The law on teachers did not exist before 2026: no citation, unless a default is given.
    with pytest.raises(LookupError):
        citations.cite("law.teachers", dt.date(2025, 12, 31))
    assert citations.cite("law.teachers", dt.date(2025, 12, 31), default="") == ""
    with pytest.raises(KeyError):
        citations.cite("law.unknown")


@pytest.fixture
def hr(pool, login):  # noqa: F811
    return login(pool.cast.hr_a)


def test_the_same_decision_cites_the_2010_law_before_and_the_2025_law_from_1_july_2026(hr, pool):  # noqa: F811
    rid = make_round(hr, pool)["id"]
    compute(hr, rid)
    transfer_round = TransferRound.objects.get(pk=rid)
    assert transfer_round.legal_bases == []  # nothing typed: the texts in force on the decision's date
    before = pdf_text(reports.decision_pdf(transfer_round, on=BEFORE))
    after = pdf_text(reports.decision_pdf(transfer_round, on=AFTER))
    assert "Căn cứ Luật Viên chức số 58/2010/QH12" in before and "129/2025/QH15" not in before
    assert "Căn cứ Luật Viên chức số 129/2025/QH15" in after and "58/2010/QH12" not in after
    assert "ngày 30 tháng" in before and "ngày 01 tháng" in after
    # The page's own download is dated today and cites what is in force today.
    today = pdf_text(hr.get(f"/transfers/rounds/{rid}/decision.pdf").content)
    assert citations.cite("law.public_employees")[:40] in today


def test_the_decision_cites_the_units_own_quy_che_not_another_provinces_rules(hr, pool):  # noqa: F811
    rid = make_round(hr, pool)["id"]
    compute(hr, rid)
    transfer_round = TransferRound.objects.get(pk=rid)
    text = pdf_text(reports.decision_pdf(transfer_round, on=AFTER))
    assert "Quảng Trị" not in text and "Quảng Ngãi" not in text and "Phú Lộc" not in text
    assert "ban hành quy chế điều động" in text
    assert rules.DEFAULT_SET_SOURCE == ""
    # A unit that adopted the set with its quy chế gets that quy chế cited.
    CriteriaSet.objects.filter(pk=transfer_round.criteria_set_id).update(
        source="Quyết định số 15/2026/QĐ-UBND ngày 02/3/2026 của Ủy ban nhân dân phường Mộc Châu ban hành Quy chế"
    )
    transfer_round.refresh_from_db()
    text = pdf_text(reports.decision_pdf(transfer_round, on=AFTER))
    assert "Căn cứ Quyết định số 15/2026/QĐ-UBND" in text


def test_typed_legal_bases_are_cited_as_typed(hr, pool):  # noqa: F811
    rid = make_round(hr, pool, legal_bases=["Căn cứ Quyết định số 01/QĐ-UBND;"])["id"]
    transfer_round = TransferRound.objects.get(pk=rid)
    assert reports.legal_bases(transfer_round, AFTER) == ["Căn cứ Quyết định số 01/QĐ-UBND;"]


def test_a_rotation_also_cites_the_anticorruption_decree(hr, pool):  # noqa: F811
    rid = make_round(hr, pool, kind="rotation")["id"]
    lines = reports.legal_bases(TransferRound.objects.get(pk=rid), AFTER)
    assert any("59/2019/NĐ-CP" in line for line in lines)
    assert lines[0].startswith("Căn cứ ") and all(line.endswith(";") for line in lines)


def test_the_secondment_limit_message_names_the_law_in_force():
    assert "Luật Viên chức 2010, Điều 36" in rules.secondment_rule(BEFORE)
    assert "129/2025/QH15" in rules.secondment_rule(AFTER)


def test_the_discipline_page_note_names_the_decree_in_force():
    note = Template('{% load citations %}{% cite "decree.discipline.short" on as d %}{{ d }}')
    assert note.render(Context({"on": dt.date(2025, 6, 30)})) == "Nghị định 112/2020/NĐ-CP"
    assert note.render(Context({"on": dt.date(2025, 7, 1)})) == "Nghị định 172/2025/NĐ-CP"
    page = render_to_string("attendance/discipline.html", {"rows": []})
    assert "Nghị định 172/2025/NĐ-CP" in page and "bãi bỏ từ Nghị định 112/2020/NĐ-CP" in page


def test_eligibility_rules_cite_the_law_on_teachers_only_once_it_is_in_force():
    facts = {"is_teacher": True, "under_discipline": True, "gender": "male", "date_of_birth": "1985-01-01"}
    [after], _ = rules.check_eligibility(facts, on=dt.date(2026, 1, 1), kind="secondment", planned_months=6)
    assert after["rule"] == (
        "Nghị định 59/2019/NĐ-CP, Điều 38; Luật Nhà giáo 2025 (73/2025/QH15), Điều 19; Nghị định 170/2025/NĐ-CP, Điều 26"
    )
    [before], _ = rules.check_eligibility(facts, on=dt.date(2025, 12, 31), kind="transfer")
    assert before["rule"] == "Nghị định 59/2019/NĐ-CP, Điều 38"
