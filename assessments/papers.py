"""Drawing papers from a blueprint (pure) and generating them ahead of the start."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from assessments.models import Attempt, BlueprintRule, Exam, PaperItem, QuestionVersion
from hr_system.models import AuditLog


class ExamError(ValueError):
    """An exam set-up or attempt operation that cannot be done; message shown as is."""

    def __init__(self, message: str, field: str = "__all__", status: int = 422):
        super().__init__(message)
        self.field, self.status = field, status


@dataclass(frozen=True)
class Slot:
    part_id: int
    version_id: int
    option_ids: tuple[str, ...]


def draw(
    rules: list[tuple[int, int, int | None, int]],
    pool: dict[tuple[int, int | None], list[tuple[int, tuple[str, ...]]]],
    rng: random.Random,
    *,
    shuffle_questions: bool,
    shuffle_options: bool,
) -> list[Slot]:
    """rules: (part_id, category_id, difficulty or None, count), in part order.
    pool: (category_id, difficulty or None) → [(version id, option ids)].
    A question is drawn at most once per paper even if two rules could both take it."""
    used: set[int] = set()
    slots_by_part: dict[int, list[Slot]] = {}
    for part_id, category_id, difficulty, count in rules:
        candidates = [c for c in pool.get((category_id, difficulty), []) if c[0] not in used]
        if len(candidates) < count:
            # Two rules sharing a pool ("any level" and one level of the same category)
            # can pass check_blueprint's per-rule counts and still run dry here.
            raise ExamError(
                f"Không đủ câu hỏi để rút đề: một quy tắc cần {count} câu nhưng chỉ còn {len(candidates)} câu "
                "chưa được quy tắc khác của cùng chủ đề dùng. Hãy giảm số câu hoặc bổ sung câu hỏi đã phê duyệt.",
                "blueprint",
            )
        chosen = rng.sample(candidates, count)
        for version_id, option_ids in chosen:
            used.add(version_id)
            options = list(option_ids)
            if shuffle_options:
                rng.shuffle(options)
            slots_by_part.setdefault(part_id, []).append(Slot(part_id, version_id, tuple(options)))
    out: list[Slot] = []
    for part_id in dict.fromkeys(r[0] for r in rules):
        part_slots = slots_by_part.get(part_id, [])
        if shuffle_questions:
            rng.shuffle(part_slots)
        out.extend(part_slots)
    return out


def _pool_entries(rows) -> dict[tuple[int, int | None], list[tuple[int, tuple[str, ...]]]]:
    pool: dict[tuple[int, int | None], list[tuple[int, tuple[str, ...]]]] = {}
    for pk, category_id, difficulty, options in sorted(rows):
        entry = (pk, tuple(o["id"] for o in options))
        pool.setdefault((category_id, difficulty), []).append(entry)
        pool.setdefault((category_id, None), []).append(entry)
    return pool


def approved_pool(rules: list[BlueprintRule]) -> dict[tuple[int, int | None], list[tuple[int, tuple[str, ...]]]]:
    """Current approved versions by (category, difficulty); `None` difficulty = any."""
    categories = {r.category_id for r in rules}
    versions = QuestionVersion.objects.filter(
        status=QuestionVersion.Status.APPROVED, question__current=F("pk"), question__category_id__in=categories
    ).values_list("pk", "question__category_id", "difficulty", "options")
    return _pool_entries(versions)


def exam_pool(
    exam: Exam, rules: list[BlueprintRule]
) -> dict[tuple[int, int | None], list[tuple[int, tuple[str, ...]]]]:
    """What a paper of this exam may draw: the current approved versions, except that a
    question already on the exam's papers keeps the version those papers have, even if
    it was retired or superseded since. An owner retiring a shared item then never
    stops another unit from giving papers to late candidates of an exam already under
    way (their colleagues had the item too); a new exam never draws a retired item."""
    categories = {r.category_id for r in rules}
    on_papers = (
        QuestionVersion.objects.filter(
            pk__in=PaperItem.objects.filter(attempt__exam=exam).values("version_id"),
            question__category_id__in=categories,
        )
        .order_by("question_id", "pk")
        .values_list("pk", "question_id", "question__category_id", "difficulty", "options")
    )
    chosen: dict[int, tuple] = {}
    for pk, question_id, category_id, difficulty, options in on_papers:
        chosen.setdefault(question_id, (pk, category_id, difficulty, options))
    current = QuestionVersion.objects.filter(
        status=QuestionVersion.Status.APPROVED, question__current=F("pk"), question__category_id__in=categories
    ).values_list("pk", "question_id", "question__category_id", "difficulty", "options")
    for pk, question_id, category_id, difficulty, options in current:
        chosen.setdefault(question_id, (pk, category_id, difficulty, options))
    return _pool_entries(chosen.values())


def with_approved_counts(categories):
    """Categories annotated with how many current approved questions they hold at each
    level (`easy`, `medium`, `hard`): what a blueprint may draw, without any text."""
    approved = Q(questions__current__status=QuestionVersion.Status.APPROVED)
    level = QuestionVersion.Difficulty
    return categories.annotate(
        easy=Count("questions", filter=approved & Q(questions__current__difficulty=level.EASY)),
        medium=Count("questions", filter=approved & Q(questions__current__difficulty=level.MEDIUM)),
        hard=Count("questions", filter=approved & Q(questions__current__difficulty=level.HARD)),
    )


def _retired(category_id: int, difficulty: int | None) -> int:
    retired = QuestionVersion.objects.filter(
        status=QuestionVersion.Status.RETIRED, question__current=F("pk"), question__category_id=category_id
    )
    return (retired if difficulty is None else retired.filter(difficulty=difficulty)).count()


def check_blueprint(exam: Exam) -> list[tuple[int, int, int | None, int]]:
    rules = list(
        BlueprintRule.objects.filter(part__exam=exam).select_related("part", "category").order_by("part__order", "pk")
    )
    if not rules:
        raise ExamError("Kỳ thi chưa có cấu trúc đề (ma trận câu hỏi).", "blueprint")
    pool = exam_pool(exam, rules)
    need: dict[tuple[int, int | None], int] = {}
    for r in rules:
        need[(r.category_id, r.difficulty)] = need.get((r.category_id, r.difficulty), 0) + r.count
    for r in rules:
        have = len(pool.get((r.category_id, r.difficulty), []))
        if have < need[(r.category_id, r.difficulty)]:
            level = dict(QuestionVersion.Difficulty.choices).get(r.difficulty, "mọi mức độ")
            retired = _retired(r.category_id, r.difficulty)
            note = f" ({retired} câu đã ngừng sử dụng không được rút vào đề mới)" if retired else ""
            raise ExamError(
                f"Không đủ câu hỏi đã phê duyệt cho phần “{r.part.title}”: chủ đề “{r.category.name}”, "
                f"mức {level} cần {need[(r.category_id, r.difficulty)]}, hiện có {have}{note}.",
                "blueprint",
            )
    return [(r.part_id, r.category_id, r.difficulty, r.count) for r in rules]


def generate_papers(*, acting_user, exam: Exam) -> int:
    """Give every attempt without a paper its own paper, now, before the start. With
    every candidate already holding one there is nothing to draw (and nothing to check:
    a bank item retired since must not make this fail)."""
    attempts = list(exam.attempts.filter(items__isnull=True, status=Attempt.Status.NOT_STARTED).distinct())
    if not attempts and exam.attempts.exists():
        return 0
    rule_rows = check_blueprint(exam)
    rules = list(BlueprintRule.objects.filter(part__exam=exam))
    pool = exam_pool(exam, rules)
    items: list[PaperItem] = []
    exposure: dict[int, int] = {}
    for attempt in attempts:
        if not attempt.seed:
            attempt.seed = secrets.randbits(48)
            Attempt.objects.filter(pk=attempt.pk).update(seed=attempt.seed)
        slots = draw(
            rule_rows,
            pool,
            random.Random(attempt.seed),
            shuffle_questions=exam.shuffle_questions,
            shuffle_options=exam.shuffle_options,
        )
        for position, slot in enumerate(slots, start=1):
            items.append(
                PaperItem(
                    attempt=attempt,
                    position=position,
                    part_id=slot.part_id,
                    version_id=slot.version_id,
                    option_order=list(slot.option_ids),
                )
            )
            exposure[slot.version_id] = exposure.get(slot.version_id, 0) + 1
    with transaction.atomic():
        PaperItem.objects.bulk_create(items, batch_size=2000)
        for version_id, n in exposure.items():
            QuestionVersion.objects.filter(pk=version_id).update(exposure_count=F("exposure_count") + n)
        Exam.objects.filter(pk=exam.pk).update(papers_generated_at=timezone.now())
        AuditLog.record(user=acting_user, action="exam.papers_generated", obj=exam, papers=len(attempts))
    return len(attempts)
