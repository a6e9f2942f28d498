"""Question files: the Aiken, GIFT and Excel readers (assessments.parsers), table-tested
without a database."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from assessments import parsers
from assessments.models import QuestionVersion
from hr_system.uploads import UploadRejected


def test_parsed_kinds_are_the_banks_kinds():
    assert {parsers.SINGLE, parsers.MULTIPLE, parsers.TRUE_FALSE} == set(QuestionVersion.Kind.values)
    assert parsers.KIND_NAMES == {k.value: str(k.label) for k in QuestionVersion.Kind}


def correct_texts(item) -> list[str]:
    return [o["text"] for o in item.options if o["correct"]]


# --- Aiken -------------------------------------------------------------------------

AIKEN_GOOD = """Cơ quan nào là cơ quan quyền lực nhà nước cao nhất?
A. Chính phủ
B) Quốc hội
C.\tTòa án nhân dân tối cao
ANSWER: B
Thời hiệu xử lý kỷ luật công chức là bao lâu?
A) 2 năm
B) 5 năm
ANSWER: B
"""


def test_aiken_valid_questions_keep_vietnamese_text_and_key():
    items, errors = parsers.parse_aiken(AIKEN_GOOD)
    assert errors == []
    assert [i.text for i in items] == [
        "Cơ quan nào là cơ quan quyền lực nhà nước cao nhất?",
        "Thời hiệu xử lý kỷ luật công chức là bao lâu?",
    ]
    first = items[0]
    assert first.kind == "single" and first.line == 1
    assert [o["text"] for o in first.options] == ["Chính phủ", "Quốc hội", "Tòa án nhân dân tối cao"]
    assert [o["id"] for o in first.options] == ["a", "b", "c"]
    assert correct_texts(first) == ["Quốc hội"]
    assert items[1].line == 6 and correct_texts(items[1]) == ["5 năm"]


def test_aiken_file_with_bom_and_crlf_parses_the_same():
    data = AIKEN_GOOD.replace("\n", "\r\n").encode("utf-8-sig")
    items, errors = parsers.parse(data, "aiken")
    assert errors == [] and items[0].text.startswith("Cơ quan") and len(items) == 2


AIKEN_BAD = """Câu chỉ có một phương án?
A. Có
ANSWER: A

Câu có đáp án ngoài phương án?
A. Một
B. Hai
ANSWER: D

Câu viết đáp án bằng chữ thường?
A. Một
B. Hai
answer: A

Câu bỏ dở
A. Một
B. Hai
Câu đứng sau câu bỏ dở vẫn được nhận?
A. Có
B. Không
ANSWER: A

Câu cuối thiếu ANSWER
A. Một
B. Hai
"""


def test_aiken_malformed_questions_are_rejected_with_their_line():
    items, errors = parsers.parse_aiken(AIKEN_BAD)
    reasons = dict(errors)
    assert sorted(reasons) == [1, 8, 13, 15, 23]
    assert "1 phương án" in reasons[1] and "ít nhất 2" in reasons[1]
    assert "“D”" in reasons[8] and "A–B" in reasons[8]
    assert "ANSWER:" in reasons[13] and "chữ in hoa" in reasons[13]
    assert "thiếu dòng “ANSWER:”" in reasons[15]
    assert "thiếu dòng “ANSWER:”" in reasons[23]
    # Only the question after the abandoned one survives.
    assert [i.text for i in items] == ["Câu đứng sau câu bỏ dở vẫn được nhận?"]
    assert items[0].line == 18


def test_aiken_option_letters_must_run_in_order():
    items, errors = parsers.parse_aiken("Câu hỏi?\nA. Một\nC. Ba\nANSWER: C\n")
    assert items == [] and errors[0][0] == 3 and "phải là “B”" in errors[0][1]


# --- GIFT --------------------------------------------------------------------------

GIFT_GOOD = r"""// Ngân hàng câu hỏi thử
$CATEGORY: $course$/top/Kiến thức chung/LUAT

