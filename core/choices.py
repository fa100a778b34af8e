from django.db import models


class TokenScope(models.TextChoices):
    READ = "read", "Read-only"
    READ_WRITE = "read_write", "Read-write"
