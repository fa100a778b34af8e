"""The backup procedure of docs/operations.md works: a dump restores into a scratch database with equal row counts."""

import subprocess
import sys

import pytest

from tests.factories import file_demand
from tests.processes import ROOT, database_url_of_this_test

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def restore_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "restore_check.py"),
            "--database-url",
            database_url_of_this_test(),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_restore_check_restores_the_dump_and_finds_every_table_with_the_same_row_count():
    for _ in range(3):
        file_demand()
    result = restore_check()
    assert result.returncode == 0, result.stdout + result.stderr
    lines = {
        line.split()[1]: line.split() for line in result.stdout.splitlines() if line.startswith(("ok", "MISMATCH"))
    }
    assert lines["public.intake_changerequest"] == ["ok", "public.intake_changerequest", "3", "3"]
    assert lines["public.auth_group"][2] == lines["public.auth_group"][3] != "0"  # the role groups came along
    assert "0 mismatches" in result.stdout


def test_restore_check_refuses_to_restore_over_the_source():
    result = restore_check("--scratch", database_url_of_this_test().rsplit("/", 1)[1])
    assert result.returncode == 2 and "must not be the source" in result.stderr
