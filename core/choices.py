from django.db import models


class TokenScope(models.TextChoices):
    READ = "read", "Read-only"
    READ_WRITE = "read_write", "Read-write"


class AuditAction(models.TextChoices):
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Locked out"
    PERMISSION_DENIED = "permission_denied", "Permission refused"
    DECISION = "decision", "Decision recorded"
    ESTIMATE = "estimate", "Cost estimate entered"
    SCORING_MODEL = "scoring_model", "Scoring model changed"
    DECISION_TARGETS = "decision_targets", "Decision-time targets changed"
    WEBHOOK = "webhook", "Webhook endpoint changed"
