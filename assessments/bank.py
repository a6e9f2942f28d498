"""The question bank's writes: categories, questions and their versions, the review
workflow, and importing parsed question files (assessments.parsers reads them).

Every write is keyword-only, atomic and audited. A version that was approved or
already sits on a paper is never changed: editing it makes version n+1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from assessments import access
from assessments.models import Category, Question, QuestionVersion
from assessments.papers import ExamError
from assessments.parsers import (
    LETTERS,
    MAX_OPTIONS,
    Error,
    Item,
    describe_weights,
    nfc,
    numbered_options,
    parse_weight,
    split_tags,
    weight_problem,
)
from hr_system.models import AuditLog, OrgUnit
from hr_system.uploads import ImportReport, Rejected

Kind = QuestionVersion.Kind
Status = QuestionVersion.Status
Difficulty = QuestionVersion.Difficulty

CATEGORY_CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,50}$")


# --- writes ------------------------------------------------------------------------


def clean_content(*, kind: str, text: str, options: list[dict], difficulty: int, tags) -> dict:
    """Field values for a version, or ExamError naming the field. Option ids are given
    by position (a, b, c…); empty option slots of the form are dropped.

    An option may carry a "weight" in percent (the form's and the API's weight, a
    parsed file's ``%50%``). When any option has one, every option gets one (blank
    is 0), the options with a positive weight are the correct ones, and the weights
    must fit the kind (parsers.weight_problem); an option ticked correct with a weight
    of 0 or less is a contradiction and is refused rather than guessed at.
    """
    text = nfc(text or "").strip()
    if not text:
        raise ExamError("Nội dung câu hỏi không được để trống.", "text")
    if kind not in Kind.values:
        raise ExamError("Loại câu hỏi không hợp lệ.", "kind")
    if difficulty not in Difficulty.values:
        raise ExamError("Mức độ không hợp lệ.", "difficulty")
    given: list[tuple[str, bool, float | None]] = []
    for position, option in enumerate(options):
        option_text = nfc(str(option.get("text") or "")).strip()
        raw_weight = option.get("weight")
        weight = None
        if raw_weight is not None and str(raw_weight).strip() != "":
            try:
                weight = parse_weight(raw_weight)
            except ValueError as exc:
                raise ExamError(f"Phương án {_letter(position)}: {exc}", "options") from None
        if not option_text:
            if weight:
                raise ExamError(f"Phương án {_letter(position)} có trọng số nhưng không có nội dung.", "options")
            continue
        given.append((option_text, bool(option.get("correct")), weight))
    if kind == Kind.TRUE_FALSE and not given:
        raise ExamError("Câu Đúng/Sai cần hai phương án và một đáp án đúng.", "options")
    if len(given) > MAX_OPTIONS:
        raise ExamError(f"Tối đa {MAX_OPTIONS} phương án.", "options")
    if kind == Kind.TRUE_FALSE and len(given) != 2:
        raise ExamError("Câu Đúng/Sai phải có đúng hai phương án.", "options")
    texts = [t for t, _, _ in given]
    if len(set(texts)) != len(texts):
        raise ExamError("Có hai phương án trùng nội dung.", "options")
    tag_text = ", ".join(split_tags(tags))
    if len(tag_text) > 300:
        raise ExamError("Thẻ quá dài (tối đa 300 ký tự).", "tags")
    weights = None
    correct = {i for i, (_, c, _) in enumerate(given) if c}
    if any(w is not None for _, _, w in given):
        weights = [w or 0.0 for _, _, w in given]
        contradicted = [_letter(i) for i, (_, c, w) in enumerate(given) if c and not (w or 0) > 0]
        if contradicted:
            raise ExamError(
                f"Phương án {', '.join(contradicted)} được đánh dấu đúng nhưng trọng số không dương; "
                "phương án đúng cần trọng số lớn hơn 0.",
                "options",
            )
        correct = {i for i, w in enumerate(weights) if w > 0}
        if correct:
            problem = weight_problem(kind, weights)
            if problem:
                raise ExamError(problem, "options")
    values = {
        "kind": kind,
        "text": text,
        "options": numbered_options(texts, correct, weights),
        "difficulty": int(difficulty),
        "tags": tag_text,
    }
    try:
        QuestionVersion(**values).clean()
    except ValidationError as exc:
        raise ExamError(" ".join(exc.messages), "options") from None
    return values


def _letter(position: int) -> str:
    return LETTERS[position] if position < len(LETTERS) else str(position + 1)


@transaction.atomic
def create_category(*, acting_user, code: str, name: str, unit: OrgUnit | None) -> Category:
    """A category owned by `unit` (required: a bank shared by a province is owned by the
    province unit, and its communes use it without reading it)."""
    access.require_manager(acting_user)
    code, name = code.strip(), nfc(name).strip()
    if not code or not name:
        raise ExamError("Cần nhập mã và tên chủ đề.", "code" if not code else "name")
    if not CATEGORY_CODE_RE.match(code):
        # Codes are typed into import files ($CATEGORY paths split on "/", Excel cells).
        raise ExamError("Mã chủ đề chỉ gồm chữ không dấu, chữ số và . _ - (tối đa 50 ký tự).", "code")
    if unit is None:
        raise ExamError("Hãy chọn đơn vị sở hữu chủ đề.", "unit")
    if not access.manager_units(acting_user).filter(pk=unit.pk).exists():
        raise ExamError("Đơn vị không thuộc phạm vi bạn quản lý.", "unit", 403)
    if Category.objects.filter(code__iexact=code).exists():
        raise ExamError("Mã chủ đề đã tồn tại.", "code")
    category = Category.objects.create(code=code, name=name, unit=unit)
    AuditLog.record(user=acting_user, action="bank.category.create", obj=category, code=code)
    return category


def create_question(
    *, acting_user, category: Category, kind: str, text: str, options: list[dict], difficulty: int = 2, tags=""
) -> Question:
    """A new question with version 1 as a draft."""
    access.require_manager(acting_user)
    access.check_category(acting_user, category)
    values = clean_content(kind=kind, text=text, options=options, difficulty=difficulty, tags=tags)
    with transaction.atomic():
        question = Question.objects.create(category=category, created_by=acting_user)
        version = QuestionVersion.objects.create(question=question, number=1, author=acting_user, **values)
        AuditLog.record(user=acting_user, action="bank.question.create", obj=question, version=version.pk)
    return question


def edit_question(
    *, acting_user, question: Question, text: str, options: list[dict], kind: str, difficulty: int, tags
) -> QuestionVersion:
    """Change the latest version in place, or, if it is frozen, add version n+1 as a
    draft. Editing a reviewed version sends it back to draft: the review was of the old
    text. Returns the version now holding the content (unchanged if nothing changed)."""
    access.require_manager(acting_user)
    access.check_category(acting_user, question.category)
    values = clean_content(kind=kind, text=text, options=options, difficulty=difficulty, tags=tags)
    with transaction.atomic():
        Question.objects.select_for_update().filter(pk=question.pk).first()  # one editor at a time
        latest = question.versions.order_by("-number").first()
        if all(getattr(latest, name) == value for name, value in values.items()):
            return latest
        if latest.is_frozen():
            version = QuestionVersion.objects.create(
                question=question, number=latest.number + 1, author=acting_user, image=latest.image, **values
            )
            AuditLog.record(
                user=acting_user,
                action="bank.question.new_version",
                obj=question,
                version=version.pk,
                number=version.number,
            )
            return version
        for name, value in values.items():
            setattr(latest, name, value)
        latest.status, latest.reviewed_by = Status.DRAFT, None
        latest.save()
        AuditLog.record(
            user=acting_user, action="bank.question.edit", obj=question, version=latest.pk, number=latest.number
        )
        return latest


def set_status(*, acting_user, version: QuestionVersion, status: str) -> QuestionVersion:
    """Move a version one step along the workflow. The reviewer and the approver are
    recorded; they may be the author (small offices have one or two people): the page
    warns them and the audit record says so (`by_author`).

    Retired → approved is the undo of a retirement: the original approval comes back
    (approver unchanged), refused once a later version of the question was approved."""
    access.require_manager(acting_user)
    with transaction.atomic():
        version = QuestionVersion.objects.select_for_update().select_related("question__category").get(pk=version.pk)
        access.check_category(acting_user, version.question.category)
        if status not in version.next_statuses():
            raise ExamError(
                f"Không thể chuyển phiên bản {version.number} từ “{Status(version.status).label}” sang "
                f"“{Status(status).label if status in Status.values else status}”.",
                "status",
                409,
            )
        before = version.status
        undo = before == Status.RETIRED
        if undo:
            _check_unretire(version)
        version.status = status
        if status == Status.REVIEWED:
            version.reviewed_by = acting_user
        elif status == Status.APPROVED and not undo:  # an undo restores the original approval
            try:
                version.clean()
            except ValidationError as exc:
                raise ExamError(" ".join(exc.messages), "options") from None
            version.approved_by = acting_user
        version.save(update_fields=["status", "reviewed_by", "approved_by"])
        if status == Status.APPROVED:
            Question.objects.filter(pk=version.question_id).update(current=version)
        AuditLog.record(
            user=acting_user,
            action="bank.version.unretire" if undo else "bank.version.status",
            obj=version,
            question=version.question_id,
            number=version.number,
            before=before,
            after=status,
            by_author=version.author_id == getattr(acting_user, "pk", None),
        )
    return version


def _check_unretire(version: QuestionVersion) -> None:
    """An undo of a retirement is refused once a later version was approved: that one
    replaced it in the bank."""
    newer = QuestionVersion.objects.filter(
        question_id=version.question_id, number__gt=version.number, status__in=[Status.APPROVED, Status.RETIRED]
    )
    if newer.exists():
        raise ExamError(
            f"Câu hỏi đã có phiên bản mới hơn phiên bản {version.number} được phê duyệt; "
            "không thể khôi phục phiên bản cũ.",
            "status",
            409,
        )


@dataclass
class QuestionImportReport(ImportReport):
    """A question file's import; a rejected row is the line (or sheet row) of its item."""

    def as_dict(self) -> dict:
        return {
            "total": self.total_rows,
            "created": self.created,
            "rejected": [{"line": r.row, "reason": r.reason} for r in self.rejected],
            "warnings": [{"line": r.row, "reason": r.reason} for r in self.warnings],
            "written": self.written,
            "dry_run": self.dry_run,
        }


