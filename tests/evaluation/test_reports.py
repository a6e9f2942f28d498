"""The evaluation's documents (issue 17 item 6): the individual form and the unit's
classification summary as PDF (Decree 30/2020 layout, a signature slot) and Excel."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from evaluation import reports, signed_records
from evaluation.models import Evaluation
from hr_system import signed_documents
from hr_system.models import Employee

Q1 = dt.date(2026, 1, 1)
Q1_END = dt.date(2026, 3, 31)
SCORES = {
    "chinh_tri_dao_duc": 6,
    "ky_luat_ky_cuong": 4,
    "trach_nhiem_phuc_vu": 6,
    "nang_luc": 5.5,
    "doi_moi_sang_tao": 5,
    "ket_qua_nhiem_vu": 65,
}  # 91.5


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())  # lines unwrapped


def evaluated(employee, *, total, level, status=Evaluation.Status.DECIDED, **extra) -> Evaluation:
    return Evaluation.objects.create(
        employee=employee,
        unit=employee.unit,
        regime="nd335_2025",
        period_kind="quarter",
        period_start=Q1,
        period_end=Q1_END,
        status=status,
        self_scores=extra.pop("self_scores", SCORES),
        manager_scores=extra.pop("manager_scores", SCORES),
        total=total,
        classification=level,
        **extra,
    )


def person(cast, code, name, unit=None) -> Employee:
    return Employee.objects.create(
        code=code, full_name=name, unit=unit or cast.office_a, category="civil_servant", start_date=dt.date(2020, 1, 1)
    )


@pytest.fixture
def quarter(cast):
    """Commune A's first quarter: An xuất sắc (91.5, with evidence), Bình and Cúc tốt,
    Dũng hoàn thành, Hà still waiting for the decision; commune B's Đức is someone else's."""
    cast.an = evaluated(
        cast.emp_a,
        total="91.5",
        level="xuat_sac",
        self_comment="Hoàn thành toàn bộ nhiệm vụ được giao.",
        manager_comment="Đồng ý với tự đánh giá.",
        task_results={
            "criterion": "ket_qua_nhiem_vu",
            "lines": [
                {
                    "product": "Văn bản hành chính",
                    "employee": "101",
                    "quantity": 10,
                    "quantity_done": 10,
                    "standard_units": 1.5,
                    "rejected": 0,
                    "late": 1,
                    "cause_accepted": False,
                }
            ],
            "unit_lines": [],
            "points": {"quantity": 23.33, "quality": 23.33, "timeliness": 22.75, "total": 69.41},
        },
        evidence={
            "taken_at": "2026-04-03T02:00:00+00:00",
            "attendance": {
                "worked_days": 21,
                "late_count": 4,
                "late_minutes": 80,
                "early_count": 0,
                "early_minutes": 0,
                "absent_days": 1,
                "missing_punches": 0,
                "leave_days": {"P": 2},
                "leave_labels": {"P": "Nghỉ phép"},
            },
            "discipline": {
                "criterion": "ky_luat_ky_cuong",
                "max_points": 6.0,
                "deduction": 4.0,
                "explanation": "4 lần đi muộn (trừ 1 điểm mỗi 2 lần): -2",
                "note": "Mức trừ theo quy chế của đơn vị.",
            },
            "competence": {
                "criterion": "nang_luc",
                "exam_id": 7,
                "result": {
                    "exam_title": "Kiểm tra năng lực quý I",
                    "score": 31.0,
                    "max_score": 40.0,
                    "percent": 77.5,
                    "result": "Đạt",
                },
            },
        },
    )
    evaluated(person(cast, "103", "Hoàng Văn Bình"), total="80", level="tot")
    evaluated(person(cast, "104", "Phạm Thị Cúc", cast.school_a), total="72", level="tot")
    evaluated(person(cast, "105", "Lê Văn Dũng"), total="55", level="hoan_thanh")
    evaluated(person(cast, "106", "Vì Thị Hà"), total=None, level="", status=Evaluation.Status.SCORED)
    evaluated(cast.emp_b, total="95", level="xuat_sac")
    return cast


def test_the_form_shows_the_person_the_criteria_the_evidence_the_total_and_the_level(quarter):
    content, slots = reports.form_pdf_with_slots(quarter.an)

    text = pdf_text(content)
    assert content.startswith(b"%PDF")
    assert "PHIẾU ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Nguyễn Văn An" in text and "Quý 1/2026" in text
    assert "Phẩm chất chính trị, đạo đức, lối sống" in text
    assert "Kết quả thực hiện nhiệm vụ" in text
    assert "91,5" in text  # the total, with a decimal comma
    assert "Hoàn thành xuất sắc nhiệm vụ" in text
    assert "Đi muộn: 4 lần, 80 phút" in text and "Nghỉ phép 2 ngày" in text
    assert "Kiểm tra năng lực quý I: 31/40" in text
    assert "Đồng ý với tự đánh giá." in text
    assert "Văn bản hành chính 10 10 1,5 0 1" in text  # the late product, no accepted cause
    assert "tiến độ 22,75; cộng 69,41" in text
    assert slots["signer"][0] == len(PdfReader(io.BytesIO(content)).pages) - 1


def test_summary_counts_each_level_of_the_decided_only(quarter):
    data = reports.summary_rows(quarter.commune_a, "quarter", Q1)

    assert data["evaluated"] == 5 and data["decided"] == 4  # Hà is waiting; Đức is commune B's
    # Unit by unit, then in the order of official lists (by given name).
    assert [r["full_name"] for r in data["rows"]] == [
        "Nguyễn Văn An",
        "Hoàng Văn Bình",
        "Lê Văn Dũng",
        "Vì Thị Hà",
        "Phạm Thị Cúc",
    ]
    counts = {c["level"]: (c["count"], c["percent"]) for c in data["counts"]}
    assert counts == {
        "xuat_sac": (1, 25.0),
        "tot": (2, 50.0),
        "hoan_thanh": (1, 25.0),
        "khong_hoan_thanh": (0, 0.0),
        "not_rated": (0, 0.0),
    }
    assert "Cầm Văn Đức" not in [r["full_name"] for r in data["rows"]]


def test_summary_pdf_lists_everyone_with_levels_and_has_both_signature_slots(quarter):
    content, slots = reports.summary_pdf_with_slots(quarter.commune_a, "quarter", Q1)

    text = pdf_text(content)
    assert "TỔNG HỢP" in text and "Kết quả đánh giá, xếp loại chất lượng" in text
    for name in ("Nguyễn Văn An", "Hoàng Văn Bình", "Phạm Thị Cúc", "Lê Văn Dũng", "Vì Thị Hà"):
        assert name in text
    assert "Cầm Văn Đức" not in text
    assert "Hoàn thành tốt nhiệm vụ" in text and "Quản lý đã chấm" in text  # Hà's row: not decided yet
    assert "Còn 1 người chưa được quyết định xếp loại" in text
    assert {"signer", "agency"} <= set(slots)


def test_summary_excel_has_the_columns_the_rows_and_the_counts(quarter):
    content = reports.summary_xlsx(quarter.commune_a, "quarter", Q1)

    ws = load_workbook(io.BytesIO(content)).active
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(values) if row[0] == "STT")
    assert list(values[header_at][: len(reports.SUMMARY_COLUMNS)]) == reports.SUMMARY_COLUMNS
    rows = values[header_at + 1 : header_at + 6]
    by_name = {row[2]: row for row in rows}
    assert by_name["Nguyễn Văn An"][7] == 91.5 and by_name["Nguyễn Văn An"][8] == "Hoàn thành xuất sắc nhiệm vụ"
    assert by_name["Vì Thị Hà"][7] is None and by_name["Vì Thị Hà"][8] is None
    flat = [cell for row in values for cell in row if cell is not None]
    assert "Hoàn thành tốt nhiệm vụ" in flat
    tot_row = next(row for row in values[header_at + 6 :] if row[1] == "Hoàn thành tốt nhiệm vụ")
    assert (tot_row[3], tot_row[4]) == (2, "50%")


def test_a_name_that_looks_like_a_formula_stays_text_in_the_excel(cast):
    hacker = person(cast, "107", '=HYPERLINK("http://x","y")')
    evaluated(hacker, total="60", level="hoan_thanh")

    ws = load_workbook(io.BytesIO(reports.summary_xlsx(cast.commune_a, "quarter", Q1))).active

    names = [row[2] for row in ws.iter_rows(values_only=True)]
    assert '=HYPERLINK("http://x","y")' in names
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)


def test_an_empty_period_gives_an_empty_summary_not_an_error(cast):
    data = reports.summary_rows(cast.commune_a, "quarter", dt.date(2026, 4, 1))

    assert data["rows"] == [] and data["decided"] == 0
    assert "Chưa có ai được đánh giá" in pdf_text(reports.summary_pdf(cast.commune_a, "quarter", dt.date(2026, 4, 1)))


def test_evaluation_documents_are_registered_as_signable_by_the_unit_head(quarter):
    form = signed_documents.kind_of(signed_documents.EVALUATION_FORM)
    summary = signed_documents.kind_of(signed_documents.EVALUATION_SUMMARY)
    assert form.signer_role == "unit_head" and form.needs_agency is False
    assert summary.signer_role == "unit_head" and summary.needs_agency is True
    assert signed_records.form_ready(quarter.an) is True
    # Hà's row is still open, so the unit's summary cannot be signed yet.
    assert signed_records.summary_ready(quarter.commune_a, "quarter", Q1) is False
    with pytest.raises(signed_documents.SignedDocumentError) as refused:
        signed_records.sign_summary(
            acting_user=quarter.head_a,
            unit=quarter.commune_a,
            period_kind="quarter",
            period_start=Q1,
            credential=None,
            secret="",
        )
    assert refused.value.code == "not_ready"
