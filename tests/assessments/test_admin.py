"""The exam models in the admin: every one listed under its Vietnamese name, and what a
sitting produced is view-only there (it changes only through the audited actions)."""

import pytest
from django.contrib import admin

from assessments.models import (
    Attempt,
    AttemptEvent,
    BlueprintRule,
    Category,
    Exam,
    ExamPart,
    PaperItem,
    Question,
    QuestionVersion,
    Response,
)
from tests.assessments.test_attempts import build_exam

MODELS = [
    (Category, "chủ đề câu hỏi"),
    (Question, "câu hỏi"),
    (QuestionVersion, "phiên bản câu hỏi"),
    (Exam, "kỳ thi"),
    (ExamPart, "phần thi"),
    (BlueprintRule, "quy tắc chọn câu hỏi"),
    (Attempt, "bài thi"),
    (PaperItem, "câu hỏi trong đề"),
    (Response, "câu trả lời"),
    (AttemptEvent, "sự kiện bài thi"),
]


@pytest.mark.parametrize("model, name", MODELS)
def test_every_exam_model_is_in_the_admin_under_its_vietnamese_name(cast, login, model, name):
    build_exam(cast)
    assert admin.site.is_registered(model)
    assert model._meta.verbose_name == name and model._meta.verbose_name_plural == name
    page = login(cast.admin).get(f"/admin/assessments/{model._meta.model_name}/")
    assert page.status_code == 200 and name in page.content.decode().lower()


def test_attempts_are_view_only_in_the_admin(cast, login):
    setup = build_exam(cast)
    attempt = setup.exam.attempts.first()
    client = login(cast.admin)
    assert client.get(f"/admin/assessments/attempt/{attempt.pk}/change/").status_code == 200
    r = client.post(f"/admin/assessments/attempt/{attempt.pk}/change/", {"status": Attempt.Status.FINALIZED})
    assert r.status_code == 403
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.NOT_STARTED
