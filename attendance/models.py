"""Calendars, schedules, leave, corrections and the derived day results.

Raw punches live in devices.Punch and are never edited; everything here is either
rule data (calendar, schedules, discipline thresholds — each with effective dates) or
derived from it (DayResult), or a request with its decision trail (leave, corrections).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hr_system.models import Employee, OrgUnit


class LeaveType(models.TextChoices):
    """Absence kinds with their C01-HD symbols (form C01-HD, Circular 107/2017/TT-BTC)."""

    ANNUAL = "P", _("Nghỉ phép")
    SICK = "Ô", _("Ốm, điều dưỡng")
    CHILD_SICK = "Cô", _("Con ốm")
    MATERNITY = "Ts", _("Thai sản")
    ACCIDENT = "T", _("Tai nạn")
    MEETING = "H", _("Hội nghị, học tập")
    BUSINESS_TRIP = "CT", _("Đi công tác")
    COMPENSATORY = "Nb", _("Nghỉ bù")
    UNPAID = "No", _("Nghỉ không lương")
    STOPPAGE = "N", _("Ngừng việc")


class CalendarDay(models.Model):
    """An exception to the normal week: a public holiday, an extra day off, or a
    make-up working day (ngày làm bù, usually a Saturday), with the notice it comes from.

    `unit=None` is the national calendar; a unit's own entry (e.g. a school's calendar)
    overrides it for that unit's subtree.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Ngày lễ, Tết")
        DAY_OFF = "day_off", _("Ngày nghỉ (hoán đổi, nghỉ thêm)")
        WORKDAY = "workday", _("Ngày làm bù")

    unit = models.ForeignKey(OrgUnit, models.CASCADE, null=True, blank=True, related_name="calendar_days")
    date = models.DateField(_("ngày"))
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("tên"), max_length=200, blank=True)
    notice = models.CharField(_("văn bản"), max_length=100, blank=True, help_text=_("Ví dụ: 12729/VPCP-KGVX"))
    source = models.CharField(max_length=16, default="manual")  # "holidays" (package seed) or "manual"
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("lịch nghỉ lễ, ngày làm bù")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "date"], name="calendar_day_once"),
            models.UniqueConstraint(fields=["date"], condition=Q(unit__isnull=True), name="calendar_national_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class Schedule(models.Model):
    """Office hours for a unit (or, via EmployeeSchedule, for one person) over a period."""

    unit = models.ForeignKey(OrgUnit, models.CASCADE, null=True, blank=True, related_name="schedules")
    name = models.CharField(_("tên"), max_length=120)
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    weekdays = models.CharField(
        _("ngày làm việc trong tuần"), max_length=7, default="01234", help_text=_("0 = thứ Hai … 6 = Chủ nhật")
    )
    late_grace = models.PositiveSmallIntegerField(_("phút đi muộn cho phép"), default=5)
    early_grace = models.PositiveSmallIntegerField(_("phút về sớm cho phép"), default=5)
    window_before = models.PositiveSmallIntegerField(_("nhận chấm công trước giờ vào (phút)"), default=60)
    window_after = models.PositiveSmallIntegerField(_("nhận chấm công sau giờ ra (phút)"), default=60)
    debounce = models.PositiveSmallIntegerField(_("gộp các lần chấm liên tiếp trong (phút)"), default=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("giờ làm việc")
        verbose_name_plural = _("giờ làm việc")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return self.name

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class ScheduleSession(models.Model):
    """One session of a schedule (morning, afternoon, or a shift), possibly seasonal.

    Seasons are month-day ranges, e.g. summer 04-16..10-15 and winter 10-16..04-15
    (Vĩnh Phúc QĐ 873/QĐ-UBND; reference vietnam-rules.md §1.2). An empty season
    applies all year. `end` at or before `start` means the session crosses midnight.
    """

    schedule = models.ForeignKey(Schedule, models.CASCADE, related_name="sessions")
    order = models.PositiveSmallIntegerField(default=0)
    season_start = models.CharField(max_length=5, blank=True, help_text="MM-DD")
    season_end = models.CharField(max_length=5, blank=True, help_text="MM-DD")
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        verbose_name = _("buổi làm việc")
        verbose_name_plural = _("buổi làm việc")
        ordering = ["schedule", "season_start", "order"]

    def in_season(self, day: dt.date) -> bool:
        if not self.season_start:
            return True
        key = day.strftime("%m-%d")
        if self.season_start <= self.season_end:
            return self.season_start <= key <= self.season_end
        return key >= self.season_start or key <= self.season_end  # wraps the new year


class EmployeeSchedule(models.Model):
    """An individual override: part-time hours, or a rotating/night shift for some days."""

    employee = models.ForeignKey(Employee, models.CASCADE, related_name="schedule_overrides")
    schedule = models.ForeignKey(Schedule, models.CASCADE, related_name="+")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("giờ làm việc riêng của cá nhân")
        verbose_name_plural = _("giờ làm việc riêng của cá nhân")
        ordering = ["-valid_from"]


class Request(models.Model):
    """Shared shape of requests that a unit head (or HR) decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ duyệt")
        APPROVED = "approved", _("Đã duyệt")
        REJECTED = "rejected", _("Từ chối")
        CANCELLED = "cancelled", _("Đã hủy")

    employee = models.ForeignKey(Employee, models.CASCADE, related_name="+")
    reason = models.TextField(_("lý do"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        abstract = True


class LeaveRequest(Request):
    class Portion(models.TextChoices):
        FULL = "full", _("Cả ngày")
        MORNING = "morning", _("Buổi sáng")
        AFTERNOON = "afternoon", _("Buổi chiều")

    employee = models.ForeignKey(Employee, models.CASCADE, related_name="leave_requests")
    leave_type = models.CharField(_("loại nghỉ"), max_length=2, choices=LeaveType.choices)
    start_date = models.DateField(_("từ ngày"))
    end_date = models.DateField(_("đến ngày"))
    portion = models.CharField(_("thời gian"), max_length=10, choices=Portion.choices, default=Portion.FULL)
    attachment = models.FileField(_("tệp đính kèm"), upload_to="leave/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("đơn xin nghỉ")
        verbose_name_plural = _("đơn xin nghỉ")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["employee", "start_date", "end_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="leave_dates_ordered"),
            models.CheckConstraint(
                condition=Q(portion="full") | Q(start_date=models.F("end_date")), name="leave_half_day_is_one_day"
            ),
        ]


class Correction(Request):
    """An employee's request to correct a day (forgot to punch, clock broken, working off-site).

    Approved corrections are inputs to the day evaluation; punches are never altered and
    the original evaluation stays visible in the result's reasons.
    """

    class Kind(models.TextChoices):
        FORGOT = "forgot", _("Quên chấm công")
        CLOCK_BROKEN = "clock_broken", _("Máy chấm công hỏng")
        OFF_SITE = "off_site", _("Làm việc bên ngoài")

    class Session(models.TextChoices):
        ALL = "all", _("Cả ngày")
        MORNING = "morning", _("Buổi sáng")
        AFTERNOON = "afternoon", _("Buổi chiều")

    employee = models.ForeignKey(Employee, models.CASCADE, related_name="corrections")
    date = models.DateField(_("ngày"))
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    session = models.CharField(_("buổi"), max_length=10, choices=Session.choices, default=Session.ALL)
    time_in = models.TimeField(_("giờ vào"), null=True, blank=True)
    time_out = models.TimeField(_("giờ ra"), null=True, blank=True)

    class Meta:
        verbose_name = _("đơn điều chỉnh công")
        verbose_name_plural = _("đơn điều chỉnh công")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["employee", "date"])]


class DayResult(models.Model):
    """The evaluation of one employee's work day; recomputed, never hand-edited."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Có mặt")
        LATE = "late", _("Đi muộn")
        LEFT_EARLY = "left_early", _("Về sớm")
        HALF_ABSENT = "half_absent", _("Vắng nửa ngày")
        ABSENT = "absent", _("Vắng không lý do")
        LEAVE = "leave", _("Nghỉ có phép/chế độ")
        BUSINESS_TRIP = "business_trip", _("Đi công tác")
        HOLIDAY = "holiday", _("Nghỉ lễ, Tết")
        REST = "rest", _("Ngày nghỉ hằng tuần")
        MISSING_PUNCH = "missing_punch", _("Thiếu lượt chấm công")
        PENDING = "pending", _("Chờ dữ liệu máy chấm công")
        NOT_EMPLOYED = "not_employed", _("Chưa/không còn làm việc")
        NOT_TRACKED = "not_tracked", _("Chưa theo dõi chấm công")

    # No separate index: the unique key (employee, date) serves lookups by employee,
    # and every extra index slows the month-sized upserts.
    employee = models.ForeignKey(Employee, models.CASCADE, related_name="day_results", db_index=False)
    date = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices)
    symbol = models.CharField(max_length=8, blank=True)
    late_minutes = models.PositiveIntegerField(default=0)
    early_minutes = models.PositiveIntegerField(default=0)
    worked_minutes = models.PositiveIntegerField(default=0)
    missing_punches = models.PositiveSmallIntegerField(default=0)
    late_count = models.PositiveSmallIntegerField(default=0)
    early_count = models.PositiveSmallIntegerField(default=0)
    absent_units = models.DecimalField(max_digits=4, decimal_places=2, default=0, help_text="unexcused, in days")
    sessions = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    # An approved correction changed the day: `uncorrected` keeps what the punches alone
    # said ({"status", "symbol", "late_minutes", "early_minutes", "missing_punches"}),
    # so nobody mistakes a corrected time for a real punch.
    corrected = models.BooleanField(default=False)
    uncorrected = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("kết quả chấm công ngày")
        verbose_name_plural = _("kết quả chấm công ngày")
        ordering = ["employee", "date"]
        constraints = [models.UniqueConstraint(fields=["employee", "date"], name="day_result_once")]
        indexes = [models.Index(fields=["date", "status"])]


class MonthLock(models.Model):
    """A unit's approved month: its day results are frozen until HR unlocks it."""

    unit = models.ForeignKey(OrgUnit, models.CASCADE, related_name="month_locks")
    month = models.DateField(help_text="first day of the month")
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    locked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("khóa sổ tháng")
        verbose_name_plural = _("khóa sổ tháng")
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="month_lock_once")]


