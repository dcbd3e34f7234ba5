"""Every main page as a share of a hello route, measured with wrk (a native load generator).

    .venv/bin/python bench/wrk_bench.py                       # SQLite, demo and large size
    .venv/bin/python bench/wrk_bench.py --large-db /tmp/large.sqlite --seconds 5
    .venv/bin/python bench/wrk_bench.py --postgres            # the same on PostgreSQL
    make bench                                                # the first line

Starts three gunicorn servers on 127.0.0.1, each with 2 sync workers: the hello app
(bench/hello.py, a minimal Flask app), the real app on the demo data and the real app on the
large dataset (bench/seed_large.py). Signs a coordinator in on each app, checks every route
answers 200 with what it should (a page, a fragment, a Word file), then runs
`wrk -t 2 -c 16 -d SECONDS` on each route with the session cookie (and the CSRF token and htmx
headers where the page's own script would send them) in a generated Lua script. Only one
server is busy at a time; the hello route is measured before and after the pages and the
better figure is the 100 %. Prints req/s, wrk's latency and each route's share of hello, at
both sizes, and whether the goals are met: signed-in /healthz >= 40 % of hello, every main
page at the large size >= 10 %. Needs wrk on the PATH (Debian: `apt install wrk`).

The figures depend on the machine and what else runs on it (wrk shares its cores with the
servers): compare the shares within one run, never absolute numbers across runs. Not run in CI.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.request import HTTPCookieProcessor

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    DEFAULT_PG_ADMIN_URL,
    Gunicorn,
    app_env,
    check_pg_args,
    create_postgres,
    drop_postgres,
    flask,
)
from bench.http_bench import (  # noqa: E402
    Route,
    hit,
    routes_for,
    seed_large,
    signed_in_session,
    targets,
)
from bench.load_user import USER_AGENT  # noqa: E402

WORKERS = 2
HEALTHZ_GOAL, PAGE_GOAL = 40.0, 10.0  # % of hello
# The session cookie notes the last request (app/auth/sessions.py, SEEN_RESOLUTION = 60 s):
# a cookie older than that is rewritten on every answer, since wrk never takes the new one. A
# browser would take it; so each route's script gets a cookie signed in less than this long ago.
FRESH_COOKIE_SECONDS = 60 - 2
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


@dataclass
class Wrk:
    rps: float
    p50: float  # ms
    p99: float
    bad: int  # non-2xx/3xx answers and socket errors
    size: float = 0.0  # bytes read per answer, headers included


def lua_string(text: str) -> str:
    assert "]==]" not in text
    return f"[==[{text}]==]"


def lua_script(route: Route | None, cookie: str, token: str, base: str, check=False) -> str:
    """A wrk script: method, body and headers of one route, as a signed-in browser sends them.

    With check, every answer that is not a 200 is written to stderr, which fails the run: the
    warm-up checks that the timed run measures the page itself, not a sign-in redirect."""
    headers = {"User-Agent": USER_AGENT} | ({"Cookie": cookie} if cookie else {})
    lines = []
    if route is not None and route.htmx:
        headers |= {"HX-Request": "true", "HX-Current-URL": base + "/"}
    if route is not None and route.data is not None:
        fields = [(k, token if k == "csrf_token" else v) for k, v in route.data]
        headers |= {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": token}
        lines += ['wrk.method = "POST"', f"wrk.body = {lua_string(urllib.parse.urlencode(fields))}"]
    # The spaces matter: `wrk.headers[[==[` would open a long string and the script would not load.
    lines += [f"wrk.headers[ {lua_string(k)} ] = {lua_string(v)}" for k, v in headers.items()]
    lines.append(
        "done = function(summary, latency, requests) "
        'io.write(string.format("BYTES %d REQUESTS %d\\n", summary.bytes, summary.requests)) end'
    )
    if check:
        lines.append(
            "response = function(status, headers, body) "
            'if status ~= 200 then io.stderr:write("answered " .. status .. "\\n") end '
            'if headers["Set-Cookie"] then io.stderr:write("rewrote the session cookie\\n") end end'
        )
    return "\n".join(lines) + "\n"


def duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match.group(1)) * UNITS[match.group(2)] if match else float("nan")


def run_wrk(url: str, script: str, seconds: float, connections: int, workdir: Path) -> Wrk:
    lua = workdir / "route.lua"
    lua.write_text(script)
    done = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds:g}s", "--latency",
         "--timeout", "10s",
         "-s", str(lua), url],
        capture_output=True, text=True, timeout=seconds + 60,
    )  # fmt: skip
    out = done.stdout
    # wrk runs on without a script it cannot load (so without the session cookie): refuse that.
    if done.returncode or "Requests/sec" not in out or done.stderr.strip():
        raise SystemExit(f"wrk failed on {url}:\n{out}{done.stderr}")
    return parse_wrk(out)


def parse_wrk(out: str) -> Wrk:
    """wrk's report (with --latency and the script's BYTES line) as figures."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # Anchored to the start of a line: the thread stats' "+/- Stdev" column ends in "%" too
    # ("85.50%"), and an unanchored "50%" took the next line's "Req/Sec" for the latency.
    p50 = duration_ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))
    p99 = duration_ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    if errors := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        bad += sum(int(n) for n in errors.groups())
    size = 0.0
    if counted := re.search(r"BYTES (\d+) REQUESTS (\d+)", out):
        size = int(counted.group(1)) / max(1, int(counted.group(2)))
    return Wrk(rps, p50, p99, bad, size)


