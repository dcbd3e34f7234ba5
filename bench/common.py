"""Shared parts of the bench scripts: databases, the app in this process, and gunicorn.

Standard library plus the app's own dependencies; everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BIN = ROOT / ".venv" / "bin"
COORDINATOR = ("koordinator@bygop.demo", "byg-op-demo-2026")
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def signed_in_client(app):
    """A test client of `app`, signed in as the demo coordinator through the sign-in form."""
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    email, password = COORDINATOR
    form = {"csrf_token": token, "email": email, "password": password, "next": ""}
    signed = client.post("/auth/login", data=form)
    if signed.status_code not in (302, 303):
        raise SystemExit(f"could not sign in: the sign-in answered {signed.status_code}")
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(database_url: str, secret_key: str | None = None) -> dict:
    """The environment for flask and gunicorn: one SECRET_KEY for every worker, plain http."""
    return {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key or secrets.token_hex(32),  # nothing on disk
        "SESSION_COOKIE_SECURE": "0",  # plain http on loopback
        "PYTHONUNBUFFERED": "1",
    }


def flask(env: dict, *args: str, timeout: float = 300) -> None:
    done = subprocess.run(
        [str(BIN / "flask"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def check_pg_args(parser, admin_url: str, name: str) -> None:
    """Refuse anything but a plain database name on 127.0.0.1 that we may drop."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name) or name in ("postgres", "test"):
        parser.error("--pg-db must be a plain name of a database this script may drop")
    host = re.match(r"postgresql://(?:[^@/]*@)?([^:/]+)", admin_url)
    if not host or host.group(1) not in ("127.0.0.1", "localhost"):
        parser.error("--pg-admin-url must point to 127.0.0.1")


def create_postgres(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_postgres(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_healthy(base: str, seconds: float = 30, path: str = "/healthz") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + path, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer /healthz at {base} within {seconds} s")


class app_context:
    """The app on a DATABASE_URL, in this process, for queries before and after a run."""

    def __init__(self, env: dict):
        self.env = env

    def __enter__(self):
        from app import create_app
        from app.extensions import db

        os.environ["DATABASE_URL"] = self.env["DATABASE_URL"]
        self.app = create_app({"SECRET_KEY": self.env["SECRET_KEY"]})
        self.ctx = self.app.app_context()
        self.ctx.push()
        self.db = db
        return db

    def __exit__(self, *exc):
        self.db.session.remove()
        self.db.engine.dispose()
        self.ctx.pop()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


class Gunicorn:
    """gunicorn on 127.0.0.1 and a free port, with gunicorn.conf.py plus `extra` arguments
    (command-line settings override the file). Use as a context manager: stopped on exit."""

    def __init__(
        self,
        env: dict,
        logdir: Path,
        name: str,
        extra: tuple[str, ...] = (),
        wsgi: str = "wsgi:app",
    ):
        self.env, self.logdir, self.name, self.extra, self.wsgi = env, logdir, name, extra, wsgi
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.error_log = logdir / f"{name}-gunicorn-error.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        with open(self.logdir / f"{self.name}-gunicorn-out.log", "wb") as out:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "--config", str(GUNICORN_CONF),
                 "--bind", f"127.0.0.1:{self.port}", "--worker-class", "sync",
                 "--timeout", "60", "--graceful-timeout", "10",
                 "--error-logfile", str(self.error_log), "--log-level", "info",
                 *self.extra, self.wsgi],
                env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            wait_healthy(self.base)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def error_text(self) -> str:
        return self.error_log.read_text(errors="replace") if self.error_log.exists() else ""

    def worker_pids(self) -> list[int]:
        """The master's children (the workers), from /proc."""
        assert self.process is not None
        master = self.process.pid
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
        return sorted(pids)


def rss_mib(pid: int) -> float:
    """Resident set size of a process in MiB, from /proc/<pid>/status (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
