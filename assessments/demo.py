"""Demo data of the assessments app, on top of hr_system.demo: a question bank loaded
from the import files in demo_bank/ (through the same parser and bank.import_items the
import page uses), reviewed and approved by the exam board; an exam the demo candidate
can sit now; a finished exam whose candidates' sittings went through the real
start / save / finalise / publish code, so results and item analysis are real; and an
exam organised in two sittings (ca thi) later this week, with a proctor, check-in at the
door and partial credit, for the sittings pages.

Idempotent: categories are found by code, a file is imported only into an empty
category, each exam is found by its title and created only when missing.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assessments import attempts, bank, papers, parsers, results, sittings
from assessments.models import Attempt, Category, Exam, PaperItem, Question, QuestionVersion
from hr_system import demo
from hr_system.models import Employee, OrgUnit

BANK_DIR = Path(__file__).resolve().parent / "demo_bank"
# (category code, name, file in demo_bank/, format, difficulty for items the file leaves unset)
BANK = [
    ("CBCC", "Luật Cán bộ, công chức và xử lý kỷ luật", "can_bo_cong_chuc.gift", "gift", 2),
    ("VBHC", "Văn bản hành chính (Nghị định 30/2020/NĐ-CP)", "van_ban_hanh_chinh.gift", "gift", 2),
    ("KLLD", "Chấm công và kỷ luật lao động", "ky_luat_cham_cong.xlsx", "xlsx", 2),
    ("THVP", "Tin học văn phòng", "tin_hoc_van_phong.txt", "aiken", 1),
    ("PCTN", "Phòng, chống tham nhũng", "phong_chong_tham_nhung.txt", "aiken", 2),
]
BANK_OWNER = "SL"  # the province's shared bank; communes draw from it
EXAM_UNIT = "SL-SNV"
# The Sở Nội vụ officer writes (imports) the items; the exam board reviews and approves
# them: the reviewer is never the author.
AUTHOR = "noivu.tinh"
REVIEWER = "hoidongthi"
CANDIDATE = "giaovien"

OPEN_EXAM_TITLE = "Thi thử kiến thức chung cán bộ, công chức, viên chức năm 2026"
FINISHED_EXAM_TITLE = "Kiểm tra kiến thức pháp luật và nghiệp vụ hành chính cấp xã, đợt 1 năm 2026"
OPEN_PER_CATEGORY = 2
FINISHED_PER_CATEGORY = 4
# The open exam's window: from the start of the seeding day for this many days.
OPEN_DAYS = 60
# The finished exam sat this many days before the seed, 08:00–10:00.
FINISHED_DAYS_AGO = 14
# Offices whose staff sat the finished exam (plus the demo candidate): the civil
# servants of every ward and commune, enough sittings per item for a stable analysis.
FINISHED_OFFICES = ("-VP", "-KT", "-VHXH")

SITTINGS_EXAM_TITLE = "Kiểm tra năng lực công chức cấp xã năm 2026 (thi trên máy, theo ca)"
# Two sittings of one day: (name, room, local start, local end).
SITTINGS = [
    ("Ca 1", "Phòng máy số 1, Sở Nội vụ", dt.time(8, 0), dt.time(9, 30)),
    ("Ca 2", "Phòng máy số 1, Sở Nội vụ", dt.time(14, 0), dt.time(15, 30)),
]
SITTINGS_CANDIDATES = 24
# The proctor at the door: a Sở Nội vụ officer (proctors are people of the organising unit).
PROCTOR = ("giamthi", "Giám thị Sở Nội vụ", "9901", "Lò Văn Giám")
# Made-up citizen-ID numbers for the check-in page: 000 + 9 digits, never a real number.
FAKE_CITIZEN_ID = "000{:09d}"


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _read(name: str) -> bytes:
    return (BANK_DIR / name).read_bytes()


def load_bank(author, reviewer) -> dict[str, int]:
    """Create the categories, import each file into its (empty) category, then review
    and approve every draft of them. Returns {category code: questions imported now}."""
    owner = OrgUnit.objects.get(code=BANK_OWNER)
    imported: dict[str, int] = {}
    for code, name, filename, fmt, difficulty in BANK:
        category = Category.objects.filter(code=code).first() or bank.create_category(
            acting_user=author, code=code, name=name, unit=owner
        )
        if Question.objects.filter(category=category).exists():
            imported[code] = 0
            continue
        items, errors = parsers.parse(_read(filename), fmt)
        report = bank.import_items(
            acting_user=author,
            items=items,
            category=category,
            difficulty=difficulty,
            errors=errors,
            source=f"demo_bank/{filename}",
        )
        if report.rejected or not report.written:
            reasons = "; ".join(f"dòng {r.row}: {r.reason}" for r in report.rejected)
            raise ValueError(f"demo_bank/{filename} không nhập được: {reasons}")
        imported[code] = report.created
    drafts = QuestionVersion.objects.filter(
        question__category__code__in=[code for code, *_ in BANK], status=QuestionVersion.Status.DRAFT
    ).order_by("pk")
    for version in drafts:
        bank.set_status(acting_user=reviewer, version=version, status=QuestionVersion.Status.REVIEWED)
        bank.set_status(acting_user=reviewer, version=version, status=QuestionVersion.Status.APPROVED)
    return imported


def _parts(per_category: int) -> list[dict]:
    categories = {c.code: c for c in Category.objects.filter(code__in=[code for code, *_ in BANK])}
    return [
        {
            "title": "Kiến thức chung",
            "rules": [{"category": categories[code], "difficulty": None, "count": per_category} for code, *_ in BANK],
        }
    ]


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def open_exam(board, now: dt.datetime) -> Exam:
    """An exam open now for the demo candidate and the other teachers of their school,
    results shown at once (a practice test)."""
    exam = Exam.objects.filter(title=OPEN_EXAM_TITLE).first()
    if exam is not None:
        return exam
    opens = _local_midnight(timezone.localdate(now))
    exam = attempts.create_exam(
        acting_user=board,
        unit=OrgUnit.objects.get(code=EXAM_UNIT),
        title=OPEN_EXAM_TITLE,
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=OPEN_DAYS),
        time_limit=20,
        parts=_parts(OPEN_PER_CATEGORY),
        results_policy=Exam.Results.IMMEDIATE,
    )
    candidate = Employee.objects.get(user__username=CANDIDATE)
    teachers = Employee.objects.filter(unit=candidate.unit, job_title__startswith="Giáo viên").order_by("code")
    attempts.add_candidates(acting_user=board, exam=exam, employees=[candidate, *teachers])
    papers.generate_papers(acting_user=board, exam=exam)
    return exam


def _answer(rng: random.Random, item: PaperItem, ability: float) -> list[str]:
    """What a candidate of this ability picks: the key with a probability that falls
    with the item's difficulty, else a plausible wrong choice; now and then nothing."""
    version = item.version
    key = [o["id"] for o in version.options if o.get("correct")]
    wrong = [o["id"] for o in version.options if not o.get("correct")]
    if rng.random() < 0.04:
        return []
    if rng.random() < 1 / (1 + math.exp(-(6 * (ability - 0.5) - (version.difficulty - 2)))):
        return key
    if version.kind == QuestionVersion.Kind.MULTIPLE:
        return sorted(set(key[:-1]) | {wrong[0]})
    # Most wrong answers go to the most tempting distractor (the first in the file).
    return [wrong[0] if rng.random() < 0.6 else rng.choice(wrong)]


