"""The question bank: Aiken/GIFT/Excel import rules, the import's all-or-nothing
default, versions that stay as they were once used, the review workflow, and scope."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from assessments import bank
from assessments.models import (
    Attempt,
    BlueprintRule,
    Category,
    Exam,
    ExamPart,
    PaperItem,
    Question,
    QuestionVersion,
)
from assessments.papers import ExamError, approved_pool
from hr_system.models import AuditLog, Role

Status = QuestionVersion.Status
API = "/api/v1/assessments/bank"


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
    items, errors = bank.parse_aiken(AIKEN_GOOD)
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
    items, errors = bank.parse(data, "aiken")
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
    items, errors = bank.parse_aiken(AIKEN_BAD)
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
    items, errors = bank.parse_aiken("Câu hỏi?\nA. Một\nC. Ba\nANSWER: C\n")
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
    items, errors = bank.parse_gift(GIFT_GOOD)
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
    items, errors = bank.parse_gift(text)
    assert len(items) == 1
    assert len(errors) == 1 and errors[0][0] == 5 and reason in errors[0][1]


def test_gift_multichoice_with_one_answer_is_rejected():
    items, errors = bank.parse_gift("Câu một phương án? {~%100%Hà Nội}\n")
    assert items == [] and errors == [(1, "Câu trắc nghiệm chỉ có 1 phương án; cần ít nhất 2 phương án.")]


def test_gift_unbalanced_braces_are_rejected_at_the_brace():
    text = "Câu một? {\n=Có\n~Không\n\nCâu hai? =Có ~Không}\n\nCâu ba? {=Có ~Không}\n"
    items, errors = bank.parse_gift(text)
    assert [i.text for i in items] == ["Câu ba?"]
    assert errors[0][0] == 1 and "chưa được đóng" in errors[0][1]
    assert errors[1][0] == 5 and "không cân đối" in errors[1][1]


def test_gift_questions_without_a_blank_line_between_are_rejected():
    items, errors = bank.parse_gift("Câu một? {=Có ~Không}\nCâu hai? {=Có ~Không}\n")
    assert items == [] and errors[0][0] == 2 and "dòng trống" in errors[0][1]


def test_text_that_is_not_utf8_is_a_file_error():
    with pytest.raises(bank.BankFileError, match="UTF-8"):
        # Windows-1258, as old Vietnamese Windows editors saved it (tone marks decomposed).
        legacy = "Câu ho\u0309i?\nA. Có\nB. Không\nANSWER: A\n".encode("cp1258")
        bank.parse(legacy, "aiken")
    with pytest.raises(bank.BankFileError):
        bank.parse(b"\n\n", "gift")


# --- Excel -------------------------------------------------------------------------


def test_excel_template_round_trip():
    items, errors = bank.parse_xlsx(bank.template_xlsx())
    assert errors == []
    single, multi, true_false = items
    assert single.line == 2 and single.kind == "single" and single.difficulty == 1
    assert single.category_code == "KTQLNN" and single.tags == ["Hiến pháp"]
    assert single.text.startswith("Theo Hiến pháp năm 2013") and correct_texts(single) == ["Quốc hội"]
    assert multi.kind == "multiple" and multi.difficulty == 2
    assert correct_texts(multi) == ["Chính phủ", "Ủy ban nhân dân các cấp"]
    assert true_false.kind == "true_false" and correct_texts(true_false) == ["Đúng"]
    header = [c.value for c in load_workbook(io.BytesIO(bank.template_xlsx())).active[1]]
    assert header[:4] == ["Chủ đề", "Mức độ", "Loại", "Nội dung"] and header[-2:] == ["Đáp án", "Thẻ"]


def workbook(*rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([h for _, h, _ in bank.XLSX_COLUMNS])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_excel_rows_rejected_with_their_row_number():
    data = workbook(
        ["", 3, "", "Câu hợp lệ, mức 3?", "Có", "Không", "", "", "", "", "a", "x; y"],
        ["", "Rất khó", "", "Mức độ sai?", "Có", "Không", "", "", "", "", "A", ""],
        ["", "", "Một đáp án", "Một đáp án nhưng hai đáp án đúng?", "Có", "Không", "", "", "", "", "A,B", ""],
        ["", "", "", "Đáp án ngoài phương án?", "Có", "Không", "", "", "", "", "E", ""],
        [],
        ["", "", "", "Bỏ trống phương án B?", "Có", "", "Không", "", "", "", "A", ""],
        ["", "", "Đúng-Sai", "Câu đúng sai không ghi phương án.", "", "", "", "", "", "", "Sai", ""],
    )
    items, errors = bank.parse_xlsx(data)
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
    with pytest.raises(bank.BankFileError, match="Nội dung"):
        bank.parse_xlsx(buffer.getvalue())
    with pytest.raises(bank.BankFileError):
        bank.parse_xlsx(b"not a workbook")


# --- fixtures for the database tests ------------------------------------------------


@pytest.fixture
def board(cast):
    """Exam-board members of communes A and B, and categories of A, B and shared."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    cast.board_a = User.objects.create_user("board_a", password="x")
    Role.objects.create(user=cast.board_a, kind=Role.Kind.EXAM_BOARD, unit=cast.commune_a)
    cast.board_b = User.objects.create_user("board_b", password="x")
    Role.objects.create(user=cast.board_b, kind=Role.Kind.EXAM_BOARD, unit=cast.commune_b)
    cast.law_a = Category.objects.create(code="LUAT-A", name="Pháp luật (Mộc Châu)", unit=cast.commune_a)
    cast.it_a = Category.objects.create(code="TIN-A", name="Tin học (Mộc Châu)", unit=cast.commune_a)
    cast.law_b = Category.objects.create(code="LUAT-B", name="Pháp luật (Đoàn Kết)", unit=cast.commune_b)
    cast.shared = Category.objects.create(code="CHUNG", name="Kiến thức chung")
    return cast


