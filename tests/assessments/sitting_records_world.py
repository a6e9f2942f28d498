"""A sitting that has been sat, for the records tests (incidents, minutes, seal, secrecy).

One exam of commune A shown at once (results IMMEDIATE), one sitting in room P.201 with
a proctor who has no manager role, four candidates: An (on time, signed in, 2 of 3
right), Bình (entered late, all right), Cúc (absent) and Hương (terminated). A second
sitting holds Đức's attempt (another sitting's candidate). Question texts are unique
strings the secrecy tests look for in every response.
"""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth import get_user_model
from django.utils import timezone
from pypdf import PdfReader

from assessments import results
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
    Sitting,
)
from hr_system.models import Employee, Role

Status = Attempt.Status
TEXTS = ["QZX-Alpha: Luật Cán bộ, công chức", "QZX-Beta: Hiến pháp", "QZX-Gamma: tin học văn phòng"]


class World:
    pass


def _version(category, text, key="a"):
    question = Question.objects.create(category=category)
    v = QuestionVersion.objects.create(
        question=question,
        kind=QuestionVersion.Kind.SINGLE,
        text=text,
        options=[{"id": o, "text": f"Phương án {o.upper()} của {text}", "correct": o == key} for o in "abcd"],
        status=QuestionVersion.Status.APPROVED,
    )
    question.current = v
    question.save(update_fields=["current"])
    return v


def _sit(w, employee, sitting, answers, status, *, entered=None, seat=""):
    attempt = Attempt.objects.create(
        exam=w.exam,
        sitting=sitting,
        employee=employee,
        status=status,
        seat=seat,
        started_at=sitting.starts_at if status != Status.ABSENT else None,
        deadline=sitting.starts_at + dt.timedelta(minutes=w.exam.time_limit) if status != Status.ABSENT else None,
        finalized_at=sitting.starts_at + dt.timedelta(minutes=25)
        if status in (Status.FINALIZED, Status.TERMINATED)
        else None,
    )
    for position, (v, ch) in enumerate(zip(w.versions, answers, strict=True), start=1):
        item = PaperItem.objects.create(
            attempt=attempt, position=position, part=w.part, version=v, option_order=list("abcd")
        )
        if ch != "-":
            Response.objects.create(attempt=attempt, item=item, selected=[ch], seq=position)
    if entered is not None:
        AttemptEvent.objects.create(attempt=attempt, at=entered, kind="start", detail={"ip": "10.0.0.5"})
    if status == Status.FINALIZED:
        results.score_attempt(Attempt.objects.select_related("exam").get(pk=attempt.pk))
        attempt.refresh_from_db()
    return attempt


def make_world(cast, *, ended=True) -> World:
    User = get_user_model()
    w = World()
    w.cast = cast
    now = timezone.now()
    w.category = Category.objects.create(code="KTC", name="Kiến thức chung", unit=cast.commune_a)
    w.exam = Exam.objects.create(
        title="Thi tuyển công chức phường Mộc Châu 2026",
        unit=cast.commune_a,
        opens_at=now - dt.timedelta(hours=4),
        closes_at=now + dt.timedelta(hours=4),
        time_limit=30,
        pass_percent=50,
        results_policy=Exam.Results.IMMEDIATE,
    )
    w.part = ExamPart.objects.create(exam=w.exam, order=1, title="Phần I")
    BlueprintRule.objects.create(part=w.part, category=w.category, count=3)
    w.versions = [_version(w.category, text) for text in TEXTS]
    t0 = now - dt.timedelta(hours=2)
    w.sitting = Sitting.objects.create(
        exam=w.exam,
        name="Ca 1",
        venue="Phòng P.201, Trung tâm hội nghị phường",
        starts_at=t0,
        ends_at=t0 + dt.timedelta(minutes=45),
        ended_at=t0 + dt.timedelta(minutes=45) if ended else None,
    )
    w.other_sitting = Sitting.objects.create(
        exam=w.exam, name="Ca 2", venue="Phòng P.202", starts_at=t0, ends_at=t0 + dt.timedelta(minutes=45)
    )
    w.proctor = User.objects.create_user(username="giamthi1", password="x", first_name="Giám thị", last_name="Lê")
    w.sitting.proctors.add(w.proctor)
    w.board = User.objects.create_user(username="hoidong_a", password="x")
    Role.objects.create(user=w.board, kind=Role.Kind.EXAM_BOARD, unit=cast.commune_a)
    w.binh_emp = Employee.objects.create(
        code="103", full_name="Hoàng Văn Bình", unit=cast.office_a, category="civil_servant"
    )
    w.cuc_emp = Employee.objects.create(
        code="104", full_name="Phạm Thị Cúc", unit=cast.office_a, category="civil_servant"
    )
    w.t0 = t0
    w.an = _sit(w, cast.emp_a, w.sitting, "aab", Status.FINALIZED, entered=t0 + dt.timedelta(seconds=20), seat="M01")
    w.binh = _sit(w, w.binh_emp, w.sitting, "aaa", Status.FINALIZED, entered=t0 + dt.timedelta(minutes=4), seat="M02")
    w.cuc = _sit(w, w.cuc_emp, w.sitting, "---", Status.ABSENT)
    w.huong = _sit(
        w, cast.teacher_a, w.sitting, "ab-", Status.TERMINATED, entered=t0 + dt.timedelta(seconds=40), seat="M04"
    )
    w.duc = _sit(w, cast.emp_b, w.other_sitting, "a--", Status.IN_PROGRESS, entered=t0, seat="B01")
    return w


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())
