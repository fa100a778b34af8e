from django.contrib import admin

from triage.models import Assessment, CostEstimate, Decision, RescoreJob, ScoringModel


@admin.register(ScoringModel)
class ScoringModelAdmin(admin.ModelAdmin):
    list_display = ("version", "is_active", "note", "created_by", "created_at")

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        # A model that scored anything is history: changes go into a new version.
        if obj is not None and obj.assessments.exists():
            return False
        return super().has_change_permission(request, obj)


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("change_request", "total", "band", "scoring_model", "is_provisional", "created_at")
    list_select_related = ("change_request", "scoring_model")
    readonly_fields = [field.name for field in Assessment._meta.fields]


@admin.register(CostEstimate)
class CostEstimateAdmin(admin.ModelAdmin):
    list_display = ("change_request", "effort_days", "day_rate", "yearly_run_cost", "confidence", "estimated_by")
    list_select_related = ("change_request", "estimated_by")


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("change_request", "outcome", "decided_by", "created_at")
    list_select_related = ("change_request", "decided_by")
    readonly_fields = [field.name for field in Decision._meta.fields]


@admin.register(RescoreJob)
class RescoreJobAdmin(admin.ModelAdmin):
    list_display = ("scoring_model", "status", "done", "total", "created_at", "finished_at")