def cookie_header(session) -> str:
    for handler in session.opener.handlers:
        if isinstance(handler, HTTPCookieProcessor):
            jar: CookieJar = handler.cookiejar
            return "; ".join(f"{c.name}={c.value}" for c in jar)
    raise SystemExit("no cookie jar")


def main_routes(session, project_id: int, number: int) -> list[Route]:
    """The pages of the issue, each on its own: the start page and each of its sections."""
    by_name = {r.name: r for r in routes_for(session, project_id, number)}
    start = by_name.pop("start page / + 4 sections")
    routes = [
        Route("/healthz (signed in)", "/healthz"),
        Route("start page", start.path),
        *(Route(f"  section {p.rsplit('/', 1)[1]}", p, htmx=True) for p in start.then),
    ]
    rest = list(by_name.values())[1:]  # without the baseline /healthz
    return routes + rest


class AppUnderTest:
    """One gunicorn with the real app, a signed-in coordinator and the routes to measure."""

    def __init__(self, name: str, env: dict, workdir: Path):
        self.name, self.env, self.workdir = name, env, workdir
        self.project_id, self.number, self.placements = targets(env)
        self.server = Gunicorn(env, workdir, name, ("--workers", str(WORKERS)))
        self.signed_in_at = 0.0

    def start(self) -> None:
        self.server.__enter__()
        self.sign_in()
        self.routes = main_routes(self.session, self.project_id, self.number)
        for route in self.routes:  # every route answers what it should before it is timed
            status, _ = hit(self.session, route)
            if status != 200:
                raise SystemExit(f"{self.name} {route.name} ({route.path}) answered {status}")

    def sign_in(self) -> None:
        self.session = signed_in_session(self.server.base)
        self.signed_in_at = time.monotonic()

    def script(self, route: Route, seconds: float, check=False) -> str:
        if time.monotonic() - self.signed_in_at + seconds > FRESH_COOKIE_SECONDS:
            self.sign_in()
            self.routes = main_routes(self.session, self.project_id, self.number)
        return lua_script(
            route, cookie_header(self.session), self.session.token, self.server.base, check
        )


def report(hello: Wrk, apps: list[AppUnderTest], results: dict, args) -> int:
    print(
        f"\n== wrk -t 2 -c {args.connections} -d {args.seconds:g}s, gunicorn {WORKERS} sync "
        f"workers each; hello route {hello.rps:,.0f} req/s = 100 %"
    )
    demo, large = apps
    print(f"   demo: {demo.placements} placements in project {demo.project_id}; "
          f"large: {large.placements} placements in project {large.project_id}")  # fmt: skip
    print(f"{'route':<34} | {'demo req/s':>10} {'p50 ms':>7} {'share':>6} | "
          f"{'large req/s':>11} {'p50 ms':>7} {'share':>6} | goal")  # fmt: skip
    misses = 0
    for index, route in enumerate(large.routes):
        if ("large", index) not in results:  # left out by --routes
            continue
        d, g = results["demo", index], results["large", index]
        share_d, share_g = 100 * d.rps / hello.rps, 100 * g.rps / hello.rps
        baseline = route.path == "/healthz"
        goal = HEALTHZ_GOAL if baseline else PAGE_GOAL
        ok = share_g >= goal and (not baseline or share_d >= goal)
        misses += not ok
        bad = f" ({d.bad}/{g.bad} bad answers)" if d.bad or g.bad else ""
        print(
            f"{route.name:<34} | {d.rps:10.0f} {d.p50:7.1f} {share_d:5.1f}% | "
            f"{g.rps:11.0f} {g.p50:7.1f} {share_g:5.1f}% | >= {goal:.0f}% {'ok' if ok else 'MISS'}"
            + bad
        )
    print(f"goals missed: {misses}")
    return misses