def import_items(
    *,
    acting_user,
    items: list[Item],
    category: Category | None,
    difficulty: int = Difficulty.MEDIUM,
    errors: Sequence[Error] = (),
    import_valid: bool = False,
    dry_run: bool = False,
    source: str = "",
) -> QuestionImportReport:
    """Create draft questions from parsed items.

    `errors` are the parser's rejections; they count like any other. With any rejected
    item nothing is written unless the author explicitly chose `import_valid`. An item
    naming a category code ($CATEGORY, the Chủ đề column) goes there when the caller may
    use that category, otherwise into `category` with a warning. Exact duplicates (same
    category, text and options) of a bank question or of an earlier item are rejected.
    """
    access.require_manager(acting_user)
    if category is not None:
        access.check_category(acting_user, category)
    report = QuestionImportReport(total_rows=len(items) + len(errors), dry_run=dry_run)
    report.rejected = [Rejected(line, reason) for line, reason in errors]
    codes = {i.category_code for i in items if i.category_code}
    named: dict[str, Category] = {}
    if codes:
        any_code = Q()
        for code in codes:
            any_code |= Q(code__iexact=code)
        named = {c.code.lower(): c for c in access.categories_for(acting_user).filter(any_code)}

    planned: list[tuple[Category, dict]] = []
    for item in items:
        target = named.get(item.category_code.lower()) if item.category_code else None
        if item.category_code and target is None:
            if category is None:
                report.rejected.append(
                    Rejected(
                        item.line,
                        f"Không có chủ đề mã “{item.category_code}” trong phạm vi của bạn và chưa chọn chủ đề mặc định.",
                    )
                )
                continue
            report.warnings.append(
                Rejected(
                    item.line,
                    f"Không có chủ đề mã “{item.category_code}” trong phạm vi của bạn; dùng chủ đề “{category.name}”.",
                )
            )
        target = target or category
        if target is None:
            report.rejected.append(Rejected(item.line, "Chưa chọn chủ đề cho câu hỏi."))
            continue
        try:
            values = clean_content(
                kind=item.kind,
                text=item.text,
                options=item.options,
                difficulty=item.difficulty or difficulty,
                tags=item.tags,
            )
        except ExamError as exc:
            report.rejected.append(Rejected(item.line, str(exc)))
            continue
        planned.append((target, values | {"line": item.line}))

    def key(category_id: int, text: str, options: list[dict]) -> tuple:
        return (category_id, text, tuple(o["text"] for o in options))

    existing = QuestionVersion.objects.filter(
        question__category__in={c.pk for c, _ in planned}, text__in={v["text"] for _, v in planned}
    ).values_list("question__category_id", "text", "options", "question_id")
    seen: dict[tuple, str] = {key(c, t, o): f"câu hỏi số {q} đã có trong ngân hàng" for c, t, o, q in existing}
    rows: list[tuple[Category, dict]] = []
    for target, values in planned:
        k = key(target.pk, values["text"], values["options"])
        if k in seen:
            report.rejected.append(Rejected(values["line"], f"Trùng với {seen[k]}."))
            continue
        seen[k] = f"câu ở dòng {values['line']}"
        if any("weight" in o for o in values["options"]):
            # Weights are kept either way; say now what an all-or-nothing exam does with them.
            report.warnings.append(
                Rejected(
                    values["line"],
                    f"Câu hỏi có trọng số từng phần ({describe_weights(values['options'])}); kỳ thi chấm "
                    "“đúng hoàn toàn mới được điểm” sẽ bỏ qua trọng số, kỳ thi chấm “tính điểm từng phần” dùng trọng số.",
                )
            )
        rows.append((target, values))
    report.rejected.sort(key=lambda r: r.row)
    report.warnings.sort(key=lambda r: r.row)
    report.created = len(rows)

    if dry_run or not rows or (report.rejected and not import_valid):
        return report
    with transaction.atomic():
        questions = Question.objects.bulk_create(
            [Question(category=target, created_by=acting_user) for target, _ in rows], batch_size=500
        )
        QuestionVersion.objects.bulk_create(
            [
                QuestionVersion(
                    question=q, number=1, author=acting_user, **{k: v for k, v in values.items() if k != "line"}
                )
                for q, (_, values) in zip(questions, rows, strict=True)
            ],
            batch_size=500,
        )
        AuditLog.record(
            user=acting_user,
            action="bank.import",
            object_type="assessments.Question",
            source=source,
            created=report.created,
            rejected=len(report.rejected),
            default_category=category.pk if category else None,
        )
    report.written = True
    return report
