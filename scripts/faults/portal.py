"""The portal under test: its environment (pointing at the throwaway cluster), manage.py, and
gunicorn serving it on a free loopback port."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from faults.browser import Browser
from faults.cluster import Cluster
from faults.common import HOST, ROOT, Failure, free_port, run, tail


def portal_env(cluster: Cluster, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("SSA_SIGNING_PASSPHRASE", "MEDIA_ROOT", "SSA_TASKS_BACKEND", "EMAIL_BACKEND"):
        env.pop(name, None)
    env.update({
        "DJANGO_SETTINGS_MODULE": "ssa_portal.settings",
        "DATABASE_URL": cluster.url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DEBUG": "false",
        "SSA_ENV": "development",  # plain HTTP on loopback (production insists on HTTPS)
        "CONN_MAX_AGE": "60",
        "SSA_DATA_DIR": str(data_dir),
        "SSA_SIGNING_P12": str(data_dir / "signing" / "fault-test.p12"),
        "SSA_SIGNING_PASSPHRASE": secrets.token_urlsafe(24),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def manage(env: dict, *args: str) -> str:
    return run([sys.executable, str(ROOT / "manage.py"), *args], env=env, timeout=600)


class Portal:
    def __init__(self, env: dict, log_path: Path, workers: int, threads: int) -> None:
        self.port = free_port()
        self.log_path = log_path
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            [str(gunicorn), "ssa_portal.wsgi", "-w", str(workers), "--threads", str(threads),
             "-b", f"{HOST}:{self.port}", "--timeout", "60", "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_healthy(self, seconds: float = 60) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise Failure(f"gunicorn exited with {self.process.returncode}:\n"
                              f"{tail(self.log_path)}")
            try:
                if Browser(self.port).request("GET", "/healthz/", timeout=2).status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        raise Failure(f"gunicorn did not answer /healthz/ within {seconds:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:  # the gunicorn master and its workers: the session this script started
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
            except ProcessLookupError:
                pass
        self._log.close()