def new_question(user, category, text="Cơ quan quyền lực nhà nước cao nhất?", **extra) -> Question:
    fields = {
        "kind": "single",
        "options": [{"text": "Quốc hội", "correct": True}, {"text": "Chính phủ", "correct": False}],
        "difficulty": 2,
        "tags": ["Hiến pháp"],
    }
    fields.update(extra)
    return bank.create_question(acting_user=user, category=category, text=text, **fields)


def approve(user, version) -> QuestionVersion:
    bank.set_status(acting_user=user, version=version, status=Status.REVIEWED)
    return bank.set_status(acting_user=user, version=version, status=Status.APPROVED)


def put_on_paper(cast, version) -> PaperItem:
    now = timezone.now()
    exam = Exam.objects.create(
        title="Kiểm tra năng lực 2026", unit=cast.commune_a, opens_at=now, closes_at=now + dt.timedelta(hours=1)
    )
    part = ExamPart.objects.create(exam=exam, title="Phần 1")
    attempt = Attempt.objects.create(exam=exam, employee=cast.emp_a)
    return PaperItem.objects.create(attempt=attempt, position=1, part=part, version=version, option_order=["a", "b"])


# --- import writes ------------------------------------------------------------------


def test_nothing_written_with_rejections_unless_import_valid(board):
    items, errors = bank.parse_aiken(AIKEN_GOOD + "\n" + AIKEN_BAD)
    assert len(items) == 3 and len(errors) == 5

    report = bank.import_items(
        acting_user=board.board_a, items=items, errors=errors, category=board.law_a, difficulty=3
    )
    assert (report.created, len(report.rejected), report.written) == (3, 5, False)
    assert report.as_dict()["rejected"][0] == {"line": 1 + AIKEN_GOOD.count("\n") + 1, "reason": errors[0][1]}
    assert Question.objects.count() == 0

    report = bank.import_items(
        acting_user=board.board_a, items=items, errors=errors, category=board.law_a, import_valid=True, dry_run=True
    )
    assert not report.written and Question.objects.count() == 0

    report = bank.import_items(
        acting_user=board.board_a, items=items, errors=errors, category=board.law_a, difficulty=3, import_valid=True
    )
    assert report.written and Question.objects.filter(category=board.law_a).count() == 3
    versions = QuestionVersion.objects.all()
    assert {v.status for v in versions} == {Status.DRAFT} and {v.difficulty for v in versions} == {3}
    assert {v.author for v in versions} == {board.board_a} and {v.number for v in versions} == {1}
    assert AuditLog.objects.filter(action="bank.import", user=board.board_a, detail__created=3).exists()


