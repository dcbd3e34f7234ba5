"""Scale-out, shown: two app instances behind nginx, one PostgreSQL, one Redis.

    .venv/bin/pip install -e '.[redis]'       # the Redis client, for REDIS_URL
    .venv/bin/python bench/scaleout.py        # PostgreSQL on 127.0.0.1:5432, Redis on :6379

Creates a PostgreSQL database (`bygop_scaleout`, dropped afterwards), runs the migrations once
and loads the demo data, then starts two gunicorn processes (2 sync workers each, the same
SECRET_KEY, REDIS_URL for the sign-in counters, PROXY_HOPS=1) and nginx in front of them
(bench/nginx-scaleout.conf, in a temporary prefix, not as a daemon). Then it checks, and exits
non-zero when a check fails:

1. a session works on both: signed in through nginx, the same cookie opens the start page on
   each instance directly;
2. a placement written through one instance shows in the other's progress at once (instance B
   has counted the project, which fills its per-worker cache; the next rung is then saved
   through instance A; B's progress JSON, and the figures its progress page keeps rendered,
   must show it on the next request);
3. sign-in limits are shared: failed sign-ins for one address, alternating between the
   instances, lock the address on both, and the counters are in Redis;
4. nothing is kept on local disk: the app's instance folder and the working tree are unchanged.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    COORDINATOR,
    DEFAULT_PG_ADMIN_URL,
    ROOT,
    Gunicorn,
    app_context,
    app_env,
    check_pg_args,
    create_postgres,
    drop_postgres,
    flask,
    free_port,
    wait_healthy,
)
from bench.load_user import Results, Session  # noqa: E402

NGINX_CONF = Path(__file__).with_name("nginx-scaleout.conf")


def disk_state() -> dict[str, tuple[int, int]]:
    """Every file under the instance folder, with its size and modification time, and the
    working tree's status: what the instances could have written locally."""
    files = {}
    instance = ROOT / "instance"
    if instance.exists():
        for path in instance.rglob("*"):
            if path.is_file():
                stat = path.stat()
                files[str(path)] = (stat.st_size, stat.st_mtime_ns)
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    files["git status"] = (hash(status), 0)
    return files


class Nginx:
    def __init__(self, prefix: Path, port: int, apps: list[int]):
        self.prefix, self.port = prefix, port
        text = NGINX_CONF.read_text()
        for name, value in (("PREFIX", prefix), ("PORT", port), ("APP_A", apps[0]),
                            ("APP_B", apps[1])):  # fmt: skip
            text = text.replace(f"@{name}@", str(value))
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(text)
        self.base = f"http://127.0.0.1:{port}"

    def __enter__(self):
        self.log = open(self.prefix / "nginx-out.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            ["nginx", "-p", str(self.prefix), "-c", str(self.conf)],
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_healthy(self.base)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def check(results: list[tuple[str, bool, str]], name: str, ok: bool, detail: str = "") -> None:
    results.append((name, ok, detail))
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""))


def with_cookies_of(session: Session, base: str) -> Session:
    """Another browser tab: the same cookie jar, pointed at another address."""
    other = Session(base, session.results)
    other.opener = session.opener
    other.token = session.token
    return other


def failed_sign_in(base: str, email: str) -> int:
    """A wrong password for `email` from a fresh browser; the status the sign-in answered."""
    tab = Session(base, Results())
    tab.get("", "/auth/login", record=False)
    form = {"csrf_token": tab.token, "email": email, "password": "wrong", "next": ""}
    return tab.request("", "/auth/login", data=form, record=False)[0]


def running_placement(env: dict):
    """A running placement of the demo data that can move up a rung today: (id, version,
    project id, day to end it on)."""
    from sqlalchemy import select

    from app.clock import local_today
    from app.models import Project
    from app.placements.models import Placement

    with app_context(env) as db:
        today = local_today()
        row = db.session.execute(
            select(Placement.id, Placement.version, Placement.project_id, Placement.start_date)
            .join(Project, Project.id == Placement.project_id)
            .where(
                Placement.actual_end.is_(None),
                Placement.rung != "apprenticeship",
                Placement.start_date < today - timedelta(days=1),
                Project.phase == "execution",
            )
            .order_by(Placement.id)
            .limit(1)
        ).one()
    return row.id, row.version, row.project_id, today - timedelta(days=1)


def figures_of(html: str) -> str:
    """The progress page's figures, table by rung, chart and gain: the piece each worker keeps
    rendered per progress key and language (`progress_cache.figures`)."""
    return html.split('id="progress-targets"')[1].split('<section id="progress-people">')[0]


