"""Real processes for fault tests: a private Redis server and Celery worker subprocesses (and PgBouncer, nginx...).

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


def django_script_run(script: str, *, database_url: str | None = None, **env: str) -> list[str]:
    """Run `script` in a fresh Python process with the production settings module on `database_url` (this test's
    database by default), as gunicorn or a worker would start (core.database's timeouts on); its output lines,
    without the JSON log lines."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**{key: value for key, value in os.environ.items() if key != "DB_TIMEOUTS"},
             "DATABASE_URL": database_url or database_url_of_this_test(), "DJANGO_SETTINGS_MODULE": "config.settings",
             "SECRET_KEY": "script-test-secret-key-0123456789abcdefghijklmnop", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return [line for line in result.stdout.splitlines() if not line.startswith("{")]


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
        beat: bool = False,
    ) -> None:
        self.broker_url = broker_url
        self.beat = beat
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
                    # The periodic sweeps too, in this process (celery beat embedded), when asked for.
                    *(["--beat", "--schedule", str(self.log.with_suffix(".beat"))] if self.beat else []),
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


class RowLock:
    """Hold a demand's row lock from another connection, so a task writing that row blocks in the middle."""

    def __init__(self, demand) -> None:  # a ChangeRequest
        import psycopg2

        self.conn = psycopg2.connect(database_url_of_this_test())
        self.conn.cursor().execute("SELECT id FROM intake_changerequest WHERE id = %s FOR UPDATE", [demand.pk])

    @staticmethod
    def waiters() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0]

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


@contextlib.contextmanager
def app_broker(url: str) -> Iterator[None]:
    """Publish from this test process to `url` with eager mode off, as the web processes do."""
    from config.celery import app

    previous = app.conf.broker_url, app.conf.broker_write_url, app.conf.task_always_eager

    def reset_pools() -> None:
        # New connections for the new URL; the old pools are dropped, not closed, so nothing
        # else holding them breaks. A failure of the previous broker says nothing about this one.
        from core.enqueue import broker_backoff_reset

        app._pool = None
        app.amqp._producer_pool = None
        broker_backoff_reset()

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

    def __init__(
        self, env: dict[str, str], *, app: str = "config.wsgi:application", workers: int = 1, threads: int = 1
    ) -> None:
        self.env = env
        self.app = app
        self.workers, self.threads = workers, threads
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
                 "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--threads", str(self.threads),
                 "--timeout", "60"],
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

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        result = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in result.stdout.split()]

    def kill_worker(self) -> int:
        """SIGKILL one worker in the middle of its requests; the arbiter starts another in its place."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        process_group_stop(self.process, timeout=20)


def pgbouncer_binary() -> str | None:
    """PgBouncer from the Debian package (`.ci/run` installs it), or None."""
    return shutil.which("pgbouncer") or next((p for p in ("/usr/sbin/pgbouncer",) if os.access(p, os.X_OK)), None)


class PgBouncer:
    """PgBouncer in transaction pooling as a plain subprocess (never the system service) on a free port, in front
    of the PostgreSQL server of `database_url`, with its own configuration in a temporary folder.

    Any database name is passed through; clients log in as the user of `database_url` without a password (the
    local server trusts loopback). PgBouncer refuses to run as root: as root it switches to `nobody`.
    `pool_size` server connections per database and user, at most: what the server sees, however many clients.
    """

    def __init__(self, database_url: str, *, pool_size: int = 4, max_client_conn: int = 200) -> None:
        from urllib.parse import urlsplit

        upstream = urlsplit(database_url)
        self.upstream_host, self.upstream_port = upstream.hostname or "127.0.0.1", upstream.port or 5432
        self.user = upstream.username or "postgres"
        self.pool_size, self.max_client_conn = pool_size, max_client_conn
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        self.log = self.folder / "pgbouncer.log"
        self.process: subprocess.Popen | None = None

    def url_for(self, database_url: str) -> str:
        """`database_url` with PgBouncer's address in place of the server's."""
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(database_url)
        credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit(parts._replace(netloc=f"{credentials}127.0.0.1:{self.port}"))

    def configuration(self) -> str:
        return f"""