def test_clean_file_is_written_without_asking(board):
    items, errors = bank.parse_aiken(AIKEN_GOOD)
    report = bank.import_items(acting_user=board.board_a, items=items, errors=errors, category=board.law_a)
    assert report.written and Question.objects.count() == 2


def test_item_category_used_when_in_scope_otherwise_the_default_with_a_warning(board):
    gift = "$CATEGORY: $course$/top/TIN-A\n\nCâu tin học? {=Có ~Không}\n\n$CATEGORY: LUAT-B\n\nCâu khác? {=Có ~Không}\n"
    items, errors = bank.parse_gift(gift)
    report = bank.import_items(acting_user=board.board_a, items=items, errors=errors, category=board.law_a)
    assert report.written
    assert Question.objects.get(versions__text="Câu tin học?").category == board.it_a
    assert Question.objects.get(versions__text="Câu khác?").category == board.law_a  # LUAT-B is commune B's
    assert [w.line for w in report.warnings] == [7] and "LUAT-B" in report.warnings[0].reason


def test_exact_duplicates_are_rejected(board):
    items, errors = bank.parse_aiken(AIKEN_GOOD)
    bank.import_items(acting_user=board.board_a, items=items, errors=errors, category=board.law_a)
    again, _ = bank.parse_aiken(AIKEN_GOOD + AIKEN_GOOD)
    report = bank.import_items(acting_user=board.board_a, items=again, category=board.law_a, import_valid=True)
    assert report.created == 0 and len(report.rejected) == 4
    assert all("đã có trong ngân hàng" in r.reason for r in report.rejected)
    assert Question.objects.count() == 2
    report = bank.import_items(acting_user=board.board_a, items=again, category=board.it_a, import_valid=True)
    assert report.created == 2 and [(r.line, r.reason) for r in report.rejected] == [
        (10, "Trùng với câu ở dòng 1."),
        (15, "Trùng với câu ở dòng 6."),
    ]


# --- versions ------------------------------------------------------------------------


def test_editing_an_item_on_a_paper_creates_version_2_and_the_paper_keeps_version_1(board):
    question = new_question(board.board_a, board.law_a)
    v1 = question.versions.get()
    paper_item = put_on_paper(board, v1)

    v2 = bank.edit_question(
        acting_user=board.board_a,
        question=question,
        text="Theo Hiến pháp 2013, cơ quan quyền lực nhà nước cao nhất là?",
        options=v1.options,
        kind="single",
        difficulty=2,
        tags="Hiến pháp",
    )
    assert (v2.number, v2.status) == (2, Status.DRAFT)
    paper_item.refresh_from_db()
    v1.refresh_from_db()
    assert paper_item.version_id == v1.pk
    assert v1.text == "Cơ quan quyền lực nhà nước cao nhất?" and v1.number == 1
    assert question.versions.count() == 2