def _sit(attempt: Attempt, start: dt.datetime, rng: random.Random) -> None:
    """One candidate's sitting through the exam page's own code path."""
    attempt = attempts.start_attempt(attempt=attempt, ip="10.14.0.20", access_code=None, now=start)
    ability = rng.uniform(0.3, 1.0)
    at = start
    items = PaperItem.objects.filter(attempt=attempt).select_related("version").order_by("position")
    for seq, item in enumerate(items, start=1):
        at += dt.timedelta(seconds=rng.randint(15, 110))
        selected = _answer(rng, item, ability)
        if selected:
            attempts.save_answer(
                attempt=attempt,
                session_token=attempt.session_token,
                position=item.position,
                selected=selected,
                seq=seq,
                now=at,
            )
    attempts.finalize(attempt=attempt, now=at + dt.timedelta(minutes=1), reason="submitted")


def finished_exam(board, now: dt.datetime) -> Exam:
    """An exam sat two weeks ago by the commune staff and the demo candidate, scored
    and published, so results and the item analysis have real data."""
    exam = Exam.objects.filter(title=FINISHED_EXAM_TITLE).first()
    if exam is not None:
        return exam
    opens = _local_midnight(timezone.localdate(now) - dt.timedelta(days=FINISHED_DAYS_AGO)) + dt.timedelta(hours=8)
    closes = opens + dt.timedelta(hours=2)
    exam = attempts.create_exam(
        acting_user=board,
        unit=OrgUnit.objects.get(code=EXAM_UNIT),
        title=FINISHED_EXAM_TITLE,
        opens_at=opens,
        # Candidates are put on the list before the sitting (add_candidates refuses a
        # closed exam); the window is closed at its real time once everyone has sat.
        closes_at=max(closes, now + dt.timedelta(hours=1)),
        time_limit=45,
        parts=_parts(FINISHED_PER_CATEGORY),
    )
    staff = Employee.objects.filter(
        category=Employee.Category.CIVIL_SERVANT, unit__code__regex=rf"^[PX]-[A-Z]+({'|'.join(FINISHED_OFFICES)})$"
    )
    candidate = Employee.objects.get(user__username=CANDIDATE)
    attempts.add_candidates(acting_user=board, exam=exam, employees=[candidate, *staff.order_by("code")])
    papers.generate_papers(acting_user=board, exam=exam)
    rng = random.Random(2026)
    for attempt in exam.attempts.select_related("exam").order_by("employee__code"):
        _sit(attempt, opens + dt.timedelta(seconds=rng.randint(0, 600)), rng)
    Exam.objects.filter(pk=exam.pk).update(closes_at=closes)
    exam.refresh_from_db()
    return results.publish(acting_user=board, exam=exam)


