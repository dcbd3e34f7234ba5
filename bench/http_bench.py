"""HTTP benchmark: the main pages under load at the demo size and at the large size, in one run.

    .venv/bin/python bench/http_bench.py                 # SQLite, 8 s per route and dataset
    .venv/bin/python bench/http_bench.py --seconds 5 --scale 0.2
    .venv/bin/python bench/http_bench.py --large-db /tmp/large.sqlite   # reuse a seed file
    .venv/bin/python bench/http_bench.py --postgres      # the same on PostgreSQL
    .venv/bin/python bench/http_bench.py --memory        # worker RSS, 2,000 .docx downloads

(Not bench/http.py: a script's folder comes first on sys.path, so a file named http.py there
would shadow the standard library's `http` package for every script in bench/.)

Makes two databases in a temporary folder: the demo data (`flask demo`) and the large dataset
(bench/seed_large.py), and starts gunicorn for each with gunicorn.conf.py (sync workers, one
per core) on 127.0.0.1. Only one server is busy at a time: for each route the demo server is
measured, then the large one, so both see the same background load. Each measurement runs
--clients signed-in coordinators (threads, each its own session and CSRF token) for --seconds,
after a short warm-up, in --rounds rounds (the order of the datasets alternates; each route
keeps its best round). Prints requests per second, p50 and p95 per route, each page's
throughput as a share of /healthz's (the baseline), and the large/demo cost ratio (cost =
1 / throughput; "norm" divides out the baseline's own drift between the two measurements),
marked against the goals: at the large size every page >= 3 % of the baseline, and a
normalised cost within 1.5x of the demo size's. Figures depend on the machine and what else
runs on it: compare the ratios within one run, never absolute times across runs.
"""

from __future__ import annotations

import argparse
import html.parser
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    BIN,
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
    percentile,
    rss_mib,
)
from bench.load_user import Results, Session  # noqa: E402

MAX_SECONDS, MAX_CLIENTS, MAX_DOWNLOADS = 60, 32, 5_000  # hard bounds, whatever the flags say
BASELINE_SHARE_GOAL = 3.0  # % of /healthz throughput, at the large size
COST_RATIO_GOAL = 1.5  # large / demo
CANDIDATE_QUERY = "sen"  # Nielsen, Sørensen, Hansen, ...: matches at both sizes
SECTIONS = tuple(f"/dashboard/{name}" for name in ("active", "retention", "meetings", "openings"))


@dataclass
class Route:
    name: str
    path: str
    data: list[tuple[str, str]] | None = None
    htmx: bool = False
    docx: bool = False
    # htmx GETs the page makes as soon as it loads (the start page's sections): one "view"
    # is the page and all of them, one after the other, timed together.
    then: tuple[str, ...] = ()


