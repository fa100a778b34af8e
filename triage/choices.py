from django.db import models

from intake.choices import ScoreBand

__all__ = ["Confidence", "DecisionOutcome", "RescoreJobStatus", "ScoreBand"]


class Confidence(models.TextChoices):
    LOW = "low", "Low (±50 %)"
    MEDIUM = "medium", "Medium (±25 %)"
    HIGH = "high", "High (±10 %)"


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", "Approve"
    REJECTED = "rejected", "Reject"
    DEFERRED = "deferred", "Defer"


class RescoreJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    SUPERSEDED = "superseded", "Superseded by a newer model"
    FAILED = "failed", "Failed"
