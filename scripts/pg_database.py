"""Create or drop a database on the PostgreSQL server CI and the bulk demo use.

    python scripts/pg_database.py recreate NAME | drop NAME
"""

import os
import sys

import psycopg

ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def main(action: str, name: str) -> None:
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"not a plain database name: {name!r}")
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'DROP DATABASE IF EXISTS "test_{name}" WITH (FORCE)')
        if action == "recreate":
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main(*sys.argv[1:3])
