from django.contrib import admin

from portfolio.models import Milestone, Project, StatusUpdate


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "status", "health", "approved_budget", "actual_spend", "progress", "target_date")
    list_filter = ("status", "health", "agenda")
    search_fields = ("code", "name")
    readonly_fields = ("code",)
    inlines = [MilestoneInline]


@admin.register(StatusUpdate)
class StatusUpdateAdmin(admin.ModelAdmin):
    list_display = ("project", "health", "author", "created_at")
