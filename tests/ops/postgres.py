"""A private PostgreSQL cluster for fault tests: started, stopped and restarted without touching the shared one.

Needs the PostgreSQL server binaries (Debian `postgresql-<major>`: initdb, pg_ctl, postgres; the newest
installed, or PG_BIN). The server
refuses to run as root, so as root the cluster belongs to the `postgres` OS user and every command
runs through `runuser`.
"""

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from tests.processes import free_port


def _newest_server_binaries() -> Path:
    """PG_BIN, or the newest /usr/lib/postgresql/<major>/bin that has the server (Debian's layout)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda path: int(path.parts[-3]))
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _newest_server_binaries()


def postgres_available() -> bool:
    return (PG_BIN / "pg_ctl").exists() and (os.geteuid() != 0 or _has_user("postgres"))


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class PostgresServer:
    """initdb in a temporary directory, then start/stop/restart on a free port (trust auth, 127.0.0.1 only)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="private-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True, timeout=60)

    def init(self) -> "PostgresServer":
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self

    def start(self) -> None:
        # fsync off: a test cluster; a stop and start (not a machine crash) loses nothing committed.
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` disconnects every client and shuts down cleanly, as a restart by an operator does."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        status = subprocess.run([*prefix, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"], capture_output=True)
        return status.returncode == 0

    def postmaster(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def freeze(self) -> None:
        """A hung database for as long as the test needs: every process of the cluster is stopped (SIGSTOP), so
        the kernel still accepts connections and acknowledges what is sent, but nothing answers until `thaw()`.
        The postmaster first, so it forks no backend after its children are listed."""
        postmaster = self.postmaster()
        os.kill(postmaster, signal.SIGSTOP)
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
        self.frozen = [postmaster]
        for pid in map(int, children):
            with contextlib.suppress(ProcessLookupError):  # a backend that was just exiting
                os.kill(pid, signal.SIGSTOP)
                self.frozen.append(pid)

    def thaw(self) -> None:
        for pid in getattr(self, "frozen", []):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.frozen = []

    def destroy(self) -> None:
        self.thaw()
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)
