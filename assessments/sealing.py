"""Sealed sittings: the guard every write path calls, the seal, the archive and verify.

Once a sitting is sealed, its attempts (answers, events, scores) are kept as sealed;
the only path that may change one is re-marking (phúc khảo), which runs its re-score
inside `remark_context()` and records its own decision (issue 15).

The seal writes one zip archive per sitting. Circular 22/2025/TT-BNV (in force
10/12/2025), Quy chế, computer-based exams, as reported by the press (nld.com.vn,
21/10/2025; the article number is not verified): at the end of the sitting the results
are printed for candidates to sign, and the data are sealed and deleted from temporary
storage. Inside the archive: one canonical JSON file per attempt (its record,
answers and events, so verify can name the attempt), one per question version on the
sitting's papers (text, options, key), the sitting itself with its incidents, and a
MANIFEST of SHA-256 digests of every file. The digest of the MANIFEST is kept on the
sitting. `verify_sitting` rebuilds every file from the database and reads every file
of the archive, and names each attempt (or version) whose data no longer match.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assessments import recruitment
from assessments.models import Attempt, AttemptEvent, Incident, PaperItem, QuestionVersion, RemarkRequest, Sitting
from assessments.papers import ExamError
from hr_system.models import AuditLog

_remarking: contextvars.ContextVar[bool] = contextvars.ContextVar("remarking", default=False)

MANIFEST = "MANIFEST"
SITTING_FILE = "sitting.json"
# A sealed attempt's result fields: the one part of its record re-marking may change.
RESULT_FIELDS = ("score", "max_score", "part_scores", "passed")
# Re-marking writes its own events after the seal; they are not part of the sealed record.
REMARK_EVENT_PREFIX = "remark"
CLOSED_STATUSES = (Attempt.Status.FINALIZED, Attempt.Status.TERMINATED, Attempt.Status.ABSENT)


class SealedError(ExamError):
    """A change to an attempt of a sealed sitting, outside re-marking (409)."""

    code = "sealed"

    def __init__(self, message: str | None = None):
        super().__init__(message or "Ca thi đã được niêm phong; kết quả chỉ thay đổi qua phúc khảo.", "__all__", 409)


@contextlib.contextmanager
def remark_context():
    """Inside this block `check_unsealed` lets a sealed attempt be changed: re-marking only."""
    token = _remarking.set(True)
    try:
        yield
    finally:
        _remarking.reset(token)


def check_unsealed(attempt) -> None:
    """Raise SealedError when `attempt` sits on a sealed sitting, unless re-marking."""
    if not _remarking.get() and attempt.sitting_id is not None and attempt.sitting.sealed_at is not None:
        raise SealedError()


def unsealed_q() -> Q:
    """Attempts a bulk write (re-scoring an exam, a key correction) may still change:
    every attempt outside re-marking is filtered to those not on a sealed sitting."""
    return Q() if _remarking.get() else Q(sitting__sealed_at__isnull=True)


# --- the archive ------------------------------------------------------------------------


def archive_dir() -> Path:
    """Where sealed archives are kept: SEALED_SITTINGS_DIR, else MEDIA_ROOT/sealed-sittings
    (MEDIA_ROOT is outside the code and not served by URL)."""
    return Path(getattr(settings, "SEALED_SITTINGS_DIR", None) or Path(settings.MEDIA_ROOT) / "sealed-sittings")


def archive_path(sitting: Sitting) -> Path:
    return archive_dir() / sitting.archive_name


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def canonical(document) -> bytes:
    """One byte string per document: sorted keys, no spaces, UTF-8, UTC times."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain).encode()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def attempt_file(attempt_id: int) -> str:
    return f"attempts/{attempt_id}.json"


def version_file(version_id: int) -> str:
    return f"versions/{version_id}.json"


def _decimal(value) -> str | None:
    return None if value is None else str(value)