class DisciplineRule(models.Model):
    """A unit's internal rule (nội quy), e.g. "3 or more late arrivals in a month →
    written reminder". No statute fixes such thresholds since Decree 112/2020 repealed
    Decrees 34/2011 and 27/2012 (reference vietnam-rules.md §2.1), so they are data per
    unit with effective dates, and a flag only drafts a reminder: it never disciplines.
    """

    class Metric(models.TextChoices):
        LATE_COUNT = "late_count", _("Số lần đi muộn")
        LATE_MINUTES = "late_minutes", _("Tổng số phút đi muộn")
        EARLY_COUNT = "early_count", _("Số lần về sớm")
        ABSENT_DAYS = "absent_days", _("Số ngày vắng không lý do")
        MISSING_PUNCHES = "missing_punches", _("Số lượt thiếu chấm công")

    unit = models.ForeignKey(OrgUnit, models.CASCADE, related_name="discipline_rules")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    threshold = models.PositiveIntegerField()
    action = models.CharField(max_length=200, default="Nhắc nhở bằng văn bản")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("ngưỡng nội quy kỷ luật lao động")
        verbose_name_plural = _("ngưỡng nội quy kỷ luật lao động")
        ordering = ["unit", "metric", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="discipline_rule_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} ≥ {self.threshold}"


class RecomputeState(models.Model):
    """How far the recompute worker (`recompute_attendance`) has read its inputs: one row.

    Kept in the database, not in the worker's memory, so punches that arrive while the
    worker is down (a clock that was offline for weeks, an import) are recomputed when
    it comes back, and pages can tell which days it has not caught up with yet.
    """

    punches_through = models.DateTimeField(
        null=True, blank=True, help_text="newest Punch.received_at the worker has processed"
    )
    employees_through = models.DateTimeField(
        null=True, blank=True, help_text="newest Employee.updated_at the worker has processed"
    )
    round_at = models.DateTimeField(null=True, blank=True, help_text="when the last round finished")

    class Meta:
        verbose_name = _("tiến độ tính lại chấm công")
        verbose_name_plural = _("tiến độ tính lại chấm công")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="recompute_state_single_row")]

    @classmethod
    def load(cls) -> RecomputeState:
        """The row as stored; an empty (unsaved) state if the worker has never run."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class TrackingStart(models.Model):
    """The day a unit starts attendance tracking (go-live): the clocks were installed and
    the staff told. Inherited down the tree, the nearest unit's date wins, so a school
    that got its clock later sets its own. Days before it are "not tracked": blank on
    every sheet and counted nowhere, never an unexcused absence.
    """

    unit = models.OneToOneField(OrgUnit, models.CASCADE, related_name="tracking_start")
    date = models.DateField(_("ngày bắt đầu theo dõi chấm công"))
    note = models.CharField(_("ghi chú"), max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit__path"]
        verbose_name = _("ngày bắt đầu theo dõi chấm công")
        verbose_name_plural = _("ngày bắt đầu theo dõi chấm công")

    def __str__(self) -> str:
        return f"{self.unit} {self.date}"


def unit_tracking_start(unit: OrgUnit) -> dt.date | None:
    """The go-live date that applies to a unit: its own, else the nearest ancestor's."""
    ids = [int(p) for p in reversed(unit.path.strip("/").split("/")) if p]
    dates = dict(TrackingStart.objects.filter(unit_id__in=ids).values_list("unit_id", "date"))
    return next((dates[i] for i in ids if i in dates), None)


