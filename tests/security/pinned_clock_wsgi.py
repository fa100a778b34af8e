"""config.wsgi for a gunicorn under test, with the rate limiter's clock held still (RATE_LIMIT_CLOCK).

tests/conftest.py holds the same clock still in the test process: a test that fills a fixed window and
expects the next request refused would otherwise fail whenever a window boundary fell inside it.
"""

import os

from config.wsgi import application
from core import ratelimit

_PINNED = float(os.environ["RATE_LIMIT_CLOCK"])
ratelimit._now = lambda: _PINNED

__all__ = ["application"]
