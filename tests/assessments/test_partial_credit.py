"""Partial credit end to end (issue 15): an independent author's weighted GIFT file is
imported, approved, drawn onto papers, answered and scored — as its author meant under
"partial credit", all-or-nothing under the default — through the bank import API, the
exam actions, the candidate's exam API and the results API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from assessments import attempts, bank, results
from assessments.models import Attempt, Category, Exam, QuestionVersion
from assessments.papers import generate_papers
from hr_system.models import AuditLog, Role

GIFT_FILE = Path(__file__).resolve().parent.parent / "data" / "gift_weighted_independent_author.txt"
BANK = "/api/v1/assessments/bank"
EXAMS = "/api/v1/assessments/exams"
RESULTS = "/api/v1/assessments/results"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def imported(cast):
    board = get_user_model().objects.create_user(username="board_a", password="x")
    Role.objects.create(user=board, kind=Role.Kind.EXAM_BOARD, unit=cast.commune_a)
    Category.objects.create(code="VANTHU", name="Văn thư, lưu trữ", unit=cast.commune_a)
    upload = SimpleUploadedFile("van-thu.gift.txt", GIFT_FILE.read_bytes(), content_type="text/plain")
    r = client_for(board).post(f"{BANK}/import", {"file": upload, "format": "gift"})
    assert r.status_code == 200, r.content
    return board, r.json()


def test_import_keeps_weights_and_warns_per_question(imported):
    _board, report = imported
    assert report["written"] is True and report["created"] == 4 and report["rejected"] == []
    warned = {w["line"]: w["reason"] for w in report["warnings"]}
    assert sorted(warned) == [6, 13, 19]  # the three weighted questions, at their own line; not the true/false one
    assert "A 50%, B 50%, C -100%, D -100%" in warned[6] and "bỏ qua trọng số" in warned[6]
    assert "B -50%" in warned[13]  # a single-answer penalty is kept too
    assert "A 33,33%, B 33,33%, C 33,33%" in warned[19]  # decimal comma in Vietnamese text
    by_title = {v.text[:12]: v for v in QuestionVersion.objects.all()}
    first = by_title["Theo Nghị đị"]
    assert first.kind == "multiple" and first.text.startswith(
        "Theo Nghị định 30/2020/NĐ-CP, những thành phần nào bắt buộc"
    )
    assert "<b>" not in first.text
    assert [(o["text"], o["weight"], o["correct"]) for o in first.options] == [
        ("Quốc hiệu và Tiêu ngữ", 50.0, True),
        ("Số, ký hiệu của văn bản", 50.0, True),
        ("Dấu chỉ mức độ khẩn", -100.0, False),
        ("*Ký hiệu người đánh máy*", -100.0, False),
    ]
    single = by_title["Phông chữ dù"]
    assert single.kind == "single" and single.weights() == {"a": 100.0, "b": -50.0, "c": 0.0}
    assert single.options[0]["text"] == "TCVN 6909:2001 (Unicode)"
    true_false = QuestionVersion.objects.get(kind="true_false")
    assert true_false.weights() is None and true_false.correct_ids() == {"a"}
    assert AuditLog.objects.filter(action="bank.import").count() == 1


def pick(attempt: Attempt, position_texts: dict[str, list[str]]) -> dict[int, list[str]]:
    """{position: option ids} for answers named by (question text start → option texts)."""
    answers = {}
    for item in attempt.items.select_related("version"):
        for start, texts in position_texts.items():
            if item.version.text.startswith(start):
                answers[item.position] = [o["id"] for o in item.version.options if o["text"] in texts]
    return answers


AN = {  # one of two right options; the right one; two of three right; True
    "Theo Nghị định": ["Quốc hiệu và Tiêu ngữ"],
    "Phông chữ": ["TCVN 6909:2001 (Unicode)"],
    "Hồ sơ nào": ["Hồ sơ xây dựng quy hoạch", "Hồ sơ tổ chức bộ máy"],
    "Văn bản điện tử": ["Đúng"],
}
HUONG = {  # both right and a wrong one; the penalised distractor; all three right; False
    "Theo Nghị định": ["Quốc hiệu và Tiêu ngữ", "Số, ký hiệu của văn bản", "Dấu chỉ mức độ khẩn"],
    "Phông chữ": ["TCVN 5712:1993 (ABC)"],
    "Hồ sơ nào": ["Hồ sơ xây dựng quy hoạch", "Hồ sơ tổ chức bộ máy", "Hồ sơ hội nghị tổng kết năm"],
    "Văn bản điện tử": ["Sai"],
}


def test_weighted_gift_scores_as_its_author_meant(imported, cast):
    board, _report = imported
    for version in QuestionVersion.objects.all():
        bank.set_status(acting_user=board, version=version, status=QuestionVersion.Status.REVIEWED)
        bank.set_status(acting_user=board, version=version, status=QuestionVersion.Status.APPROVED)
    now = timezone.now()
    exam = attempts.create_exam(
        acting_user=board,
        unit=cast.commune_a,
        title="Kiểm tra văn thư lưu trữ",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=2),
        time_limit=30,
        negative_mark="0.25",
        scoring=Exam.Scoring.PARTIAL,
        parts=[{"title": "Văn thư", "rules": [{"category": Category.objects.get(code="VANTHU"), "count": 4}]}],
    )
    attempts.add_candidates(acting_user=board, exam=exam, employees=[cast.emp_a, cast.teacher_a])
    generate_papers(acting_user=board, exam=exam)

    # An answers through the candidate's API: the paper never carries a weight or the key.
    candidate = client_for(cast.staff_user)
    token = candidate.post(f"{EXAMS}/{exam.pk}/start", {}, content_type="application/json").json()["session_token"]
    paper = candidate.get(f"{EXAMS}/{exam.pk}/paper", HTTP_X_EXAM_SESSION=token)
    assert paper.status_code == 200
    assert "weight" not in paper.content.decode() and "correct" not in paper.content.decode()
    an = Attempt.objects.get(exam=exam, employee=cast.emp_a)
    for seq, (position, selected) in enumerate(pick(an, AN).items(), start=1):
        r = candidate.post(
            f"{EXAMS}/{exam.pk}/answers",
            {"position": position, "selected": selected, "seq": seq},
            content_type="application/json",
            HTTP_X_EXAM_SESSION=token,
        )
        assert r.status_code == 200, r.content
    candidate.post(f"{EXAMS}/{exam.pk}/finalize", {}, content_type="application/json", HTTP_X_EXAM_SESSION=token)
    # Hương has no account: her sitting goes through the same actions directly.
    huong = attempts.start_attempt(
        attempt=Attempt.objects.select_related("exam").get(exam=exam, employee=cast.teacher_a), ip=None, access_code=""
    )
    for seq, (position, selected) in enumerate(pick(huong, HUONG).items(), start=1):
        attempts.save_answer(
            attempt=huong, session_token=huong.session_token, position=position, selected=selected, seq=seq
        )
    attempts.finalize(attempt=huong, reason="submitted")

    manager = client_for(board)
    assert manager.post(f"{RESULTS}/exams/{exam.pk}/score").status_code == 200
    rows = {r["full_name"]: r for r in manager.get(f"{RESULTS}/exams/{exam.pk}").json()["rows"]}
    an_row, huong_row = rows["Nguyễn Văn An"], rows["Lò Thị Hương"]
    # An: 0,5 + 1 + 0,67 + 1; the exam's negative mark does not apply under partial credit.
    assert an_row["score"] == 3.17 and an_row["max_score"] == 4.0
    assert (an_row["right"], an_row["partial"], an_row["wrong"], an_row["blank"]) == (2, 2, 0, 0)
    # Hương: 50+50−100 = 0; −50 floored at 0; three thirds = the full mark; wrong.
    assert huong_row["score"] == 1.0
    assert (huong_row["right"], huong_row["partial"], huong_row["wrong"], huong_row["blank"]) == (1, 0, 3, 0)
    assert an_row["rank"] == 1 and huong_row["rank"] == 2
    assert an_row["time_used_text"] and len(an_row["time_used_text"]) == 5

    # The same answers all-or-nothing (the default): only exact keys, −0,25 per wrong answer.
    # (Settings are locked once candidates started; the mode is switched here only to
    # compare the two readings of the same papers.)
    Exam.objects.filter(pk=exam.pk).update(scoring=Exam.Scoring.ALL_OR_NOTHING)
    exam.refresh_from_db()
    results.score_exam(exam)
    an.refresh_from_db()
    huong = Attempt.objects.get(pk=huong.pk)
    assert float(an.score) == 1.5  # 2 right, 2 wrong
    assert float(huong.score) == 0.25  # 1 right, 3 wrong: 1 − 0,75
    assert results.answer_counts(an) == {"right": 2, "partial": 0, "wrong": 2, "blank": 0}


def test_exam_form_offers_the_scoring_mode_and_says_what_it_does(imported, login):
    board, _report = imported
    page = login(board).get("/assessments/exams/new/").content.decode()
    assert 'name="scoring"' in page and 'value="partial"' in page
    assert "điểm trừ mỗi câu sai không áp dụng" in page
