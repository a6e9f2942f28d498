"""The province's shared question bank (issue 12, item 1): an owning unit per category,
other units use its items by counts without reading them, no candidate reads the items
of their own pending exam, and a key is corrected only by the owner, re-scoring and
auditing every exam it touches.

The world: the province (SL) owns the shared category CHUNG and a second one, RIENG;
Mộc Châu (P-MC) and Đoàn Kết (X-DK) each ran an exam whose papers carry the same
shared item, `wrong`, keyed "a" although "b" is right. Mộc Châu's exam is published
(An scored 5.0 of 5).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments import access, bank
from assessments.models import (
    Attempt,
    BlueprintRule,
    Category,
    Exam,
    ExamPart,
    PaperItem,
    Question,
    QuestionVersion,
    Response,
)
from assessments.papers import ExamError, generate_papers
from hr_system.models import AuditLog, Employee, Role
from tests.conftest import PASSWORD

BANK = "/api/v1/assessments/bank"
EXAMS = "/api/v1/assessments/exams"
RESULTS = "/api/v1/assessments/results"
Status = QuestionVersion.Status


def approved(category, text: str, key: str = "a", difficulty: int = 2) -> QuestionVersion:
    question = Question.objects.create(category=category)
    version = QuestionVersion.objects.create(
        question=question,
        text=text,
        options=[{"id": o, "text": f"Phương án {o.upper()} — {text}", "correct": o == key} for o in "abcd"],
        status=Status.APPROVED,
        difficulty=difficulty,
    )
    question.current = version
    question.save(update_fields=["current"])
    return version


def exam_of(unit, title: str, category, count: int, *, hours_ago: int = 3, published: bool = False) -> Exam:
    now = timezone.now()
    exam = Exam.objects.create(
        title=title,
        unit=unit,
        opens_at=now - dt.timedelta(hours=hours_ago),
        closes_at=now - dt.timedelta(hours=hours_ago - 2),
        published_at=now if published else None,
    )
    part = ExamPart.objects.create(exam=exam, order=1, title="Kiến thức chung")
    BlueprintRule.objects.create(part=part, category=category, count=count)
    return exam


def sit(exam: Exam, employee, versions, answers: str, *, finalized: bool = True) -> Attempt:
    """A sitting of `exam` with these versions on the paper and these answers ("-": blank)."""
    start = exam.opens_at + dt.timedelta(minutes=5)
    attempt = Attempt.objects.create(
        exam=exam,
        employee=employee,
        status=Attempt.Status.FINALIZED if finalized else Attempt.Status.NOT_STARTED,
        started_at=start if finalized else None,
        deadline=start + dt.timedelta(minutes=60) if finalized else None,
        finalized_at=start + dt.timedelta(minutes=30) if finalized else None,
    )
    part = exam.parts.get()
    for position, (version, answer) in enumerate(zip(versions, answers, strict=True), start=1):
        item = PaperItem.objects.create(
            attempt=attempt, position=position, part=part, version=version, option_order=list("abcd")
        )
        if answer != "-":
            Response.objects.create(attempt=attempt, item=item, selected=[answer])
    return attempt


def manager(username: str, kind: str, unit, *, employee_of=None, code: str = ""):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    Role.objects.create(user=user, kind=kind, unit=unit)
    if employee_of is not None:
        Employee.objects.create(
            code=code, full_name=f"Cán bộ {username}", unit=employee_of, category="civil_servant", user=user
        )
    return user


class World:
    pass


@pytest.fixture
def world(cast):
    from assessments import results

    w = World()
    w.cast = cast
    w.hr_p = manager("hr_tinh", Role.Kind.HR_OFFICER, cast.province)
    w.shared = Category.objects.create(code="CHUNG", name="Kiến thức chung (dùng chung)", unit=cast.province)
    w.own_p = Category.objects.create(code="RIENG", name="Nghiệp vụ Sở Nội vụ", unit=cast.province)
    w.law_b = Category.objects.create(code="LUAT-B", name="Pháp luật (Đoàn Kết)", unit=cast.commune_b)
    w.items = [approved(w.shared, f"Câu hỏi dùng chung số {i}") for i in range(1, 5)]
    w.wrong = approved(w.shared, "Định dạng tệp của bảng tính Excel là")  # keyed "a", "b" is right
    w.province_item = approved(w.own_p, "Quy trình tuyển dụng công chức gồm")
    approved(w.law_b, "Luật của Đoàn Kết")
    paper = [*w.items, w.wrong]
    w.exam_a = exam_of(cast.commune_a, "Kiểm tra năng lực phường Mộc Châu", w.shared, 5)
    w.an = sit(w.exam_a, cast.emp_a, paper, "aaaaa")
    w.huong = sit(w.exam_a, cast.teacher_a, paper, "aabab")
    w.exam_b = exam_of(cast.commune_b, "Kiểm tra năng lực xã Đoàn Kết", w.shared, 5)
    w.duc = sit(w.exam_b, cast.emp_b, paper, "aaaab")
    for exam in (w.exam_a, w.exam_b):
        results.score_exam(exam)
        results.rank_exam(exam)
    Exam.objects.filter(pk=w.exam_a.pk).update(published_at=timezone.now())
    w.exam_a.refresh_from_db()
    return w


def score(attempt) -> float:
    attempt.refresh_from_db()
    return float(attempt.score)


def correct(client, exam, version, ids=("b",)):
    return client.post(
        f"{RESULTS}/exams/{exam.pk}/key-correction",
        {"version_id": version.pk, "correct_ids": list(ids), "reason": "Đáp án đúng là .xlsx"},
        content_type="application/json",
    )


# --- reading ---------------------------------------------------------------------------


def test_another_units_hr_cannot_read_a_shared_item_or_its_key(world, login):
    hr_a = login(world.cast.hr_a)
    r = hr_a.get(f"{BANK}/questions", {"category": world.shared.pk})
    assert r.status_code == 200 and r.json()["count"] == 0
    assert hr_a.get(f"{BANK}/questions").json()["count"] == 0
    question = world.wrong.question_id
    for r in (
        hr_a.get(f"{BANK}/questions/{question}"),
        hr_a.patch(f"{BANK}/questions/{question}", {"text": "Sửa"}, content_type="application/json"),
        hr_a.post(f"{BANK}/questions/{question}/status", {"status": "retired"}, content_type="application/json"),
    ):
        assert r.status_code == 404, r.content
    assert hr_a.get(f"/bank/questions/{question}/").status_code == 404
    page = hr_a.get("/bank/", {"category": world.shared.pk}).content.decode()
    assert "Định dạng tệp" not in page
    with pytest.raises(ExamError):
        bank.set_status(acting_user=world.cast.hr_a, version=world.wrong, status=Status.RETIRED)
    assert not access.questions_for(world.cast.hr_a).exists()

    # What Mộc Châu may use: the province's categories with approved counts, no items.
    listed = {c["code"]: c for c in hr_a.get(f"{BANK}/categories").json()["items"]}
    assert set(listed) == {"CHUNG", "RIENG"}
    assert listed["CHUNG"]["managed"] is False and listed["CHUNG"]["unit"] == "SL"
    assert listed["CHUNG"]["approved"] == {"easy": 0, "medium": 5, "hard": 0}
    page = hr_a.get("/bank/categories/").content.decode()
    assert "Kiến thức chung (dùng chung)" in page and f"?category={world.shared.pk}" not in page

    # The owner's bank works as before, keys included.
    hr_p = login(world.hr_p)
    found = hr_p.get(f"{BANK}/questions", {"category": world.shared.pk}).json()
    assert found["count"] == 5
    detail = hr_p.get(f"{BANK}/questions/{question}").json()
    assert [o["correct"] for o in detail["latest"]["options"]] == [True, False, False, False]
    assert {c["code"]: c["managed"] for c in hr_p.get(f"{BANK}/categories").json()["items"]} == {
        "CHUNG": True,
        "RIENG": True,
        "LUAT-B": True,
    }


def test_a_candidate_of_an_unpublished_exam_reads_none_of_its_items_whatever_their_role(world, login):
    # An HR officer of the province is also a candidate of the province's own exam,
    # which draws from CHUNG: until its results are published they read nothing of it.
    officer = manager(
        "hr_tinh_2", Role.Kind.HR_OFFICER, world.cast.province, employee_of=world.cast.province, code="501"
    )
    exam = exam_of(world.cast.province, "Thi nâng ngạch chuyên viên chính", world.shared, 5, hours_ago=-1)
    sit(exam, officer.employee, [*world.items, world.wrong], "-----", finalized=False)
    client = login(officer)

    # What the exam does not draw (RIENG, Đoàn Kết's law) stays readable: a conflict, not a scope.
    listed = {q["category"]["code"] for q in client.get(f"{BANK}/questions").json()["items"]}
    assert listed == {"RIENG", "LUAT-B"}
    assert client.get(f"{BANK}/questions", {"category": world.shared.pk}).json()["count"] == 0
    assert client.get(f"{BANK}/questions/{world.wrong.question_id}").status_code == 404
    assert client.get(f"/bank/questions/{world.wrong.question_id}/").status_code == 404
    categories = {c["code"]: c["managed"] for c in client.get(f"{BANK}/categories").json()["items"]}
    assert categories["CHUNG"] is False and categories["RIENG"] is True
    r = client.post(
        f"{BANK}/questions",
        {
            "category": world.shared.pk,
            "text": "Câu mới?",
            "options": [{"text": "Có", "correct": True}, {"text": "Không"}],
        },
        content_type="application/json",
    )
    assert r.status_code == 422 and "category" in r.json()["error"]["fields"]
    # The exam's own results pages: no item analysis, no key correction.
    for r in (
        client.get(f"{RESULTS}/exams/{exam.pk}/item-analysis"),
        client.get(f"{RESULTS}/exams/{exam.pk}/item-analysis.pdf"),
        correct(client, exam, world.wrong),
    ):
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", r.content
    assert client.get(f"/assessments/results/{exam.pk}/item-analysis/").status_code == 403
    # Nor through another exam that carries the same items (Đoàn Kết's, in their scope).
    r = client.get(f"{RESULTS}/exams/{world.exam_b.pk}/item-analysis")
    assert r.status_code == 200 and all(i["hidden"] and i["text"] == "" for i in r.json()["items"])
    assert correct(client, world.exam_b, world.wrong).status_code == 403
    world.wrong.refresh_from_db()
    assert world.wrong.correct_ids() == {"a"}

    # A colleague who is not a candidate reads them; once published, so does the candidate.
    assert login(world.hr_p).get(f"{BANK}/questions/{world.wrong.question_id}").status_code == 200
    Exam.objects.filter(pk=exam.pk).update(published_at=timezone.now())
    client = login(officer)
    assert client.get(f"{BANK}/questions/{world.wrong.question_id}").status_code == 200


def test_item_analysis_hides_shared_items_from_other_units_until_their_results_are_published(world, login):
    Exam.objects.filter(pk=world.exam_a.pk).update(published_at=None)
    hr_a = login(world.cast.hr_a)
    report = hr_a.get(f"{RESULTS}/exams/{world.exam_a.pk}/item-analysis").json()
    assert len(report["items"]) == 5
    for item in report["items"]:
        assert item["hidden"] and item["text"] == "" and item["options"] == []
        assert item["facility"] is not None  # the statistics stay
    page = hr_a.get(f"/assessments/results/{world.exam_a.pk}/item-analysis/").content.decode()
    assert "Định dạng tệp" not in page and "Phương án B" not in page and 'name="correct_ids"' not in page
    # The owner sees everything on the same exam.
    owner = login(world.hr_p).get(f"{RESULTS}/exams/{world.exam_a.pk}/item-analysis").json()
    assert not any(i["hidden"] for i in owner["items"])
    assert {i["text"] for i in owner["items"]} >= {"Định dạng tệp của bảng tính Excel là"}

    Exam.objects.filter(pk=world.exam_a.pk).update(published_at=timezone.now())
    report = login(world.cast.hr_a).get(f"{RESULTS}/exams/{world.exam_a.pk}/item-analysis").json()
    assert not any(i["hidden"] for i in report["items"])
    # Visible now, but still corrected only by the owner.
    page = hr_a.get(f"/assessments/results/{world.exam_a.pk}/item-analysis/").content.decode()
    assert "Định dạng tệp" in page and 'name="correct_ids"' not in page


# --- key correction --------------------------------------------------------------------


def test_another_units_hr_cannot_correct_a_shared_key_or_rescore_an_exam_outside_their_scope(world, login):
    assert score(world.an) == 5.0
    hr_b = login(world.cast.hr_b)
    r = correct(hr_b, world.exam_b, world.wrong)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert "Tỉnh Sơn La" in r.json()["error"]["message"]
    assert correct(hr_b, world.exam_a, world.wrong).status_code == 404  # not even their exam
    r = hr_b.post(
        f"/assessments/results/{world.exam_b.pk}/key-correction/",
        {"version_id": world.wrong.pk, "correct_ids": ["b"], "reason": "Sai đáp án"},
    )
    assert r.status_code == 302
    world.wrong.refresh_from_db()
    assert world.wrong.correct_ids() == {"a"}
    assert score(world.an) == 5.0 and score(world.duc) == 4.0  # Mộc Châu's published result stands
    assert not AuditLog.objects.filter(action__in=["exam.key_corrected", "question.key_corrected"]).exists()


def test_a_manager_whose_scope_misses_an_affected_exam_cannot_correct_the_key(world, login):
    # Mộc Châu owns a category; the province put one of its items on Đoàn Kết's exam.
    own = Category.objects.create(code="MC", name="Nghiệp vụ Mộc Châu", unit=world.cast.commune_a)
    item = approved(own, "Câu hỏi của Mộc Châu")
    exam = exam_of(world.cast.commune_b, "Đề ghép của tỉnh", own, 1)
    sit(exam, world.cast.emp_b, [item], "a")
    mine = exam_of(world.cast.commune_a, "Đề của Mộc Châu", own, 1)
    sit(mine, world.cast.emp_a, [item], "a")
    r = correct(login(world.cast.hr_a), mine, item)
    assert r.status_code == 403 and "ngoài phạm vi" in r.json()["error"]["message"]
    item.refresh_from_db()
    assert item.correct_ids() == {"a"}


def test_the_owners_correction_rescores_every_affected_exam_and_audits_each(world, login):
    r = correct(login(world.hr_p), world.exam_b, world.wrong)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["exams"] == [world.exam_a.pk, world.exam_b.pk] and body["rescored"] == 3
    assert score(world.an) == 4.0 and score(world.huong) == 4.0 and score(world.duc) == 5.0
    rows = {
        int(log.object_id): log
        for log in AuditLog.objects.filter(action="exam.key_corrected", object_type="assessments.Exam")
    }
    assert set(rows) == {world.exam_a.pk, world.exam_b.pk}
    for log in rows.values():
        assert log.user == world.hr_p and log.detail["version_id"] == world.wrong.pk
        assert (log.detail["old_key"], log.detail["new_key"]) == (["a"], ["b"])
        assert log.detail["reason"] == "Đáp án đúng là .xlsx"
    assert rows[world.exam_a.pk].detail["rescored"] == 2 and rows[world.exam_a.pk].detail["changed"] == 2
    assert AuditLog.objects.filter(action="question.key_corrected", object_id=str(world.wrong.pk)).count() == 1


# --- using shared items in a blueprint ---------------------------------------------------


def test_another_units_blueprint_uses_shared_items_by_counts(world, login):
    hr_a = login(world.cast.hr_a)
    now = timezone.now()
    body = {
        "title": "Kiểm tra kiến thức chung phường Mộc Châu",
        "unit": "P-MC",
        "opens_at": (now + dt.timedelta(days=1)).isoformat(),
        "closes_at": (now + dt.timedelta(days=1, hours=2)).isoformat(),
        "time_limit": 30,
        "parts": [{"title": "Kiến thức chung", "rules": [{"category": "CHUNG", "difficulty": 2, "count": 4}]}],
    }
    r = hr_a.post(EXAMS, body, content_type="application/json")
    assert r.status_code == 201, r.content
    exam_id = r.json()["id"]
    r = hr_a.post(f"{EXAMS}/{exam_id}/candidates", {"employees": ["101", "102"]}, content_type="application/json")
    assert r.status_code == 200 and r.json()["added"] == 2
    r = hr_a.post(f"{EXAMS}/{exam_id}/generate-papers")
    assert r.status_code == 200 and r.json()["generated"] == 2
    assert PaperItem.objects.filter(attempt__exam_id=exam_id, version__question__category=world.shared).count() == 8
    # The exam form lists the shared category with counts only, and names its owner.
    form = hr_a.get("/assessments/exams/new/").content.decode()
    assert "Kiến thức chung (dùng chung)" in form and "Dùng chung — Tỉnh Sơn La" in form
    assert "Câu hỏi dùng chung số 1" not in form
    # A sibling commune's category is not usable.
    body["parts"][0]["rules"][0]["category"] = "LUAT-B"
    r = hr_a.post(EXAMS, body, content_type="application/json")
    assert r.status_code == 422 and "parts.0.rules.0.category" in r.json()["error"]["fields"]


def test_retiring_a_shared_item_does_not_break_papers_already_generated(world, login):
    exam = exam_of(world.cast.commune_a, "Kỳ thi đã tạo đề", world.shared, 5, hours_ago=-2)
    board = manager("hd_a", Role.Kind.EXAM_BOARD, world.cast.commune_a)
    Attempt.objects.bulk_create(
        [Attempt(exam=exam, employee=world.cast.emp_a), Attempt(exam=exam, employee=world.cast.teacher_a)]
    )
    assert generate_papers(acting_user=board, exam=exam) == 2

    # The province retires an item every paper carries.
    r = login(world.hr_p).post(
        f"{BANK}/questions/{world.wrong.question_id}/status", {"status": "retired"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["latest"]["status"] == "retired"

    hr_a = login(world.cast.hr_a)
    r = hr_a.post(f"{EXAMS}/{exam.pk}/generate-papers")
    assert r.status_code == 200 and r.json()["generated"] == 0
    page = hr_a.get(f"/assessments/exams/{exam.pk}/").content.decode()
    assert "Không đủ" not in page
    # A late candidate still gets the exam's paper (its colleagues had the retired item).
    late = Employee.objects.create(
        code="105", full_name="Vì Văn Muộn", unit=world.cast.office_a, category="civil_servant"
    )
    Attempt.objects.create(exam=exam, employee=late)
    r = hr_a.post(f"{EXAMS}/{exam.pk}/generate-papers")
    assert r.status_code == 200 and r.json()["generated"] == 1
    papers = [
        set(PaperItem.objects.filter(attempt__exam=exam, attempt__employee=e).values_list("version_id", flat=True))
        for e in (world.cast.emp_a, late)
    ]
    assert papers[0] == papers[1] and world.wrong.pk in papers[1]

    # A new exam skips the retired item and says why the pool is short.
    fresh = exam_of(world.cast.commune_a, "Kỳ thi mới", world.shared, 5, hours_ago=-3)
    Attempt.objects.create(exam=fresh, employee=world.cast.emp_a)
    r = hr_a.post(f"{EXAMS}/{fresh.pk}/generate-papers")
    assert r.status_code == 422
    message = r.json()["error"]["message"]
    assert "cần 5, hiện có 4" in message and "1 câu đã ngừng sử dụng" in message
    BlueprintRule.objects.filter(part__exam=fresh).update(count=4)
    assert hr_a.post(f"{EXAMS}/{fresh.pk}/generate-papers").json()["generated"] == 1
    assert not PaperItem.objects.filter(attempt__exam=fresh, version=world.wrong).exists()


def test_rules_sharing_a_pool_that_runs_dry_give_a_clear_error(world, login):
    # Five medium CHUNG items pass each rule's own count (3 ≤ 5 twice) but not both (6).
    exam = exam_of(world.cast.commune_a, "Hai quy tắc chung một nguồn", world.shared, 3, hours_ago=-2)
    BlueprintRule.objects.create(part=exam.parts.get(), category=world.shared, difficulty=2, count=3)
    Attempt.objects.create(exam=exam, employee=world.cast.emp_a)
    r = login(world.hr_p).post(f"{EXAMS}/{exam.pk}/generate-papers")
    assert r.status_code == 422 and "Không đủ câu hỏi để rút đề" in r.json()["error"]["message"]
    assert not PaperItem.objects.filter(attempt__exam=exam).exists()