def run(args, workdir: Path, url: str) -> list[tuple[str, bool, str]]:
    import redis

    env = app_env(url) | {"REDIS_URL": args.redis_url, "PROXY_HOPS": "1",
                          "LOGIN_MAX_FAILURES": "5"}  # fmt: skip
    flask(env, "db", "upgrade")
    flask(env, "demo")
    placement_id, version, project_id, end_on = running_placement(env)
    store = redis.Redis.from_url(args.redis_url)
    results: list[tuple[str, bool, str]] = []
    before = disk_state()
    workers = ("--workers", "2")
    with (
        Gunicorn(env, workdir, "instance-a", workers) as a,
        Gunicorn(env, workdir, "instance-b", workers) as b,
        Nginx(workdir, free_port(), [a.port, b.port]) as proxy,
    ):
        print(f"instance A {a.base}, instance B {b.base}, nginx {proxy.base}")
        # 1. One sign-in through nginx; the cookie works on each instance directly.
        browser = Session(proxy.base, Results())
        if not browser.sign_in(*COORDINATOR, deadline=time.monotonic() + 60):
            raise SystemExit(f"could not sign in through nginx: {browser.results.problems}")
        on_a, on_b = with_cookies_of(browser, a.base), with_cookies_of(browser, b.base)
        statuses = [on_a.get("", "/", record=False)[0], on_b.get("", "/", record=False)[0]]
        check(results, "a session works on both instances", statuses == [200, 200],
              f"start page on A and B answered {statuses}")  # fmt: skip

        # 2. B counts the project (its workers cache it); the next rung is saved through A.
        progress = f"/projects/{project_id}/progress.json"
        seen_before = [json.loads(on_b.get("", progress, record=False)[1]) for _ in range(4)]
        page = f"/projects/{project_id}/progress"
        figures_before = [figures_of(on_b.get("", page, record=False)[1]) for _ in range(4)]
        on_a.get("", f"/placements/{placement_id}", record=False)  # the page's CSRF token
        status, _ = on_a.request(
            "", f"/placements/{placement_id}/next-rung",
            data={"csrf_token": on_a.token, "version": str(version),
                  "end_on": end_on.isoformat(), "confirm": "y"},
            record=False,
        )  # fmt: skip
        check(results, "the next rung is saved through instance A", status in (302, 303),
              f"answered {status}")  # fmt: skip
        seen_after = [json.loads(on_b.get("", progress, record=False)[1]) for _ in range(4)]
        changed = all(after != seen_before[0] for after in seen_after)
        check(results, "instance B's progress shows it on the next request (every worker)",
              changed and all(s == seen_before[0] for s in seen_before),
              f"{len(seen_after)} answers from B after the write, changed: {changed}")  # fmt: skip
        figures_after = [figures_of(on_b.get("", page, record=False)[1]) for _ in range(4)]
        changed = all(after != figures_before[0] for after in figures_after)
        check(results, "instance B's progress page shows it on the next request (every worker)",
              changed and all(f == figures_before[0] for f in figures_before),
              f"{len(figures_after)} pages from B after it, changed: {changed}")  # fmt: skip

        # 3. Failed sign-ins alternate between the instances; the lock holds on both.
        email = f"scaleout-{secrets.token_hex(4)}@bygop.invalid"
        keys_before = store.dbsize()
        answers = [failed_sign_in((a, b)[attempt % 2].base, email) for attempt in range(5)]
        locked = [failed_sign_in(server.base, email) for server in (a, b)]
        check(results, "sign-in limits are shared", locked == [429, 429],
              f"5 failures on A, B, A, B, A answered {answers}; then A and B {locked}")  # fmt: skip
        check(results, "the sign-in counters are in Redis", store.dbsize() > keys_before,
              f"Redis keys {keys_before} -> {store.dbsize()}")  # fmt: skip
    after = disk_state()
    changed_files = sorted(k for k in after.keys() | before.keys() if after.get(k) != before.get(k))
    check(results, "nothing is kept on local disk", not changed_files,
          ", ".join(changed_files) or "instance folder and working tree unchanged")  # fmt: skip
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--pg-db", default="bygop_scaleout")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    check_pg_args(parser, args.pg_admin_url, args.pg_db)
    if not args.redis_url.startswith("redis://127.0.0.1"):
        parser.error("--redis-url must point to 127.0.0.1")
    if shutil.which("nginx") is None:
        parser.error("nginx is not installed (Debian: apt install nginx)")
    try:
        import redis  # noqa: F401
    except ImportError:
        parser.error("the Redis client is missing: .venv/bin/pip install -e '.[redis]'")
    workdir = Path(tempfile.mkdtemp(prefix="bygop-scaleout-"))
    print(f"logs and nginx prefix in {workdir}")
    try:
        url = create_postgres(args.pg_admin_url, args.pg_db)
        results = run(args, workdir, url)
    finally:
        drop_postgres(args.pg_admin_url, args.pg_db)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    failed = [name for name, ok, _ in results if not ok]
    print(f"\n{len(results) - len(failed)} of {len(results)} checks passed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
