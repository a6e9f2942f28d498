"""Issue 15's "done when", in a real browser against gunicorn with DEBUG off.

First test: a sitting (ca thi) from its set-up to a granted re-marking — the exam board
creates the sitting on its page with a programmed start, the proctor checks candidates
in at the door, one candidate starts on time, one enters late with less time, one is
refused after the late-entry limit, the proctor moves a candidate to another computer
with time restored, ends the sitting and downloads the signing list, the board seals
the sitting (then `verify_sittings` finds it intact), publishes, and grants a
candidate's re-marking request.

Second test: weighted GIFT questions written by an author outside the engine, imported
through the bank's import page, reviewed and approved on the question pages, scored
under partial credit as their author meant."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from assessments import attempts, papers, results, sittings
from assessments.models import Attempt, Category, Exam, Question, RemarkRequest, Sitting
from hr_system.models import Employee, Role
from tests.assessments.test_attempts import attempt_of, build_exam
from tests.browser.test_sittings_browser import clock_seconds
from tests.conftest import PASSWORD

GIFT = Path(__file__).resolve().parents[1] / "data" / "gift_weighted_independent_author.txt"


def elapse(sitting: Sitting, delta: dt.timedelta) -> None:
    """Stand in for `delta` of waiting: move the sitting and its started clocks back by
    `delta` (a direct DB update, so the test does not sleep through minutes)."""
    Sitting.objects.filter(pk=sitting.pk).update(starts_at=sitting.starts_at - delta, ends_at=sitting.ends_at - delta)
    for a in Attempt.objects.filter(sitting=sitting, started_at__isnull=False):
        Attempt.objects.filter(pk=a.pk).update(started_at=a.started_at - delta, deadline=a.deadline - delta)
    sitting.refresh_from_db()


def login(page, site, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{site.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}/")


def person(cast, code: str, name: str, username: str) -> Employee:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    return Employee.objects.create(
        code=code, full_name=name, unit=cast.office_a, category=Employee.Category.CIVIL_SERVANT, user=user
    )


def pick(page, position: int, index: int) -> str:
    page.click(f"#nav-{position}")
    value = page.locator(f'input[name="q{position}"]').nth(index).get_attribute("value")
    page.locator(f"#q-{position} label").nth(index).click()
    expect(page.locator(f"#q-status-{position}")).to_have_text("Đã lưu", timeout=10000)
    return value


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())


def test_a_sitting_from_programmed_start_to_a_granted_re_marking(
    transactional_db, cast, site, browser_page, watch, web_login, settings
):
    # verify_sittings runs here and reads the archive the server wrote into its media folder.
    settings.MEDIA_ROOT = site.log_path.parent / "media"
    User = get_user_model()
    proctor = User.objects.create_user(username="giamthi", password=PASSWORD)
    Employee.objects.create(
        code="150", full_name="Hà Văn Gác", unit=cast.school_a, category=Employee.Category.CIVIL_SERVANT, user=proctor
    )
    lan = person(cast, "151", "Vì Thị Lan", "lan")
    minh = person(cast, "152", "Quàng Văn Minh", "minh")
    s = build_exam(cast, count=3, candidates=[cast.emp_a, lan, minh], results_policy=Exam.Results.IMMEDIATE)
    sittings.update_exam(acting_user=s.board, exam=s.exam, require_checkin=True, late_entry_minutes=5)
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())

    # The board creates the sitting on its page, starting in one to two minutes (the
    # field takes whole minutes).
    web_login(page, "board_a")
    page.goto(f"{site.url}/assessments/exams/{s.exam.pk}/sittings/new/")
    starts = (timezone.localtime() + dt.timedelta(minutes=2)).replace(second=0, microsecond=0)
    page.fill("input[name=name]", "Ca 1")
    page.fill("input[name=venue]", "Phòng máy 1")
    page.fill("input[name=starts_at]", starts.strftime("%d/%m/%Y %H:%M"))
    page.fill("input[name=ends_at]", (starts + dt.timedelta(minutes=45)).strftime("%d/%m/%Y %H:%M"))
    page.get_by_label("Hà Văn Gác (giamthi)").check()
    page.fill("textarea[name=codes]", "101, 151, 152")
    page.click("#sitting-form button[type=submit]")
    page.wait_for_url(f"{site.url}/assessments/exams/{s.exam.pk}/")
    sitting = Sitting.objects.get(exam=s.exam)
    assert sitting.attempts.count() == 3 and list(sitting.proctors.all()) == [proctor]

    # At the door, before the start: the proctor checks An and Lan in; Minh does not come.
    login(page, site, "giamthi")
    page.goto(f"{site.url}/assessments/sittings/{sitting.pk}/")
    for employee, seat in ((cast.emp_a, "M01"), (lan, "M02")):
        pk = attempt_of(s.exam, employee).pk
        page.locator(f'tr[data-attempt="{pk}"] input[name=seat]').fill(seat)
        page.locator(f'tr[data-attempt="{pk}"] button[type=submit]').click()
        expect(page.locator(f'tr[data-attempt="{pk}"]')).to_have_class("checked")
    assert attempt_of(s.exam, lan).checked_in_by == proctor

    # The programmed start passes (instead of waiting the minute out): An starts on time
    # with the whole 30 minutes.
    elapse(sitting, sitting.starts_at - timezone.now() + dt.timedelta(seconds=1))
    login(page, site, "an")
    page.goto(f"{site.url}/assessments/take/{s.exam.pk}/")
    expect(page.locator("#sitting-info")).to_contain_text("Phòng máy 1")
    page.click("#start-btn")
    page.wait_for_selector("#exam-run:not([hidden])")
    expect(page.locator("#exam-clock")).not_to_have_text("--:--")
    assert 29 * 60 <= clock_seconds(page.inner_text("#exam-clock")) <= 30 * 60
    an = attempt_of(s.exam, cast.emp_a)
    assert an.started_at == sitting.starts_at
    # An answers question 1 with a choice the published key counts wrong.
    item = an.items.select_related("version").get(position=1)
    key = {o["id"] for o in item.version.options if o.get("correct")}
    wrong_index = next(i for i, option in enumerate(item.option_order) if option not in key)
    an_choice = pick(page, 1, wrong_index)
    pick(page, 2, 0)

    # Three minutes in, Lan enters late: her clock shows about 27 minutes.
    elapse(sitting, dt.timedelta(minutes=3))
    login(page, site, "lan")
    page.goto(f"{site.url}/assessments/take/{s.exam.pk}/")
    page.click("#start-btn")
    page.wait_for_selector("#exam-run:not([hidden])")
    expect(page.locator("#exam-clock")).not_to_have_text("--:--")
    left = clock_seconds(page.inner_text("#exam-clock"))
    assert 26 * 60 + 30 <= left <= 27 * 60, left
    pick(page, 1, 0)

    # One second past the late-entry limit (5 minutes), Minh is refused, the limit named.
    elapse(sitting, sitting.starts_at + dt.timedelta(minutes=5, seconds=1) - timezone.now())
    login(page, site, "minh")
    page.goto(f"{site.url}/assessments/take/{s.exam.pk}/")
    page.click("#start-btn")
    expect(page.locator("#start-error")).to_contain_text("Đã quá thời gian cho phép vào phòng thi muộn (5 phút")
    assert attempt_of(s.exam, minh).status == Attempt.Status.NOT_STARTED

    # An's computer fails: the proctor moves An to M05 and restores two minutes.
    deadline_before = attempt_of(s.exam, cast.emp_a).deadline
    login(page, site, "giamthi")
    page.goto(f"{site.url}/assessments/sittings/{sitting.pk}/records/")
    form = page.locator("#incident-form")
    form.locator("select[name=kind]").select_option("moved")
    form.locator("select[name=attempt]").select_option(str(an.pk))
    form.locator("textarea[name=description]").fill("Máy M01 treo; chuyển thí sinh sang máy M05.")
    form.locator("input[name=to_seat]").fill("M05")
    form.locator("input[name=minutes_restored]").fill("2")
    form.locator("button[type=submit]").click()
    expect(page.locator("#incidents")).to_contain_text("máy M01 → M05")
    an = attempt_of(s.exam, cast.emp_a)
    assert an.seat == "M05" and an.deadline - deadline_before == dt.timedelta(minutes=2)

    # An finishes on the new computer; the proctor ends the sitting (Lan's paper is
    # collected as it stands, Minh is absent).
    login(page, site, "an")
    page.goto(f"{site.url}/assessments/take/{s.exam.pk}/")
    page.wait_for_selector("#exam-run:not([hidden])")
    assert page.is_checked(f'input[name="q1"][value="{an_choice}"]')
    page.click("#finish-btn")
    page.wait_for_url(f"{site.url}/assessments/take/{s.exam.pk}/result/")
    login(page, site, "giamthi")
    page.goto(f"{site.url}/assessments/sittings/{sitting.pk}/")
    page.click("#end-sitting")
    expect(page.locator("#counts")).to_contain_text("vắng 1")
    statuses = {a.employee.code: a.status for a in Attempt.objects.filter(exam=s.exam).select_related("employee")}
    assert statuses == {"101": "finalized", "151": "finalized", "152": "absent"}

    # The signing list, for candidates to sign at the end of the sitting.
    page.goto(f"{site.url}/assessments/sittings/{sitting.pk}/records/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải danh sách ký xác nhận kết quả (PDF)").click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "Nguyễn Văn An" in text and "Vì Thị Lan" in text and "Quàng Văn Minh" in text

    # The board seals the sitting; verify_sittings finds the archive intact.
    login(page, site, "board_a")
    page.goto(f"{site.url}/assessments/sittings/{sitting.pk}/records/")
    page.click("#seal-button")
    expect(page.locator("#seal")).to_contain_text("Đã niêm phong")
    sitting.refresh_from_db()
    assert sitting.sealed_by.username == "board_a" and len(sitting.seal_digest) == 64
    out = io.StringIO()
    call_command("verify_sittings", sitting=sitting.pk, stdout=out)
    assert out.getvalue().startswith(f"OK ca thi #{sitting.pk}")

    # Results published on the results page; then the question's key turns out wrong and
    # is corrected (the owner's key correction) — a sealed attempt keeps its result.
    page.goto(f"{site.url}/assessments/results/{s.exam.pk}/")
    page.get_by_role("button", name="Công bố kết quả").click()
    expect(page.locator("main")).not_to_contain_text("Công bố kết quả cho thí sinh")
    s.exam.refresh_from_db()
    assert s.exam.published_at is not None
    score_before = attempt_of(s.exam, cast.emp_a).score
    owner = User.objects.create_user(username="nganhang_tinh", password=PASSWORD)  # the bank is the province's
    Role.objects.create(user=owner, kind=Role.Kind.EXAM_BOARD, unit=cast.province)
    results.correct_key(acting_user=owner, version=item.version, correct_ids=[an_choice], reason="Đáp án đúng khác")
    assert attempt_of(s.exam, cast.emp_a).score == score_before

    # An asks for re-marking; the board grants it and An's score changes.
    login(page, site, "an")
    page.goto(f"{site.url}/assessments/results/{s.exam.pk}/mine/")
    page.fill("#remark-reason", "Câu 1: tôi cho rằng phương án tôi chọn là đúng.")
    page.click("#phuc-khao button")
    expect(page.locator("#phuc-khao")).to_contain_text("Đang chờ xem xét")
    remark = RemarkRequest.objects.get(attempt__exam=s.exam)

    login(page, site, "board_a")
    page.goto(f"{site.url}/assessments/results/{s.exam.pk}/remarks/")
    page.get_by_role("link", name="Xem xét", exact=True).click()
    page.fill("#remark-decision", "Câu 1 chấm lại theo đáp án đã sửa.")
    page.get_by_role("button", name="Ghi kết quả phúc khảo").click()
    expect(page.locator("main")).to_contain_text("Đã phúc khảo, điểm thay đổi")
    remark.refresh_from_db()
    assert remark.status == RemarkRequest.Status.CHANGED
    assert attempt_of(s.exam, cast.emp_a).score == score_before + 1
    watch.assert_clean()


def test_weighted_gift_questions_score_as_their_author_meant(transactional_db, cast, site, browser_page, web_login):
    User = get_user_model()
    author = User.objects.create_user(username="soanthao", password=PASSWORD)
    Role.objects.create(user=author, kind=Role.Kind.EXAM_BOARD, unit=cast.commune_a)
    reviewer = User.objects.create_user(username="thamdinh", password=PASSWORD)
    Role.objects.create(user=reviewer, kind=Role.Kind.EXAM_BOARD, unit=cast.commune_a)
    category = Category.objects.create(code="VANTHU", name="Văn thư (Mộc Châu)", unit=cast.commune_a)
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())

    # The author imports the independent author's file on the import page; the page
    # warns (per question) that weights are all-or-nothing until an exam chooses partial credit.
    web_login(page, "soanthao")
    page.goto(f"{site.url}/bank/import/")
    page.set_input_files("input[name=file]", str(GIFT))
    page.select_option("select[name=format]", "gift")
    page.select_option("select[name=category]", str(category.pk))
    page.click("form.card button[type=submit]")
    expect(page.locator("#import-report")).to_contain_text("sẽ bỏ qua trọng số")
    questions = list(Question.objects.filter(category=category).order_by("pk"))
    assert len(questions) == 4

    # Someone else reviews and approves each question on its page.
    login(page, site, "thamdinh")
    for q in questions:
        page.goto(f"{site.url}/bank/questions/{q.pk}/")
        page.get_by_role("button", name="Xác nhận đã thẩm định", exact=True).click()
        expect(page.get_by_role("button", name="Phê duyệt", exact=True)).to_be_visible()
        page.get_by_role("button", name="Phê duyệt", exact=True).click()
        expect(page.get_by_role("button", name="Phê duyệt", exact=True)).to_have_count(0)
    assert all(Question.objects.get(pk=q.pk).current_id for q in questions)

    exam = attempts.create_exam(
        acting_user=author,
        unit=cast.commune_a,
        title="Kiểm tra nghiệp vụ văn thư 2026",
        opens_at=timezone.now() - dt.timedelta(hours=1),
        closes_at=timezone.now() + dt.timedelta(hours=2),
        time_limit=20,
        scoring=Exam.Scoring.PARTIAL,
        results_policy=Exam.Results.IMMEDIATE,
        parts=[{"title": "Văn thư", "rules": [{"category": category, "difficulty": None, "count": 4}]}],
    )
    attempts.add_candidates(acting_user=author, exam=exam, employees=[cast.emp_a])
    papers.generate_papers(acting_user=author, exam=exam)

    # An ticks one of two right answers (50 %), two of three (2 × 33,33 %), a penalised
    # wrong answer on the single-answer question (-50 %, floored at 0) and TRUE.
    choices = {
        "bắt buộc": ["Quốc hiệu và Tiêu ngữ"],
        "Phông chữ": ["TCVN 5712:1993 (ABC)"],
        "bảo quản vĩnh viễn": ["Hồ sơ xây dựng quy hoạch", "Hồ sơ tổ chức bộ máy"],
        "Văn bản điện tử": ["Đúng"],
    }
    login(page, site, "an")
    page.goto(f"{site.url}/assessments/take/{exam.pk}/")
    page.click("#start-btn")
    page.wait_for_selector("#exam-run:not([hidden])")
    html = page.content()
    assert "[html]" not in html and "[plain]" not in html and "[markdown]" not in html and "&lt;b&gt;" not in html
    for position in range(1, 5):
        page.click(f"#nav-{position}")
        block = page.locator(f"#q-{position}")
        stem = next(k for k in choices if k in block.inner_text())
        for text in choices[stem]:
            block.locator("label", has_text=text).click()
            expect(page.locator(f"#q-status-{position}")).to_have_text("Đã lưu", timeout=10000)
    page.click("#finish-btn")
    page.wait_for_url(f"{site.url}/assessments/take/{exam.pk}/result/")

    attempt = attempt_of(exam, cast.emp_a)
    # Results shown at once: scored when the paper is handed in. 0,5 + 0 + 0,6667 + 1 of 4, where all-or-nothing would give 1.
    assert abs(Decimal(attempt.score) - Decimal("2.1667")) < Decimal("0.01"), attempt.score
    assert page.inner_text("#result-score").startswith("2,17")