def run(args, workdir: Path, demo_env: dict, large_env: dict) -> None:
    hello_server = Gunicorn(
        app_env("sqlite://"), workdir, "hello", ("--workers", str(WORKERS)), wsgi="bench.hello:app"
    )
    apps = [AppUnderTest("demo", demo_env, workdir), AppUnderTest("large", large_env, workdir)]
    hellos: list[Wrk] = []
    results: dict[tuple[str, int], Wrk] = {}

    def measure_hello():
        with hello_server:
            run_wrk(hello_server.base + "/", "", 1, args.connections, workdir)  # warm-up
            hellos.append(run_wrk(hello_server.base + "/", "", args.seconds, args.connections,
                                  workdir))  # fmt: skip
            print(f"   hello: {hellos[-1].rps:,.0f} req/s")

    measure_hello()
    try:
        for app in apps:
            app.start()
            print(f"{app.name}: {app.server.base}")
        for index, chosen in enumerate(apps[0].routes):
            if not re.search(args.routes, chosen.name):
                continue
            for app in apps:  # the same route on both sizes, back to back
                route = app.routes[index]
                url = app.server.base + route.path
                warm_up = app.script(route, 1 + args.seconds, check=True)
                run_wrk(url, warm_up, 1, args.connections, workdir)
                m = run_wrk(url, app.script(route, args.seconds), args.seconds, args.connections,
                            workdir)  # fmt: skip
                results[app.name, index] = m
                print(f"   {app.name:<5} {route.name:<34} {m.rps:8.0f} req/s  p50 {m.p50:6.1f} ms"
                      f"  {m.size / 1024:6.1f} KiB/answer"
                      + (f"  {m.bad} bad answers" if m.bad else ""))  # fmt: skip
        for app in apps:  # the session still works: nothing was measured on a login redirect
            status, _ = hit(app.session, app.routes[1])
            if status != 200:
                raise SystemExit(f"{app.name}: the session stopped working ({status})")
    finally:
        for app in apps:
            app.server.stop()
            if "Traceback" in app.server.error_text():
                print(f"warning: exceptions in {app.server.error_log}")
    measure_hello()
    report(max(hellos, key=lambda m: m.rps), apps, results, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="wrk's duration per route")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--scale", type=float, default=1.0, help="of the large dataset")
    parser.add_argument("--large-db", type=Path, help="an SQLite file made by seed_large.py")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--pg-db", default="bygop_wrk", help="prefix of the databases")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--routes", default="", help="only the routes whose name matches (regex)")
    args = parser.parse_args()
    if not (0 < args.seconds <= 60 and 1 <= args.connections <= 256):
        parser.error("--seconds must be in (0, 60], --connections in [1, 256]")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (Debian: apt install wrk)")
    if args.postgres:
        check_pg_args(parser, args.pg_admin_url, args.pg_db)
        if args.large_db:
            parser.error("--large-db is for SQLite")

    workdir = Path(tempfile.mkdtemp(prefix="bygop-wrk-"))
    print(f"databases and gunicorn logs in {workdir}")
    dropped: list[str] = []
    try:
        if args.postgres:
            demo_url = create_postgres(args.pg_admin_url, f"{args.pg_db}_demo")
            dropped.append(f"{args.pg_db}_demo")
            large_url = create_postgres(args.pg_admin_url, f"{args.pg_db}_large")
            dropped.append(f"{args.pg_db}_large")
            large_env = app_env(large_url)
            seed_large(large_env, args.scale, None)
        else:
            demo_url = f"sqlite:///{workdir / 'demo.sqlite'}"
            large_file = args.large_db.resolve() if args.large_db else workdir / "large.sqlite"
            large_env = app_env(f"sqlite:///{large_file}")
            if not args.large_db:
                seed_large(large_env, args.scale, large_file)
        demo_env = app_env(demo_url)
        flask(demo_env, "db", "upgrade")
        flask(demo_env, "demo")
        run(args, workdir, demo_env, large_env)
    finally:
        for name in dropped:
            drop_postgres(args.pg_admin_url, name)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
