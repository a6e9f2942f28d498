"""Evaluation and classification by work results: Decree 335/2025/NĐ-CP (công chức,
from 1/1/2026), Decree 233/2026/NĐ-CP (viên chức, from 1/7/2026) and Decree 90/2020 as
amended by 48/2023 (viên chức before that). The frameworks themselves are data in
evaluation/rules.py; these tables hold what a unit sets within them (its quy chế, its
product catalogue) and what happens to each person (assignments, results, evaluations,
discipline records)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluation import rules
from hr_system.models import Employee, OrgUnit


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Tháng")
    QUARTER = "quarter", _("Quý")
    YEAR = "year", _("Năm")


class DisciplinaryMeasure(models.Model):
    """A disciplinary decision (kỷ luật). Any of these levels taking effect in a year
    makes the year's rating "không hoàn thành nhiệm vụ" (Decree 335/2025 Art. 20;
    Decree 90/2020 as amended by 48/2023)."""

    class Level(models.TextChoices):
        KHIEN_TRACH = "khien_trach", _("Khiển trách")
        CANH_CAO = "canh_cao", _("Cảnh cáo")
        HA_BAC_LUONG = "ha_bac_luong", _("Hạ bậc lương")
        GIANG_CHUC = "giang_chuc", _("Giáng chức")
        CACH_CHUC = "cach_chuc", _("Cách chức")
        BUOC_THOI_VIEC = "buoc_thoi_viec", _("Buộc thôi việc")

    employee = models.ForeignKey(
        Employee, models.CASCADE, related_name="disciplinary_measures", verbose_name=_("cán bộ")
    )
    level = models.CharField(_("hình thức kỷ luật"), max_length=20, choices=Level.choices)
    decision_number = models.CharField(_("số quyết định"), max_length=64)
    decided_on = models.DateField(_("ngày quyết định"))
    effective_from = models.DateField(_("ngày có hiệu lực"))
    note = models.TextField(_("ghi chú"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("quyết định kỷ luật")
        verbose_name_plural = _("quyết định kỷ luật")
        ordering = ["-effective_from", "-pk"]

    def __str__(self) -> str:
        return f"{self.decision_number} — {self.get_level_display()}"


class Rulebook(models.Model):
    """A unit's own quy chế đánh giá within the framework (Decree 233/2026 Art. 12(5)):
    the points of each sub-criterion, its monthly or quarterly rhythm, and its own
    deduction rule for the discipline criterion (no statute fixes one)."""

    class PeriodKind(models.TextChoices):
        MONTH = "month", _("Tháng")
        QUARTER = "quarter", _("Quý")

    unit = models.ForeignKey(OrgUnit, models.CASCADE, related_name="evaluation_rulebooks", verbose_name=_("đơn vị"))
    regime = models.CharField(_("khung đánh giá"), max_length=32, choices=rules.REGIME_CHOICES)
    effective_from = models.DateField(_("áp dụng từ"))
    period_kind = models.CharField(
        _("chu kỳ theo dõi"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.QUARTER
    )
    criteria_points = models.JSONField(_("điểm tối đa từng tiêu chí"), default=dict, blank=True)
    discipline_rule = models.JSONField(_("quy tắc trừ điểm kỷ luật"), default=dict, blank=True)
    results_split = models.JSONField(_("tỷ trọng số lượng, chất lượng, tiến độ"), default=dict, blank=True)
    # An assessments exam linked to the competence criterion; only its id, so that
    # evaluation reads exam results through assessments.reports, never its models.
    competence_exam_id = models.PositiveIntegerField(_("kỳ thi gắn với tiêu chí năng lực"), null=True, blank=True)
    task_groups = models.JSONField(_("nhóm nhiệm vụ tương đồng"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("quy chế đánh giá")
        verbose_name_plural = _("quy chế đánh giá")
        ordering = ["unit", "regime", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "regime", "effective_from"], name="evaluation_rulebook_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} — {self.regime} — {self.effective_from:%d/%m/%Y}"

    @classmethod
    def in_force(cls, unit: OrgUnit, regime: str, day) -> Rulebook | None:
        """The quy chế that applies to a unit on a day: its own, else the nearest
        ancestor's (a ward's quy chế covers its offices)."""
        candidates = cls.objects.filter(unit__in=unit.ancestors(), regime=regime, effective_from__lte=day)
        return max(candidates.select_related("unit"), key=lambda r: (r.unit.depth, r.effective_from), default=None)

    def points(self) -> dict:
        """Each criterion's maximum: the framework's, overridden by this quy chế."""
        return rules.criteria_maxima(rules.get_regime(self.regime), self.criteria_points)

    def task_group_of(self, employee: Employee) -> str:
        groups = self.task_groups or {}
        return groups.get(employee.job_title) or groups.get(employee.rank) or ""


class ProductType(models.Model):
    """A product in the unit's catalogue, converted to standard products (Decree
    335/2025 Arts. 13-16)."""

    unit = models.ForeignKey(OrgUnit, models.CASCADE, related_name="product_types", verbose_name=_("đơn vị"))
    position = models.CharField(_("vị trí việc làm"), max_length=120, blank=True, help_text=_("Để trống: mọi vị trí"))
    name = models.CharField(_("tên sản phẩm"), max_length=200)
    measure = models.CharField(_("đơn vị tính"), max_length=40, help_text=_("Ví dụ: văn bản, hồ sơ"))
    standard_units = models.DecimalField(_("quy đổi ra sản phẩm chuẩn"), max_digits=8, decimal_places=2, default=1)
    active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("loại sản phẩm")
        verbose_name_plural = _("danh mục sản phẩm")
        ordering = ["unit", "position", "name"]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """Work given to a person for a month or quarter (giao việc)."""

    employee = models.ForeignKey(Employee, models.CASCADE, related_name="work_assignments", verbose_name=_("cán bộ"))
    product_type = models.ForeignKey(
        ProductType, models.PROTECT, related_name="assignments", verbose_name=_("loại sản phẩm")
    )
    period_kind = models.CharField(_("chu kỳ"), max_length=10, choices=Rulebook.PeriodKind.choices)
    period_start = models.DateField(_("đầu kỳ"))
    quantity = models.DecimalField(_("số lượng giao"), max_digits=10, decimal_places=2)
    deadline = models.DateField(_("hạn hoàn thành"))
    quality_requirement = models.TextField(_("yêu cầu chất lượng"), blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("nhiệm vụ được giao")
        verbose_name_plural = _("nhiệm vụ được giao")
        ordering = ["employee", "period_start", "pk"]
        indexes = [models.Index(fields=["employee", "period_kind", "period_start"])]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="assignment_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.employee} — {self.product_type} × {self.quantity}"

    def line(self) -> dict:
        """The plain values rules.results_points() reads."""
        result = getattr(self, "result", None)
        return {
            "quantity": float(self.quantity),
            "standard_units": float(self.product_type.standard_units),
            "quantity_done": float(result.quantity_done) if result else 0.0,
            "rejected": result.rejected_on_quality if result else 0,
            "late": result.late if result else 0,
            "cause_accepted": bool(result and result.cause_accepted),
        }


class ProductResult(models.Model):
    """What came of an assignment: done, rejected on quality, late (with a cause)."""

    assignment = models.OneToOneField(Assignment, models.CASCADE, related_name="result", verbose_name=_("nhiệm vụ"))
    quantity_done = models.DecimalField(_("số lượng hoàn thành"), max_digits=10, decimal_places=2)
    rejected_on_quality = models.PositiveIntegerField(_("số sản phẩm không đạt chất lượng"), default=0)
    late = models.PositiveIntegerField(_("số sản phẩm chậm tiến độ"), default=0)
    objective_cause = models.TextField(_("nguyên nhân khách quan"), blank=True)
    cause_accepted = models.BooleanField(_("nguyên nhân được chấp nhận"), default=False)
    cause_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("kết quả thực hiện")
        verbose_name_plural = _("kết quả thực hiện")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity_done__gte=0), name="result_done_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.assignment}: {self.quantity_done}"


class EvaluationQuerySet(models.QuerySet):
    def in_period(self, kind: str, start) -> EvaluationQuerySet:
        return self.filter(period_kind=kind, period_start=start)

    def decided(self) -> EvaluationQuerySet:
        return self.filter(status=Evaluation.Status.DECIDED)

    def yearly_classifications(self, years) -> EvaluationQuerySet:
        """Decided yearly ratings of the given years (what transfers read)."""
        return self.decided().filter(period_kind=PeriodKind.YEAR, period_start__year__in=list(years))


class Evaluation(models.Model):
    """One person's evaluation for a month, quarter or year."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Chưa tự đánh giá")
        SELF = "self_assessed", _("Đã tự đánh giá")
        SCORED = "manager_scored", _("Quản lý đã chấm")
        REVIEWED = "reviewed", _("Đã họp xét (năm)")
        DECIDED = "decided", _("Đã quyết định")

    employee = models.ForeignKey(Employee, models.CASCADE, related_name="evaluations", verbose_name=_("cán bộ"))
    unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="evaluations", verbose_name=_("đơn vị"))
    regime = models.CharField(_("khung đánh giá"), max_length=32, choices=rules.REGIME_CHOICES)
    period_kind = models.CharField(_("kỳ đánh giá"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày"))
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    self_scores = models.JSONField(_("điểm tự chấm"), default=dict, blank=True)
    self_comment = models.TextField(_("tự nhận xét"), blank=True)
    manager_scores = models.JSONField(_("điểm quản lý chấm"), default=dict, blank=True)
    manager_comment = models.TextField(_("nhận xét của quản lý"), blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    scored_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("ý kiến họp xét"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    total = models.DecimalField(_("tổng điểm"), max_digits=6, decimal_places=2, null=True, blank=True)
    classification = models.CharField(_("xếp loại"), max_length=20, choices=rules.LEVEL_CHOICES, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    task_group = models.CharField(_("nhóm nhiệm vụ"), max_length=120, blank=True)
    is_unit_head = models.BooleanField(_("người đứng đầu đơn vị"), default=False)
    # The snapshot evaluation.evidence.snapshot() recorded: never recomputed silently.
    evidence = models.JSONField(_("minh chứng"), default=dict, blank=True)
    # The products and points the results criterion was computed from.
    task_results = models.JSONField(_("kết quả nhiệm vụ"), default=dict, blank=True)
    reopened_reason = models.TextField(_("lý do mở lại"), blank=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    reopened_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("phiếu đánh giá")
        verbose_name_plural = _("phiếu đánh giá")
        ordering = ["-period_start", "employee__sort_key", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "period_kind", "period_start"], name="evaluation_one_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="evaluation_period"
            ),
        ]
        indexes = [models.Index(fields=["unit", "period_kind", "period_start"])]

    def __str__(self) -> str:
        return f"{self.employee} — {self.period_label()}"

    def locked(self) -> bool:
        return self.status == self.Status.DECIDED

    def regime_rules(self) -> rules.Regime:
        return rules.get_regime(self.regime)

    def period_label(self) -> str:
        return rules.period_label(self.period_kind, self.period_start)

    def scores(self) -> dict:
        """The scores that count: the manager's once given, else the person's own."""
        return self.manager_scores or self.self_scores

    def rulebook(self) -> Rulebook | None:
        return Rulebook.in_force(self.unit, self.regime, self.period_end)

    def maxima(self) -> dict:
        """Each criterion's maximum under the unit's quy chế in force for the period."""
        rulebook = self.rulebook()
        return rules.criteria_maxima(self.regime_rules(), rulebook.criteria_points if rulebook else {})

    def criteria_rows(self) -> list[dict]:
        """One row per criterion for the form and the pages: code, label, group,
        maximum, the person's and the manager's points, and whether attendance or a
        competency exam is the evidence beside it."""
        maxima = self.maxima()
        return [
            {
                "code": c.code,
                "label": str(c.label),
                "group": c.group,
                "max_points": float(maxima[c.code]),
                "self": self.self_scores.get(c.code),
                "manager": self.manager_scores.get(c.code),
                "discipline": c.discipline,
                "competence": c.competence,
            }
            for c in self.regime_rules().criteria
        ]

    def classification_label(self) -> str:
        return rules.level_label(self.classification) if self.classification else ""
