from django.contrib import admin

from intake.models import (
    Attachment,
    ChangeRequest,
    Customer,
    CustomerDomain,
    InboundEmail,
    Product,
    ProductKindDefault,
    StatusEvent,
)


class CustomerDomainInline(admin.TabularInline):
    model = CustomerDomain
    extra = 1


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "tier", "annual_recurring_revenue", "account_manager")
    list_filter = ("tier",)
    search_fields = ("name", "domains__domain")
    inlines = [CustomerDomainInline]


class ProductKindDefaultInline(admin.TabularInline):
    model = ProductKindDefault
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "product_manager", "default_owner", "default_day_rate", "default_effort_days", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    inlines = [ProductKindDefaultInline]


class StatusEventInline(admin.TabularInline):
    model = StatusEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "from_status", "to_status", "actor", "actor_label", "note", "visibility")

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class AttachmentInline(admin.TabularInline):
    """Metadata only: the files themselves are served by the access-checked download view."""

    model = Attachment
    extra = 0
    can_delete = False
    fields = readonly_fields = ("original_name", "content_type", "size", "sha256", "created_at")

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    """Read-mostly: demands change through the triage pages, which record every transition."""

    list_display = ("reference", "title", "customer", "product", "status", "score", "created_at")
    list_filter = ("status", "kind", "agenda", "product")
    search_fields = ("reference", "title", "contact_email")
    readonly_fields = (
        "reference",
        "status",
        "score",
        "score_band",
        "score_is_provisional",
        "it_cost",
        "scored_at",
        "created_at",
        "updated_at",
    )
    inlines = [StatusEventInline, AttachmentInline]


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """What became of each e-mail read from the reply mailbox: forged tags and messages kept for review show here."""

    list_display = ("created_at", "outcome", "sender", "change_request", "detail")
    list_filter = ("outcome",)
    search_fields = ("message_id", "sender", "change_request__reference")
    fields = readonly_fields = ("message_id", "outcome", "sender", "change_request", "comment", "detail", "created_at")
    list_select_related = ("change_request",)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
