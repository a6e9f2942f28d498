"""The exam managers' pages: list, create (settings + blueprint), and the exam page
where candidates are added and papers generated; scope and roles on each."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from assessments import attempts
from assessments.models import Attempt, BlueprintRule, Category, Exam, ExamPart, PaperItem, Question, QuestionVersion
from hr_system.models import AuditLog, Employee

VN = ZoneInfo("Asia/Ho_Chi_Minh")
LIST, NEW = "/assessments/exams/", "/assessments/exams/new/"


def detail(exam: Exam) -> str:
    return f"/assessments/exams/{exam.pk}/"


def approved(category: Category, n: int, difficulty: int = QuestionVersion.Difficulty.MEDIUM) -> None:
    for i in range(n):
        question = Question.objects.create(category=category)
        version = QuestionVersion.objects.create(
            question=question,
            text=f"{category.name} — câu {i + 1} (mức {difficulty})?",
            options=[{"id": "a", "text": "Đúng", "correct": True}, {"id": "b", "text": "Sai", "correct": False}],
            difficulty=difficulty,
            status=QuestionVersion.Status.APPROVED,
        )
        question.current = version
        question.save(update_fields=["current"])


@pytest.fixture
def bank(cast):
    """Commune A's law (3 easy, 4 medium) and IT (2 medium) categories; commune B's own."""
    law = Category.objects.create(code="PL-A", name="Pháp luật (Mộc Châu)", unit=cast.commune_a)
    it = Category.objects.create(code="TH-A", name="Tin học (Mộc Châu)", unit=cast.commune_a)
    other = Category.objects.create(code="PL-B", name="Pháp luật (Đoàn Kết)", unit=cast.commune_b)
    approved(law, 3, QuestionVersion.Difficulty.EASY)
    approved(law, 4, QuestionVersion.Difficulty.MEDIUM)
    approved(it, 2)
    approved(other, 5)
    cast.law, cast.it, cast.other = law, it, other
    return cast


def exam_post(cast, **changes) -> dict:
    data = {
        "title": "Kiểm tra năng lực công chức quý II",
        "unit": cast.commune_a.pk,
        "opens_at": "2030-05-04T08:00",
        "closes_at": "2030-05-04T11:00",
        "time_limit": "45",
        "access_code": "QII-2030",
        "allowed_networks": "10.20.0.7/24\n\n192.168.1.0/24",
        "shuffle_questions": "on",
        "negative_mark": "0.25",
        "floor_at_zero": "on",
        "pass_percent": "50",
        "results_policy": "immediate",
        "layout": "all",
        "part0-title": "Kiến thức chung",
        "part0-pass_percent": "40",
        "part0-rule0-category": cast.law.pk,
        "part0-rule0-difficulty": "1",
        "part0-rule0-count": "2",
        "part0-rule1-category": cast.law.pk,
        "part0-rule1-difficulty": "",
        "part0-rule1-count": "3",
        "part1-title": "Tin học",
        "part1-rule0-category": cast.it.pk,
        "part1-rule0-count": "2",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def make_exam(cast, *, unit=None, count=2, closes_in=dt.timedelta(days=2), title="Thi tuyển viên chức 2030") -> Exam:
    now = timezone.now()
    return attempts.create_exam(
        acting_user=cast.hr_a,
        unit=unit or cast.commune_a,
        title=title,
        opens_at=now + closes_in - dt.timedelta(hours=3),
        closes_at=now + closes_in,
        time_limit=30,
        parts=[{"title": "Pháp luật", "rules": [{"category": cast.law, "difficulty": None, "count": count}]}],
    )


def nothing_written() -> bool:
    return not (
        Exam.objects.exists()
        or ExamPart.objects.exists()
        or BlueprintRule.objects.exists()
        or AuditLog.objects.filter(action="exam.create").exists()
    )


# --- creating an exam -------------------------------------------------------------------


def test_manager_creates_an_exam_through_the_form(bank, login):
    client = login(bank.hr_a)
    r = client.post(NEW, exam_post(bank))
    exam = Exam.objects.get()
    assert r.status_code == 302 and r["Location"] == detail(exam)
    assert exam.title == "Kiểm tra năng lực công chức quý II" and exam.unit == bank.commune_a
    assert exam.opens_at == dt.datetime(2030, 5, 4, 8, 0, tzinfo=VN)
    assert exam.closes_at == dt.datetime(2030, 5, 4, 11, 0, tzinfo=VN)
    assert exam.time_limit == 45
    assert exam.check_access_code("QII-2030") and not exam.check_access_code("khác")
    assert exam.allowed_networks == "10.20.0.0/24\n192.168.1.0/24"
    assert exam.shuffle_questions is True and exam.shuffle_options is False
    assert str(exam.negative_mark) == "0.25" and exam.floor_at_zero is True
    assert exam.results_policy == Exam.Results.IMMEDIATE and exam.layout == Exam.Layout.ALL
    assert exam.created_by == bank.hr_a
    parts = list(exam.parts.order_by("order"))
    assert [(p.title, p.pass_percent) for p in parts] == [("Kiến thức chung", 40), ("Tin học", None)]
    rules = [list(p.rules.order_by("pk").values_list("category__code", "difficulty", "count")) for p in parts]
    assert rules == [[("PL-A", 1, 2), ("PL-A", None, 3)], [("TH-A", None, 2)]]
    assert AuditLog.objects.filter(action="exam.create", object_id=str(exam.pk), user=bank.hr_a).exists()

    page = client.get(detail(exam)).content.decode()
    assert "Kiến thức chung" in page and "Mọi mức độ" in page
    # Approved questions each rule can draw from: 3 easy law ones, 7 law ones at any level, 2 IT.
    assert re.findall(r'data-available="(\d+)"', page) == ["3", "7", "2"]


def test_create_form_offers_only_units_and_categories_in_scope(bank, login):
    page = login(bank.hr_a).get(NEW).content.decode()
    assert "Phường Mộc Châu" in page and "Trường Tiểu học Mộc Châu" in page
    assert "Xã Đoàn Kết" not in page
    assert "Pháp luật (Mộc Châu)" in page and "Pháp luật (Đoàn Kết)" not in page
    assert 'placeholder="dd/mm/yyyy hh:mm"' in page and 'name="part2-rule3-count"' in page


def test_closes_before_opens_is_shown_and_nothing_is_written(bank, login):
    r = login(bank.hr_a).post(NEW, exam_post(bank, closes_at="2030-05-04T07:00"))
    assert r.status_code == 200
    assert "Thời điểm đóng phải sau thời điểm mở." in r.content.decode()
    assert nothing_written()


def test_unknown_category_or_unit_is_refused_and_nothing_is_written(bank, login):
    client = login(bank.hr_a)
    r = client.post(NEW, exam_post(bank, **{"part1-rule0-category": bank.other.pk}))
    assert r.status_code == 200
    assert "Không có chủ đề câu hỏi này trong phạm vi của bạn." in r.content.decode()
    r = client.post(NEW, exam_post(bank, unit=bank.commune_b.pk))
    assert "Không có đơn vị này trong phạm vi bạn quản lý." in r.content.decode()
    assert nothing_written()


@pytest.mark.parametrize(
    "changes, message",
    [
        # Checked by attempts.create_exam, put back on the field or row it names.
        ({"allowed_networks": "mạng nội bộ"}, "không phải là dải địa chỉ IP hợp lệ"),
        ({"part1-title": "", "part0-rule1-count": "0"}, "Phần thi thứ 2 chưa có tên."),
        ({"part0-rule1-category": ""}, "Chọn chủ đề câu hỏi."),
        ({"part2-title": "Kỹ năng"}, "Phần thi thứ 3 chưa có quy tắc chọn câu hỏi."),
        ({"time_limit": "601"}, "nhỏ hơn hoặc bằng với 600"),
        ({"negative_mark": "2"}, "nhỏ hơn hoặc bằng với 1"),
        (
            {"part0-title": "", "part0-pass_percent": "", "part0-rule0-count": "", "part0-rule0-category": ""}
            | {"part0-rule1-category": "", "part0-rule1-count": "", "part1-title": "", "part1-rule0-category": ""}
            | {"part1-rule0-count": ""},
            "Kỳ thi cần ít nhất một phần thi.",
        ),
    ],
)
def test_invalid_settings_or_blueprint_show_vietnamese_errors(bank, login, changes, message):
    r = login(bank.hr_a).post(NEW, exam_post(bank, **changes))
    assert r.status_code == 200
    page = r.content.decode()
    assert "Chưa tạo được kỳ thi" in page and message in page
    assert nothing_written()


def test_errors_of_the_create_action_land_on_the_row_they_name(bank, login, monkeypatch):
    """A create_exam refusal named "parts.1.rules.0.count" is shown in the second part in
    use, first rule, whatever the blank rows between."""
    from assessments.papers import ExamError

    def refuse(**kwargs):
        raise ExamError("Số câu hỏi quá lớn cho chủ đề này.", "parts.1.rules.0.count")

    monkeypatch.setattr(attempts, "create_exam", refuse)
    data = exam_post(bank)
    moved = {k.replace("part1-", "part2-"): v for k, v in data.items() if k.startswith("part1-")}
    data = {k: v for k, v in data.items() if not k.startswith("part1-")} | moved
    page = login(bank.hr_a).post(NEW, data).content.decode()
    third = page.split("Phần 3")[1]
    assert "Số câu hỏi quá lớn cho chủ đề này." in third
    assert "Số câu hỏi quá lớn" not in page.split("Phần 3")[0]
    assert nothing_written()


def test_posts_without_the_csrf_token_are_refused(bank):
    exam = make_exam(bank)
    client = Client(enforce_csrf_checks=True)
    client.force_login(bank.hr_a)
    assert client.post(NEW, exam_post(bank)).status_code == 403
    assert client.post(detail(exam), {"action": "candidates", "codes": "101"}).status_code == 403
    assert Exam.objects.count() == 1 and not exam.attempts.exists()
    assert 'name="csrfmiddlewaretoken"' in client.get(NEW).content.decode()


# --- the list ---------------------------------------------------------------------------


def test_list_page_shows_the_exams_in_scope(bank, login):
    exam = make_exam(bank)
    attempts.add_candidates(acting_user=bank.hr_a, exam=exam, employees=[bank.emp_a, bank.teacher_a])
    make_exam(bank, unit=bank.commune_b, title="Kỳ thi của xã Đoàn Kết")
    page = login(bank.hr_a).get(LIST).content.decode()
    row = page.split(exam.title)[1].split("</tr>")[0]
    opens = timezone.localtime(exam.opens_at, VN).strftime("%d/%m/%Y %H:%M")
    assert opens in row and "Phường Mộc Châu" in row and "30 phút" in row
    assert '<td class="num">2</td>' in row and "Chưa tạo" in row and "Chưa mở" in row
    assert f'href="/assessments/exams/{exam.pk}/monitor/"' in row and f'href="/assessments/results/{exam.pk}/"' in row
    assert f'href="{detail(exam)}"' in page and f'href="{NEW}"' in page
    assert "Kỳ thi của xã Đoàn Kết" not in page


def test_navigation_links_to_the_exams_for_managers_only(bank, login, client):
    assert f'href="{LIST}"' in login(bank.hr_a).get("/").content.decode()
    client.logout()
    assert f'href="{LIST}"' not in login(bank.staff_user).get("/").content.decode()


# --- roles and scope --------------------------------------------------------------------


def test_plain_employee_and_unit_head_are_refused(bank, login, client):
    exam = make_exam(bank)
    for user in (bank.staff_user, bank.head_a):
        client = login(user)
        assert client.get(LIST).status_code == 403
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, exam_post(bank)).status_code == 403
        assert client.get(detail(exam)).status_code == 403
        assert client.post(detail(exam), {"action": "candidates", "codes": "101"}).status_code == 403
        client.logout()
    assert Exam.objects.count() == 1 and not Attempt.objects.exists()
    r = client.get(LIST)
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_commune_hr_cannot_see_or_change_another_communes_exam(bank, login):
    exam = make_exam(bank)
    attempts.add_candidates(acting_user=bank.hr_a, exam=exam, employees=[bank.emp_a])
    client = login(bank.hr_b)
    assert exam.title not in client.get(LIST).content.decode()
    assert client.get(detail(exam)).status_code == 404
    r = client.post(detail(exam), {"action": "candidates", "unit": "X-DK", "include_subunits": "on"})
    assert r.status_code == 404
    assert client.post(detail(exam), {"action": "generate"}).status_code == 404
    assert list(exam.attempts.values_list("employee__code", flat=True)) == ["101"]
    assert not PaperItem.objects.exists()


def test_hr_cannot_add_employees_outside_their_scope(bank, login):
    exam = make_exam(bank)
    client = login(bank.hr_a)
    r = client.post(detail(exam), {"action": "candidates", "unit": "X-DK", "include_subunits": "on"})
    assert r.status_code == 200 and "Không có đơn vị này trong phạm vi bạn quản lý." in r.content.decode()
    # Commune B's civil servant is not picked by category either.
    client.post(detail(exam), {"action": "candidates", "category": "civil_servant", "active_only": "on"})
    assert set(exam.attempts.values_list("employee__code", flat=True)) == {"101"}
    # An existing code of another commune reads exactly like an unknown one.
    r = client.post(detail(exam), {"action": "candidates", "codes": "201\n999"})
    page = r.content.decode()
    assert "Dòng 1: không tìm thấy cán bộ có mã 201 trong phạm vi bạn quản lý." in page
    assert "Dòng 2: không tìm thấy cán bộ có mã 999 trong phạm vi bạn quản lý." in page
    assert "Cầm Văn Đức" not in page
    r = client.post(detail(exam), {"action": "candidates", "codes": "201", "add_valid": "on"})
    assert set(exam.attempts.values_list("employee__code", flat=True)) == {"101"}


# --- candidates -------------------------------------------------------------------------


def test_add_candidates_by_unit_with_or_without_sub_units(bank, login):
    exam = make_exam(bank)
    client = login(bank.hr_a)
    r = client.post(detail(exam), {"action": "candidates", "unit": "P-MC", "active_only": "on"})
    assert r.status_code == 302 and not exam.attempts.exists()  # nobody sits directly in the ward
    client.post(detail(exam), {"action": "candidates", "unit": "P-MC-TH", "active_only": "on"})
    assert set(exam.attempts.values_list("employee__code", flat=True)) == {"102"}
    r = client.post(
        detail(exam),
        {"action": "candidates", "unit": "P-MC", "include_subunits": "on", "active_only": "on"},
        follow=True,
    )
    assert set(exam.attempts.values_list("employee__code", flat=True)) == {"101", "102"}
    page = r.content.decode()
    assert "Đã thêm 1 thí sinh mới; 1 người đã có tên" in page
    assert "Nguyễn Văn An" in page.split('id="candidates"')[1]
    assert AuditLog.objects.filter(action="exam.candidates_added", object_id=str(exam.pk)).count() == 3


def test_add_candidates_by_staff_category_skips_those_who_left(bank, login):
    Employee.objects.create(
        code="103",
        full_name="Hà Văn Nghỉ",
        unit=bank.office_a,
        category=Employee.Category.CIVIL_SERVANT,
        leave_date=dt.date(2020, 1, 1),
    )
    exam = make_exam(bank)
    client = login(bank.hr_a)
    client.post(detail(exam), {"action": "candidates", "category": "public_employee", "active_only": "on"})
    assert set(exam.attempts.values_list("employee__code", flat=True)) == {"102"}
    client.post(detail(exam), {"action": "candidates", "category": "civil_servant", "active_only": "on"})
    assert set(exam.attempts.values_list("employee__code", flat=True)) == {"101", "102"}


def test_code_list_with_a_bad_line_adds_nothing_unless_asked(bank, login):
    exam = make_exam(bank)
    client = login(bank.hr_a)
    codes = "101\t Nguyễn Văn An\n\nabc\n102\n999\n101, 102\n"
    r = client.post(detail(exam), {"action": "candidates", "codes": codes, "active_only": "on"})
    page = r.content.decode()
    assert r.status_code == 200 and "Có 3 dòng không dùng được nên chưa thêm thí sinh nào." in page
    assert "Dòng 3: “abc” không phải là mã chấm công" in page
    assert "Dòng 6: “101, 102” không phải là mã chấm công" in page
    assert "Dòng 5: không tìm thấy cán bộ có mã 999" in page and "Dòng 1:" not in page
    assert not exam.attempts.exists()

    r = client.post(
        detail(exam), {"action": "candidates", "codes": codes, "active_only": "on", "add_valid": "on"}, follow=True
    )
    assert set(exam.attempts.values_list("employee__code", flat=True)) == {"101", "102"}
    page = r.content.decode()
    assert "Đã thêm 2 thí sinh mới" in page and "Đã bỏ qua 3 dòng" in page


def test_code_outside_the_chosen_unit_is_reported_by_line(bank, login):
    exam = make_exam(bank)
    r = login(bank.hr_a).post(detail(exam), {"action": "candidates", "unit": "P-MC-UB", "codes": "101\n102"})
    assert "Dòng 2: Lò Thị Hương (102) không thuộc đơn vị hoặc loại cán bộ đã chọn." in r.content.decode()
    assert not exam.attempts.exists()


def test_candidate_form_needs_a_filter_and_an_open_exam(bank, login):
    exam = make_exam(bank)
    client = login(bank.hr_a)
    r = client.post(detail(exam), {"action": "candidates", "active_only": "on"})
    assert "Chọn đơn vị, loại cán bộ hoặc nhập danh sách mã chấm công." in r.content.decode()
    Exam.objects.filter(pk=exam.pk).update(
        opens_at=timezone.now() - dt.timedelta(hours=3), closes_at=timezone.now() - dt.timedelta(hours=1)
    )
    r = client.post(detail(exam), {"action": "candidates", "codes": "101"})
    assert r.status_code == 200 and "Kỳ thi đã đóng; không thể bổ sung thí sinh." in r.content.decode()
    assert not exam.attempts.exists()


# --- papers -----------------------------------------------------------------------------


def test_generate_papers_button_creates_papers(bank, login):
    exam = make_exam(bank, count=3)
    attempts.add_candidates(acting_user=bank.hr_a, exam=exam, employees=[bank.emp_a, bank.teacher_a])
    r = login(bank.hr_a).post(detail(exam), {"action": "generate"}, follow=True)
    assert "Đã tạo đề cho 2 thí sinh." in r.content.decode()
    assert PaperItem.objects.filter(attempt__exam=exam).count() == 6
    exam.refresh_from_db()
    assert exam.papers_generated_at is not None
    assert "0 người chưa có đề." in r.content.decode()


def test_generate_refuses_a_blueprint_larger_than_the_bank(bank, login):
    exam = make_exam(bank, count=8)  # 7 approved law questions
    attempts.add_candidates(acting_user=bank.hr_a, exam=exam, employees=[bank.emp_a])
    client = login(bank.hr_a)
    page = client.get(detail(exam)).content.decode()
    assert "không đủ" in page and "Ngân hàng chưa đủ câu hỏi đã phê duyệt" in page
    r = client.post(detail(exam), {"action": "generate"}, follow=True)
    assert "Không đủ câu hỏi đã phê duyệt cho phần “Pháp luật”" in r.content.decode()
    exam.refresh_from_db()
    assert exam.papers_generated_at is None and not PaperItem.objects.exists()


def test_generate_without_candidates_writes_nothing(bank, login):
    exam = make_exam(bank)
    r = login(bank.hr_a).post(detail(exam), {"action": "generate"}, follow=True)
    assert "Kỳ thi chưa có thí sinh" in r.content.decode()
    exam.refresh_from_db()
    assert exam.papers_generated_at is None
    assert not AuditLog.objects.filter(action="exam.papers_generated").exists()
