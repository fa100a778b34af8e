"""The database rate limiter: counts, windows, concurrency, and the DRF token throttle built on it."""

import threading
import time

import pytest
from django.db import connection
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from core.models import RateCounter
from core.ratelimit import PRUNE_AFTER_SECONDS, rate_counter_prune, rate_limit_hit, rate_parse
from core.throttling import TokenRateThrottle


@pytest.mark.embedded
@pytest.mark.django_db
def test_requests_within_the_limit_pass_and_the_next_one_is_refused_with_a_wait():
    results = [rate_limit_hit("test:a", 3, 60) for _ in range(4)]
    assert [allowed for allowed, _ in results] == [True, True, True, False]
    assert results[0][1] == 0
    assert 1 <= results[3][1] <= 60
    assert RateCounter.objects.get(key="test:a").count == 4


@pytest.mark.django_db
def test_keys_are_counted_separately():
    rate_limit_hit("test:one", 1, 60)
    assert rate_limit_hit("test:one", 1, 60)[0] is False
    assert rate_limit_hit("test:two", 1, 60)[0] is True


@pytest.mark.django_db
def test_a_new_window_starts_from_zero():
    allowed, _ = rate_limit_hit("test:w", 1, 60)
    assert allowed
    RateCounter.objects.filter(key="test:w").update(window_start=0)  # as if the window had closed long ago
    assert rate_limit_hit("test:w", 1, 60)[0] is True


@pytest.mark.django_db
def test_prune_deletes_only_long_closed_windows():
    RateCounter.objects.create(key="old", window_start=0, count=5)
    rate_limit_hit("fresh", 5, 60)
    assert rate_counter_prune() == 1
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["fresh"]


@pytest.mark.django_db
def test_the_periodic_sweep_prunes_expired_counters_and_keeps_live_ones(settings):
    from config.celery import app

    long_closed = int(time.time()) - PRUNE_AFTER_SECONDS - 3600
    RateCounter.objects.create(key="expired", window_start=long_closed, count=9)
    RateCounter.objects.create(key="recent", window_start=int(time.time()) - 3600, count=2)
    rate_limit_hit("live", 5, 60)

    assert app.signature("core.sweep_rate_counters").apply().get() == 1
    assert app.signature("core.sweep_rate_counters").apply().get() == 0  # idempotent: nothing left to prune
    assert sorted(RateCounter.objects.values_list("key", flat=True)) == ["live", "recent"]
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled["core.sweep_rate_counters"] == 3600.0


@pytest.mark.django_db
def test_a_request_never_prunes_so_it_costs_the_same_statements_every_time(django_assert_num_queries):
    RateCounter.objects.create(key="expired", window_start=0, count=9)
    for _ in range(300):  # the old 1 % chance of pruning in the request would almost surely have fired
        with django_assert_num_queries(1):
            rate_limit_hit("steady", 1000, 60)
    assert RateCounter.objects.filter(key="expired").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_on_postgresql_are_all_counted_and_exactly_the_limit_passes():
    allowed_count = 0
    lock = threading.Lock()
    start = threading.Barrier(10)

    def hit() -> None:
        nonlocal allowed_count
        try:
            start.wait()
            for _ in range(5):
                allowed, _ = rate_limit_hit("test:concurrent", 30, 3600)
                if allowed:
                    with lock:
                        allowed_count += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=hit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert RateCounter.objects.get(key="test:concurrent").count == 50
    assert allowed_count == 30


def test_rates_are_parsed_as_drf_writes_them():
    assert rate_parse("600/minute") == (600, 60)
    assert rate_parse("5/s") == (5, 1)
    assert rate_parse("100/hour") == (100, 3600)
    assert rate_parse("1000/day") == (1000, 86400)


class _ThrottledView(APIView):
    throttle_classes = [TokenRateThrottle]

    def post(self, request):
        from rest_framework.response import Response

        return Response({"ok": True})


