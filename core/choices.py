from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    READ = "read", _("Read-only")
    READ_WRITE = "read_write", _("Read-write")
    # Manages webhook endpoints through the API (/api/v1/webhooks/), with its user's permission; reads like `read`.
    WEBHOOKS = "webhooks", _("Webhooks")


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOCKED_OUT = "locked_out", _("Locked out")
    PERMISSION_DENIED = "permission_denied", _("Permission refused")
    TRACKING_MISS = "tracking_miss", _("Wrong tracking links")
    DECISION = "decision", _("Decision recorded")
    ESTIMATE = "estimate", _("Cost estimate entered")
    SCORING_MODEL = "scoring_model", _("Scoring model changed")
    DECISION_TARGETS = "decision_targets", _("Decision-time targets changed")
    WEBHOOK = "webhook", _("Webhook endpoint changed")
    REVENUE_RECORD = "revenue_record", _("Realized revenue recorded")
    ROLES_CHANGED = "roles_changed", _("Roles changed")
    DISCLOSURE_PLAN = "disclosure_plan", _("Disclosure plan proposed")
    DISCLOSURE_SIGN_OFF = "disclosure_sign_off", _("Disclosure plan signed off or refused")
    # For the handover lane of issue 18 (portfolio's handover register), declared here with the others.
    HANDOVER = "handover", _("Handover to a partner recorded")
