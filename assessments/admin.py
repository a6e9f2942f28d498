"""The exam models in the admin, for looking things up.

Questions and everything a sitting produced are view-only here: a question changes
through the bank's pages (which keep a used version as it was and make a new one), and
attempts, papers, answers and their log only through the audited actions."""

from django.contrib import admin

from assessments.models import (
    Attempt,
    AttemptEvent,
    BlueprintRule,
    Category,
    Exam,
    ExamPart,
    PaperItem,
    Question,
    QuestionVersion,
    Response,
)


class ViewOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "unit")
    search_fields = ("code", "name")
    raw_id_fields = ("unit",)


class VersionInline(ViewOnlyMixin, admin.TabularInline):
    model = QuestionVersion
    fields = ("number", "kind", "text", "difficulty", "status", "author", "approved_by", "exposure_count")
    extra = 0


@admin.register(Question)
class QuestionAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("pk", "category", "created_by", "created_at")
    list_select_related = ("category", "created_by")
    list_filter = ("category",)
    inlines = [VersionInline]


@admin.register(QuestionVersion)
class QuestionVersionAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("question", "number", "kind", "difficulty", "status", "exposure_count")
    list_select_related = ("question",)
    list_filter = ("status", "kind", "difficulty")
    search_fields = ("text", "tags")


class PartInline(admin.TabularInline):
    model = ExamPart
    extra = 0


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = ("title", "unit", "opens_at", "closes_at", "time_limit", "published_at")
    search_fields = ("title",)
    raw_id_fields = ("unit",)
    readonly_fields = ("access_code_hash", "published_at", "papers_generated_at", "created_by", "created_at")
    inlines = [PartInline]


class RuleInline(admin.TabularInline):
    model = BlueprintRule
    extra = 0


@admin.register(ExamPart)
class ExamPartAdmin(admin.ModelAdmin):
    list_display = ("exam", "order", "title", "pass_percent")
    inlines = [RuleInline]


@admin.register(BlueprintRule)
class BlueprintRuleAdmin(admin.ModelAdmin):
    list_display = ("part", "category", "difficulty", "count")


@admin.register(Attempt)
class AttemptAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("exam", "employee", "status", "started_at", "finalized_at", "score", "passed", "rank")
    list_filter = ("status",)
    search_fields = ("employee__code", "employee__full_name", "exam__title")
    list_select_related = ("exam", "employee")
    exclude = ("session_token",)


@admin.register(PaperItem)
class PaperItemAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("attempt", "position", "part", "version")


@admin.register(Response)
class ResponseAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("attempt", "item", "selected", "seq", "saved_at")


@admin.register(AttemptEvent)
class AttemptEventAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "attempt", "kind", "by")
    list_filter = ("kind",)
