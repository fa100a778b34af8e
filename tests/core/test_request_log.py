"""Every log line of a request carries its request id; the response echoes it; Celery task logs carry the task id."""

import io
import json
import logging

import pytest
from django.test import Client

from config.celery import app

pytestmark = pytest.mark.embedded


def console_handler() -> logging.Handler:
    """The console handler LOGGING configures (JSON lines in production settings)."""
    [handler] = [handler for handler in logging.getLogger().handlers if handler.get_name() == "console"]
    return handler


@pytest.mark.django_db
def test_a_request_echoes_a_sane_request_id_and_every_line_it_logs_carries_it(client: Client, analyst):
    handler = console_handler()
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        # A failed sign-in: django-axes logs about it inside the request, then the access line.
        response = client.post(
            "/accounts/login/", {"username": "analyst", "password": "wrong-1"}, HTTP_X_REQUEST_ID="lb-4f2a9c1e-0001"
        )
        logging.getLogger("test").info("outside any request")
    finally:
        handler.setStream(previous)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert response["X-Request-ID"] == "lb-4f2a9c1e-0001"
    assert {"axes.handlers.database", "core.request"} <= {line["logger"] for line in lines}
    [access] = [line for line in lines if line["logger"] == "core.request"]
    assert access["message"].startswith("POST /accounts/login/ 200") and access["status"] == 200
    assert {line["request_id"] for line in lines if line["message"] != "outside any request"} == {"lb-4f2a9c1e-0001"}
    assert [line["request_id"] for line in lines if line["message"] == "outside any request"] == ["-"]


@pytest.mark.django_db
@pytest.mark.parametrize("offered", [None, "short", "evil\r\nSet-Cookie: x=1", "x" * 300])
def test_a_missing_or_insane_request_id_is_replaced_by_a_fresh_one(client: Client, offered):
    headers = {} if offered is None else {"HTTP_X_REQUEST_ID": offered}
    first = client.get("/healthz", **headers)["X-Request-ID"]
    second = client.get("/healthz", **headers)["X-Request-ID"]
    assert first != offered and len(first) == 32 and first != second


def test_a_celery_task_logs_with_its_task_id():
    handler = console_handler()

    @app.task(name="tests.log_something")
    def log_something() -> None:
        logging.getLogger("tests.task").info("inside the task")

    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        result = log_something.apply(task_id="task-id-0123456789")
    finally:
        handler.setStream(previous)
    assert result.successful()
    [line] = [json.loads(line) for line in stream.getvalue().splitlines() if "inside the task" in line]
    assert line["task_id"] == "task-id-0123456789" and line["request_id"] == "-"


@pytest.mark.django_db
def test_no_log_line_shows_a_tracking_token(analyst):
    from tests.factories import file_demand_with_token

    _demand, token = file_demand_with_token()
    handler = console_handler()
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        customer = Client()
        assert customer.get(f"/track/{token}/").status_code == 200  # the access line
        assert customer.post(f"/track/{token}/", {"action": "answer"}).status_code == 400  # Django's "Bad Request"
        csrf_failure = Client(enforce_csrf_checks=True).post(f"/track/{token}/", {"action": "withdraw"})
        assert csrf_failure.status_code == 403  # django.security.csrf's "Forbidden (...)" line
        logging.getLogger("test").warning("a link in a message: https://x.example/track/%s/", token)
        try:
            raise ValueError(f"no demand at /track/{token}/")
        except ValueError:
            logging.getLogger("test").exception("a traceback")
    finally:
        handler.setStream(previous)
    output = stream.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]
    assert token not in output
    assert {"core.request", "django.request", "django.security.csrf"} <= {line["logger"] for line in lines}
    [first] = [line for line in lines if line["logger"] == "core.request"][:1]
    assert first["message"].startswith("GET /track/[redacted]/ 200") and first["path"] == "/track/[redacted]/"
    assert "no demand at /track/[redacted]/" in output


def test_a_password_reset_link_is_redacted_like_a_tracking_link():
    """A reset link signs in whoever holds it for an hour: its user id and token never reach a log line."""
    from core.redaction import redact_secrets

    line = "GET /accounts/password/reset/MQ/cz5k1a-0123456789abcdef0123456789abcdef/ 200"
    assert redact_secrets(line) == "GET /accounts/password/reset/[redacted]/ 200"
    assert redact_secrets("GET /accounts/password/reset/sent/ 200") == "GET /accounts/password/reset/sent/ 200"
