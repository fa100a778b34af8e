"""Short-lived caching of expensive aggregates, in each process's local memory.

Charts and totals over hundreds of thousands of rows cost tens of milliseconds per GROUP BY (close to a second for
a text search at 1,000,000 demands); they may lag a few seconds behind the table under them. Local memory, not
Redis, so a broker or cache outage never fails a page.

A process's threads never compute the same value at once: when a value is missing, one thread computes it and the
others wait for it; when it has outlived `seconds`, one thread recomputes it while the others keep the previous
value until the new one is stored. Without that, every request arriving while the charts expire (gunicorn's
threads) ran the same aggregates side by side on the same cores, seconds each (issue 22, docs/benchmarks.md).
"""

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

# The keys being computed now, each with its lock and how many threads hold or wait for it (removed at zero, so
# memory stays bounded whatever the keys). One lock per key: a value computed inside another's computation (the
# charts' SVG reads the charts) never waits for a lock its own thread holds.
_registry = threading.Lock()
_computing: dict[str, tuple[threading.Lock, list[int]]] = {}


@contextmanager
def _one_thread(cache_key: str, *, wait: bool) -> Iterator[bool]:
    """Whether this thread may compute `cache_key` (alone in this process); with `wait`, after those before it."""
    with _registry:
        lock, users = _computing.setdefault(cache_key, (threading.Lock(), [0]))
        users[0] += 1
    acquired = lock.acquire(blocking=wait)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()
        with _registry:
            users[0] -= 1
            if not users[0]:
                del _computing[cache_key]


def cached(namespace: str, key: str, seconds: int, compute: Callable[[], T]) -> T:
    """`compute()`'s value for `key`, reused for `seconds`, then while one thread of this process recomputes it."""
    cache_key = f"{namespace}:{hashlib.sha256(key.encode()).hexdigest()}"
    entry = cache.get(cache_key)
    if entry is not None and time.monotonic() < entry[0]:
        return entry[1]
    with _one_thread(cache_key, wait=entry is None) as alone:
        if not alone:
            return entry[1]  # another thread is recomputing it: the previous value meanwhile
        latest = cache.get(cache_key)
        if latest is not None and time.monotonic() < latest[0]:
            return latest[1]  # computed by the thread this one waited for
        value = compute()
        # Kept twice as long as it is fresh: the second half is what the other threads read during a recompute.
        cache.set(cache_key, (time.monotonic() + seconds, value), 2 * seconds)
        return value
