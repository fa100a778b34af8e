import threading
import time

import pytest
from django.core.cache import cache

from core.cache import cached

pytestmark = pytest.mark.embedded


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_value_is_reused_while_fresh():
    calls = []
    assert cached("test", "k", 30, lambda: calls.append(1) or len(calls)) == 1
    assert cached("test", "k", 30, lambda: calls.append(1) or len(calls)) == 1
    assert cached("test", "other", 30, lambda: calls.append(1) or len(calls)) == 2


def test_threads_missing_the_same_value_compute_it_once():
    calls = []
    started = threading.Barrier(4)

    def compute() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    def read(results: list) -> None:
        started.wait()
        results.append(cached("test", "k", 30, compute))

    results: list[int] = []
    threads = [threading.Thread(target=read, args=(results,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42] * 4 and len(calls) == 1


def test_an_expired_value_is_served_while_one_thread_recomputes_it():
    assert cached("test", "k", 1, lambda: "old") == "old"
    time.sleep(1.1)  # past `seconds`, within the grace
    recomputing = threading.Event()
    release = threading.Event()

    def slow_compute() -> str:
        recomputing.set()
        release.wait(5)
        return "new"

    refresher = threading.Thread(target=lambda: cached("test", "k", 1, slow_compute))
    refresher.start()
    assert recomputing.wait(5)
    assert cached("test", "k", 1, lambda: "never") == "old"  # no wait, no second computation
    release.set()
    refresher.join()
    assert cached("test", "k", 1, lambda: "never") == "new"


def test_a_value_computed_inside_another_does_not_wait_for_itself():
    outer = lambda: "outer " + cached("test", "inner", 30, lambda: "inner")  # noqa: E731
    assert cached("test", "outer", 30, outer) == "outer inner"
