from django.contrib import admin

from attendance.actions import recompute_after_edit
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
    SinglePunchRule,
    TrackingStart,
)


class RecomputesDays(admin.ModelAdmin):
    """Rule data edited here bypasses the actions, which recompute the days they touch:
    do the same after the save (and its inlines) or the delete."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recompute_after_edit(form.instance)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        recompute_after_edit(obj)

    def delete_queryset(self, request, queryset):
        doomed = list(queryset)
        super().delete_queryset(request, queryset)
        for obj in doomed:
            recompute_after_edit(obj)


class SessionInline(admin.TabularInline):
    model = ScheduleSession
    extra = 0


@admin.register(Schedule)
class ScheduleAdmin(RecomputesDays):
    list_display = ("name", "unit", "valid_from", "valid_to", "weekdays")
    inlines = [SessionInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(RecomputesDays):
    list_display = ("date", "kind", "name", "notice", "unit", "source")
    list_filter = ("kind", "source")


@admin.register(LeaveRequest)
class LeaveRequestAdmin(RecomputesDays):
    list_display = ("employee", "leave_type", "start_date", "end_date", "portion", "status")
    list_filter = ("status", "leave_type")
    raw_id_fields = ("employee",)


@admin.register(Correction)
class CorrectionAdmin(RecomputesDays):
    list_display = ("employee", "date", "kind", "session", "status")
    list_filter = ("status", "kind")
    raw_id_fields = ("employee",)


@admin.register(DisciplineRule)
class DisciplineRuleAdmin(admin.ModelAdmin):
    list_display = ("unit", "metric", "threshold", "action", "valid_from", "valid_to")


@admin.register(SinglePunchRule)
class SinglePunchRuleAdmin(RecomputesDays):
    list_display = ("unit", "option", "valid_from", "valid_to")
    list_filter = ("option",)


@admin.register(TrackingStart)
class TrackingStartAdmin(RecomputesDays):
    list_display = ("unit", "date", "note", "set_by", "set_at")


@admin.register(MonthLock)
class MonthLockAdmin(admin.ModelAdmin):
    list_display = ("unit", "month", "locked_by", "locked_at")


@admin.register(EmployeeSchedule)
class EmployeeScheduleAdmin(RecomputesDays):
    list_display = ("employee", "schedule", "valid_from", "valid_to")
    raw_id_fields = ("employee",)


@admin.register(DayResult)
class DayResultAdmin(admin.ModelAdmin):
    list_display = ("employee", "date", "status", "symbol", "late_minutes", "early_minutes", "corrected")
    list_filter = ("status", "corrected")
    raw_id_fields = ("employee",)

    # Derived data: recomputed from punches and requests, never edited by hand.
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