::Q1 Quốc hội:: Cơ quan nào là cơ quan quyền lực nhà nước cao nhất? {
  =Quốc hội          # Đúng
  ~Chính phủ         # Sai
  ~%-50%Chủ tịch nước
  ####Điều 69 Hiến pháp năm 2013
}

// Câu nhiều đáp án: không có dấu =
::Nhiều:: Cơ quan nào là cơ quan hành chính nhà nước? {~%50%Chính phủ ~%50%Ủy ban nhân dân ~%-100%Hội đồng nhân dân}

::Đúng sai:: Hiến pháp có hiệu lực pháp lý cao nhất. {T}

Công chức được tham gia đình công. {FALSE}

Ký tự đặc biệt 50\% \{a\} \~ \= \# a\:b {=Được ~Không \= không}
"""


def test_gift_supported_types_with_titles_comments_category_and_escapes():
    items, errors = parsers.parse_gift(GIFT_GOOD)
    assert errors == []
    single, multi, true_q, false_q, escaped = items
    assert single.kind == "single" and single.title == "Q1 Quốc hội" and single.line == 4
    assert single.text == "Cơ quan nào là cơ quan quyền lực nhà nước cao nhất?"
    assert [o["text"] for o in single.options] == ["Quốc hội", "Chính phủ", "Chủ tịch nước"]
    assert correct_texts(single) == ["Quốc hội"]
    assert multi.kind == "multiple" and correct_texts(multi) == ["Chính phủ", "Ủy ban nhân dân"]
    assert true_q.kind == "true_false" and correct_texts(true_q) == ["Đúng"]
    assert false_q.kind == "true_false" and correct_texts(false_q) == ["Sai"] and false_q.line == 16
    assert escaped.text == "Ký tự đặc biệt 50\\% {a} ~ = # a:b"
    assert [o["text"] for o in escaped.options] == ["Được", "Không = không"]
    assert {i.category_code for i in items} == {"LUAT"}


@pytest.mark.parametrize(
    "question, reason",
    [
        ("Thủ đô của Ấn Độ? {=New Delhi =Delhi}", "trả lời ngắn"),
        ("Ghép: {=Mèo -> Meo =Chó -> Gâu =Bò -> Ò}", "ghép đôi"),
        ("Năm độc lập? {#1945}", "số (numerical"),
        ("Trình bày Luật Cán bộ, công chức.{}", "tự luận"),
        ("Hướng dẫn làm bài, không có đáp án", "mô tả"),
        ("Mặt trời mọc ở hướng {=đông ~tây ~bắc} mỗi ngày.", "điền khuyết"),
    ],
)
def test_gift_unsupported_types_are_rejected_naming_the_line(question, reason):
    text = f"// đầu tệp\n\nCâu hợp lệ? {{=Có ~Không}}\n\n{question}\n"
    items, errors = parsers.parse_gift(text)
    assert len(items) == 1
    assert len(errors) == 1 and errors[0][0] == 5 and reason in errors[0][1]


def test_gift_multichoice_with_one_answer_is_rejected():
    items, errors = parsers.parse_gift("Câu một phương án? {~%100%Hà Nội}\n")
    assert items == [] and errors == [(1, "Câu trắc nghiệm chỉ có 1 phương án; cần ít nhất 2 phương án.")]


def test_gift_unbalanced_braces_are_rejected_at_the_brace():
    text = "Câu một? {\n=Có\n~Không\n\nCâu hai? =Có ~Không}\n\nCâu ba? {=Có ~Không}\n"
    items, errors = parsers.parse_gift(text)
    assert [i.text for i in items] == ["Câu ba?"]
    assert errors[0][0] == 1 and "chưa được đóng" in errors[0][1]
    assert errors[1][0] == 5 and "không cân đối" in errors[1][1]


def test_gift_questions_without_a_blank_line_between_are_rejected():
    items, errors = parsers.parse_gift("Câu một? {=Có ~Không}\nCâu hai? {=Có ~Không}\n")
    assert items == [] and errors[0][0] == 2 and "dòng trống" in errors[0][1]


def test_text_that_is_not_utf8_is_a_file_error():
    with pytest.raises(parsers.BankFileError, match="UTF-8"):
        # Windows-1258, as old Vietnamese Windows editors saved it (tone marks decomposed).
        legacy = "Câu ho\u0309i?\nA. Có\nB. Không\nANSWER: A\n".encode("cp1258")
        parsers.parse(legacy, "aiken")
    with pytest.raises(parsers.BankFileError):
        parsers.parse(b"\n\n", "gift")


# --- Excel -------------------------------------------------------------------------


def test_excel_template_round_trip():
    items, errors = parsers.parse_xlsx(parsers.template_xlsx())
    assert errors == []
    single, multi, true_false = items
    assert single.line == 2 and single.kind == "single" and single.difficulty == 1
    assert single.category_code == "KTQLNN" and single.tags == ["Hiến pháp"]
    assert single.text.startswith("Theo Hiến pháp năm 2013") and correct_texts(single) == ["Quốc hội"]
    assert multi.kind == "multiple" and multi.difficulty == 2
    assert correct_texts(multi) == ["Chính phủ", "Ủy ban nhân dân các cấp"]
    assert true_false.kind == "true_false" and correct_texts(true_false) == ["Đúng"]
    header = [c.value for c in load_workbook(io.BytesIO(parsers.template_xlsx())).active[1]]
    assert header[:4] == ["Chủ đề", "Mức độ", "Loại", "Nội dung"]
    assert header[-3:] == ["Đáp án", "Trọng số (%)", "Thẻ"]
    # The template shows the weight column on its multiple-answer example; the others have none.
    assert [o.get("weight") for o in multi.options] == [50, 50, -100, -100]
    assert all("weight" not in o for o in single.options + true_false.options)


def workbook(*rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([h for _, h, _ in parsers.XLSX_COLUMNS])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_excel_rows_rejected_with_their_row_number():
    data = workbook(
        ["", 3, "", "Câu hợp lệ, mức 3?", "Có", "Không", "", "", "", "", "a", "", "x; y"],
        ["", "Rất khó", "", "Mức độ sai?", "Có", "Không", "", "", "", "", "A", ""],
        ["", "", "Một đáp án", "Một đáp án nhưng hai đáp án đúng?", "Có", "Không", "", "", "", "", "A,B", ""],
        ["", "", "", "Đáp án ngoài phương án?", "Có", "Không", "", "", "", "", "E", ""],
        [],
        ["", "", "", "Bỏ trống phương án B?", "Có", "", "Không", "", "", "", "A", ""],
        ["", "", "Đúng-Sai", "Câu đúng sai không ghi phương án.", "", "", "", "", "", "", "Sai", ""],
    )
    items, errors = parsers.parse_xlsx(data)
    assert [(i.line, i.difficulty, i.tags) for i in items][0] == (2, 3, ["x", "y"])
    assert items[1].line == 8 and items[1].kind == "true_false" and correct_texts(items[1]) == ["Sai"]
    reasons = dict(errors)
    assert sorted(reasons) == [3, 4, 5, 7]
    assert "Rất khó" in reasons[3]
    assert "đúng một đáp án" in reasons[4]
    assert "“E”" in reasons[5]
    assert "Phương án B để trống" in reasons[7]


def test_excel_without_required_columns_is_a_file_error():
    wb = Workbook()
    wb.active.append(["Câu hỏi", "A", "B"])
    buffer = io.BytesIO()
    wb.save(buffer)
    with pytest.raises(parsers.BankFileError, match="Nội dung"):
        parsers.parse_xlsx(buffer.getvalue())
    with pytest.raises(UploadRejected, match="Không đọc được tệp Excel"):
        parsers.parse_xlsx(b"not a workbook")
