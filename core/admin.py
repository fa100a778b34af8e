from django.contrib import admin, messages

from core.models import ApiToken, AuditEvent, SsoIdentity
from core.services import api_token_create


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "scope", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("scope",)
    readonly_fields = ("prefix", "last_used_at", "created_at")
    fields = ("name", "user", "scope", "expires_at", "revoked_at", "prefix", "last_used_at", "created_at")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw_key = api_token_create(user=obj.user, name=obj.name, scope=obj.scope)
        if obj.expires_at:
            token.expires_at = obj.expires_at
            token.save(update_fields=["expires_at"])
        obj.pk = token.pk
        messages.warning(request, f"Copy this key now, it will not be shown again: {raw_key}")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only, in the admin as everywhere else."""

    list_display = ("created_at", "username", "action", "object_type", "object_id", "object_reference", "ip_address")
    list_filter = ("action",)
    search_fields = ("username", "object_reference", "request_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(SsoIdentity)
class SsoIdentityAdmin(admin.ModelAdmin):
    """Which identity-provider account signs in as which user, and the groups it had at its last sign-in.

    Read-only: the provider is the source; to cut someone off at once, deactivate the user.
    """

    list_display = ("user", "subject", "issuer", "groups", "updated_at")
    search_fields = ("user__username", "subject")
    readonly_fields = ("user", "issuer", "subject", "groups", "created_at", "updated_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
