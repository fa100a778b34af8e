import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# A web process: the web statement timeout and client-side deadlines (core.database), before any connection.
from core.database import role_apply  # noqa: E402 (needs the settings loaded above)

role_apply("web")