def sitting_documents(sitting: Sitting) -> dict[str, bytes]:
    """{file name: canonical bytes} of everything sealed, built from the database.

    A handful of queries whatever the number of candidates (attempts, items with
    responses, events, versions, incidents). The rank is left out on purpose: it is
    exam-wide and moves when a later sitting of the exam is scored."""
    attempts = list(
        Attempt.objects.filter(sitting=sitting)
        .select_related("employee", "checked_in_by")
        .order_by("pk")
        .only(
            "pk",
            "exam_id",
            "sitting_id",
            "seat",
            "checked_in_at",
            "checked_in_by__username",
            "employee__code",
            "employee__full_name",
            "status",
            "seed",
            "started_at",
            "deadline",
            "extra_seconds",
            "paused_at",
            "finalized_at",
            "answered",
            "score",
            "max_score",
            "part_scores",
            "passed",
        )
    )
    ids = [a.pk for a in attempts]
    items: dict[int, list] = {pk: [] for pk in ids}
    version_ids: set[int] = set()
    for attempt_id, position, part_id, version_id, order, selected, seq, saved_at in (
        PaperItem.objects.filter(attempt__sitting=sitting)
        .order_by("attempt_id", "position")
        .values_list(
            "attempt_id",
            "position",
            "part_id",
            "version_id",
            "option_order",
            "response__selected",
            "response__seq",
            "response__saved_at",
        )
    ):
        version_ids.add(version_id)
        answer = None if seq is None else {"selected": selected, "seq": seq, "saved_at": saved_at}
        items[attempt_id].append(
            {
                "position": position,
                "part_id": part_id,
                "version_id": version_id,
                "option_order": order,
                "answer": answer,
            }
        )
    events: dict[int, list] = {pk: [] for pk in ids}
    for pk, attempt_id, at, kind, detail, by in (
        AttemptEvent.objects.filter(attempt__sitting=sitting)
        .exclude(kind__startswith=REMARK_EVENT_PREFIX)
        .order_by("attempt_id", "at", "pk")
        .values_list("pk", "attempt_id", "at", "kind", "detail", "by__username")
    ):
        events[attempt_id].append({"id": pk, "at": at, "kind": kind, "detail": detail, "by": by})

    documents: dict[str, bytes] = {}
    for a in attempts:
        documents[attempt_file(a.pk)] = canonical(
            {
                "id": a.pk,
                "exam_id": a.exam_id,
                "sitting_id": a.sitting_id,
                "employee_code": a.employee.code,
                "full_name": a.employee.full_name,
                "seat": a.seat,
                "checked_in_at": a.checked_in_at,
                "checked_in_by": a.checked_in_by.username if a.checked_in_by else None,
                "status": a.status,
                "seed": a.seed,
                "started_at": a.started_at,
                "deadline": a.deadline,
                "extra_seconds": a.extra_seconds,
                "paused_at": a.paused_at,
                "finalized_at": a.finalized_at,
                "answered": a.answered,
                "score": _decimal(a.score),
                "max_score": _decimal(a.max_score),
                "part_scores": a.part_scores,
                "passed": a.passed,
                "items": items[a.pk],
                "events": events[a.pk],
            }
        )
    for pk, question_id, number, kind, text, options in (
        QuestionVersion.objects.filter(pk__in=version_ids)
        .order_by("pk")
        .values_list("pk", "question_id", "number", "kind", "text", "options")
    ):
        documents[version_file(pk)] = canonical(
            {"id": pk, "question_id": question_id, "number": number, "kind": kind, "text": text, "options": options}
        )
    incidents = [
        {
            "id": i.pk,
            "attempt_id": i.attempt_id,
            "kind": i.kind,
            "at": i.at,
            "description": i.description,
            "rule_broken": i.rule_broken,
            "from_seat": i.from_seat,
            "to_seat": i.to_seat,
            "time_restored_seconds": i.time_restored_seconds,
            "by": i.by.username if i.by else None,
        }
        for i in Incident.objects.filter(sitting=sitting).select_related("by").order_by("at", "pk")
    ]
    documents[SITTING_FILE] = canonical(
        {
            "id": sitting.pk,
            "exam_id": sitting.exam_id,
            "exam_title": sitting.exam.title,
            "name": sitting.name,
            "venue": sitting.venue,
            "starts_at": sitting.starts_at,
            "ends_at": sitting.ends_at,
            "ended_at": sitting.ended_at,
            "proctors": sorted(sitting.proctors.values_list("username", flat=True)),
            "attempts": ids,
            "incidents": incidents,
        }
    )
    return documents


def manifest(documents: dict[str, bytes]) -> bytes:
    """`sha256  name` per file, sorted by name (the format sha256sum -c reads)."""
    return "".join(f"{digest(documents[name])}  {name}\n" for name in sorted(documents)).encode()


