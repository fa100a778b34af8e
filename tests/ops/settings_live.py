"""Production settings for a web process under test, over plain HTTP, with static files from the finders."""

from config.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The test talks plain HTTP to gunicorn; production terminates TLS in front of it.
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_SECURE = False
