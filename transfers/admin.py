from django.contrib import admin

from transfers.models import (
    Candidate,
    Computation,
    CriteriaSet,
    Criterion,
    Evidence,
    LeaderCandidate,
    LeaderSelection,
    Objection,
    PanelMember,
    PanelScore,
    Preference,
    TargetPost,
    TransferRound,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only. Rounds and selections change through transfers/actions.py, which
    audits every write and keeps the stored snapshots, ranks and Computation rows in
    step; an edit here would leave a published ranking that no longer reproduces."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ("order", "code", "label", "input", "rule", "params")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CriteriaSet)
class CriteriaSetAdmin(ReadOnlyAdmin):
    list_display = ("name", "version", "unit", "valid_from", "valid_to", "is_default_template")
    list_filter = ("is_default_template",)
    search_fields = ("name", "source")
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyAdmin):
    list_display = ("code", "label", "criteria_set", "input", "rule", "order")
    list_filter = ("rule",)
    search_fields = ("code", "label")


@admin.register(TransferRound)
class TransferRoundAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "kind", "purpose", "status", "reference_date", "created_at")
    list_filter = ("status", "kind", "purpose")
    search_fields = ("title",)


@admin.register(TargetPost)
class TargetPostAdmin(ReadOnlyAdmin):
    list_display = ("round", "unit", "title", "count")


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    list_display = ("employee", "round", "rank", "total", "eligible", "assigned_post")
    list_filter = ("eligible",)
    search_fields = ("employee__code", "employee__full_name")


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin):
    list_display = ("candidate", "position", "post")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("candidate", "kind", "document_ref", "entered_by", "entered_at")
    list_filter = ("kind",)
    search_fields = ("candidate__employee__code", "document_ref")


@admin.register(Computation)
class ComputationAdmin(ReadOnlyAdmin):
    list_display = ("round", "number", "reason", "criteria_set", "by", "at")
    list_filter = ("reason",)


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ("candidate", "status", "filed_at", "resolved_by", "resolved_at", "rank_before", "rank_after")
    list_filter = ("status",)


@admin.register(LeaderSelection)
class LeaderSelectionAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "post", "exam", "closed_at", "created_at")
    search_fields = ("title", "post")


@admin.register(LeaderCandidate)
class LeaderCandidateAdmin(ReadOnlyAdmin):
    list_display = ("employee", "selection")
    search_fields = ("employee__code", "employee__full_name")


@admin.register(PanelMember)
class PanelMemberAdmin(ReadOnlyAdmin):
    list_display = ("user", "selection")


@admin.register(PanelScore)
class PanelScoreAdmin(ReadOnlyAdmin):
    list_display = ("candidate", "member", "part", "score", "updated_at")
    list_filter = ("part",)
