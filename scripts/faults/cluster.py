"""The throwaway PostgreSQL 15 cluster: its own data directory and a free loopback port (never
the shared server on 5432); PostgreSQL runs as the `postgres` user when this runs as root."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from faults.common import DATABASE, HOST, PG_BIN, Failure, free_port, log, run


class Cluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ssa-fault-pg-"))
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = free_port()
        self.initialised = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{DATABASE}"

    def pg_ctl(self, *args: str, timeout: float = 120) -> str:
        return run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args], as_postgres=True,
                   timeout=timeout)

    def init(self) -> None:
        run([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
             "-E", "UTF8", "--locale=C", "--no-sync"], as_postgres=True)
        self.initialised = True

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses={HOST} -c fsync=off "
                   "-c max_connections=100")
        self.pg_ctl("-o", options, "-l", str(self.log), "start", "-w", "-t", "60")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("stop", "-m", mode, "-w", "-t", "60")

    def create_database(self) -> None:
        import psycopg

        admin = f"postgresql://postgres@{HOST}:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')

    def destroy(self) -> None:
        if self.initialised and (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except (Failure, subprocess.TimeoutExpired) as error:
                log(f"could not stop PostgreSQL: {error}")
                self._kill_postmaster()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        try:  # the postmaster this script started; its backends follow it
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
