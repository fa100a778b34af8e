"""Demand Desk's own Prometheus metrics, read at scrape time from the database and the broker.

`core` sits below the stages, so it never reads their tables: a stage registers its own readings
(`metric_reading_register`, from its AppConfig.ready) and the collector calls them on each scrape.

Each reading fails open: a broker or database that does not answer within a short timeout leaves its
metric out of this scrape (and sets `demanddesk_metric_read_ok` to 0) instead of failing the scrape.
"""

import logging
from collections.abc import Callable, Iterator

from django.conf import settings
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# kombu's Redis transport keeps one list per priority step: the queue's own name for priority 0,
# "<queue>\x06\x16<step>" for the others.
REDIS_PRIORITY_SEPARATOR = "\x06\x16"
REDIS_PRIORITY_STEPS = (3, 6, 9)
BROKER_READ_TIMEOUT = 0.5


def scoring_queue_depth() -> int:
    """Messages waiting in the Celery queue on Redis (all priority lists), read with a short timeout."""
    import redis
    from celery import current_app as app  # the project's app (config/celery.py); core never imports config

    queue = app.conf.task_default_queue
    keys = [queue, *(f"{queue}{REDIS_PRIORITY_SEPARATOR}{step}" for step in REDIS_PRIORITY_STEPS)]
    with app.connection_for_write() as connection:  # the URL tasks are published to; nothing connects here
        broker_url = connection.as_uri(include_password=True)
    client = redis.Redis.from_url(
        broker_url,
        socket_timeout=BROKER_READ_TIMEOUT,
        socket_connect_timeout=BROKER_READ_TIMEOUT,
        retry_on_timeout=False,
    )
    try:
        pipeline = client.pipeline(transaction=False)
        for key in keys:
            pipeline.llen(key)
        return sum(pipeline.execute())
    finally:
        client.close()


# (metric name, documentation, read): gauges the stages register, read in registration order.
_stage_readings: list[tuple[str, str, Callable[[], float]]] = []


def metric_reading_register(*, name: str, documentation: str, read: Callable[[], float]) -> None:
    """Add a gauge read on every scrape; registering a name twice (ready() may run again) keeps the first."""
    if all(existing != name for existing, _documentation, _read in _stage_readings):
        _stage_readings.append((name, documentation, read))


class DemandDeskCollector(Collector):
    """Scoring queue depth, scoring lag and failed scoring tasks, collected on every scrape."""

    def describe(self) -> list:
        # Nothing to read at registration time (the database may not even be migrated yet).
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        read_ok = GaugeMetricFamily(
            "demanddesk_metric_read_ok", "1 when the source of a metric answered in this scrape.", labels=["metric"]
        )
        readings = list(_stage_readings)
        if settings.BROKER_CONFIGURED:
            readings.append(
                ("demanddesk_scoring_queue_depth", "Scoring messages waiting in the broker queue.", scoring_queue_depth)
            )
        for name, documentation, read in readings:
            try:
                value = read()
            except Exception:  # fail open: the scrape goes on without this reading
                logger.warning("could not read metric %s", name, exc_info=True)
                read_ok.add_metric([name], 0)
                continue
            read_ok.add_metric([name], 1)
            yield GaugeMetricFamily(name, documentation, value=value)
        yield read_ok


_registered = False


def collector_register() -> None:
    """Register the collector once per process (Django may call `ready()` more than once in tests)."""
    global _registered
    if _registered:
        return
    from prometheus_client import REGISTRY

    REGISTRY.register(DemandDeskCollector())
    _registered = True
