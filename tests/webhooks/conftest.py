from collections.abc import Iterator

import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def start_receiver() -> Iterator:
    """Start real receivers on 127.0.0.1: `start_receiver(statuses=[500, 500, 200], hold=False)`."""
    started: list[Receiver] = []

    def start(**options) -> Receiver:
        receiver = Receiver(**options).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def receiver(start_receiver) -> Receiver:
    return start_receiver()


@pytest.fixture
def quick_retries(settings):
    """Retries after 50, 100, 200 ms (capped) instead of 30 s, 1 min, 2 min."""
    settings.WEBHOOKS_BACKOFF_BASE_SECONDS = 0.05
    settings.WEBHOOKS_BACKOFF_MAX_SECONDS = 0.2
    settings.WEBHOOKS_TIMEOUT_SECONDS = 2.0
    return settings
