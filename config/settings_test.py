"""Test overrides: eager Celery unless a test starts a real worker, fast hashing, local e-mail."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")

from config.settings import *  # noqa: F403
from config.settings import BROKER_CONFIGURED, CELERY_BROKER_URL, DATABASES

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Static files come from the finders in tests; nothing is collected.
STATIC_ROOT = None  # type: ignore[assignment]  # settings.py sets a Path; tests collect nothing
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests that need a real broker and worker switch eager mode off in a fixture; the rest run eagerly.
CELERY_TASK_ALWAYS_EAGER = True
TEST_BROKER_URL = CELERY_BROKER_URL if BROKER_CONFIGURED else ""
# Worker threads and live servers open their own connections; close them after each request.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Webhook tests deliver to receivers on this machine over plain HTTP.
WEBHOOKS_ALLOW_HTTP_HOSTS = ["127.0.0.1", "localhost"]
