"""The question bank: the import's all-or-nothing default and its pending file, versions
that stay as they were once used, the review workflow, and scope. The file formats
themselves are in test_parsers.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments import access, bank, parsers
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
from tests.assessments.test_parsers import AIKEN_BAD, AIKEN_GOOD, GIFT_GOOD

Status = QuestionVersion.Status
API = "/api/v1/assessments/bank"


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
    cast.shared = Category.objects.create(code="CHUNG", name="Kiến thức chung", unit=cast.province)
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
    items, errors = parsers.parse_aiken(AIKEN_GOOD + "\n" + AIKEN_BAD)
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
    items, errors = parsers.parse_aiken(AIKEN_GOOD)
    report = bank.import_items(acting_user=board.board_a, items=items, errors=errors, category=board.law_a)
    assert report.written and Question.objects.count() == 2


def test_item_category_used_when_in_scope_otherwise_the_default_with_a_warning(board):
    gift = "$CATEGORY: $course$/top/TIN-A\n\nCâu tin học? {=Có ~Không}\n\n$CATEGORY: LUAT-B\n\nCâu khác? {=Có ~Không}\n"
    items, errors = parsers.parse_gift(gift)
    report = bank.import_items(acting_user=board.board_a, items=items, errors=errors, category=board.law_a)
    assert report.written
    assert Question.objects.get(versions__text="Câu tin học?").category == board.it_a
    assert Question.objects.get(versions__text="Câu khác?").category == board.law_a  # LUAT-B is commune B's
    assert [w.row for w in report.warnings] == [7] and "LUAT-B" in report.warnings[0].reason


def test_exact_duplicates_are_rejected(board):
    items, errors = parsers.parse_aiken(AIKEN_GOOD)
    bank.import_items(acting_user=board.board_a, items=items, errors=errors, category=board.law_a)
    again, _ = parsers.parse_aiken(AIKEN_GOOD + AIKEN_GOOD)
    report = bank.import_items(acting_user=board.board_a, items=again, category=board.law_a, import_valid=True)
    assert report.created == 0 and len(report.rejected) == 4
    assert all("đã có trong ngân hàng" in r.reason for r in report.rejected)
    assert Question.objects.count() == 2
    report = bank.import_items(acting_user=board.board_a, items=again, category=board.it_a, import_valid=True)
    assert report.created == 2 and [(r.row, r.reason) for r in report.rejected] == [
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
    for wrong in (Status.DRAFT, Status.REVIEWED):
        with pytest.raises(ExamError, match="Không thể chuyển"):
            bank.set_status(acting_user=board.board_a, version=version, status=wrong)
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
    assert not access.questions_for(board.board_b).exists() and access.questions_for(board.hr_a).count() == 1
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
    # Every category has an owner: left out, it is the top of the caller's scope, never
    # the province above them.
    r = client.post(f"{API}/categories", {"code": "NV1", "name": "Của phường"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["unit"] == "P-MC"
    for unit in ("X-DK", "SL"):
        r = client.post(
            f"{API}/categories", {"code": "NV2", "name": "Ngoài", "unit": unit}, content_type="application/json"
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
    assert created["latest"]["options"][1] == {"id": "b", "text": "Ủy ban nhân dân", "correct": True, "weight": None}
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
    assert len(parsers.parse_xlsx(r.content)[0]) == 3


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


def test_import_page_cancel_or_a_new_upload_deletes_the_pending_file(board, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pending = tmp_path / "bank-imports"
    client = login(board.board_a)

    def upload(name: str):
        data = {"format": "aiken", "category": board.law_a.pk, "difficulty": 2}
        return client.post("/bank/import/", {"file": SimpleUploadedFile(name, AIKEN_BAD.encode()), **data})

    page = upload("a.txt").content.decode()
    assert "Hủy và xóa tệp đã tải lên" in page
    first = list(pending.iterdir())
    upload("b.txt")
    second = list(pending.iterdir())
    assert len(first) == len(second) == 1 and first != second

    page = client.post("/bank/import/", {"cancel": "1"}, follow=True).content.decode()
    assert "Đã hủy lần nhập" in page and list(pending.iterdir()) == []
    page = client.post("/bank/import/", {"import_valid": "1"}, follow=True).content.decode()
    assert "Vui lòng chọn tệp câu hỏi" in page and Question.objects.count() == 0


def test_import_page_says_so_when_the_pending_file_was_swept(board, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(board.board_a)
    data = {"format": "aiken", "category": board.law_a.pk, "difficulty": 2}
    client.post("/bank/import/", {"file": SimpleUploadedFile("de.txt", AIKEN_BAD.encode()), **data})
    for path in (tmp_path / "bank-imports").iterdir():
        path.unlink()
    page = client.post("/bank/import/", {"import_valid": "1"}, follow=True).content.decode()
    assert "không còn trên máy chủ" in page and Question.objects.count() == 0


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
    assert r.status_code == 200 and len(parsers.parse_xlsx(r.content)[0]) == 3


def test_a_dry_run_of_the_bank_import_says_what_would_be_added(board, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(board.board_a)
    upload = SimpleUploadedFile("de.gift", GIFT_GOOD.encode())
    data = {"file": upload, "format": "gift", "category": board.law_a.pk, "difficulty": 2, "dry_run": "1"}
    page = client.post("/bank/import/", data).content.decode()
    assert "sẽ thêm 5 câu hỏi" in page and "Chế độ kiểm tra" in page
    assert Question.objects.count() == 0
    page = client.post("/bank/import/", {"import_valid": "1"}).content.decode()
    assert "đã thêm 5 câu hỏi" in page and Question.objects.count() == 5


def test_retiring_asks_first_and_can_be_undone_back_to_the_original_approval(board, login):
    version = approve(board.hr_a, new_question(board.board_a, board.law_a).versions.get())
    client = login(board.board_a)
    url = f"/bank/questions/{version.question_id}/"
    page = client.get(url).content.decode()
    assert 'data-confirm="Ngừng sử dụng phiên bản 1?' in page and "js/confirm." in page
    page = client.post(f"/bank/versions/{version.pk}/status/", {"status": "retired"}, follow=True).content.decode()
    version.refresh_from_db()
    assert version.status == Status.RETIRED and "Khôi phục (hủy ngừng sử dụng)" in page
    page = client.post(f"/bank/versions/{version.pk}/status/", {"status": "approved"}, follow=True).content.decode()
    version.refresh_from_db()
    assert version.status == Status.APPROVED and "Đã khôi phục phiên bản 1" in page
    assert version.approved_by == board.hr_a  # the original approval, not a new one
    assert Question.objects.get(pk=version.question_id).current_id == version.pk
    undo = AuditLog.objects.get(action="bank.version.unretire", object_id=str(version.pk))
    assert undo.user == board.board_a
    # Another unit's exam board cannot undo it (nor see it).
    bank.set_status(acting_user=board.board_a, version=version, status=Status.RETIRED)
    other = login(board.board_b).post(f"/bank/versions/{version.pk}/status/", {"status": "approved"})
    assert other.status_code == 404
    version.refresh_from_db()
    assert version.status == Status.RETIRED


def test_a_retired_version_cannot_come_back_once_a_newer_one_was_approved(board):
    question = new_question(board.board_a, board.law_a)
    v1 = approve(board.hr_a, question.versions.get())
    v1 = bank.set_status(acting_user=board.board_a, version=v1, status=Status.RETIRED)
    v2 = bank.edit_question(
        acting_user=board.board_a,
        question=question,
        text="Cơ quan nào là cơ quan quyền lực nhà nước cao nhất?",
        options=[{"text": "Quốc hội", "correct": True}, {"text": "Chính phủ"}],
        kind="single",
        difficulty=2,
        tags="",
    )
    approve(board.hr_a, v2)
    with pytest.raises(ExamError, match="phiên bản mới hơn"):
        bank.set_status(acting_user=board.board_a, version=v1, status=Status.APPROVED)


def test_the_author_is_warned_when_reviewing_their_own_item_and_it_is_recorded(board, login):
    version = new_question(board.board_a, board.law_a).versions.get()
    url = f"/bank/questions/{version.question_id}/"
    warning = "Bạn là người soạn phiên bản này"
    assert warning in login(board.board_a).get(url).content.decode()
    assert warning not in login(board.hr_a).get(url).content.decode()
    # Still allowed (small offices), and the audit record says who did it.
    login(board.board_a).post(f"/bank/versions/{version.pk}/status/", {"status": "reviewed"})
    version.refresh_from_db()
    assert version.status == Status.REVIEWED and version.reviewed_by == board.board_a
    record = AuditLog.objects.filter(action="bank.version.status", object_id=str(version.pk)).latest("pk")
    assert record.detail["by_author"] is True
    assert warning in login(board.board_a).get(url).content.decode()  # the approval step too


def test_the_api_undoes_a_retirement_too(board, login):
    version = approve(board.hr_a, new_question(board.board_a, board.law_a).versions.get())
    client = login(board.board_a)
    url = f"{API}/questions/{version.question_id}/status"
    retired = client.post(url, {"status": "retired"}, content_type="application/json")
    assert retired.status_code == 200 and retired.json()["latest"]["status"] == "retired"
    back = client.post(url, {"status": "approved"}, content_type="application/json")
    assert back.status_code == 200 and back.json()["latest"]["status"] == "approved"
    wrong = client.post(url, {"status": "draft"}, content_type="application/json")
    assert wrong.status_code == 409
    assert login(board.board_b).post(url, {"status": "retired"}, content_type="application/json").status_code == 404
