"""`make faults`, short: the script's own run of one fault, books and all, so it never rots.

The whole run (every fault) is `make faults`; here a gunicorn worker killed (the one fault no other test
injects), with two customers, on the script's own private PostgreSQL cluster and redis-server.
"""

import subprocess
import sys

import pytest

from tests.ops.postgres import postgres_available
from tests.processes import ROOT

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.worker,
    pytest.mark.skipif(not postgres_available(), reason="needs the PostgreSQL 15 server binaries"),
]


def test_the_fault_script_ends_each_fault_with_clean_books():
    result = subprocess.run(
        [sys.executable, "scripts/faults.py", "--faults", "gunicorn-worker-killed", "--customers", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    table = [line for line in result.stdout.splitlines() if line.strip().startswith(("fault", "gunicorn"))]
    print("\n".join(table))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    header, *rows = table
    assert header.split()[0] == "fault" and [row.split()[0] for row in rows] == ["gunicorn-worker-killed"]
    columns = header.split()
    for row in rows:
        values = dict(zip(columns, row.split(), strict=True))
        assert int(values["accepted"]) > 0
        for must_be_zero in ("missing", "duplicated", "told_failed_but_exist", "unscored", "without_similar"):
            assert values[must_be_zero] == "0", row
        assert values["without_email"] == "0", row
