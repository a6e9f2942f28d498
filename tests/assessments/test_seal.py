"""Sealing a sitting: the archive and its manifest, verify (archive and database), the
`verify_sittings` command, and the guard: a sealed attempt changes only through
re-marking (issue 15, Circular 22/2025/TT-BNV)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from assessments import attempts, incidents, results, sealing
from assessments.models import Attempt, AttemptEvent, RemarkRequest, Response, Sitting
from assessments.papers import ExamError
from hr_system.models import AuditLog
from tests.assessments.sitting_records_world import make_world

API = "/api/v1/assessments/sittings"


@pytest.fixture(autouse=True)
def archive_dir(settings, tmp_path):
    settings.SEALED_SITTINGS_DIR = tmp_path / "sealed"
    return settings.SEALED_SITTINGS_DIR


@pytest.fixture
def world(cast):
    return make_world(cast)


@pytest.fixture
def sealed(world):
    sealing.seal_sitting(acting_user=world.board, sitting=world.sitting)
    world.sitting.refresh_from_db()
    return world


def _rewrite(path, name, change):
    """Rewrite the zip with `name`'s bytes passed through `change` (a valid zip, new CRC)."""
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    files[name] = change(files[name])
    with zipfile.ZipFile(path, "w") as z:
        for n, data in files.items():
            z.writestr(n, data)


# --- the seal ---------------------------------------------------------------------------


def test_seal_writes_one_file_per_attempt_a_manifest_and_keeps_its_digest(sealed, archive_dir):
    s = sealed.sitting
    assert s.sealed_by == sealed.board and s.sealed_at is not None
    path = archive_dir / s.archive_name
    assert s.archive_name == f"exam-{s.exam_id}-sitting-{s.pk}-{s.sealed_at:%Y%m%dT%H%M%SZ}.zip"
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        listing = z.read("MANIFEST")
        an = json.loads(z.read(f"attempts/{sealed.an.pk}.json"))
        version = json.loads(z.read(f"versions/{sealed.versions[0].pk}.json"))
        manifest = dict(line.split("  ")[::-1] for line in listing.decode().splitlines())
        assert all(hashlib.sha256(z.read(n)).hexdigest() == manifest[n] for n in manifest)
    sat = {sealed.an.pk, sealed.binh.pk, sealed.cuc.pk, sealed.huong.pk}
    assert {n for n in names if n.startswith("attempts/")} == {f"attempts/{pk}.json" for pk in sat}
    assert f"attempts/{sealed.duc.pk}.json" not in names  # another sitting's candidate
    assert {"sitting.json", "MANIFEST"} <= names and set(manifest) == names - {"MANIFEST"}
    assert hashlib.sha256(listing).hexdigest() == s.seal_digest
    assert an["score"] == str(sealed.an.score) and an["status"] == "finalized" and an["seat"] == "M01"
    assert [i["answer"]["selected"] for i in an["items"]] == [["a"], ["a"], ["b"]]
    assert [e["kind"] for e in an["events"]] == ["start"]
    assert version["options"][0]["correct"] is True and version["text"].startswith("QZX-Alpha")
    log = AuditLog.objects.get(action="sitting.sealed")
    assert log.user == sealed.board and log.detail["digest"] == s.seal_digest and log.detail["attempts"] == 4
    assert sealing.verify_sitting(s) == []


def test_seal_is_refused_before_the_end_with_open_attempts_unscored_and_twice(cast, archive_dir):
    w = make_world(cast, ended=False)
    with pytest.raises(ExamError, match="chưa kết thúc") as exc:
        sealing.seal_sitting(acting_user=w.board, sitting=w.sitting)
    assert exc.value.status == 409
    # The other sitting has ended on paper but Đức is still writing.
    Sitting.objects.filter(pk=w.other_sitting.pk).update(ended_at=w.t0)
    with pytest.raises(ExamError, match="Còn 1 bài thi chưa kết thúc"):
        sealing.seal_sitting(acting_user=w.board, sitting=w.other_sitting)
    Sitting.objects.filter(pk=w.sitting.pk).update(ended_at=w.t0)
    Attempt.objects.filter(pk=w.an.pk).update(score=None)
    with pytest.raises(ExamError, match="chưa được chấm điểm"):
        sealing.seal_sitting(acting_user=w.board, sitting=w.sitting)
    results.score_attempt(Attempt.objects.select_related("exam").get(pk=w.an.pk))
    sealing.seal_sitting(acting_user=w.board, sitting=w.sitting)
    with pytest.raises(sealing.SealedError, match="đã được niêm phong"):
        sealing.seal_sitting(acting_user=w.board, sitting=w.sitting)
    assert AuditLog.objects.filter(action="sitting.sealed").count() == 1
    assert len(list(archive_dir.iterdir())) == 1  # no half-written archive left by a refusal


