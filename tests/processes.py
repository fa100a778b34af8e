"""Real processes for fault tests: a private Redis server and Celery worker subprocesses.

Faults are injected into these private processes only (stop, freeze, SIGKILL), never into the shared
services other tests use. Workers run the production settings module against the test database.
"""

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def wait_for(
    predicate: Callable[[], object], *, timeout: float = 30.0, interval: float = 0.1, message: str = ""
) -> object:
    """Poll `predicate` until it returns something truthy (returned), or fail after `timeout` seconds.

    Fault tests wait on a condition with a deadline, never a fixed sleep: a fast machine goes on at once,
    a slow one gets the whole deadline, and a hang fails with `message` instead of blocking CI.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"{message or 'condition'} not met within {timeout} s")
        time.sleep(interval)


def stays_true(predicate: Callable[[], object], *, duration: float, interval: float = 0.1, message: str = "") -> None:
    """Fail as soon as `predicate` turns false during `duration` seconds (a duplicate arriving late, say).

    For the few checks that are about elapsed time: nothing can prove "nothing more arrives" but watching
    for a while, so the watch is bounded and stops at the first counter-example.
    """
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        assert predicate(), message or "condition stopped holding"
        time.sleep(interval)
    assert predicate(), message or "condition stopped holding"


def answers_http(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (a URL of our own, on this host)
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def process_group_stop(process: subprocess.Popen | None, *, timeout: float) -> None:
    """SIGTERM a process started with `start_new_session=True` and its children; SIGKILL them after `timeout`."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url_of_this_test() -> str:
    """The URL of the database this test runs on (pytest-django's test database)."""
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    return f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"


class RedisServer:
    """A throwaway redis-server on a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=10, message=f"redis-server on port {self.port} answering")
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def pause_clients(self, milliseconds: int) -> None:
        """Accept connections but answer nothing for a while (Redis' CLIENT PAUSE): a hung broker that recovers
        by itself. A test that asserts what happens during the pause wants `freeze()`, which has no deadline."""
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "CLIENT", "PAUSE", str(milliseconds), "ALL"],
            check=True,
            capture_output=True,
        )

    def freeze(self) -> None:
        """A hung broker for as long as the test needs: the process is stopped (SIGSTOP), so the kernel still
        accepts connections but nothing answers them until `thaw()`. Whatever returns meanwhile did not wait
        for the broker: no clock needed to tell."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.thaw()  # a stopped process would not act on the SIGTERM
            self.process.terminate()
            self.process.wait(timeout=10)


class CeleryWorker:
    """`celery -A config worker` (prefork, one child) on `broker_url` and the test database."""

    def __init__(
        self,
        broker_url: str,
        *,
        database_url: str | None = None,
        visibility_timeout: int = 6,
        name: str = "fault",
        extra_env: dict[str, str] | None = None,
        concurrency: int = 1,
    ) -> None:
        self.broker_url = broker_url
        self.database_url = database_url
        self.visibility_timeout = visibility_timeout
        self.extra_env = extra_env or {}
        self.concurrency = concurrency
        self.name = f"{name}-{free_port()}"
        self.log = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self) -> "CeleryWorker":
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": self.database_url or database_url_of_this_test(),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_VISIBILITY_TIMEOUT": str(self.visibility_timeout),
            "SECRET_KEY": "fault-test-secret-key-0123456789abcdefghijklmnop",
            "DEBUG": "false",
            "CONN_MAX_AGE": "0",
            "EMAIL_URL": "dummymail://",
            **self.extra_env,
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool",
                    "prefork",
                    "--concurrency",
                    str(self.concurrency),
                    "--loglevel",
                    "INFO",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "--hostname",
                    f"{self.name}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: "ready." in self.output(), timeout=30, message=f"celery worker {self.name} ready")
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pool_children(self) -> list[int]:
        result = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in result.stdout.split()]

    def kill_pool_child(self) -> None:
        for pid in self.pool_children():
            os.kill(pid, signal.SIGKILL)

    def kill_whole(self) -> None:
        """SIGKILL the worker and its children at once: nothing gets to acknowledge or requeue."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        process_group_stop(self.process, timeout=15)


@contextlib.contextmanager
def app_broker(url: str) -> Iterator[None]:
    """Publish from this test process to `url` with eager mode off, as the web processes do."""
    from config.celery import app

    previous = app.conf.broker_url, app.conf.broker_write_url, app.conf.task_always_eager

    def reset_pools() -> None:
        # New connections for the new URL; the old pools are dropped, not closed, so nothing
        # else holding them breaks.
        app._pool = None
        app.amqp._producer_pool = None

    def configure(broker_url: str, write_url: str, eager: bool) -> None:
        app.conf.broker_url, app.conf.broker_write_url, app.conf.task_always_eager = broker_url, write_url, eager
        reset_pools()

    configure(url, url, False)
    try:
        yield
    finally:
        configure(*previous)


def nginx_binary() -> str | None:
    """nginx from the Debian package (`.ci/run` installs it), or None."""
    return shutil.which("nginx") or next((path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None)


class Nginx:
    """nginx as a plain subprocess (never the system service) on a free port, in front of `upstream_port`.

    Its configuration is written to a temporary folder and includes the repository's own
    deploy/nginx/logging.conf and proxy.conf, so what runs here is what production runs, minus TLS.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="nginx-"))
        self.access_log = self.folder / "access.log"
        self.error_log = self.folder / "error.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def configuration(self) -> str:
        user, group = pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name
        temp = self.folder
        deploy = ROOT / "deploy" / "nginx"
        return f"""
user {user} {group};
daemon off;
worker_processes 1;
pid {temp}/nginx.pid;
error_log {self.error_log} info;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {deploy}/logging.conf;
    upstream demanddesk_web {{ server 127.0.0.1:{self.upstream_port}; keepalive 4; }}
    server {{
        listen 127.0.0.1:{self.port};
        access_log {self.access_log} demanddesk;
        include {deploy}/proxy.conf;
    }}
}}
"""

    def start(self) -> "Nginx":
        binary = nginx_binary()
        assert binary, "nginx is not installed (apt-get install nginx)"
        conf = self.folder / "nginx.conf"
        conf.write_text(self.configuration())
        self.process = subprocess.Popen(
            [binary, "-p", str(self.folder), "-c", str(conf), "-e", str(self.error_log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(
            lambda: self.process.poll() is not None or answers_http(f"{self.url}/healthz"),
            timeout=20,
            message=f"nginx on port {self.port} answering",
        )
        assert self.process.poll() is None, self.error_log.read_text(errors="replace")
        return self

    def stop(self) -> None:
        process_group_stop(self.process, timeout=10)


class Gunicorn:
    """The web process as production runs it: gunicorn with config/gunicorn_conf.py, on a free port.

    `app` is the WSGI application's import path; stdout and stderr (gunicorn's access and error logs,
    Django's JSON log lines) go to `self.log`.
    """

    def __init__(self, env: dict[str, str], *, app: str = "config.wsgi:application", workers: int = 1) -> None:
        self.env = env
        self.app = app
        self.workers = workers
        self.port = free_port()
        self.log = Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Gunicorn":
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn_conf.py", self.app,
                 "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--timeout", "60"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_for(
            lambda: self.process.poll() is not None or answers_http(f"{self.url}/healthz"),
            timeout=60,
            message=f"gunicorn on port {self.port} answering",
        )
        assert self.process.poll() is None, self.output()[-3000:]
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        process_group_stop(self.process, timeout=20)