def _parse_manifest(data: bytes) -> dict[str, str]:
    entries = {}
    for line in data.decode("utf-8", "replace").splitlines():
        sha, _, name = line.partition("  ")
        if name:
            entries[name] = sha
    return entries


def seal_sitting(*, acting_user, sitting: Sitting, now: dt.datetime | None = None) -> Sitting:
    """Seal an ended sitting: write its archive and keep the MANIFEST's digest.

    Refused (409) before the sitting has ended, while any of its attempts is still open
    or a submitted one is unscored, and a second time. The archive is written to a
    temporary file and renamed into place; if the database write fails it is removed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        sitting = Sitting.objects.select_for_update().select_related("exam").get(pk=sitting.pk)
        if sitting.sealed_at is not None:
            raise SealedError("Ca thi này đã được niêm phong.")
        if sitting.ended_at is None:
            raise ExamError("Ca thi chưa kết thúc: chỉ niêm phong sau khi kết thúc ca thi.", "__all__", 409)
        attempts = Attempt.objects.filter(sitting=sitting)
        still_open = attempts.exclude(status__in=CLOSED_STATUSES).count()
        if still_open:
            raise ExamError(f"Còn {still_open} bài thi chưa kết thúc; chưa thể niêm phong ca thi.", "__all__", 409)
        unscored = attempts.filter(status=Attempt.Status.FINALIZED, score__isnull=True).count()
        if unscored:
            raise ExamError(
                f"Còn {unscored} bài đã nộp chưa được chấm điểm; chấm điểm trước khi niêm phong.", "__all__", 409
            )
        documents = sitting_documents(sitting)
        listing = manifest(documents)
        seal = digest(listing)
        name = f"exam-{sitting.exam_id}-sitting-{sitting.pk}-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.zip"
        folder = archive_dir()
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        os.close(handle)
        try:
            with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
                for file_name in sorted(documents):
                    archive.writestr(file_name, documents[file_name])
                archive.writestr(MANIFEST, listing)
            os.replace(temporary, target)
            sitting.sealed_at, sitting.sealed_by, sitting.seal_digest, sitting.archive_name = (
                now,
                acting_user if getattr(acting_user, "is_authenticated", False) else None,
                seal,
                name,
            )
            sitting.save(update_fields=["sealed_at", "sealed_by", "seal_digest", "archive_name"])
            AuditLog.record(
                user=acting_user,
                action="sitting.sealed",
                obj=sitting,
                exam=sitting.exam_id,
                digest=seal,
                archive=name,
                attempts=sum(1 for f in documents if f.startswith("attempts/")),
                size=target.stat().st_size,
            )
        except BaseException:
            for leftover in (temporary, target):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(leftover)
            raise
    return sitting


def _label(name: str, people: dict[int, str]) -> str:
    """What a problem names: the attempt (with the candidate) or the version or file."""
    folder, _, stem = name.partition("/")
    stem = stem.removesuffix(".json")
    if folder == "attempts" and stem.isdigit():
        return f"Bài thi #{stem}{people.get(int(stem), '')}"
    if folder == "versions" and stem.isdigit():
        return f"Phiên bản câu hỏi #{stem}"
    return f"Tệp {name}"


def _with_anonymised_name(sitting: Sitting, attempt_id: int, sealed: bytes, now: bytes) -> bytes:
    """The sealed attempt record with the candidate's name as it is now, when the only
    reason it changed is the audited anonymisation of a recruitment exam's candidates
    who were not recruited (assessments.recruitment). The archive keeps the name it was
    sealed with; the database no longer does, and that is not tampering."""
    before, after = json.loads(sealed), json.loads(now)
    if before.get("full_name") == after.get("full_name"):
        return sealed
    if after.get("full_name") != recruitment.anonymised_name(after.get("employee_code", "")):
        return sealed
    if not Attempt.objects.filter(pk=attempt_id, anonymised_at__isnull=False).exists():
        return sealed
    if not AuditLog.objects.filter(
        action=recruitment.ANONYMISED_ACTION, object_type="assessments.Exam", object_id=str(sitting.exam_id)
    ).exists():
        return sealed
    return canonical({**before, "full_name": after["full_name"]})


def _explained_by_remark(attempt_id: int, sealed: bytes, now: bytes) -> bool:
    """A difference only in the result fields that the last re-marking decision made."""
    before, after = json.loads(sealed), json.loads(now)
    if {k: v for k, v in before.items() if k not in RESULT_FIELDS} != {
        k: v for k, v in after.items() if k not in RESULT_FIELDS
    }:
        return False
    last = (
        RemarkRequest.objects.filter(attempt_id=attempt_id, status=RemarkRequest.Status.CHANGED)
        .order_by("-decided_at", "-pk")
        .first()
    )
    return last is not None and _decimal(last.score_after) == after.get("score")


def _explained_by_key_correction(version_id: int, sitting: Sitting, sealed: bytes, now: bytes) -> bool:
    """A difference only in the `correct` flags, after an audited key correction."""
    before, after = json.loads(sealed), json.loads(now)

    def without_key(doc):
        return {**doc, "options": [{k: v for k, v in o.items() if k != "correct"} for o in doc.get("options", [])]}

    return without_key(before) == without_key(after) and (
        AuditLog.objects.filter(
            action="question.key_corrected", object_id=str(version_id), at__gt=sitting.sealed_at
        ).exists()
    )


def verify_sitting(sitting: Sitting) -> list[str]:
    """Every problem with a sealed sitting's records, in Vietnamese; empty = intact.

    The archive is checked against its MANIFEST and the MANIFEST against the digest
    kept on the sitting; then every file is rebuilt from the database and compared.
    A changed result explained by a re-marking decision, and a changed key explained
    by an audited key correction, are not problems."""
    if sitting.sealed_at is None:
        return [f"Ca thi #{sitting.pk} chưa được niêm phong."]
    path = archive_path(sitting)
    try:
        archive = zipfile.ZipFile(path)
    except (FileNotFoundError, zipfile.BadZipFile, OSError):
        return [f"Không đọc được tệp lưu trữ {sitting.archive_name} của ca thi #{sitting.pk}."]
    people = {
        pk: f" ({code} {name})"
        for pk, code, name in Attempt.objects.filter(sitting=sitting).values_list(
            "pk", "employee__code", "employee__full_name"
        )
    }
    problems = []
    stored: dict[str, bytes] = {}
    unreadable: set[str] = set()
    with archive:
        for name in archive.namelist():
            try:
                stored[name] = archive.read(name)
            except (zipfile.BadZipFile, OSError, ValueError):  # a damaged member fails its CRC
                unreadable.add(name)
    listing = stored.pop(MANIFEST, b"")
    if digest(listing) != sitting.seal_digest:
        problems.append(f"MANIFEST của ca thi #{sitting.pk} không khớp mã băm niêm phong.")
    entries = _parse_manifest(listing)
    for name in sorted(set(entries) | set(stored)):
        if name in unreadable:
            problems.append(f"{_label(name, people)}: tệp trong lưu trữ bị hỏng, không đọc được.")
        elif name not in stored:
            problems.append(f"{_label(name, people)}: thiếu trong tệp lưu trữ.")
        elif name not in entries:
            problems.append(f"{_label(name, people)}: có trong tệp lưu trữ nhưng không có trong MANIFEST.")
        elif digest(stored[name]) != entries[name]:
            problems.append(f"{_label(name, people)}: nội dung trong tệp lưu trữ đã bị thay đổi.")
    current = sitting_documents(sitting)
    for name in sorted(set(entries) | set(current)):
        if name not in current:
            problems.append(f"{_label(name, people)}: có trong bản niêm phong nhưng không còn trong cơ sở dữ liệu.")
        elif name not in entries:
            problems.append(f"{_label(name, people)}: được thêm vào cơ sở dữ liệu sau khi niêm phong.")
        elif digest(current[name]) != entries[name]:
            sealed = stored.get(name)
            folder, _, stem = name.partition("/")
            stem = stem.removesuffix(".json")
            if sealed is not None and digest(sealed) == entries[name] and stem.isdigit():
                if folder == "attempts":
                    sealed = _with_anonymised_name(sitting, int(stem), sealed, current[name])
                    if sealed == current[name] or _explained_by_remark(int(stem), sealed, current[name]):
                        continue
                if folder == "versions" and _explained_by_key_correction(int(stem), sitting, sealed, current[name]):
                    continue
            problems.append(f"{_label(name, people)}: dữ liệu trong cơ sở dữ liệu khác bản niêm phong.")
    return problems
