"""Question bank, exams and attempts.

An exam's papers are generated ahead of the start (one per candidate, with its own
question and option order), so starting is a single small write. Answers are one row
per (attempt, paper item), upserted with a client sequence number; the server owns
the clock (Attempt.deadline) and finalises attempts itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import rules
from hr_system.models import DerivedColumnsQuerySet, Employee, OrgUnit, folded_match
from hr_system.text import fold


class Category(models.Model):
    """A bank category, e.g. state-management knowledge, law, IT, foreign language, specialty.

    Every category has an owning unit: only managers of that unit's subtree read and
    change its items (a province's shared bank is owned by the province). Units below
    the owner may draw its approved items into their blueprints by counts, unseen
    (assessments.access: managed vs usable categories).
    """

    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    unit = models.ForeignKey(
        OrgUnit, models.PROTECT, related_name="question_categories", verbose_name=_("đơn vị sở hữu")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("chủ đề câu hỏi")
        verbose_name_plural = _("chủ đề câu hỏi")

    def __str__(self) -> str:
        return self.name


class QuestionQuerySet(models.QuerySet):
    def with_versions(self) -> QuestionQuerySet:
        """Category, unit and every version (with its people) loaded for a list or a detail."""
        versions = QuestionVersion.objects.select_related("author", "reviewed_by", "approved_by")
        return self.select_related("category__unit").prefetch_related(models.Prefetch("versions", queryset=versions))

    def latest_matching(
        self,
        *,
        status: str | None = None,
        difficulty: int | None = None,
        tag: str | None = None,
        text: str | None = None,
    ) -> QuestionQuerySet:
        """Questions whose latest version has the status, difficulty, tag (one of its
        comma-separated tags, any case) and holds every word of the text (without
        diacritics or case, as Employee search); None matches anything."""
        latest = QuestionVersion.objects.filter(question=models.OuterRef("pk")).order_by("-number").values("pk")[:1]
        questions = self.annotate(latest_id=models.Subquery(latest))
        on_latest: dict = {}
        if status:
            on_latest["versions__status"] = status
        if difficulty:
            on_latest["versions__difficulty"] = difficulty
        if tag and tag.strip():
            escaped = re.escape(" ".join(tag.split()))
            on_latest["versions__tags__iregex"] = rf"(^|,)\s*{escaped}\s*(,|$)"
        words = folded_match("versions__text_folded", text) or models.Q()
        if on_latest or words:
            questions = questions.filter(words, versions__pk=models.F("latest_id"), **on_latest)
        return questions

    def search(self, text: str | None) -> QuestionQuerySet:
        """Questions whose latest version's text holds every word typed, without
        diacritics or case. Nothing to search for: every row."""
        return self.latest_matching(text=text)


class Question(models.Model):
    """A bank item's identity; its text and key live in versions."""

    category = models.ForeignKey(Category, models.PROTECT, related_name="questions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    current = models.ForeignKey("QuestionVersion", models.SET_NULL, null=True, blank=True, related_name="+")

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")


class QuestionVersion(models.Model):
    """One immutable-once-used version of a question.

    `options` is a list of {"id": "a", "text": "...", "correct": bool} and, when the
    author weighted the options (GIFT `~%50%`, the Excel template's weight column), a
    "weight" in percent of the question's mark (-100..100; the correct options' weights
    sum to 100). Exams scored "partial credit" use the weights; "all or nothing" exams
    use only `correct` (issue 15). Editing a
    version that already sits on a paper creates a new version; results keep theirs.
    Only approved versions reach a paper.
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("Một đáp án đúng")
        MULTIPLE = "multiple", _("Nhiều đáp án đúng")
        TRUE_FALSE = "true_false", _("Đúng/Sai")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        REVIEWED = "reviewed", _("Đã thẩm định")
        APPROVED = "approved", _("Đã phê duyệt")
        RETIRED = "retired", _("Ngừng sử dụng")

    class Difficulty(models.IntegerChoices):
        EASY = 1, _("Dễ")
        MEDIUM = 2, _("Trung bình")
        HARD = 3, _("Khó")

    # The review workflow: a draft is reviewed, then approved; approved versions may be
    # retired. A change is a new version. RETIRED → APPROVED exists only as the undo of a
    # retirement (bank.set_status: the approval it restores is the original one).
    REVIEW_STEPS = {
        Status.DRAFT: {Status.REVIEWED},
        Status.REVIEWED: {Status.APPROVED},
        Status.APPROVED: {Status.RETIRED},
        Status.RETIRED: {Status.APPROVED},
    }

    question = models.ForeignKey(Question, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SINGLE)
    text = models.TextField(_("nội dung"))
    # Derived from `text` by hr_system.text.fold: what bank search compares (issue 14).
    text_folded = models.TextField(blank=True, default="", db_default="", editable=False)
    DERIVED_FROM, DERIVED_FIELDS = "text", ("text_folded",)
    image = models.ImageField(_("hình ảnh"), upload_to="questions/", blank=True)
    options = models.JSONField(default=list)
    difficulty = models.PositiveSmallIntegerField(choices=Difficulty.choices, default=Difficulty.MEDIUM)
    tags = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    exposure_count = models.PositiveIntegerField(default=0, help_text="papers this version was put on")
    created_at = models.DateTimeField(default=timezone.now)

    objects = DerivedColumnsQuerySet.as_manager()  # bulk writes fill text_folded

    class Meta:
        ordering = ["question", "number"]
        verbose_name = _("phiên bản câu hỏi")
        verbose_name_plural = _("phiên bản câu hỏi")
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="question_version_once")]
        indexes = [models.Index(fields=["status", "difficulty"])]

    def save(self, *args, **kwargs):
        self.set_derived_fields()
        if kwargs.get("update_fields") is not None and self.DERIVED_FROM in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], *self.DERIVED_FIELDS}
        super().save(*args, **kwargs)

    def set_derived_fields(self) -> None:
        """The bank search column, from the text; bulk writes call this as save() does."""
        self.text_folded = fold(self.text)

    def correct_ids(self) -> set[str]:
        return {o["id"] for o in self.options if o.get("correct")}

    def weights(self) -> dict[str, float] | None:
        """{option id: weight in percent} when the author weighted any option, else None."""
        if not any("weight" in o for o in self.options):
            return None
        return {o["id"]: float(o.get("weight", 100 if o.get("correct") else 0)) for o in self.options}

    def next_statuses(self) -> list[str]:
        """The statuses the review workflow lets this version move to, in workflow order."""
        return sorted(self.REVIEW_STEPS.get(self.status, ()), key=self.Status.values.index)

    def is_frozen(self) -> bool:
        """A version that was approved or was put on any paper is kept as it is forever:
        results and statistics refer to it."""
        return (
            self.approved_by_id is not None
            or self.status in (self.Status.APPROVED, self.Status.RETIRED)
            or PaperItem.objects.filter(version=self).exists()
        )

    def clean(self) -> None:
        ids = [o.get("id") for o in self.options]
        if len(self.options) < 2 or len(set(ids)) != len(ids):
            raise ValidationError(_("Câu hỏi cần ít nhất hai phương án với mã khác nhau."))
        correct = self.correct_ids()
        if not correct:
            raise ValidationError(_("Câu hỏi phải có ít nhất một đáp án đúng."))
        if self.kind in (self.Kind.SINGLE, self.Kind.TRUE_FALSE) and len(correct) != 1:
            raise ValidationError(_("Câu hỏi một đáp án phải có đúng một phương án đúng."))


class Exam(models.Model):
    class Results(models.TextChoices):
        IMMEDIATE = "immediate", _("Hiện kết quả ngay")
        PUBLISHED = "published", _("Chỉ hiện khi công bố")

    class Layout(models.TextChoices):
        ONE = "one", _("Mỗi câu một màn hình")
        ALL = "all", _("Tất cả trên một trang")

    class Scoring(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("Đúng hoàn toàn mới được điểm")
        PARTIAL = "partial", _("Tính điểm từng phần theo trọng số phương án")

    class Purpose(models.TextChoices):
        COMPETENCY = "competency", _("Kiểm tra, đánh giá năng lực")
        RECRUITMENT = "recruitment", _("Thi tuyển dụng")

    title = models.CharField(_("tên kỳ thi"), max_length=200)
    unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="exams", help_text=_("đơn vị tổ chức"))
    time_limit = models.PositiveIntegerField(_("thời gian làm bài (phút)"), default=60)
    opens_at = models.DateTimeField(_("mở từ"))
    closes_at = models.DateTimeField(_("đóng lúc"))
    access_code_hash = models.CharField(max_length=64, blank=True)
    allowed_networks = models.TextField(_("dải IP được phép"), blank=True, help_text=_("Mỗi dòng một dải CIDR"))
    shuffle_questions = models.BooleanField(default=True)
    shuffle_options = models.BooleanField(default=True)
    negative_mark = models.DecimalField(
        _("trừ điểm mỗi câu sai (phần của 1 câu)"), max_digits=4, decimal_places=2, default=0
    )
    floor_at_zero = models.BooleanField(_("điểm không âm"), default=True)
    pass_percent = models.DecimalField(_("điểm đạt (%)"), max_digits=5, decimal_places=2, default=50)
    results_policy = models.CharField(max_length=10, choices=Results.choices, default=Results.PUBLISHED)
    layout = models.CharField(max_length=4, choices=Layout.choices, default=Layout.ONE)
    grace_seconds = models.PositiveSmallIntegerField(default=10, help_text="network grace after the deadline")
    scoring = models.CharField(
        _("cách tính điểm"), max_length=16, choices=Scoring.choices, default=Scoring.ALL_OR_NOTHING
    )
    # Sittings (ca thi, issue 15). Null: the default of the rules in force
    # (assessments.rules.late_entry_minutes, Circular 22/2025/TT-BNV).
    late_entry_minutes = models.PositiveSmallIntegerField(
        _("thời gian cho phép vào muộn (phút)"), null=True, blank=True
    )
    require_checkin = models.BooleanField(_("chỉ thí sinh đã được xác nhận danh tính mới được làm bài"), default=False)
    # Null: the default of the rules in force (assessments.rules.remark_window_days).
    remark_window_days = models.PositiveSmallIntegerField(_("thời hạn đề nghị phúc khảo (ngày)"), null=True, blank=True)
    # Recruitment exams (issue 16): the personal data of candidates who were not recruited
    # is anonymised once its purpose has ended (Law 91/2025/QH15 on Personal Data
    # Protection: data kept no longer than the purpose needs). No regulation fixes the
    # delay: it is the exam's own figure, counted from the close of the re-marking window
    # (assessments.remarks.window_closes_on), so appeals are over before anything goes.
    purpose = models.CharField(_("mục đích"), max_length=12, choices=Purpose.choices, default=Purpose.COMPETENCY)
    anonymise_after_days = models.PositiveSmallIntegerField(
        _("ẩn danh thí sinh không trúng tuyển sau (ngày, tính từ hết hạn phúc khảo)"), default=30
    )
    candidates_anonymised_at = models.DateTimeField(_("đã ẩn danh thí sinh lúc"), null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    papers_generated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("kỳ thi")
        verbose_name_plural = _("kỳ thi")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="exam_window_ordered")
        ]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def hash_code(code: str) -> str:
        return hashlib.sha256(code.strip().encode()).hexdigest()

    def set_access_code(self, code: str) -> None:
        self.access_code_hash = self.hash_code(code) if code else ""

    def check_access_code(self, code: str | None) -> bool:
        return not self.access_code_hash or (code is not None and self.hash_code(code) == self.access_code_hash)

    def ip_allowed(self, ip: str | None) -> bool:
        networks = [line.strip() for line in self.allowed_networks.splitlines() if line.strip()]
        if not networks:
            return True
        try:
            address = ipaddress.ip_address(ip or "")
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(n, strict=False) for n in networks)

    def late_entry_limit(self) -> int:
        """Minutes after a sitting's start a late candidate may still enter: the exam's
        own figure, else the regulation's default for its time limit (assessments.rules)."""
        if self.late_entry_minutes is not None:
            return self.late_entry_minutes
        return rules.late_entry_minutes(self.time_limit, timezone.localdate(self.opens_at))

    def remark_days(self) -> int:
        """Days after publication a candidate may ask for re-marking (exam's own, else the rule's)."""
        if self.remark_window_days is not None:
            return self.remark_window_days
        return rules.remark_window_days(timezone.localdate(self.opens_at))

    def anonymise_on(self) -> dt.date | None:
        """The first local day the non-recruited candidates of a recruitment exam may be
        anonymised: the day after the re-marking window closes plus the exam's delay.
        None for a competency exam or before results are published."""
        if self.purpose != self.Purpose.RECRUITMENT or self.published_at is None:
            return None
        closes_on = timezone.localdate(self.published_at) + dt.timedelta(days=self.remark_days())
        return closes_on + dt.timedelta(days=self.anonymise_after_days + 1)

    def signed_results_key(self) -> str:
        """The subject key of the signed results list (hr_system.signed_documents)."""
        return f"exam:{self.pk}"

    def results_visible(self) -> bool:
        return self.results_policy == self.Results.IMMEDIATE or self.published_at is not None

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now <= self.closes_at


class ExamPart(models.Model):
    exam = models.ForeignKey(Exam, models.CASCADE, related_name="parts")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    pass_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["exam", "order"]
        verbose_name = _("phần thi")
        verbose_name_plural = _("phần thi")


class BlueprintRule(models.Model):
    """`count` approved questions of `category` at `difficulty` (any difficulty if null)."""

    part = models.ForeignKey(ExamPart, models.CASCADE, related_name="rules")
    category = models.ForeignKey(Category, models.PROTECT, related_name="+")
    difficulty = models.PositiveSmallIntegerField(choices=QuestionVersion.Difficulty.choices, null=True, blank=True)
    count = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("quy tắc chọn câu hỏi")
        verbose_name_plural = _("quy tắc chọn câu hỏi")


class Attempt(models.Model):
    """One candidate's sitting of one exam; created with the paper, before the start."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Chưa bắt đầu")
        IN_PROGRESS = "in_progress", _("Đang làm bài")
        PAUSED = "paused", _("Tạm dừng")
        FINALIZED = "finalized", _("Đã nộp")
        TERMINATED = "terminated", _("Bị đình chỉ")
        ABSENT = "absent", _("Vắng thi")

    exam = models.ForeignKey(Exam, models.CASCADE, related_name="attempts")
    # The sitting (ca thi) the candidate is listed on; null for an exam without sittings
    # (the candidate starts any time in the exam's window, as before issue 15).
    sitting = models.ForeignKey(
        "Sitting", models.PROTECT, null=True, blank=True, related_name="attempts", verbose_name=_("ca thi")
    )
    seat = models.CharField(_("máy thi"), max_length=40, blank=True)
    checked_in_at = models.DateTimeField(_("xác nhận danh tính lúc"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    employee = models.ForeignKey(Employee, models.PROTECT, related_name="attempts")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    seed = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    extra_seconds = models.IntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    session_token = models.CharField(max_length=64, blank=True)
    last_heartbeat = models.DateTimeField(null=True, blank=True)
    answered = models.PositiveSmallIntegerField(default=0)
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    part_scores = models.JSONField(default=list, blank=True)
    passed = models.BooleanField(null=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    # Set by the exam board on a recruitment exam (assessments.recruitment): a recruited
    # candidate's personal data is kept; the others' is anonymised after the window.
    recruited = models.BooleanField(_("trúng tuyển"), default=False)
    # When the candidate's personal data was anonymised (assessments.recruitment): what
    # lets verify_sitting tell that from a quiet rename of a sealed candidate.
    anonymised_at = models.DateTimeField(_("ẩn danh lúc"), null=True, blank=True)

    class Meta:
        ordering = ["exam", "employee__sort_key", "employee__code"]
        verbose_name = _("bài thi")
        verbose_name_plural = _("bài thi")
        constraints = [models.UniqueConstraint(fields=["exam", "employee"], name="one_attempt_per_candidate")]
        indexes = [models.Index(fields=["status", "deadline"])]

    @property
    def is_sealed(self) -> bool:
        """On a sitting whose records were sealed: only re-marking may change it."""
        return self.sitting_id is not None and self.sitting.sealed_at is not None

    def is_open_for_answers(self, now: dt.datetime) -> bool:
        grace = dt.timedelta(seconds=self.exam.grace_seconds)
        return self.status == self.Status.IN_PROGRESS and self.deadline is not None and now <= self.deadline + grace


class PaperItem(models.Model):
    """Position `position` of a candidate's paper: a question version and its option order."""

    attempt = models.ForeignKey(Attempt, models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    part = models.ForeignKey(ExamPart, models.CASCADE, related_name="+")
    version = models.ForeignKey(QuestionVersion, models.PROTECT, related_name="paper_items")
    option_order = models.JSONField(default=list)

    class Meta:
        ordering = ["attempt", "position"]
        verbose_name = _("câu hỏi trong đề")
        verbose_name_plural = _("câu hỏi trong đề")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="paper_position_once"),
            models.UniqueConstraint(fields=["attempt", "version"], name="paper_question_once"),
        ]


class Response(models.Model):
    """The candidate's latest answer to one paper item: one row, upserted with `seq`."""

    attempt = models.ForeignKey(Attempt, models.CASCADE, related_name="responses")
    item = models.OneToOneField(PaperItem, models.CASCADE, related_name="response")
    selected = models.JSONField(default=list)
    seq = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("câu trả lời")
        verbose_name_plural = _("câu trả lời")
        indexes = [models.Index(fields=["attempt"])]


class AttemptEvent(models.Model):
    """Append-only log: start, takeover, focus loss, refused late save, pause, extension…"""

    attempt = models.ForeignKey(Attempt, models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=32)
    detail = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("sự kiện bài thi")
        verbose_name_plural = _("sự kiện bài thi")
        indexes = [models.Index(fields=["attempt", "kind"])]


class Sitting(models.Model):
    """A sitting (ca thi) of an exam: one room or venue, one candidate list (the
    attempts pointing here), one programmed start and end.

    The clock of every listed candidate starts at `starts_at` whether or not they have
    logged in; a candidate may enter until `starts_at` + the exam's late-entry limit
    and gets only the time left (Circular 22/2025/TT-BNV, issue 15). Papers are
    generated ahead, so the start is a state change, not work. After the end the
    sitting's records are sealed into an archive whose SHA-256 digest is kept here.
    """

    exam = models.ForeignKey(Exam, models.CASCADE, related_name="sittings")
    name = models.CharField(_("tên ca thi"), max_length=100)
    venue = models.CharField(_("phòng thi, địa điểm"), max_length=200)
    starts_at = models.DateTimeField(_("giờ bắt đầu"))
    ends_at = models.DateTimeField(_("giờ kết thúc"))
    proctors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="proctored_sittings", verbose_name=_("giám thị")
    )
    ended_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    sealed_at = models.DateTimeField(_("niêm phong lúc"), null=True, blank=True)
    sealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    seal_digest = models.CharField(_("mã băm niêm phong (SHA-256)"), max_length=64, blank=True)
    archive_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["exam", "starts_at", "pk"]
        verbose_name = _("ca thi")
        verbose_name_plural = _("ca thi")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="sitting_window_ordered"),
            models.UniqueConstraint(fields=["exam", "name"], name="sitting_name_once_per_exam"),
        ]

    def __str__(self) -> str:
        return f"{self.exam.title} — {self.name}"

    @property
    def is_sealed(self) -> bool:
        return self.sealed_at is not None

    def has_started(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.starts_at

    @property
    def entry_closes_at(self) -> dt.datetime:
        """The late-entry limit: no candidate enters after it; absentees are marked then."""
        return self.starts_at + dt.timedelta(minutes=self.exam.late_entry_limit())


class Incident(models.Model):
    """Something the proctors recorded during a sitting, for its minutes (biên bản)."""

    class Kind(models.TextChoices):
        MACHINE_FAILURE = "machine_failure", _("Sự cố máy tính")
        MOVED = "moved", _("Chuyển thí sinh sang máy khác")
        VIOLATION = "violation", _("Vi phạm quy chế")
        OTHER = "other", _("Khác")

    sitting = models.ForeignKey(Sitting, models.CASCADE, related_name="incidents")
    attempt = models.ForeignKey(Attempt, models.CASCADE, null=True, blank=True, related_name="incidents")
    kind = models.CharField(_("loại sự việc"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    description = models.TextField(_("diễn biến"))
    rule_broken = models.CharField(_("quy định bị vi phạm"), max_length=300, blank=True)
    from_seat = models.CharField(_("máy cũ"), max_length=40, blank=True)
    to_seat = models.CharField(_("máy mới"), max_length=40, blank=True)
    time_restored_seconds = models.PositiveIntegerField(_("thời gian bù (giây)"), default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["sitting", "at", "pk"]
        verbose_name = _("sự việc trong ca thi")
        verbose_name_plural = _("sự việc trong ca thi")


class RemarkRequest(models.Model):
    """A candidate's request for re-marking (phúc khảo) and the board's decision.

    The only path that changes a sealed attempt's result (issue 15)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ xem xét")
        CHANGED = "changed", _("Đã phúc khảo, điểm thay đổi")
        UNCHANGED = "unchanged", _("Đã phúc khảo, giữ nguyên điểm")
        REJECTED = "rejected", _("Không chấp nhận")

    attempt = models.ForeignKey(Attempt, models.PROTECT, related_name="remark_requests")
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    reason = models.TextField(_("lý do đề nghị"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    decision = models.TextField(_("kết luận"), blank=True)
    score_before = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    score_after = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "pk"]
        verbose_name = _("đề nghị phúc khảo")
        verbose_name_plural = _("đề nghị phúc khảo")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt"], condition=Q(status="pending"), name="one_pending_remark_per_attempt"
            )
        ]
