"""The assessments demo: the shipped question files, the bank they make, an exam the demo
candidate can sit now and a finished exam with published results (issue 14, item 9)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from assessments import bank, demo, parsers
from assessments.models import Attempt, Category, Exam, Question, QuestionVersion, Sitting
from hr_system import demo as hr_demo
from hr_system.models import AuditLog, Employee, OrgUnit

FORMATS = {".gift": "gift", ".txt": "aiken", ".xlsx": "xlsx"}


def _seed() -> None:
    call_command("seed_demo_assessments", stdout=open(os.devnull, "w"))


def _client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_every_shipped_bank_file_is_listed_in_the_seed():
    shipped = {p.name for p in demo.BANK_DIR.iterdir() if p.suffix in FORMATS}
    assert shipped == {filename for _, _, filename, _, _ in demo.BANK}
    assert {fmt for *_, fmt, _ in demo.BANK} == {"aiken", "gift", "xlsx"}


@pytest.mark.parametrize("filename", sorted(f for _, _, f, _, _ in demo.BANK))
def test_every_shipped_bank_file_imports_without_rejected_rows(db, filename):
    hr_demo.seed()
    code, name, _, fmt, difficulty = next(row for row in demo.BANK if row[2] == filename)
    author = get_user_model().objects.get(username=demo.AUTHOR)
    category = Category.objects.create(code=code, name=name, unit=OrgUnit.objects.get(code="SL"))
    items, errors = parsers.parse(Path(demo.BANK_DIR, filename).read_bytes(), fmt)
    report = bank.import_items(
        acting_user=author, items=items, category=category, difficulty=difficulty, errors=errors, dry_run=True
    )
    assert errors == [] and report.rejected == []
    # The only warnings: weighted questions are scored all-or-nothing unless the exam chooses partial credit.
    weighted = sorted(i.line for i in items if any("weight" in o for o in i.options))
    assert sorted(w.row for w in report.warnings) == weighted
    assert all("trọng số từng phần" in w.reason for w in report.warnings)
    assert report.created == len(items) >= 10


def test_demo_bank_has_60_approved_items_in_4_categories_approved_by_the_board_and_seeds_once(db):
    _seed()
    approved = QuestionVersion.objects.filter(status=QuestionVersion.Status.APPROVED)
    assert approved.count() >= 60
    assert approved.values("question__category").distinct().count() >= 4
    board, author = (get_user_model().objects.get(username=u) for u in (demo.REVIEWER, demo.AUTHOR))
    # Imported by the author through the import code path (one audited import per file)…
    assert AuditLog.objects.filter(action="bank.import", user=author).count() == len(demo.BANK)
    assert set(approved.values_list("author", flat=True)) == {author.pk}
    # …and reviewed and approved by someone else.
    assert set(approved.values_list("reviewed_by", flat=True)) == {board.pk}
    assert set(approved.values_list("approved_by", flat=True)) == {board.pk}
    kinds = set(approved.values_list("kind", flat=True))
    assert kinds == set(QuestionVersion.Kind.values)

    counts = (Question.objects.count(), Exam.objects.count(), Attempt.objects.count(), AuditLog.objects.count())
    _seed()
    assert counts == (Question.objects.count(), Exam.objects.count(), Attempt.objects.count(), AuditLog.objects.count())


def test_demo_candidate_can_sit_the_open_exam_right_away(db):
    _seed()
    exam = Exam.objects.get(title=demo.OPEN_EXAM_TITLE)
    candidate = _client(demo.CANDIDATE)
    listing = candidate.get("/assessments/take/").content.decode()
    assert exam.title in listing and "Vào thi" in listing
    assert candidate.get(f"/assessments/take/{exam.pk}/").status_code == 200
    api = f"/api/v1/assessments/exams/{exam.pk}"
    started = candidate.post(f"{api}/start", {"access_code": ""}, content_type="application/json")
    assert started.status_code == 200, started.content
    token = started.json()["session_token"]
    paper = candidate.get(f"{api}/paper", HTTP_X_EXAM_SESSION=token).json()
    assert len(paper["items"]) == demo.OPEN_PER_CATEGORY * len(demo.BANK)
    assert paper["remaining_seconds"] > 0


def test_finished_exam_has_published_results_and_item_analysis(db):
    _seed()
    exam = Exam.objects.get(title=demo.FINISHED_EXAM_TITLE)
    assert exam.published_at is not None and not exam.is_open()
    sat = exam.attempts.all()
    assert sat.count() >= 30
    assert not sat.exclude(status=Attempt.Status.FINALIZED).exists()
    assert not sat.filter(score__isnull=True).exists() and not sat.filter(rank__isnull=True).exists()
    assert sat.filter(passed=True).exists() and sat.filter(passed=False).exists()

    board = _client(demo.REVIEWER)
    results = board.get(f"/assessments/results/{exam.pk}/")
    assert results.status_code == 200 and exam.title in results.content.decode()
    analysis = board.get(f"/assessments/results/{exam.pk}/item-analysis/")
    assert analysis.status_code == 200
    on_papers = QuestionVersion.objects.filter(paper_items__attempt__exam=exam).distinct()
    assert on_papers.count() > 20
    assert escape(on_papers.first().text) in analysis.content.decode()

    mine = _client(demo.CANDIDATE).get(f"/assessments/results/{exam.pk}/mine/")
    assert mine.status_code == 200


def test_sittings_exam_has_two_sittings_a_proctor_at_the_door_and_partial_credit(db):
    _seed()
    exam = Exam.objects.get(title=demo.SITTINGS_EXAM_TITLE)
    assert exam.scoring == Exam.Scoring.PARTIAL and exam.require_checkin
    sittings = list(exam.sittings.order_by("starts_at"))
    assert [s.name for s in sittings] == ["Ca 1", "Ca 2"]
    sizes = [s.attempts.count() for s in sittings]
    assert min(sizes) >= 10 and sum(sizes) == exam.attempts.count()
    assert not exam.attempts.filter(sitting__isnull=True).exists()
    assert exam.attempts.filter(employee__user__username=demo.CANDIDATE).exists()
    # Every paper generated ahead of the start; the start is a state change, not work.
    assert not exam.attempts.filter(items__isnull=True).exists()
    # Both sittings lie ahead in the seeding week (the next day).
    assert all(s.starts_at > timezone.now() for s in sittings)
    assert all(timezone.localdate(s.starts_at) - timezone.localdate() == dt.timedelta(days=1) for s in sittings)

    proctor = _client(demo.PROCTOR[0])
    assert f"/assessments/sittings/{sittings[0].pk}/" in proctor.get("/assessments/sittings/").content.decode()
    door = proctor.get(f"/assessments/sittings/{sittings[0].pk}/").content.decode()
    shown = [e.citizen_id for e in Employee.objects.filter(attempts__sitting=sittings[0], citizen_id__isnull=False)]
    assert shown and all(c.startswith("000") and c in door for c in shown)
    # The proctor runs the door, not the exam: its settings page is not theirs.
    assert proctor.get(f"/assessments/exams/{exam.pk}/settings/").status_code == 403

    counts = (Exam.objects.count(), Sitting.objects.count(), Attempt.objects.count())
    _seed()
    assert counts == (Exam.objects.count(), Sitting.objects.count(), Attempt.objects.count())