# --- verify -----------------------------------------------------------------------------


def test_a_tampered_archive_names_the_attempt(sealed, archive_dir):
    path = archive_dir / sealed.sitting.archive_name
    name = f"attempts/{sealed.binh.pk}.json"
    _rewrite(path, name, lambda b: b.replace(b'"score":"', b'"score":"1'))
    problems = sealing.verify_sitting(sealed.sitting)
    assert problems == [f"Bài thi #{sealed.binh.pk} (103 Hoàng Văn Bình): nội dung trong tệp lưu trữ đã bị thay đổi."]


def test_a_damaged_byte_in_the_archive_is_named(sealed, archive_dir):
    path = archive_dir / sealed.sitting.archive_name
    _rewrite(path, f"attempts/{sealed.an.pk}.json", lambda b: b[:-2] + b"]}")
    assert any(f"Bài thi #{sealed.an.pk}" in p for p in sealing.verify_sitting(sealed.sitting))


def test_a_rewritten_manifest_does_not_match_the_kept_digest(sealed, archive_dir):
    path = archive_dir / sealed.sitting.archive_name
    name = f"attempts/{sealed.an.pk}.json"

    def forge(listing):  # a forger who rewrites An's line to match an edited file
        lines = listing.decode().splitlines(keepends=True)
        return "".join(("0" * 64 + f"  {name}\n") if line.endswith(f"  {name}\n") else line for line in lines).encode()

    _rewrite(path, "MANIFEST", forge)
    problems = sealing.verify_sitting(sealed.sitting)
    assert problems[0] == f"MANIFEST của ca thi #{sealed.sitting.pk} không khớp mã băm niêm phong."
    assert all(f"Bài thi #{sealed.an.pk}" in p for p in problems[1:]) and len(problems) == 3


def test_a_row_changed_in_the_database_after_the_seal_names_the_attempt(sealed):
    Response.objects.filter(attempt=sealed.huong, item__position=1).update(selected=["d"])
    AttemptEvent.objects.create(attempt=sealed.an, kind="focus_lost")
    problems = sealing.verify_sitting(sealed.sitting)
    assert problems == [
        f"Bài thi #{sealed.an.pk} (101 Nguyễn Văn An): dữ liệu trong cơ sở dữ liệu khác bản niêm phong.",
        f"Bài thi #{sealed.huong.pk} (102 Lò Thị Hương): dữ liệu trong cơ sở dữ liệu khác bản niêm phong.",
    ]


def test_a_missing_archive_is_a_problem(sealed, archive_dir):
    (archive_dir / sealed.sitting.archive_name).unlink()
    assert sealing.verify_sitting(sealed.sitting) == [
        f"Không đọc được tệp lưu trữ {sealed.sitting.archive_name} của ca thi #{sealed.sitting.pk}."
    ]


