"""Point-based transfer and secondment rounds, and leader-selection exams.

Rules are data: a CriteriaSet is a dated, versioned list of Criterion rows and a round
points at one version. Each computation stores every candidate's full input snapshot
(registry values copied at the time, evidence, exam score) beside the result, so a
published ranking can be reproduced after the registry has changed; refreshing from
the registry is a separate, explicit action (reference vietnam-rules.md §5.3,
"Publication and audit": keep the inputs, the evidence and the formula version).

The tables keep their `assessments_` names (Meta.db_table): these models moved here from
assessments (issue 11) by a state-only migration, so no row was copied or renamed.
Who may see which round or selection is decided in transfers/access.py, not here.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hr_system.models import Employee, OrgUnit
from transfers import rules


class CriteriaSet(models.Model):
    """A versioned scoring sheet (tiêu chí chấm điểm) with its tie-break chain and the
    eligibility parameters (retirement ages, thresholds) in force for it."""

    name = models.CharField(_("tên bộ tiêu chí"), max_length=200)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    unit = models.ForeignKey(
        OrgUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("đơn vị ban hành"),
        help_text=_("Để trống: bộ mẫu dùng chung"),
    )
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    is_default_template = models.BooleanField(_("bộ tiêu chí mẫu"), default=False)
    source = models.CharField(_("căn cứ ban hành"), max_length=300, blank=True)
    tie_break = models.JSONField(_("thứ tự ưu tiên khi bằng điểm"), default=list, blank=True)
    volunteers_first = models.BooleanField(_("người tự nguyện được xếp trước"), default=True)
    eligibility = models.JSONField(_("điều kiện loại trừ"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "assessments_criteriaset"
        ordering = ["name", "-version"]
        verbose_name = _("bộ tiêu chí điều động")
        verbose_name_plural = _("bộ tiêu chí điều động")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="criteria_set_version_once"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="criteria_set_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def template_note(self) -> str:
        return rules.DEFAULT_SET_NOTE if self.is_default_template else ""

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def specs(self) -> list[rules.CriterionSpec]:
        return [c.spec() for c in self.criteria.all()]

    def compiled(self) -> rules.CompiledSet:
        return rules.CompiledSet(self.specs())

    def eligibility_params(self) -> dict:
        return {**rules.DEFAULT_ELIGIBILITY, **(self.eligibility or {})}

    def tie_break_text(self) -> str:
        labels = {c.code: c.label for c in self.criteria.all()}
        return rules.tie_break_text(self.tie_break, labels)


class Criterion(models.Model):
    class Rule(models.TextChoices):
        PER_UNIT = "per_unit", _("Điểm theo đơn vị (hệ số, mức tối đa)")
        BANDS = "bands", _("Điểm theo khoảng giá trị")
        FIXED = "fixed", _("Điểm cố định khi có")
        TABLE = "table", _("Tra bảng điểm")

    criteria_set = models.ForeignKey(CriteriaSet, models.CASCADE, related_name="criteria")
    code = models.CharField(_("mã"), max_length=40)
    label = models.CharField(_("tên tiêu chí"), max_length=200)
    input = models.CharField(_("nguồn dữ liệu"), max_length=60)
    rule = models.CharField(_("cách tính"), max_length=10, choices=Rule.choices)
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        db_table = "assessments_criterion"
        ordering = ["criteria_set", "order", "code"]
        verbose_name = _("tiêu chí")
        verbose_name_plural = _("tiêu chí")
        constraints = [models.UniqueConstraint(fields=["criteria_set", "code"], name="criterion_code_once")]

    def __str__(self) -> str:
        return self.label

    def spec(self) -> rules.CriterionSpec:
        return rules.CriterionSpec(self.code, self.label, self.input, self.rule, self.params, self.order)


class TransferRound(models.Model):
    """One point-based round: who may move, to which posts, scored by which set."""

    class Purpose(models.TextChoices):
        SURPLUS = "surplus", _("Sắp xếp người dôi dư")
        CLOSER_TO_HOME = "closer_to_home", _("Chuyển công tác về gần nơi cư trú")

    class Kind(models.TextChoices):
        TRANSFER = "transfer", _("Điều động")
        SECONDMENT = "secondment", _("Biệt phái")
        ROTATION = "rotation", _("Chuyển đổi vị trí công tác")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        COMPUTED = "computed", _("Đã tính điểm")
        PUBLISHED = "published", _("Đã công khai")
        FINAL = "final", _("Đã chốt")

    title = models.CharField(_("tên đợt"), max_length=250)
    unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="+", verbose_name=_("đơn vị tổ chức"))
    purpose = models.CharField(_("mục đích"), max_length=20, choices=Purpose.choices)
    kind = models.CharField(_("hình thức"), max_length=12, choices=Kind.choices)
    criteria_set = models.ForeignKey(CriteriaSet, models.PROTECT, related_name="rounds", verbose_name=_("bộ tiêu chí"))
    source_units = models.ManyToManyField(OrgUnit, related_name="+", verbose_name=_("đơn vị nguồn"))
    exam = models.ForeignKey(
        "assessments.Exam", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("kỳ thi")
    )
    reference_date = models.DateField(_("thời điểm tính"), help_text=_("Tính tuổi, thâm niên đến ngày này"))
    to_hardship_area = models.BooleanField(_("nơi đến thuộc vùng khó khăn"), default=False)
    secondment_months = models.PositiveSmallIntegerField(_("thời hạn biệt phái (tháng)"), null=True, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    objection_opens_at = models.DateTimeField(_("nhận phản hồi từ"), null=True, blank=True)
    objection_closes_at = models.DateTimeField(_("nhận phản hồi đến"), null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # The draft decision (Decree 30/2020): issuer, signer, legal bases.
    issuer_name = models.CharField(_("cơ quan ban hành"), max_length=200, blank=True)
    signer_title = models.CharField(_("chức danh người ký"), max_length=100, default="CHỦ TỊCH")
    signer_name = models.CharField(_("người ký"), max_length=120, blank=True)
    signed_by_deputy = models.BooleanField(_("cấp phó ký thay (KT.)"), default=False)
    doc_symbol = models.CharField(_("ký hiệu văn bản"), max_length=40, default="QĐ-UBND")
    legal_bases = models.JSONField(_("căn cứ"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "assessments_transferround"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("đợt điều động")
        verbose_name_plural = _("đợt điều động")
        constraints = [
            models.CheckConstraint(
                condition=Q(objection_closes_at__isnull=True)
                | Q(objection_opens_at__isnull=True)
                | Q(objection_closes_at__gt=models.F("objection_opens_at")),
                name="transfer_round_window_ordered",
            ),
            # Luật Viên chức 2010 art. 36; Decree 115/2020 art. 27: at most 3 years.
            models.CheckConstraint(
                condition=Q(secondment_months__isnull=True) | Q(secondment_months__lte=36),
                name="transfer_round_secondment_max_36",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def window_open(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.objection_opens_at is not None
            and self.objection_opens_at <= now <= self.objection_closes_at
        )

    def issuing_agency(self) -> str:
        if self.issuer_name:
            return self.issuer_name.upper()
        territorial = (OrgUnit.Kind.PROVINCE, OrgUnit.Kind.COMMUNE, OrgUnit.Kind.WARD, OrgUnit.Kind.SPECIAL_ZONE)
        if self.unit.kind in territorial:
            return f"ỦY BAN NHÂN DÂN {self.unit.name.upper()}"
        return self.unit.issuing_agency()

    def signature_lines(self) -> tuple[str, str]:
        """('KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH') when a deputy signs, else ('', 'CHỦ TỊCH')
        (Decree 30/2020 Phụ lục I: the authority line above the signer's title)."""
        title = self.signer_title.upper()
        return (f"KT. {title}", f"PHÓ {title}") if self.signed_by_deputy else ("", title)

    def direction_text(self) -> str:
        if self.purpose == self.Purpose.CLOSER_TO_HOME:
            return "Người có tổng điểm cao hơn được xem xét trước."
        first = "Người tự nguyện được xếp trước; sau đó " if self.criteria_set.volunteers_first else ""
        return first + "người có tổng điểm thấp hơn được xem xét điều chuyển trước."


class TargetPost(models.Model):
    round = models.ForeignKey(TransferRound, models.CASCADE, related_name="posts")
    unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="+", verbose_name=_("đơn vị đến"))
    title = models.CharField(_("vị trí"), max_length=200)
    count = models.PositiveSmallIntegerField(_("chỉ tiêu"), default=1)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "assessments_targetpost"
        verbose_name = _("vị trí đến")
        verbose_name_plural = _("vị trí đến")
        ordering = ["round", "order", "pk"]
        constraints = [models.CheckConstraint(condition=Q(count__gte=1), name="target_post_count_positive")]

    def __str__(self) -> str:
        return f"{self.unit.name} — {self.title}"