[databases]
* = host={self.upstream_host} port={self.upstream_port}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {self.folder}/users.txt
pool_mode = transaction
default_pool_size = {self.pool_size}
max_client_conn = {self.max_client_conn}
admin_users = {self.user}
stats_users = {self.user}
"""

    def start(self) -> "PgBouncer":
        binary = pgbouncer_binary()
        assert binary, "pgbouncer is not installed (apt-get install pgbouncer)"
        conf = self.folder / "pgbouncer.ini"
        conf.write_text(self.configuration())
        (self.folder / "users.txt").write_text(f'"{self.user}" ""\n')
        self.folder.chmod(0o755)  # read by `nobody` when started as root
        as_user = ["-u", "nobody"] if os.geteuid() == 0 else []
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [binary, *as_user, str(conf)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(
            lambda: self.process.poll() is not None or self.answers(),
            timeout=20,
            message=f"pgbouncer on port {self.port} answering",
        )
        assert self.process.poll() is None, self.log.read_text(errors="replace")
        return self

    def answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
        except OSError:
            return False
        return True

    def show(self, what: str) -> list[dict[str, object]]:
        """`SHOW <what>` on PgBouncer's admin console (POOLS, STATS, SERVERS...), as rows of dicts."""
        import psycopg2

        admin = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname="pgbouncer")
        admin.autocommit = True
        try:
            with admin.cursor() as cursor:
                cursor.execute(f"SHOW {what}")
                names = [column.name for column in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            admin.close()

    def stop(self) -> None:
        process_group_stop(self.process, timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if os.access(p, os.X_OK)), None)


class Dovecot:
    """A real IMAP server (Debian's dovecot-imapd) as a private subprocess: its own configuration, a free port on
    127.0.0.1, one user, mail in a temporary folder; never the system service. Stopped by `stop()`."""

    user = "demands"
    password = "imap-test-password"

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="dovecot-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"imap://{self.user}:{self.password}@127.0.0.1:{self.port}/INBOX"

    def configuration(self, uid: int, gid: int) -> str:
        folder = self.folder
        # Running as root, dovecot refuses to deliver as uid 0: the mail belongs to its own `dovecot` user then.
        internal = "" if os.geteuid() == 0 else f"default_internal_user = {pwd.getpwuid(uid).pw_name}\n"
        login = "" if os.geteuid() == 0 else f"default_login_user = {pwd.getpwuid(uid).pw_name}\n"
        return f"""base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
{internal}{login}protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{folder}/mail/%u
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={folder}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = 0
  }}
}}
"""

    def start(self) -> "Dovecot":
        binary = dovecot_binary()
        assert binary, "dovecot is not installed (apt-get install dovecot-imapd)"
        if os.geteuid() == 0:
            owner = pwd.getpwnam("dovecot")
            uid, gid = owner.pw_uid, owner.pw_gid
        else:
            uid, gid = os.geteuid(), os.getegid()
        for sub in ("mail", "home"):
            (self.folder / sub).mkdir()
            os.chown(self.folder / sub, uid, gid)
        (self.folder / "users").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        # dovecot's auth and mail processes run as its own users: they must reach the folder and read the users.
        self.folder.chmod(0o755)
        os.chown(self.folder / "users", uid, gid)
        conf = self.folder / "dovecot.conf"
        conf.write_text(self.configuration(uid, gid))
        self.process = subprocess.Popen(
            [binary, "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(
            lambda: self.process.poll() is not None or self.answers(),
            timeout=20,
            message=f"dovecot on port {self.port} answering",
        )
        assert self.process.poll() is None, (self.folder / "dovecot.log").read_text()
        return self

    def answers(self) -> bool:
        import imaplib

        try:
            connection = imaplib.IMAP4("127.0.0.1", self.port, timeout=2)
        except OSError:
            return False
        connection.logout()
        return True

    def connect(self):  # type: ignore[no-untyped-def]
        import imaplib

        connection = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        connection.login(self.user, self.password)
        return connection

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message in a folder, as the mail server would on delivery."""
        connection = self.connect()
        try:
            status, data = connection.append(folder, None, None, raw)
            assert status == "OK", data
        finally:
            connection.logout()

    def messages(self, folder: str) -> list[bytes]:
        """Every message in `folder` (empty if the folder does not exist)."""
        connection = self.connect()
        try:
            status, _data = connection.select(f'"{folder}"', readonly=True)
            if status != "OK":
                return []
            status, data = connection.uid("SEARCH", "ALL")
            found = []
            for uid in data[0].split():
                _status, parts = connection.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                found += [part[1] for part in parts if isinstance(part, tuple)]
            return found
        finally:
            connection.logout()

    def stop(self) -> None:
        process_group_stop(self.process, timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)