def test_verify_command_prints_ok_and_fails_naming_the_attempt(sealed):
    out = io.StringIO()
    call_command("verify_sittings", stdout=out)
    assert f"OK ca thi #{sealed.sitting.pk}" in out.getvalue()
    Attempt.objects.filter(pk=sealed.an.pk).update(score=Decimal("10.00"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 ca thi"):
        call_command("verify_sittings", "--sitting", str(sealed.sitting.pk), stdout=out)
    assert f"Bài thi #{sealed.an.pk} (101 Nguyễn Văn An)" in out.getvalue()
    with pytest.raises(CommandError, match="Không có ca thi #999999"):
        call_command("verify_sittings", "--sitting", "999999", stdout=io.StringIO())


# --- the guard: only re-marking changes a sealed attempt ------------------------------------


def test_rescoring_a_sealed_attempt_is_refused_and_scoring_the_exam_leaves_it(sealed):
    an = Attempt.objects.select_related("exam", "sitting").get(pk=sealed.an.pk)
    with pytest.raises(sealing.SealedError) as exc:
        results.score_attempt(an)
    assert exc.value.status == 409 and exc.value.code == "sealed"
    Attempt.objects.filter(pk=an.pk).update(score=Decimal("9.99"))  # would be "fixed" by a re-score
    results.score_exam(sealed.exam)
    assert Attempt.objects.get(pk=an.pk).score == Decimal("9.99")


def test_key_correction_does_not_rescore_sealed_attempts_and_says_how_many(sealed):
    before = {a.pk: a.score for a in Attempt.objects.filter(sitting=sealed.sitting)}
    outcome = results.correct_key(
        acting_user=sealed.board, version=sealed.versions[2], correct_ids=["b"], reason="Đáp án đúng là B"
    )
    assert outcome["sealed"] == 4 and outcome["rescored"] == 0
    assert {a.pk: a.score for a in Attempt.objects.filter(sitting=sealed.sitting)} == before
    # The key change after the seal is audited, so verify does not call it tampering.
    assert sealing.verify_sitting(sealed.sitting) == []


def test_proctor_actions_and_incidents_on_a_sealed_sitting_are_refused(sealed):
    for step in (attempts.terminate, attempts.pause, attempts.resume):
        with pytest.raises(sealing.SealedError):
            step(acting_user=sealed.board, attempt=sealed.an, reason="Thử")
    with pytest.raises(sealing.SealedError, match="không ghi thêm"):
        incidents.record_incident(
            acting_user=sealed.proctor, sitting=sealed.sitting, kind="other", description="Ghi sau niêm phong"
        )


def test_re_marking_changes_a_sealed_result_and_verify_accepts_its_decision(sealed):
    an = Attempt.objects.select_related("exam", "sitting").get(pk=sealed.an.pk)
    old = an.score
    version = sealed.versions[2]
    version.options = [{**o, "correct": o["id"] == "b"} for o in version.options]
    version.save(update_fields=["options"])
    with sealing.remark_context():
        results.score_attempt(an)
    assert an.score > old
    problems = sealing.verify_sitting(sealed.sitting)
    assert any(f"Bài thi #{an.pk}" in p for p in problems)  # no decision recorded yet
    RemarkRequest.objects.create(
        attempt=an,
        requested_by=sealed.cast.staff_user,
        reason="Câu 3",
        status=RemarkRequest.Status.CHANGED,
        score_before=old,
        score_after=an.score,
    )
    problems = sealing.verify_sitting(sealed.sitting)
    assert not any(f"Bài thi #{an.pk}" in p for p in problems)
    # The key itself changed without an audited key correction: that is still named.
    assert problems == [f"Phiên bản câu hỏi #{version.pk}: dữ liệu trong cơ sở dữ liệu khác bản niêm phong."]


# --- API and page -------------------------------------------------------------------------


def test_seal_and_verify_through_the_api_for_managers_only(world, login, cast):
    url = f"{API}/{world.sitting.pk}"
    assert login(cast.hr_b).post(f"{url}/seal").status_code == 404  # another commune
    assert login(world.proctor).post(f"{url}/seal").json()["error"]["code"] == "forbidden"
    response = login(cast.hr_a).post(f"{url}/seal")
    assert response.status_code == 200
    body = response.json()
    assert body["sealed_by"] == "hr_a" and len(body["seal_digest"]) == 64
    again = login(cast.hr_a).post(f"{url}/seal")
    assert again.status_code == 409 and again.json()["error"]["code"] == "sealed"
    assert login(cast.hr_a).get(f"{url}/verify").json() == {"sitting_id": world.sitting.pk, "ok": True, "problems": []}
    Response.objects.filter(attempt=world.binh).update(seq=99)
    body = login(cast.hr_a).get(f"{url}/verify").json()
    assert body["ok"] is False and f"Bài thi #{world.binh.pk}" in body["problems"][0]
    assert login(world.proctor).get(f"{url}/verify").status_code == 403
    open_sitting = login(cast.hr_a).post(f"{API}/{world.other_sitting.pk}/seal")
    assert open_sitting.status_code == 409 and "chưa kết thúc" in open_sitting.json()["error"]["message"]


def test_seal_from_the_records_page(world, login, cast):
    client = login(cast.hr_a)
    page = client.get(f"/assessments/sittings/{world.sitting.pk}/records/")
    assert "Niêm phong ca thi" in page.content.decode()
    response = client.post(f"/assessments/sittings/{world.sitting.pk}/seal/", follow=True)
    world.sitting.refresh_from_db()
    assert world.sitting.seal_digest in response.content.decode()
    response = client.post(f"/assessments/sittings/{world.sitting.pk}/verify/", follow=True)
    assert "khớp bản niêm phong" in response.content.decode()
    assert login(world.proctor).post(f"/assessments/sittings/{world.sitting.pk}/verify/").status_code == 403
    assert login(cast.hr_b).get(f"/assessments/sittings/{world.sitting.pk}/records/").status_code == 404