def test_editing_an_approved_version_creates_a_new_draft_and_keeps_it_current(board):
    question = new_question(board.board_a, board.law_a)
    v1 = approve(board.board_a, question.versions.get())
    v2 = bank.edit_question(
        acting_user=board.board_a,
        question=question,
        text=v1.text,
        options=[{"text": "Quốc hội", "correct": True}, {"text": "Chính phủ"}, {"text": "Tòa án"}],
        kind="single",
        difficulty=3,
        tags="",
    )
    question.refresh_from_db()
    v1.refresh_from_db()
    assert v2.number == 2 and question.current_id == v1.pk
    assert v1.status == Status.APPROVED and len(v1.options) == 2 and v1.difficulty == 2


def test_editing_an_unused_draft_changes_it_in_place_and_a_review_is_undone(board):
    question = new_question(board.board_a, board.law_a)
    version = bank.set_status(acting_user=board.board_a, version=question.versions.get(), status=Status.REVIEWED)
    same = bank.edit_question(
        acting_user=board.board_a,
        question=question,
        text="Nội dung đã sửa?",
        options=version.options,
        kind="single",
        difficulty=2,
        tags="Hiến pháp",
    )
    assert same.pk == version.pk and question.versions.count() == 1
    same.refresh_from_db()
    assert same.text == "Nội dung đã sửa?" and same.status == Status.DRAFT and same.reviewed_by is None


def test_invalid_content_is_refused_by_the_model_rules(board):
    with pytest.raises(ExamError, match="đúng một phương án đúng"):
        new_question(
            board.board_a,
            board.law_a,
            options=[{"text": "Có", "correct": True}, {"text": "Không", "correct": True}],
        )
    with pytest.raises(ExamError, match="ít nhất hai"):
        new_question(board.board_a, board.law_a, options=[{"text": "Có", "correct": True}, {"text": " "}])
    assert Question.objects.count() == 0


# --- workflow ------------------------------------------------------------------------


def test_status_workflow_is_enforced_and_people_recorded(board):
    question = new_question(board.board_a, board.law_a)
    version = question.versions.get()
    for wrong in (Status.APPROVED, Status.RETIRED, Status.DRAFT):
        with pytest.raises(ExamError, match="Không thể chuyển"):
            bank.set_status(acting_user=board.board_a, version=version, status=wrong)
    bank.set_status(acting_user=board.hr_a, version=version, status=Status.REVIEWED)
    question.refresh_from_db()
    assert question.current_id is None
    with pytest.raises(ExamError):
        bank.set_status(acting_user=board.board_a, version=version, status=Status.RETIRED)
    version = bank.set_status(acting_user=board.board_a, version=version, status=Status.APPROVED)
    question.refresh_from_db()
    assert question.current_id == version.pk
    assert (version.author, version.reviewed_by, version.approved_by) == (board.board_a, board.hr_a, board.board_a)
    version = bank.set_status(acting_user=board.board_a, version=version, status=Status.RETIRED)
    with pytest.raises(ExamError):
        bank.set_status(acting_user=board.board_a, version=version, status=Status.APPROVED)
    assert AuditLog.objects.filter(action="bank.version.status", object_id=str(version.pk)).count() == 3


def test_only_current_approved_versions_reach_the_pool(board):
    draft = new_question(board.board_a, board.law_a, "Câu nháp?").versions.get()
    reviewed = new_question(board.board_a, board.law_a, "Câu đã thẩm định?").versions.get()
    bank.set_status(acting_user=board.board_a, version=reviewed, status=Status.REVIEWED)
    approved = approve(board.board_a, new_question(board.board_a, board.law_a, "Câu đã duyệt?").versions.get())
    retired = approve(board.board_a, new_question(board.board_a, board.law_a, "Câu ngừng dùng?").versions.get())
    bank.set_status(acting_user=board.board_a, version=retired, status=Status.RETIRED)
    edited_q = new_question(board.board_a, board.law_a, "Câu đang sửa?")
    edited_v1 = approve(board.board_a, edited_q.versions.get())
    edited_v2 = bank.edit_question(
        acting_user=board.board_a,
        question=edited_q,
        text="Câu đang sửa, bản 2?",
        options=edited_v1.options,
        kind="single",
        difficulty=2,
        tags="",
    )
    superseded_q = new_question(board.board_a, board.law_a, "Câu đã thay?")
    superseded = approve(board.board_a, superseded_q.versions.get())
    replacement = bank.edit_question(
        acting_user=board.board_a,
        question=superseded_q,
        text="Câu đã thay, bản 2?",
        options=superseded.options,
        kind="single",
        difficulty=2,
        tags="",
    )
    approve(board.board_a, replacement)
    exam = put_on_paper(board, approved).attempt.exam
    rule = BlueprintRule.objects.create(part=exam.parts.get(), category=board.law_a, count=1)
    pool = approved_pool([rule])
    ids = {version_id for version_id, _ in pool[(board.law_a.pk, None)]}
    assert ids == {approved.pk, edited_v1.pk, replacement.pk}
    assert not ids & {draft.pk, reviewed.pk, retired.pk, edited_v2.pk, superseded.pk}