@pytest.mark.django_db
def test_token_throttle_refuses_writes_over_the_limit_with_retry_after(settings, write_token, cio):
    from core.choices import TokenScope
    from core.services import api_token_create

    settings.API_TOKEN_RATE_LIMIT = "2/minute"
    _, other_write_token = api_token_create(user=cio, name="other", scope=TokenScope.READ_WRITE)
    factory = APIRequestFactory()
    view = _ThrottledView.as_view()

    def post(key: str):
        return view(factory.post("/x/", {}, HTTP_AUTHORIZATION=f"Token {key}"))

    assert [post(write_token).status_code for _ in range(3)] == [200, 200, 429]
    refused = post(write_token)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert post(other_write_token).status_code == 200  # another token has its own budget
    assert RateCounter.objects.filter(key__startswith="api-token:").count() == 2  # counted in the database


@pytest.mark.django_db
def test_reads_are_throttled_per_token_without_touching_the_database(settings, reader_client, write_token):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.API_TOKEN_READ_RATE = "3/minute"
    statuses = [reader_client.get("/api/v1/projects/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = reader_client.get("/api/v1/projects/")
    assert refused.json()["detail"] and 1 <= int(refused["Retry-After"]) <= 60
    assert not RateCounter.objects.exists()
    with CaptureQueriesContext(connection) as queries:
        reader_client.get("/api/v1/projects/")
    assert not any("ratecounter" in query["sql"] for query in queries.captured_queries)


@pytest.mark.django_db
def test_token_throttle_lets_requests_without_a_token_through_to_other_checks(settings):
    settings.API_TOKEN_RATE_LIMIT = "1/minute"
    throttle = TokenRateThrottle()
    request = APIRequestFactory().get("/x/")
    request.auth = None
    assert throttle.allow_request(request, None) and throttle.allow_request(request, None)
    assert RateCounter.objects.count() == 0


@pytest.mark.django_db
def test_every_api_answer_says_its_rate_limit_policy_and_what_is_left(settings, reader_client, writer_client):
    settings.API_TOKEN_READ_RATE = "5/minute"
    settings.API_TOKEN_RATE_LIMIT = "7/hour"
    first, second = reader_client.get("/api/v1/projects/"), reader_client.get("/api/v1/projects/")
    assert first["RateLimit-Policy"] == '"read";q=5;w=60'
    remaining = [int(response["RateLimit"].split(";")[1].removeprefix("r=")) for response in (first, second)]
    assert remaining == [4, 3]
    assert 1 <= int(second["RateLimit"].split("t=")[1]) <= 60
    write = writer_client.post("/api/v1/requests/", {}, format="json")
    assert write.status_code == 400
    assert (write["RateLimit-Policy"], write["RateLimit"].split(";")[1]) == ('"write";q=7;w=3600', "r=6")
    from django.test import Client

    refused = Client().get("/api/v1/projects/")
    assert refused.status_code == 401
    assert refused["RateLimit-Policy"] == '"read";q=5;w=60, "write";q=7;w=3600'


@pytest.mark.django_db
def test_the_429_carries_retry_after_and_the_empty_quota(settings, reader_client):
    settings.API_TOKEN_READ_RATE = "1/minute"
    reader_client.get("/api/v1/projects/")
    refused = reader_client.get("/api/v1/projects/")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert refused["RateLimit"].startswith('"read";r=0;t=') and int(refused["Retry-After"]) >= 1


@pytest.mark.django_db
def test_reads_pass_uncounted_when_redis_is_out_of_reach(settings, reader_client):
    from core.throttling import shared_counts_clear

    settings.API_TOKEN_READ_RATE = "1/minute"
    settings.API_READ_LIMIT_REDIS_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    try:
        statuses = [reader_client.get("/api/v1/projects/").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        assert "RateLimit" not in reader_client.get("/api/v1/projects/")  # nothing counted, nothing claimed
    finally:
        shared_counts_clear()
