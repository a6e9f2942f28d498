"""Option weights outside GIFT (issue 15): the Excel template's weight column, the
question form and the bank API, the model rules they share (bank.clean_content), and
the weights shown back — only to those who manage the item."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from assessments import bank, parsers
from assessments.models import Question, QuestionVersion
from assessments.papers import ExamError
from hr_system.templatetags.numbers import vn_number
from tests.assessments.test_bank import API, board, new_question  # noqa: F401 (fixture)


def workbook(*rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([h for _, h, _ in parsers.XLSX_COLUMNS])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(text, answer, weights, kind="", options=("Chính phủ", "Ủy ban nhân dân", "Hội đồng nhân dân", "Tòa án")):
    cells = list(options) + [""] * (6 - len(options))
    return ["", "", kind, text, *cells, answer, weights, ""]


def test_excel_weight_column_is_read_and_checked_per_row():
    items, errors = parsers.parse_xlsx(
        workbook(
            row("Hai đúng, hai phạt?", "A,B", "A: 50; B: 50; C: -100; D: -100"),
            row("Ba phần, dấu phẩy thập phân?", "A,B,C", "A=33,33\nB=33,33\nC=33,34"),
            row("Một đáp án có phạt?", "A", "A: 100; C: -50 %"),
            row("Tổng 90?", "A,B", "A: 50; B: 40; C: -100"),
            row("Trọng số ngoài phương án?", "A,B", "A: 50; B: 50; C: -100", options=("Có", "Không")),
            row("Thiếu cột Đáp án cho C?", "A,B", "A: 40; B: 30; C: 30"),
            row("Một đáp án điểm từng phần?", "A", "A: 50; B: 50", kind="Một đáp án"),
            row("Viết sai?", "A,B", "A 50, B 50"),
            row("Không phải số?", "A,B", "A: năm mươi; B: 50"),
            row("Quá 100?", "A,B", "A: 150; B: -50"),
        )
    )
    assert [i.line for i in items] == [2, 3, 4]
    assert [o["weight"] for o in items[0].options] == [50, 50, -100, -100]
    assert [o["weight"] for o in items[1].options] == [33.33, 33.33, 33.34, 0]
    assert items[2].kind == "single" and [o["weight"] for o in items[2].options] == [100, 0, -50, 0]
    reasons = dict(errors)
    assert sorted(reasons) == [5, 6, 7, 8, 9, 10, 11]
    assert "là 90%" in reasons[5]
    assert "phương án C" in reasons[6] and "không có" in reasons[6]
    assert "(A, B, C)" in reasons[7] and "cột Đáp án (A, B)" in reasons[7]
    assert "một đáp án" in reasons[8]
    assert "“A 50, B 50”" in reasons[9]
    assert "năm mươi" in reasons[10]
    assert "-100% đến 100%" in reasons[11]


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("multiple", [("A", True, 50), ("B", True, 40), ("C", False, None)], "là 90%"),
        ("multiple", [("A", True, 50), ("B", True, 0), ("C", False, None)], "Phương án B được đánh dấu đúng"),
        ("single", [("A", True, 60), ("B", False, 40)], "một đáp án"),
        ("multiple", [("A", True, "năm mươi"), ("B", False, None)], "Phương án A: Trọng số “năm mươi”"),
        ("multiple", [("A", True, 50), ("", False, 50), ("B", True, 50)], "Phương án B có trọng số nhưng không có"),
    ],
)
def test_clean_content_refuses_weights_that_do_not_fit(kind, options, message):
    with pytest.raises(ExamError, match=message) as caught:
        bank.clean_content(
            kind=kind,
            text="Câu hỏi?",
            options=[{"text": t, "correct": c, "weight": w} for t, c, w in options],
            difficulty=2,
            tags="",
        )
    assert caught.value.field == "options"


def test_clean_content_derives_the_key_from_weights():
    values = bank.clean_content(
        kind="multiple",
        text="Câu hỏi?",
        options=[
            {"text": "Một", "correct": False, "weight": "33,33"},
            {"text": "Hai", "weight": 33.33},
            {"text": "Ba", "weight": "33.34"},
            {"text": "Bốn", "weight": "-100"},
            {"text": "Năm"},
        ],
        difficulty=2,
        tags="",
    )
    assert [(o["correct"], o["weight"]) for o in values["options"]] == [
        (True, 33.33),
        (True, 33.33),
        (True, 33.34),
        (False, -100),
        (False, 0),
    ]


def test_form_and_detail_page_round_trip_weights(board, login):  # noqa: F811
    client = login(board.board_a)
    r = client.post(
        "/bank/questions/new/",
        {
            "category": board.law_a.pk,
            "kind": "multiple",
            "difficulty": 2,
            "text": "Cơ quan hành chính nhà nước?",
            **{"option_A": "Chính phủ", "correct_A": "on", "weight_A": "50"},
            **{"option_B": "Ủy ban nhân dân", "weight_B": "50"},
            **{"option_C": "Quốc hội", "weight_C": "-100"},
        },
    )
    assert r.status_code == 302
    version = QuestionVersion.objects.get()
    assert version.weights() == {"a": 50.0, "b": 50.0, "c": -100.0} and version.correct_ids() == {"a", "b"}
    question = version.question
    detail = client.get(f"/bank/questions/{question.pk}/").content.decode()
    assert "trọng số -100%" in detail and "trọng số 50%" in detail
    form = client.get(f"/bank/questions/{question.pk}/edit/").content.decode()
    assert 'name="weight_C" value="-100"' in form
    r = client.post(
        f"/bank/questions/{question.pk}/edit/",
        {
            "kind": "multiple",
            "difficulty": 2,
            "text": "Cơ quan hành chính nhà nước?",
            **{"option_A": "Chính phủ", "weight_A": "50"},
            **{"option_B": "Ủy ban nhân dân", "weight_B": "30"},
        },
    )
    assert r.status_code == 200 and "Tổng trọng số các phương án đúng là 80%" in r.content.decode()
    assert QuestionVersion.objects.get().weights()["b"] == 50.0
    # Another commune's board does not see the item, weights included.
    assert login(board.board_b).get(f"/bank/questions/{question.pk}/").status_code == 404


def test_api_accepts_and_returns_weights_in_scope_only(board, login):  # noqa: F811
    client = login(board.board_a)
    body = {
        "category": board.law_a.pk,
        "kind": "multiple",
        "text": "Cơ quan hành chính nhà nước?",
        "options": [
            {"text": "Chính phủ", "weight": 50},
            {"text": "Ủy ban nhân dân", "weight": 50},
            {"text": "Quốc hội", "weight": -100},
        ],
    }
    r = client.post(f"{API}/questions", body, content_type="application/json")
    assert r.status_code == 201, r.content
    options = r.json()["latest"]["options"]
    assert [(o["correct"], o["weight"]) for o in options] == [(True, 50), (True, 50), (False, -100)]
    body["options"][1]["weight"] = 20
    r = client.post(f"{API}/questions", body | {"text": "Câu khác?"}, content_type="application/json")
    assert r.status_code == 422 and "là 70%" in r.json()["error"]["fields"]["options"][0]
    body["options"][1]["weight"] = 250
    r = client.post(f"{API}/questions", body | {"text": "Câu khác?"}, content_type="application/json")
    assert r.status_code == 422
    question_id = Question.objects.get().pk
    assert login(board.board_b).get(f"{API}/questions/{question_id}").status_code == 404


def test_import_page_warns_that_all_or_nothing_exams_ignore_weights(board, login, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    client = login(board.board_a)
    data = (Path(__file__).resolve().parent.parent / "data" / "gift_weighted_independent_author.txt").read_bytes()
    upload = SimpleUploadedFile("van-thu.gift.txt", data)
    r = client.post("/bank/import/", {"file": upload, "format": "gift", "category": board.law_a.pk, "difficulty": 2})
    page = r.content.decode()
    assert r.status_code == 200 and page.count("sẽ bỏ qua trọng số") == 3
    assert "A 50%, B 50%, C -100%, D -100%" in page
    assert QuestionVersion.objects.filter(options__0__weight=50).count() == 1


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [(0.25, 2, "0,25"), (33.333333, 2, "33,33"), ("100.00", 2, "100"), (-100, 2, "-100"), (2.5, 0, "3"), (None, 2, "")],
)
def test_vn_number_uses_a_decimal_comma(value, places, text):
    assert vn_number(value, places) == text