# --- scope and the HTTP API ----------------------------------------------------------


def test_exam_board_of_commune_b_cannot_see_commune_a(board, login):
    question = new_question(board.board_a, board.law_a)
    client = login(board.board_b)
    codes = {c["code"] for c in client.get(f"{API}/categories").json()["items"]}
    assert codes == {"LUAT-B", "CHUNG"}
    assert client.get(f"{API}/questions").json()["count"] == 0
    r = client.get(f"{API}/questions/{question.pk}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.post(
        f"{API}/questions",
        {"category": board.law_a.pk, "text": "Câu?", "options": [{"text": "Có", "correct": True}, {"text": "Không"}]},
        content_type="application/json",
    )
    assert r.status_code == 422 and "category" in r.json()["error"]["fields"]
    r = client.post(f"{API}/questions/{question.pk}/status", {"status": "reviewed"}, content_type="application/json")
    assert r.status_code == 404
    assert not bank.questions_for(board.board_b).exists() and bank.questions_for(board.hr_a).count() == 1
    with pytest.raises(ExamError):
        bank.set_status(acting_user=board.board_b, version=question.versions.get(), status=Status.REVIEWED)


def test_plain_employee_gets_403_from_the_bank(board, login):
    question = new_question(board.board_a, board.law_a)
    client = login(board.staff_user)
    for r in (
        client.get(f"{API}/categories"),
        client.get(f"{API}/questions"),
        client.get(f"{API}/questions/{question.pk}"),
        client.get(f"{API}/template.xlsx"),
        client.post(f"{API}/questions/{question.pk}/status", {"status": "reviewed"}, content_type="application/json"),
        client.post(f"{API}/import", {"file": SimpleUploadedFile("a.txt", AIKEN_GOOD.encode()), "format": "aiken"}),
    ):
        assert r.status_code == 403, r.content
        assert r.json()["error"]["code"] == "forbidden"
    assert client.get("/bank/").status_code == 403
    assert client.get(f"/bank/questions/{question.pk}/").status_code == 403
    assert client.get("/bank/import/").status_code == 403


