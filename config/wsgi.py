import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# A web process: the web statement timeout and client-side deadlines (core.database), before any connection.
# DB_TIMEOUTS=off is for the test suite, which imports this module in-process (tests/conftest.py).
from core.database import role_apply  # noqa: E402 (needs the settings loaded above)

if os.environ.get("DB_TIMEOUTS", "on") != "off":
    role_apply("web")