class Candidate(models.Model):
    """One person in the pool, with the stored computation of their row."""

    round = models.ForeignKey(TransferRound, models.CASCADE, related_name="candidates")
    employee = models.ForeignKey(Employee, models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    # Registry values (and the exam score) as copied at the first computation, or at the
    # last explicit "recompute from the registry"; reused by every other re-run.
    registry = models.JSONField(default=dict, blank=True)
    registry_at = models.DateTimeField(null=True, blank=True)
    # Every input of the last computation (registry + evidence + corrections) and its result.
    inputs = models.JSONField(default=dict, blank=True)
    eligible = models.BooleanField(null=True)
    exclusions = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    total = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    breakdown = models.JSONField(default=list, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    assigned_post = models.ForeignKey(TargetPost, models.SET_NULL, null=True, blank=True, related_name="assigned")

    class Meta:
        db_table = "assessments_candidate"
        verbose_name = _("người trong danh sách xem xét")
        verbose_name_plural = _("người trong danh sách xem xét")
        ordering = ["round", "rank", "employee__code"]
        constraints = [models.UniqueConstraint(fields=["round", "employee"], name="transfer_candidate_once")]
        indexes = [models.Index(fields=["round", "rank"])]

    def __str__(self) -> str:
        return str(self.employee)


class Preference(models.Model):
    """A candidate's ordered choice of target posts (1 = first choice)."""

    candidate = models.ForeignKey(Candidate, models.CASCADE, related_name="preferences")
    post = models.ForeignKey(TargetPost, models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "assessments_preference"
        verbose_name = _("nguyện vọng")
        verbose_name_plural = _("nguyện vọng")
        ordering = ["candidate", "position"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "position"], name="preference_position_once"),
            models.UniqueConstraint(fields=["candidate", "post"], name="preference_post_once"),
        ]


EVIDENCE_CHOICES = [(kind, label) for kind, (label, _shape) in rules.EVIDENCE_KINDS.items()]


class Evidence(models.Model):
    """A personal circumstance the registry does not hold, entered by HR with the
    document it rests on. Rows are never edited: a later row of the same kind supersedes."""

    candidate = models.ForeignKey(Candidate, models.CASCADE, related_name="evidence")
    kind = models.CharField(_("loại"), max_length=24, choices=EVIDENCE_CHOICES)
    value = models.JSONField(_("giá trị"))
    document_ref = models.CharField(_("văn bản, giấy tờ"), max_length=250)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "assessments_evidence"
        ordering = ["candidate", "entered_at", "pk"]
        verbose_name = _("minh chứng")
        verbose_name_plural = _("minh chứng")


class Computation(models.Model):
    """One run of a round's computation: why, by whom, with which set version, and the
    resulting ranks — the audit trail of the published list."""

    class Reason(models.TextChoices):
        COMPUTE = "compute", _("Tính điểm")
        REGISTRY = "registry", _("Tính lại từ hồ sơ")
        OBJECTION = "objection", _("Tính lại sau phản hồi")

    round = models.ForeignKey(TransferRound, models.CASCADE, related_name="computations")
    number = models.PositiveIntegerField()
    reason = models.CharField(max_length=10, choices=Reason.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    criteria_set = models.ForeignKey(CriteriaSet, models.PROTECT, related_name="+")
    summary = models.JSONField(default=dict)
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "assessments_computation"
        verbose_name = _("lần tính điểm")
        verbose_name_plural = _("lần tính điểm")
        ordering = ["round", "number"]
        constraints = [models.UniqueConstraint(fields=["round", "number"], name="computation_number_once")]


class Objection(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ xử lý")
        ACCEPTED = "accepted", _("Chấp nhận")
        REJECTED = "rejected", _("Không chấp nhận")

    candidate = models.ForeignKey(Candidate, models.CASCADE, related_name="objections")
    text = models.TextField(_("nội dung phản hồi"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    resolution = models.TextField(_("kết quả xử lý"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    rank_before = models.PositiveIntegerField(null=True, blank=True)
    rank_after = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        db_table = "assessments_objection"
        verbose_name = _("ý kiến phản hồi")
        verbose_name_plural = _("ý kiến phản hồi")
        ordering = ["filed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate"], condition=Q(status="pending"), name="objection_one_pending_per_candidate"
            )
        ]


# --- leader selection (thi tuyển chức danh lãnh đạo, quản lý; reference §4.5) -----------


class LeaderSelection(models.Model):
    """A competitive exam for one leadership post: written exam (optional, from the exam
    module), presentation of an action plan and interview scored by a panel."""

    title = models.CharField(_("tên kỳ thi tuyển"), max_length=250)
    unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="+", verbose_name=_("đơn vị có vị trí tuyển"))
    post = models.CharField(_("chức danh"), max_length=120, default="Hiệu trưởng")
    exam = models.ForeignKey(
        "assessments.Exam", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bài thi viết")
    )
    weight_exam = models.DecimalField(_("trọng số thi viết"), max_digits=5, decimal_places=2, default=1)
    weight_presentation = models.DecimalField(_("trọng số trình bày đề án"), max_digits=5, decimal_places=2, default=1)
    weight_interview = models.DecimalField(_("trọng số phỏng vấn"), max_digits=5, decimal_places=2, default=1)
    pass_exam = models.DecimalField(_("điểm sàn thi viết"), max_digits=5, decimal_places=2, null=True, blank=True)
    pass_presentation = models.DecimalField(
        _("điểm sàn trình bày đề án"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    pass_interview = models.DecimalField(_("điểm sàn phỏng vấn"), max_digits=5, decimal_places=2, null=True, blank=True)
    pass_total = models.DecimalField(_("tổng điểm đạt"), max_digits=5, decimal_places=2, null=True, blank=True)
    drop_extremes = models.BooleanField(_("bỏ điểm cao nhất và thấp nhất"), default=True)
    tie_break = models.JSONField(_("thứ tự ưu tiên khi bằng điểm"), default=list, blank=True)
    closed_at = models.DateTimeField(_("đã khóa điểm lúc"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "assessments_leaderselection"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("thi tuyển lãnh đạo")
        verbose_name_plural = _("thi tuyển lãnh đạo")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_exam__gte=0) & Q(weight_presentation__gte=0) & Q(weight_interview__gte=0),
                name="leader_selection_weights_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def weights(self) -> dict:
        weights = {"presentation": self.weight_presentation, "interview": self.weight_interview}
        weights["exam"] = self.weight_exam if self.exam_id else 0
        return weights

    def pass_marks(self) -> dict:
        return {"exam": self.pass_exam, "presentation": self.pass_presentation, "interview": self.pass_interview}


class LeaderCandidate(models.Model):
    selection = models.ForeignKey(LeaderSelection, models.CASCADE, related_name="candidates")
    employee = models.ForeignKey(Employee, models.PROTECT, related_name="+")

    class Meta:
        db_table = "assessments_leadercandidate"
        verbose_name = _("người dự tuyển")
        verbose_name_plural = _("người dự tuyển")
        ordering = ["selection", "employee__code"]
        constraints = [models.UniqueConstraint(fields=["selection", "employee"], name="leader_candidate_once")]


class PanelMember(models.Model):
    selection = models.ForeignKey(LeaderSelection, models.CASCADE, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")

    class Meta:
        db_table = "assessments_panelmember"
        verbose_name = _("thành viên hội đồng thi tuyển")
        verbose_name_plural = _("thành viên hội đồng thi tuyển")
        ordering = ["selection", "pk"]
        constraints = [models.UniqueConstraint(fields=["selection", "user"], name="panel_member_once")]


class PanelScore(models.Model):
    """One panel member's score for one candidate on one part; members never see each
    other's rows until the results are combined."""

    class Part(models.TextChoices):
        PRESENTATION = "presentation", _("Trình bày đề án")
        INTERVIEW = "interview", _("Phỏng vấn")

    candidate = models.ForeignKey(LeaderCandidate, models.CASCADE, related_name="scores")
    member = models.ForeignKey(PanelMember, models.CASCADE, related_name="scores")
    part = models.CharField(max_length=12, choices=Part.choices)
    score = models.DecimalField(max_digits=5, decimal_places=2)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "assessments_panelscore"
        verbose_name = _("điểm của thành viên hội đồng")
        verbose_name_plural = _("điểm của thành viên hội đồng")
        ordering = ["candidate", "part", "member"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "member", "part"], name="panel_score_once"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="panel_score_0_100"),
        ]
