"""GIFT features of Moodle's own importer fixture, in our own words (issue 15): format
markers on question, option and feedback text; weights on choice questions; per-answer
and general feedback; the types we do not hold, each rejected at its line."""

from __future__ import annotations

import pytest

from assessments import parsers


def one(text: str) -> parsers.Item:
    items, errors = parsers.parse_gift(text)
    assert errors == [] and len(items) == 1, errors
    return items[0]


def texts(item) -> list[str]:
    return [o["text"] for o in item.options]


def test_plain_marker_on_an_option_is_not_part_of_its_text():
    # Before issue 15 the option read "[plain]Xanh lam".
    item = one(
        "::Màu:: Màu nào nằm giữa cam và lục? {\n  =Vàng # đúng\n  ~Đỏ # [html]sai\n  ~[plain]Xanh lam # sai\n}\n"
    )
    assert texts(item) == ["Vàng", "Đỏ", "Xanh lam"] and item.kind == "single"
    assert item.title == "Màu" and item.text == "Màu nào nằm giữa cam và lục?"


@pytest.mark.parametrize("marker", ["[html]", "[moodle]", "[plain]", "[markdown]", "[HTML]"])
def test_every_marker_is_recognised_at_the_start_of_the_question(marker):
    item = one(f"::T:: {marker}Thủ đô của Việt Nam? {{=Hà Nội ~Huế}}\n")
    assert item.text == "Thủ đô của Việt Nam?"


def test_marker_after_a_weight_and_feedback_markers_are_stripped():
    item = one(
        "::Nhiều:: Cơ quan hành chính? {\n"
        "  ~%50%Chính phủ # [html]<b>đúng</b>\n"
        "  ~%-100%[plain]Quốc hội # [moodle]sai\n"
        "  ~%50%[markdown]Ủy ban nhân dân # đúng\n"
        "  ~%-100%Tòa án\n}\n"
    )
    assert texts(item) == ["Chính phủ", "Quốc hội", "Ủy ban nhân dân", "Tòa án"]
    assert [o["weight"] for o in item.options] == [50, -100, 50, -100]
    assert [o["correct"] for o in item.options] == [True, False, True, False]
    assert item.kind == "multiple"


def test_html_question_and_option_text_is_reduced_to_plain_text():
    item = one(
        "::H::[html]<p>Chọn <b>cơ quan</b> &amp; <i>tổ chức</i></p><script>alert('x')</script>"
        "<style>p \\{color: red\\}</style>đúng:<br>{\n"
        "  =[html]<img src\\=x onerror\\=alert(1)>Quốc hội &lt;QH&gt;\n  ~Chính phủ\n}\n"
    )
    assert item.text == "Chọn cơ quan & tổ chức\nđúng:"
    assert "alert" not in item.text and "<" not in item.text
    assert texts(item) == ["Quốc hội <QH>", "Chính phủ"]  # decoded text, shown escaped by the pages


def test_markdown_and_plain_text_are_kept_as_written():
    item = one("[markdown]Điều **69** Hiến pháp <không phải thẻ>? {T}\n")
    assert item.text == "Điều **69** Hiến pháp <không phải thẻ>?" and item.kind == "true_false"


def test_true_false_with_feedback_general_feedback_and_short_forms():
    item = one(
        "::Đ-01:: Bốn mươi hai là đáp án của mọi điều.{\nFALSE#Đúng là sai.#Bạn đã chọn đúng.\n####Tham khảo.}\n"
    )
    assert item.kind == "true_false" and [o["correct"] for o in item.options] == [False, True]
    assert item.title == "Đ-01"
    for answer in ("T", "TRUE"):
        assert one(f"::2-08 KT::Câu khẳng định.{{{answer}}}\n").options[0]["correct"] is True


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("::Tự luận:: Hôm nay bạn thế nào? {}", "tự luận"),
        (
            "::Ghép::[html]Ghép <b>hoạt động</b> với mô tả.{\n  =[html]Thảo luận không đồng bộ. -> Diễn đàn\n"
            "  =[moodle]Lựa chọn nhiều phương án. -> Bình chọn\n  = -> Trò chuyện\n}",
            "ghép đôi",
        ),
        ("::Số:: Một số từ 1 đến 5? {#3:2~#Sai hoàn toàn}", "số (numerical"),
        ("::Ngắn::Con vật nào tốt nhất?{\n  =Ếch#Tốt!\n  =%50%Mèo#Lại mèo.\n  =%0%*#Sai hoàn toàn\n}", "trả lời ngắn"),
    ],
)
def test_unsupported_types_keep_clear_rejections_at_their_line(question, reason):
    text = f"// loại không hỗ trợ\n\nCâu hợp lệ? {{=Có ~Không}}\n\n{question}\n"
    items, errors = parsers.parse_gift(text)
    assert len(items) == 1
    assert len(errors) == 1 and errors[0][0] == 5 and reason in errors[0][1]


def test_text_after_the_answers_is_rejected_at_the_closing_brace():
    items, errors = parsers.parse_gift('Câu hỏi.{\nT\n}";\n')
    assert items == [] and errors[0][0] == 3 and "sau dấu “}”" in errors[0][1]


@pytest.mark.parametrize(
    ("answers", "line", "reason"),
    [
        # Correct options of a multiple-answer question must make the whole mark.
        ("{\n~%50%A\n~%40%B\n~%-100%C\n}", 1, "Tổng trọng số các phương án đúng là 90%"),
        ("{~%60%A ~%60%B ~C}", 1, "là 120%"),
        ("{~%33.3%A ~%33.3%B ~%33.3%C ~D}", 1, "là 99,9%"),
        # A single-answer question with partial credit is still refused.
        ("{=A ~%50%B ~C}", 1, "một đáp án"),
        ("{=%50%A ~B}", 1, "một đáp án"),
        ("{~%150%A ~B}", 1, "-100% đến 100%"),
    ],
)
def test_weights_that_do_not_fit_are_rejected_with_the_line(answers, line, reason):
    items, errors = parsers.parse_gift(f"Câu có trọng số? {answers}\n")
    assert items == [] and len(errors) == 1
    assert errors[0][0] == line and reason in errors[0][1]


def test_weights_within_a_hundredth_of_a_point_are_accepted():
    item = one("Ba phần? {~%33.33%A ~%33.33%B ~%33.33%C ~%-100%D}\n")
    assert [o["weight"] for o in item.options] == [33.33, 33.33, 33.33, -100]
    single = one("Phạt? {=A ~%-100%B ~C}\n")
    assert [o["weight"] for o in single.options] == [100, -100, 0] and single.kind == "single"
    assert all("weight" not in o for o in one("Không trọng số? {=A ~B}\n").options)


def test_the_independent_authors_file_parses_whole():
    from pathlib import Path

    data = (Path(__file__).resolve().parent.parent / "data" / "gift_weighted_independent_author.txt").read_bytes()
    items, errors = parsers.parse(data, "gift")
    assert errors == [] and [i.kind for i in items] == ["multiple", "single", "multiple", "true_false"]
    assert {i.category_code for i in items} == {"VANTHU"}
    assert [o["weight"] for o in items[2].options] == [33.33333, 33.33333, 33.33333, -100]
