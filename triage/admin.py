from django.contrib import admin, messages

from triage.models import Assessment, CostEstimate, Decision, RescoreJob, ScoringModel
from triage.services import scoring_model_create_version


@admin.register(ScoringModel)
class ScoringModelAdmin(admin.ModelAdmin):
    """Saving here, as on the scoring-model page, creates and activates a new version and rescores."""

    list_display = ("version", "is_active", "note", "created_by", "created_at")
    fields = (*ScoringModel.WEIGHT_FIELDS, "note")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        changes = {name: form.cleaned_data[name] for name in ScoringModel.WEIGHT_FIELDS}
        model = scoring_model_create_version(changes=changes, note=form.cleaned_data["note"], created_by=request.user)
        obj.pk = model.pk
        messages.info(request, f"Saved as v{model.version}, now active; open demands are being rescored.")

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


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
