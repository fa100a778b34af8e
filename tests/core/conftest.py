import pytest

from tests.processes import RedisServer


@pytest.fixture
def private_redis():  # type: ignore[no-untyped-def]
    """A redis-server of this test's own, to stop or pause; never the shared one."""
    server = RedisServer()
    yield server
    server.stop()