@dataclass
class Measured:
    count: int
    seconds: float
    times: list[float]
    errors: dict[int, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return percentile(self.times, 50)

    @property
    def p95(self) -> float:
        return percentile(self.times, 95)


class EditorForm(html.parser.HTMLParser):
    """The fields a browser would send from the agreement editor (<form id="editor">)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self.inside = False
        self.textarea: list | None = None
        self.select: str | None = None
        self.select_value: str | None = None
        self.first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "editor":
            self.inside = True
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self.textarea = [name]
        elif tag == "select" and name:
            self.select, self.select_value, self.first_option = name, None, None
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if self.first_option is None:
                self.first_option = value
            if "selected" in attrs:
                self.select_value = value

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.append(data)

    def preview_fields(self) -> list[tuple[str, str]]:
        """The fields the editor's script sends the live preview (static/js/draft.js): an
        adapt box that still holds the library's wording is left out with its library_
        field."""
        values = dict(self.fields)
        unchanged = {
            name
            for key, value in values.items()
            if key.startswith("library_")
            and values.get(box := "override_" + key.removeprefix("library_")) == value
            for name in (key, box)
        }
        return [(name, value) for name, value in self.fields if name not in unchanged]

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.textarea[1:])
            self.fields.append((self.textarea[0], text.removeprefix("\n")))
            self.textarea = None
        elif tag == "select" and self.select:
            value = self.select_value if self.select_value is not None else self.first_option
            self.fields.append((self.select, value or ""))
            self.select = None


def targets(env: dict) -> tuple[int, int, int]:
    """The project in execution with the most placements and an approved agreement:
    (project id, approved version number, its placements)."""
    from sqlalchemy import func, select

    from app.agreements.models import AgreementVersion
    from app.models import Project
    from app.placements.models import Placement

    with app_context(env) as db:
        row = db.session.execute(
            select(Project.id, func.count(Placement.id).label("n"))
            .join(Placement, Placement.project_id == Project.id)
            .where(Project.phase == "execution")
            .group_by(Project.id)
            .order_by(func.count(Placement.id).desc(), Project.id)
            .limit(1)
        ).one()
        number = db.session.scalar(
            select(AgreementVersion.number)
            .where(AgreementVersion.project_id == row.id, AgreementVersion.approved_at.is_not(None))
            .order_by(AgreementVersion.number.desc())
            .limit(1)
        )
    if number is None:
        raise SystemExit(f"project {row.id} has no approved agreement")
    return row.id, number, row.n


def signed_in_session(base: str) -> Session:
    session = Session(base, Results())
    if not session.sign_in(*COORDINATOR, deadline=time.monotonic() + 60):
        raise SystemExit(f"could not sign in at {base}: {session.results.problems}")
    session.get("home", "/", record=False)  # a page's CSRF token for the htmx posts
    return session


def routes_for(session: Session, project_id: int, number: int) -> list[Route]:
    status, page = session.get("draft", f"/projects/{project_id}/agreement/draft", record=False)
    if status != 200:
        raise SystemExit(f"the agreement editor answered {status}")
    form = EditorForm()
    form.feed(page)
    if not any(name == "clause" for name, _ in form.fields):
        raise SystemExit("no clause fields found in the agreement editor")
    projects = "/projects/?phase=execution&q=a"
    return [
        Route("baseline /healthz", "/healthz"),
        Route("start page / + 4 sections", "/", then=SECTIONS),
        Route("projects ?phase&q", projects),
        Route("projects ?phase&q (htmx)", projects, htmx=True),
        Route("progress /placements/progress/<id>", f"/projects/{project_id}/progress"),
        Route(f"candidates ?q={CANDIDATE_QUERY}", f"/candidates/?q={CANDIDATE_QUERY}"),
        Route("agreement preview (htmx POST)", f"/projects/{project_id}/agreement/preview",
              data=form.preview_fields(), htmx=True),
        Route("agreement .docx", f"/projects/{project_id}/agreement/v{number}.docx", docx=True),
    ]  # fmt: skip


def hit(session: Session, route: Route) -> tuple[int, float]:
    headers = {}
    if route.htmx:
        headers = {"HX-Request": "true", "HX-Current-URL": session.base + "/"}
        if route.data is not None:
            headers["X-CSRFToken"] = session.token
    data = route.data
    if data is not None:  # each session sends its own token, as its browser would
        data = [(k, session.token if k == "csrf_token" else v) for k, v in data]
    started = time.perf_counter()
    status, payload = session.request("bench", route.path, data, headers, record=False)
    for path in route.then:
        if status != 200:
            break
        fragment = {"HX-Request": "true", "HX-Current-URL": session.base + route.path}
        status, part = session.request("bench", path, None, fragment, record=False)
        if status == 200 and b"<html" in part[:500]:
            status = -2
    elapsed = (time.perf_counter() - started) * 1000
    if status == 200 and route.docx and not payload.startswith(b"PK"):
        status = -1  # not a Word file
    if status == 200 and route.htmx and b"<html" in payload[:500]:
        status = -2  # a full page where a fragment was asked for
    return status, elapsed


def measure(sessions: list[Session], route: Route, seconds: float) -> Measured:
    """Every session hits the route in a loop until the time is up; 200s are counted."""
    for session in sessions:  # warm-up: caches, first-request work, connection setup
        for _ in range(2):
            hit(session, route)
    times: list[float] = []
    errors: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(session: Session):
        while time.monotonic() < deadline:
            status, ms = hit(session, route)
            with lock:
                if status == 200:
                    times.append(ms)
                else:
                    errors[status] = errors.get(status, 0) + 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(s,), daemon=True) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 40)  # a request is bounded at 30 s
    return Measured(len(times), time.monotonic() - started, times, errors)


@dataclass
class Dataset:
    name: str
    env: dict
    server: Gunicorn | None = None
    sessions: list[Session] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    results: dict[str, Measured] = field(default_factory=dict)
    info: str = ""


def seed_large(env: dict, scale: float, database: Path | None) -> None:
    command = [str(BIN / "python"), "bench/seed_large.py", "--scale", str(scale)]
    if database is not None:
        command += ["--database", str(database)]
    started = time.monotonic()
    done = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"seed_large failed:\n{done.stdout}{done.stderr}")
    print(f"   seeded scale {scale} in {time.monotonic() - started:.0f} s")


def run_benchmark(datasets: list[Dataset], args, workdir: Path) -> None:
    for ds in datasets:
        project_id, number, placements = targets(ds.env)
        ds.server = Gunicorn(ds.env, workdir, ds.name, ("--workers", str(args.workers)))
        ds.server.__enter__()
        ds.sessions = [signed_in_session(ds.server.base) for _ in range(args.clients)]
        ds.routes = routes_for(ds.sessions[0], project_id, number)
        ds.info = f"project {project_id} ({placements} placements), agreement v{number}"
        print(f"{ds.name}: {ds.server.base}, {ds.info}")
    try:
        for round_number in range(args.rounds):
            # Alternate which dataset goes first, so a drift in the background load does not
            # always favour the same one; each route keeps its best round.
            order = datasets if round_number % 2 == 0 else datasets[::-1]
            for index in range(len(datasets[0].routes)):
                for ds in order:  # the same route on every dataset, back to back
                    route = ds.routes[index]
                    m = measure(ds.sessions, route, args.seconds)
                    best = ds.results.get(route.name)
                    if best is None or m.rps > best.rps:
                        ds.results[route.name] = m
                    print(
                        f"   r{round_number + 1} {ds.name:<6} {route.name:<38} {m.rps:7.1f}/s "
                        f"p50 {m.p50:6.1f} ms p95 {m.p95:6.1f} ms"
                        + (f" errors {m.errors}" if m.errors else "")
                    )
    finally:
        for ds in datasets:
            if ds.server is not None:
                ds.server.stop()
                log = ds.server.error_text()
                if "Traceback" in log:
                    print(f"warning: exceptions in {ds.server.error_log}")
    report(datasets, args)


def report(datasets: list[Dataset], args) -> None:
    demo, large = datasets
    names = [route.name for route in demo.routes]
    base_demo, base_large = demo.results[names[0]].rps, large.results[names[0]].rps
    print(
        f"\n== {args.clients} clients, {args.workers} sync workers, {args.seconds:.0f} s per "
        f"route and dataset, best of {args.rounds} rounds; demo: {demo.info}; large: {large.info}"
    )
    print(
        f"{'route':<38} | {'demo req/s':>10} {'p50':>6} {'p95':>6} {'%base':>6} | "
        f"{'large req/s':>11} {'p50':>6} {'p95':>6} {'%base':>6} | {'cost x':>6} {'norm':>5}  goals"
    )
    misses = 0
    for name in names:
        d, g = demo.results[name], large.results[name]
        share_d = 100 * d.rps / base_demo if base_demo else 0
        share_g = 100 * g.rps / base_large if base_large else 0
        ratio = d.rps / g.rps if g.rps else float("inf")  # cost = 1 / throughput
        # The same ratio relative to each server's own baseline: cancels out the background
        # load that changed between the two measurements. The goal is judged on this one.
        norm = share_d / share_g if share_g else float("inf")
        if name == names[0]:
            verdict = "(baseline)"
        else:
            ok_share, ok_ratio = share_g >= BASELINE_SHARE_GOAL, norm <= COST_RATIO_GOAL
            verdict = f"{'ok' if ok_share else 'MISS'} >=3%, {'ok' if ok_ratio else 'MISS'} <=1.5x"
            misses += (not ok_share) + (not ok_ratio)
        print(
            f"{name:<38} | {d.rps:10.1f} {d.p50:6.1f} {d.p95:6.1f} {share_d:5.1f}% | "
            f"{g.rps:11.1f} {g.p50:6.1f} {g.p95:6.1f} {share_g:5.1f}% | {ratio:6.2f} {norm:5.2f}  "
            f"{verdict}"
        )
    errors = {
        f"{ds.name} {name}": m.errors
        for ds in datasets
        for name, m in ds.results.items()
        if m.errors
    }
    print(f"goals missed: {misses}; non-200 answers: {errors or 'none'}")


def run_memory(env: dict, args, workdir: Path) -> None:
    """One worker, no recycling: RSS before and after --downloads .docx downloads; then the
    same with gunicorn.conf.py's max_requests, to show the guard recycling the worker."""
    project_id, number, _ = targets(env)
    path = f"/projects/{project_id}/agreement/v{number}.docx"
    route = Route("docx", path, docx=True)
    for label, extra in (
        ("max_requests=0 (no recycling)", ("--workers", "1", "--max-requests", "0")),
        ("gunicorn.conf.py (max_requests 1000 + jitter 100)", ("--workers", "1")),
    ):
        with Gunicorn(env, workdir, "memory", extra) as server:
            session = signed_in_session(server.base)
            (pid,) = server.worker_pids()
            start_rss = rss_mib(pid)
            for _ in range(20):
                hit(session, route)
            warm_rss = rss_mib(pid)
            deadline = time.monotonic() + args.memory_seconds
            done, failures, peak, pids = 0, 0, warm_rss, {pid}
            while done < args.downloads and time.monotonic() < deadline:
                status, _ = hit(session, route)
                done += 1
                failures += status != 200
                if done % 100 == 0:
                    for worker in server.worker_pids():
                        pids.add(worker)
                        peak = max(peak, rss_mib(worker))
            workers = server.worker_pids()
            end_rss = max(rss_mib(w) for w in workers)
            peak = max(peak, end_rss)
        print(
            f"\n== memory, {label}: {done} downloads of {path} (+20 warm-up), failures "
            f"{failures}\n   worker RSS: at start {start_rss:.1f} MiB, after warm-up "
            f"{warm_rss:.1f} MiB, after the downloads {end_rss:.1f} MiB (peak seen {peak:.1f} "
            f"MiB), growth {end_rss - warm_rss:+.1f} MiB; worker pids seen {len(pids)}; "
            f"goal < 200 MiB: {'ok' if peak < 200 else 'MISS'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cores = os.cpu_count() or 1
    parser.add_argument("--seconds", type=float, default=8, help="per route and dataset")
    parser.add_argument("--rounds", type=int, default=2, help="best of this many")
    parser.add_argument("--clients", type=int, default=2 * cores)
    parser.add_argument("--workers", type=int, default=cores)
    parser.add_argument("--scale", type=float, default=1.0, help="of the large dataset")
    parser.add_argument("--large-db", type=Path, help="an SQLite file made by seed_large.py")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--pg-db", default="bygop_bench", help="prefix of the databases")
    parser.add_argument("--memory", action="store_true", help="only the .docx memory check")
    parser.add_argument("--downloads", type=int, default=2000)
    parser.add_argument("--memory-seconds", type=float, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not (0 < args.seconds <= MAX_SECONDS and 0 < args.clients <= MAX_CLIENTS):
        parser.error(f"--seconds must be in (0, {MAX_SECONDS}], --clients in (0, {MAX_CLIENTS}]")
    if not 1 <= args.rounds <= 5:
        parser.error("--rounds must be in [1, 5]")
    if not (1 <= args.workers <= 16 and 0 < args.downloads <= MAX_DOWNLOADS):
        parser.error(f"--workers must be in [1, 16] and --downloads in (0, {MAX_DOWNLOADS}]")
    if not 0 < args.memory_seconds <= 900:
        parser.error("--memory-seconds must be in (0, 900]")
    if args.postgres:
        check_pg_args(parser, args.pg_admin_url, args.pg_db)
        if args.large_db:
            parser.error("--large-db is for SQLite")

    workdir = Path(tempfile.mkdtemp(prefix="bygop-http-"))
    print(f"databases and gunicorn logs in {workdir}")
    dropped: list[str] = []
    try:
        if args.postgres:
            demo_name, large_name = f"{args.pg_db}_demo", f"{args.pg_db}_large"
            demo_url = create_postgres(args.pg_admin_url, demo_name)
            dropped.append(demo_name)
            large_url = create_postgres(args.pg_admin_url, large_name)
            dropped.append(large_name)
            large_env = app_env(large_url)
            seed_large(large_env, args.scale, None)
        else:
            demo_url = f"sqlite:///{workdir / 'demo.sqlite'}"
            large_file = args.large_db.resolve() if args.large_db else workdir / "large.sqlite"
            large_env = app_env(f"sqlite:///{large_file}")
            if not args.large_db:
                seed_large(large_env, args.scale, large_file)
        demo_env = app_env(demo_url)
        if args.memory:
            run_memory(large_env, args, workdir)
            return
        flask(demo_env, "db", "upgrade")
        flask(demo_env, "demo")
        run_benchmark([Dataset("demo", demo_env), Dataset("large", large_env)], args, workdir)
    finally:
        for name in dropped:
            drop_postgres(args.pg_admin_url, name)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