def _sitting_day(now: dt.datetime) -> dt.date:
    """The next day of the seeding week (the first sitting must lie ahead); on a Sunday,
    the Monday after."""
    return timezone.localdate(now) + dt.timedelta(days=1)


def _proctor():
    username, label, code, full_name = PROCTOR
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"first_name": label})
    if created:
        user.set_password(demo.DEMO_PASSWORD)
        user.save()
    Employee.objects.get_or_create(
        code=code,
        defaults={
            "full_name": full_name,
            "unit": OrgUnit.objects.get(code=EXAM_UNIT),
            "category": Employee.Category.CIVIL_SERVANT,
            "job_title": "Chuyên viên",
            "user": user,
        },
    )
    return user


def sittings_exam(board, now: dt.datetime) -> Exam:
    """An exam in two sittings the next day: candidates split between Ca 1 and Ca 2, a
    proctor for both, check-in required, partial credit for the weighted questions."""
    exam = Exam.objects.filter(title=SITTINGS_EXAM_TITLE).first()
    if exam is not None:
        return exam
    day = _sitting_day(now)
    opens = _local_midnight(day)
    exam = attempts.create_exam(
        acting_user=board,
        unit=OrgUnit.objects.get(code=EXAM_UNIT),
        title=SITTINGS_EXAM_TITLE,
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=1),
        time_limit=60,
        parts=_parts(OPEN_PER_CATEGORY),
        results_policy=Exam.Results.IMMEDIATE,
        scoring=Exam.Scoring.PARTIAL,
    )
    sittings.update_exam(acting_user=board, exam=exam, require_checkin=True)
    staff = list(
        Employee.objects.filter(category=Employee.Category.CIVIL_SERVANT, unit__code__regex=r"^[PX]-[A-Z]+-VP$")
        .exclude(user__isnull=False)
        .order_by("code")[:SITTINGS_CANDIDATES]
    )
    candidate = Employee.objects.get(user__username=CANDIDATE)
    people = [candidate, *staff]
    # Half of them have their citizen-ID number on file (clearly fake), for the door.
    for i, employee in enumerate(people[::2], start=1):
        if not employee.citizen_id:
            Employee.objects.filter(pk=employee.pk).update(citizen_id=FAKE_CITIZEN_ID.format(i))
    proctor = _proctor()
    half = (len(people) + 1) // 2
    for (name, venue, start, end), group in zip(SITTINGS, (people[:half], people[half:]), strict=True):
        sittings.create_sitting(
            acting_user=board,
            exam=exam,
            name=name,
            venue=venue,
            starts_at=timezone.make_aware(dt.datetime.combine(day, start)),
            ends_at=timezone.make_aware(dt.datetime.combine(day, end)),
            proctors=[proctor],
            employees=[e.pk for e in group],
        )
    papers.generate_papers(acting_user=board, exam=exam)
    return exam


@transaction.atomic
def seed(now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    if not get_user_model().objects.filter(username=REVIEWER).exists():
        demo.seed()
    author, board = _user(AUTHOR), _user(REVIEWER)
    imported = load_bank(author, board)
    return {
        "imported": imported,
        "approved": QuestionVersion.objects.filter(
            question__category__code__in=[code for code, *_ in BANK], status=QuestionVersion.Status.APPROVED
        ).count(),
        "open_exam": open_exam(board, now),
        "finished_exam": finished_exam(board, now),
        "sittings_exam": sittings_exam(board, now),
    }


def demo_workers() -> list[list[str]]:
    # The server, not the browser, closes attempts at their deadline.
    return [["finalize_attempts", "--loop"]]
