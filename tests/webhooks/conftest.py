import pytest


@pytest.fixture
def quick_retries(settings):
    """Retries after 50, 100, 200 ms (capped) instead of 30 s, 1 min, 2 min."""
    settings.WEBHOOKS_BACKOFF_BASE_SECONDS = 0.05
    settings.WEBHOOKS_BACKOFF_MAX_SECONDS = 0.2
    settings.WEBHOOKS_TIMEOUT_SECONDS = 2.0
    return settings
