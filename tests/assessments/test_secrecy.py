"""Question secrecy: until the last sitting of an exam has ended, no HR officer, proctor
or candidate reads its questions (text, options, key) through any page or endpoint;
only its exam board (and admins) do. Afterwards, as before (issue 15, Circular
22/2025/TT-BNV: questions are kept secret until the exam ends)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from assessments.models import Sitting
from tests.assessments.sitting_records_world import make_world, pdf_text


@pytest.fixture
def world(cast):
    return make_world(cast, ended=False)


def _shows_text(response) -> bool:
    body = response.content.decode("utf-8", "replace")
    return "QZX-" in body  # every question and option text carries it (ASCII: JSON escapes the rest)


def _bank_and_analysis(client, w):
    """Every page and endpoint a manager reads question text through."""
    q = w.versions[0].question_id
    exam = w.exam.pk
    return {
        "bank api list": client.get("/api/v1/assessments/bank/questions?page_size=100"),
        "bank api detail": client.get(f"/api/v1/assessments/bank/questions/{q}"),
        "bank page": client.get("/bank/"),
        "bank page search": client.get("/bank/?q=Alpha"),
        "bank detail page": client.get(f"/bank/questions/{q}/"),
        "item analysis api": client.get(f"/api/v1/assessments/results/exams/{exam}/item-analysis"),
        "item analysis page": client.get(f"/assessments/results/{exam}/item-analysis/"),
        "results api": client.get(f"/api/v1/assessments/results/exams/{exam}"),
        "results page": client.get(f"/assessments/results/{exam}/"),
    }


def test_an_hr_officer_reads_no_question_of_a_running_exam(world, login, cast):
    client = login(cast.hr_a)  # manages the category: would read every text without the rule
    responses = _bank_and_analysis(client, world)
    assert {name: _shows_text(r) for name, r in responses.items()} == {name: False for name in responses}
    assert responses["bank api detail"].status_code == 404
    assert responses["bank detail page"].status_code == 404
    assert responses["item analysis api"].status_code == 200
    items = responses["item analysis api"].json()["items"]
    assert len(items) == 3 and all(i["hidden"] and i["options"] == [] for i in items)
    # The page says why without claiming the question belongs to another unit (it is hr_a's own).
    page = responses["item analysis page"].content.decode()
    assert "kỳ thi còn ca thi chưa kết thúc" in page


def test_the_exam_board_reads_them_during_the_exam(world, login):
    responses = _bank_and_analysis(login(world.board), world)
    assert _shows_text(responses["bank api list"]) and _shows_text(responses["bank detail page"])
    assert _shows_text(responses["item analysis api"]) and _shows_text(responses["item analysis page"])


def test_a_proctor_reads_no_question_through_any_page(world, login):
    client = login(world.proctor)
    for name, response in _bank_and_analysis(client, world).items():
        assert response.status_code in (403, 404), name
        assert not _shows_text(response), name
    records = client.get(f"/assessments/sittings/{world.sitting.pk}/records/")
    minutes = client.get(f"/api/v1/assessments/sittings/{world.sitting.pk}/minutes.pdf")
    assert records.status_code == 200 and not _shows_text(records)
    assert minutes.status_code == 200 and "QZX" not in pdf_text(minutes.content)


def test_a_candidate_reads_no_question_after_their_sitting(world, login, cast):
    client = login(cast.staff_user)  # An, finalized
    exam = world.exam.pk
    paper = client.get(f"/api/v1/assessments/exams/{exam}/paper")
    assert paper.status_code == 409 and not _shows_text(paper)
    for url in (
        f"/api/v1/assessments/results/exams/{exam}/mine",
        f"/assessments/results/{exam}/mine/",
        f"/assessments/take/{exam}/result/",
        "/api/v1/assessments/bank/questions",
    ):
        response = client.get(url)
        assert not _shows_text(response), url


def test_after_the_last_sitting_ends_managers_read_them_as_before(world, login, cast):
    Sitting.objects.filter(pk=world.sitting.pk).update(ended_at=timezone.now())
    still = _bank_and_analysis(login(cast.hr_a), world)
    assert not _shows_text(still["bank api list"])  # one sitting is still running
    Sitting.objects.filter(pk=world.other_sitting.pk).update(ended_at=timezone.now())
    after = _bank_and_analysis(login(cast.hr_a), world)
    assert _shows_text(after["bank api list"]) and _shows_text(after["bank detail page"])
    assert _shows_text(after["item analysis api"]) and _shows_text(after["item analysis page"])


def test_another_exams_item_analysis_hides_a_question_shared_with_a_running_exam(world, login, cast):
    """A question on a published exam's papers that is also on a running exam's papers."""
    from assessments.models import Attempt, Exam, ExamPart, PaperItem

    published = Exam.objects.create(
        title="Kỳ trước",
        unit=cast.commune_a,
        opens_at=world.t0,
        closes_at=world.t0 + timezone.timedelta(hours=1),
        published_at=timezone.now(),
    )
    part = ExamPart.objects.create(exam=published, order=1, title="Phần I")
    old = Attempt.objects.create(exam=published, employee=world.cuc_emp, status=Attempt.Status.FINALIZED)
    PaperItem.objects.create(attempt=old, position=1, part=part, version=world.versions[0], option_order=list("abcd"))
    response = login(cast.hr_a).get(f"/api/v1/assessments/results/exams/{published.pk}/item-analysis")
    assert response.status_code == 200 and not _shows_text(response)
    assert _shows_text(login(world.board).get(f"/api/v1/assessments/results/exams/{published.pk}/item-analysis"))