def tracking_table(units) -> list[dict]:
    """Per unit (in the order given): its own go-live date and the one that applies
    (own or inherited, with the unit it comes from), for the go-live page and API."""
    units = list(units)
    ids = {int(p) for u in units for p in u.path.strip("/").split("/") if p}
    own = {t.unit_id: t for t in TrackingStart.objects.filter(unit_id__in=ids).select_related("unit")}
    rows = []
    for unit in units:
        chain = [int(p) for p in reversed(unit.path.strip("/").split("/")) if p]
        source = next((own[i] for i in chain if i in own), None)
        mine = own.get(unit.pk)
        rows.append(
            {
                "unit": unit.code,
                "unit_name": unit.name,
                "depth": unit.depth,
                "own_date": mine.date if mine else None,
                "note": mine.note if mine else "",
                "date": source.date if source else None,
                "inherited_from": source.unit.code if source and source.unit_id != unit.pk else None,
                "inherited_from_name": source.unit.name if source and source.unit_id != unit.pk else "",
            }
        )
    return rows


def tracking_start(employee: Employee) -> dt.date | None:
    """The first day the employee's attendance is tracked: the latest of their start
    date, the day they joined their present unit (`unit_start`, which a roster import
    writes) and the go-live date of that unit. None: tracked for as long as employed."""
    dates = [d for d in (employee.start_date, employee.unit_start, unit_tracking_start(employee.unit)) if d]
    return max(dates) if dates else None


class SinglePunchRule(models.Model):
    """How a unit counts a session with a single punch (a person who forgot one end).

    Units' internal rules differ: many count it as worked with a missing punch (the
    default when no rule is set), others as half a day absent. Effective-dated and
    inherited down the tree like schedules: the nearest unit with a rule in force wins.
    """

    class Option(models.TextChoices):
        MISSING_PUNCH = "missing_punch", _("Tính là có làm việc, thiếu lượt chấm công")
        HALF_ABSENT = "half_absent", _("Tính là vắng nửa ngày không lý do")

    unit = models.ForeignKey(OrgUnit, models.CASCADE, related_name="single_punch_rules")
    option = models.CharField(_("buổi chỉ có một lượt chấm"), max_length=16, choices=Option.choices)
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit", "-valid_from"]
        verbose_name = _("cách tính buổi chỉ có một lượt chấm công")
        verbose_name_plural = _("cách tính buổi chỉ có một lượt chấm công")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="single_punch_rule_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_option_display()} {self.valid_from}"

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
