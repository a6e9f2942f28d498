from django.contrib import admin

from evaluation.models import Assignment, DisciplinaryMeasure, Evaluation, ProductResult, ProductType, Rulebook


@admin.register(Rulebook)
class RulebookAdmin(admin.ModelAdmin):
    list_display = ("unit", "regime", "effective_from", "period_kind")
    list_filter = ("regime", "period_kind")
    raw_id_fields = ("unit", "created_by")


@admin.register(ProductType)
class ProductTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "position", "measure", "standard_units", "active")
    list_filter = ("active",)
    raw_id_fields = ("unit",)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("employee", "product_type", "period_kind", "period_start", "quantity", "deadline")
    raw_id_fields = ("employee", "product_type", "assigned_by")


@admin.register(ProductResult)
class ProductResultAdmin(admin.ModelAdmin):
    list_display = ("assignment", "quantity_done", "rejected_on_quality", "late", "cause_accepted")
    raw_id_fields = ("assignment", "cause_accepted_by", "recorded_by")


@admin.register(DisciplinaryMeasure)
class DisciplinaryMeasureAdmin(admin.ModelAdmin):
    list_display = ("decision_number", "level", "decided_on", "effective_from")
    list_filter = ("level",)
    raw_id_fields = ("employee", "recorded_by")


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("employee", "period_kind", "period_start", "regime", "status", "total", "classification")
    list_filter = ("regime", "period_kind", "status", "classification")
    raw_id_fields = ("employee", "unit", "scored_by", "reviewed_by", "decided_by", "reopened_by")
    readonly_fields = ("evidence", "task_results")