def test_api_question_lifecycle_with_filters_and_correct_flags(board, login):
    client = login(board.board_a)
    r = client.post(
        f"{API}/categories", {"code": "NV", "name": "Nghiệp vụ", "unit": "P-MC"}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["unit"] == "P-MC"
    category = r.json()["id"]
    r = client.post(f"{API}/categories", {"code": "NV2", "name": "Dùng chung"}, content_type="application/json")
    assert r.status_code == 422 and "unit" in r.json()["error"]["fields"]
    r = client.post(
        f"{API}/categories", {"code": "NV2", "name": "Ngoài", "unit": "X-DK"}, content_type="application/json"
    )
    assert r.status_code == 422 and "unit" in r.json()["error"]["fields"]
    r = client.post(
        f"{API}/categories", {"code": "a/b", "name": "Sai mã", "unit": "P-MC"}, content_type="application/json"
    )
    assert r.status_code == 422 and "code" in r.json()["error"]["fields"]

    body = {
        "category": category,
        "kind": "multiple",
        "text": "Những cơ quan nào là cơ quan hành chính nhà nước?",
        "options": [
            {"text": "Chính phủ", "correct": True},
            {"text": "Ủy ban nhân dân", "correct": True},
            {"text": "Hội đồng nhân dân", "correct": False},
        ],
        "difficulty": 3,
        "tags": ["Bộ máy nhà nước"],
    }
    r = client.post(f"{API}/questions", body, content_type="application/json")
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["latest"]["options"][1] == {"id": "b", "text": "Ủy ban nhân dân", "correct": True}
    assert created["latest"]["status"] == "draft" and created["latest"]["author"] == "board_a"
    qid = created["id"]
    other = new_question(board.board_a, board.law_a, "Câu khác?")

    def ids(**params):
        return [q["id"] for q in client.get(f"{API}/questions", params).json()["items"]]

    assert ids(difficulty=3) == [qid]
    assert ids(tag="bộ máy nhà nước") == [qid] and ids(tag="Bộ máy") == []
    assert ids(q="hành chính") == [qid] and ids(category=board.law_a.pk) == [other.pk]
    assert ids(status="approved") == []

    r = client.post(f"{API}/questions/{qid}/status", {"status": "approved"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    client.post(f"{API}/questions/{qid}/status", {"status": "reviewed"}, content_type="application/json")
    r = client.post(f"{API}/questions/{qid}/status", {"status": "approved"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["current_version"] == r.json()["latest"]["id"]
    assert ids(status="approved") == [qid]

    r = client.patch(f"{API}/questions/{qid}", {"difficulty": 2}, content_type="application/json")
    assert r.status_code == 200
    detail = r.json()
    assert [v["number"] for v in detail["versions"]] == [1, 2]
    assert detail["versions"][0]["status"] == "approved" and detail["versions"][0]["difficulty"] == 3
    assert detail["latest"]["status"] == "draft" and detail["latest"]["difficulty"] == 2
    r = client.patch(f"{API}/questions/{qid}", {"extra": 1}, content_type="application/json")
    assert r.status_code == 422


def test_api_import_reports_rejected_lines_and_writes_only_when_asked(board, login):
    client = login(board.board_a)

    def post(**extra):
        data = {
            "file": SimpleUploadedFile("de.txt", (AIKEN_GOOD + "\n" + AIKEN_BAD).encode("utf-8-sig")),
            "format": "aiken",
            "category": board.law_a.pk,
            "difficulty": 1,
        }
        data.update(extra)
        return client.post(f"{API}/import", data)

    r = post()
    assert r.status_code == 200, r.content
    report = r.json()
    assert (report["total"], report["created"], report["written"], report["dry_run"]) == (8, 3, False, False)
    assert [x["line"] for x in report["rejected"]] == [11, 18, 23, 25, 33]
    assert Question.objects.count() == 0
    assert post(import_valid=True, dry_run=True).json()["written"] is False
    r = post(import_valid=True)
    assert r.json()["written"] is True and Question.objects.count() == 3
    assert set(QuestionVersion.objects.values_list("difficulty", flat=True)) == {1}

    r = post(category=board.law_b.pk)
    assert r.status_code == 422 and "category" in r.json()["error"]["fields"]
    r = post(format="qti")
    assert r.status_code == 422
    r = client.post(f"{API}/import", {"file": SimpleUploadedFile("x.xlsx", b"junk"), "format": "xlsx"})
    assert r.status_code == 422 and "file" in r.json()["error"]["fields"]

    r = client.get(f"{API}/template.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(bank.parse_xlsx(r.content)[0]) == 3


# --- pages -------------------------------------------------------------------------


def test_import_page_keeps_the_file_and_imports_valid_items_on_request(board, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(board.board_a)
    upload = SimpleUploadedFile("de.gift", GIFT_GOOD.encode() + b"\n\nNgoac thieu {=a ~b\n")
    r = client.post("/bank/import/", {"file": upload, "format": "gift", "category": board.law_a.pk, "difficulty": 2})
    assert r.status_code == 200
    page = r.content.decode()
    assert "CHƯA ghi câu hỏi nào" in page and "Nhập các câu hợp lệ" in page and "chưa được đóng" in page
    assert Question.objects.count() == 0

    r = client.post("/bank/import/", {"import_valid": "1"})
    assert r.status_code == 200 and "Đã ghi vào ngân hàng" in r.content.decode()
    assert Question.objects.filter(category=board.law_a).count() == 5
    assert list(tmp_path.joinpath("bank-imports").iterdir()) == []


def test_pages_create_list_edit_and_approve(board, login):
    client = login(board.board_a)
    r = client.post(
        "/bank/questions/new/",
        {
            "category": board.law_a.pk,
            "kind": "single",
            "difficulty": 1,
            "text": "Ai ban hành Nghị định?",
            "option_A": "Chính phủ",
            "correct_A": "on",
            "option_B": "Quốc hội",
            "tags": "Văn bản",
        },
    )
    assert r.status_code == 302
    question = Question.objects.get()
    version = question.versions.get()
    assert version.correct_ids() == {"a"} and version.text == "Ai ban hành Nghị định?"

    page = client.get("/bank/?status=draft").content.decode()
    assert "Ai ban hành Nghị định?" in page and "Bản nháp" in page
    assert "Ai ban hành" not in client.get("/bank/?status=approved").content.decode()

    detail = client.get(f"/bank/questions/{question.pk}/").content.decode()
    assert "Xác nhận đã thẩm định</button>" in detail and "Phê duyệt</button>" not in detail
    client.post(f"/bank/versions/{version.pk}/status/", {"status": "reviewed"})
    r = client.post(f"/bank/versions/{version.pk}/status/", {"status": "approved"})
    assert r.status_code == 302
    question.refresh_from_db()
    assert question.current_id == version.pk

    r = client.post(
        f"/bank/questions/{question.pk}/edit/",
        {
            "kind": "single",
            "difficulty": 1,
            "text": "Ai ban hành Nghị định?",
            "option_A": "Chính phủ",
            "option_B": "Quốc hội",
        },
    )
    assert r.status_code == 200 and "ít nhất một đáp án đúng" in r.content.decode()
    assert question.versions.count() == 1
    board_b_page = login(board.board_b).get(f"/bank/questions/{question.pk}/")
    assert board_b_page.status_code == 404


def test_bank_pages_render_within_scope(board, login):
    question = new_question(board.board_a, board.law_a)
    client = login(board.board_a)
    form = client.get("/bank/questions/new/").content.decode()
    assert "Pháp luật (Mộc Châu)" in form and "Pháp luật (Đoàn Kết)" not in form
    edit = client.get(f"/bank/questions/{question.pk}/edit/").content.decode()
    assert "Cơ quan quyền lực nhà nước cao nhất?" in edit and 'value="Quốc hội"' in edit
    categories = client.get("/bank/categories/").content.decode()
    assert "LUAT-A" in categories and "LUAT-B" not in categories
    assert "Aiken" in client.get("/bank/import/").content.decode()
    r = client.post("/bank/categories/", {"code": "KN", "name": "Kỹ năng", "unit": "P-MC"})
    assert r.status_code == 302 and Category.objects.get(code="KN").unit == board.commune_a
    r = client.post("/bank/categories/", {"code": "KN2", "name": "Kỹ năng", "unit": "X-DK"})
    assert r.status_code == 200 and not Category.objects.filter(code="KN2").exists()
    r = client.get("/bank/import/template.xlsx")
    assert r.status_code == 200 and len(bank.parse_xlsx(r.content)[0]) == 3
