"""Create or drop a database on the PostgreSQL server CI, the bulk demo and the benchmarks use.

    python scripts/pg_database.py recreate NAME | ensure NAME | drop NAME

`ensure` creates the database only when it is missing (the benchmarks keep their seeded data).
"""

import os
import sys

import psycopg

ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def main(action: str, name: str) -> None:
    if action not in ("recreate", "ensure", "drop"):
        raise SystemExit(f"unknown action {action!r}: use recreate, ensure or drop")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"not a plain database name: {name!r}")
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        if action == "ensure":
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
            return
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'DROP DATABASE IF EXISTS "test_{name}" WITH (FORCE)')
        if action == "recreate":
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main(*sys.argv[1:3])
