from django.contrib import admin

from attendance.models import (
    CalendarDay,
    Correction,
    DayResult,
    DisciplineRule,
    EmployeeSchedule,
    LeaveRequest,
    MonthLock,
    Schedule,
    ScheduleSession,
)


class SessionInline(admin.TabularInline):
    model = ScheduleSession
    extra = 0


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "valid_from", "valid_to", "weekdays")
    inlines = [SessionInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name", "notice", "unit", "source")
    list_filter = ("kind", "source")


@admin.register(LeaveRequest)
class LeaveRequestAdmin(admin.ModelAdmin):
    list_display = ("employee", "leave_type", "start_date", "end_date", "portion", "status")
    list_filter = ("status", "leave_type")
    raw_id_fields = ("employee",)


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ("employee", "date", "kind", "session", "status")
    list_filter = ("status", "kind")
    raw_id_fields = ("employee",)


@admin.register(DisciplineRule)
class DisciplineRuleAdmin(admin.ModelAdmin):
    list_display = ("unit", "metric", "threshold", "action", "valid_from", "valid_to")


@admin.register(MonthLock)
class MonthLockAdmin(admin.ModelAdmin):
    list_display = ("unit", "month", "locked_by", "locked_at")


@admin.register(EmployeeSchedule)
class EmployeeScheduleAdmin(admin.ModelAdmin):
    list_display = ("employee", "schedule", "valid_from", "valid_to")
    raw_id_fields = ("employee",)


@admin.register(DayResult)
class DayResultAdmin(admin.ModelAdmin):
    list_display = ("employee", "date", "status", "symbol", "late_minutes", "early_minutes")
    list_filter = ("status",)
    raw_id_fields = ("employee",)

    # Derived data: recomputed from punches and requests, never edited by hand.
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
