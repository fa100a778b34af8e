#!/usr/bin/env python3
"""Prove a backup restores: dump the database, restore it into a scratch database, compare row counts.

    DATABASE_URL=postgres://user@host:5432/demanddesk scripts/restore_check.py [--scratch NAME] [--keep]
                 [--dump-file PATH]

The counts of the source are taken in the very snapshot pg_dump dumps (an exported snapshot), so the
check is exact even while the application keeps writing. Exit status 0 when every table of every
schema dumped has the same number of rows after the restore, 1 otherwise. The scratch database is
dropped afterwards unless --keep is given; it must not be the source.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

COUNT_TABLES = """
    SELECT table_schema, table_name FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
    ORDER BY table_schema, table_name
"""


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def row_counts(connection) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts = {}
    with connection.cursor() as cursor:
        cursor.execute(COUNT_TABLES)
        for schema, table in cursor.fetchall():
            cursor.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
            counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def run(command: list[str]) -> None:
    subprocess.run(command, check=True)  # noqa: S603 (fixed commands, no shell)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--scratch", help="scratch database name (default: <source>_restore_check)")
    parser.add_argument("--dump-file", help="keep the dump here (default: a temporary file)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database for inspection")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("give a PostgreSQL DATABASE_URL")
    source_name = urlsplit(args.database_url).path.lstrip("/")
    scratch = args.scratch or f"{source_name}_restore_check"
    if scratch == source_name:
        parser.error("the scratch database must not be the source")

    dump_file = args.dump_file or tempfile.mkstemp(prefix="restore-check-", suffix=".dump")[1]
    source = psycopg2.connect(args.database_url)
    source.set_session(isolation_level="REPEATABLE READ", readonly=True)
    try:
        with source.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        expected = row_counts(source)
        # The same snapshot as the counts above: what was counted is what is dumped.
        run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump_file}", args.database_url])
    finally:
        source.rollback()
        source.close()

    maintenance = with_database(args.database_url, "postgres")
    run(["dropdb", "--if-exists", f"--maintenance-db={maintenance}", scratch])
    run(["createdb", f"--maintenance-db={maintenance}", scratch])
    try:
        run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={with_database(args.database_url, scratch)}",
                dump_file,
            ]
        )
        restored_connection = psycopg2.connect(with_database(args.database_url, scratch))
        try:
            restored = row_counts(restored_connection)
        finally:
            restored_connection.close()
    finally:
        if not args.keep:
            run(["dropdb", "--if-exists", f"--maintenance-db={maintenance}", scratch])
        if not args.dump_file:
            os.unlink(dump_file)

    mismatches = 0
    for table in sorted(set(expected) | set(restored)):
        before, after = expected.get(table), restored.get(table)
        same = before == after
        mismatches += not same
        print(f"{'ok' if same else 'MISMATCH':8} {table:50} {before!s:>10} {after!s:>10}")
    total = sum(expected.values())
    print(f"{len(expected)} tables, {total} rows dumped; {mismatches} mismatch{'es' if mismatches != 1 else ''}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
