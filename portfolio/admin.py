from django.contrib import admin

from portfolio.models import Handover, Milestone, Project, RevenueRecord, StatusUpdate


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "status", "health", "approved_budget", "actual_spend", "progress", "target_date")
    list_filter = ("status", "health", "agenda")
    search_fields = ("code", "name")
    # Realized revenue is the sum of the revenue history: it moves only with a new record.
    readonly_fields = ("code", "realized_revenue")
    inlines = [MilestoneInline]


@admin.register(StatusUpdate)
class StatusUpdateAdmin(admin.ModelAdmin):
    list_display = ("project", "health", "author", "created_at")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(RevenueRecord)
class RevenueRecordAdmin(ReadOnlyAdmin):
    """Read-only: the history is append-only, and records are added on the project page, which audits them."""

    list_display = ("project", "period", "amount", "recorded_by", "recorded_at")
    list_select_related = ("project", "recorded_by")
    search_fields = ("project__code", "note")


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    """Read-only: handovers are recorded on the project page, checked against the signed plan and audited."""

    list_display = ("project", "component", "depth", "partner", "agreement", "handed_over_on", "is_exception")
    list_filter = ("is_exception", "depth")
    list_select_related = ("project", "component__product", "partner", "agreement")
    search_fields = ("project__code", "component__name", "partner__name", "recipient")
