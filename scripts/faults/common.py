"""What every part of the fault test shares: the settings of a run, its log, running commands."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: scripts/faults/ is two below it
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
HOST = "127.0.0.1"  # everything here listens on and talks to loopback only
STAFF_USER = "staff@ssa.example.no"
DEMO_PASSWORD = "demo-ssa-2026"  # noqa: S105 - the printed demo login of seed_demo
DATABASE = "ssa_fault"
RECOVERY_TARGET = 10.0
RECOVERY_LIMIT = 60.0
DOUBLE_SUBMISSION_OFFERS = 3  # two one-after-the-other, one at the same time


class Failure(Exception):
    """The set-up could not be done; the message says what failed."""


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[fault-test {time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def run(cmd: list[str], *, env: dict | None = None, as_postgres: bool = False,
        timeout: float = 300) -> str:
    """Run a fixed argument list (no shell) and return its output; Failure if it fails."""
    if as_postgres and os.geteuid() == 0:  # initdb and postgres refuse to run as root
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    # A session of its own: a Ctrl-C in the terminal reaches this script, which cleans up,
    # rather than the server processes directly.
    result = subprocess.run(  # noqa: S603 - fixed argument lists built here, no shell
        cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        start_new_session=True, check=False)
    if result.returncode:
        raise Failure(f"{' '.join(cmd)} exited with {result.returncode}:\n"
                      f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path} unreadable)"
