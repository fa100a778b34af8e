"""Short-lived caching of expensive aggregates, in each process's local memory.

Charts and totals over hundreds of thousands of rows cost tens of milliseconds per GROUP BY; they
may lag a few seconds behind the table under them. Local memory, not Redis, so a broker or cache
outage never fails a page.
"""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")


def cached(namespace: str, key: str, seconds: int, compute: Callable[[], T]) -> T:
    """`compute()`'s value for `key`, reused for `seconds`."""
    cache_key = f"{namespace}:{hashlib.sha256(key.encode()).hexdigest()}"
    value = cache.get(cache_key)
    if value is None:
        value = compute()
        cache.set(cache_key, value, seconds)
    return value
