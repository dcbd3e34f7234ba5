"""The main pages and the candidate search over HTTP at two sizes: median times, one request
at a time (bench/http_bench.py measures throughput under load; this, latency without it).

    .venv/bin/python bench/latency_bench.py --demo sqlite:////tmp/demo.sqlite \\
        --large sqlite:////tmp/large.sqlite
    .venv/bin/python bench/latency_bench.py --demo postgresql://postgres@127.0.0.1/demo \\
        --large postgresql://postgres@127.0.0.1/large --requests 300

Both databases must exist and be migrated, with the demo users (`flask demo`, or
bench/seed_large.py, which loads the demo first). Starts one gunicorn (one sync worker) per
database on 127.0.0.1, signs in as the demo coordinator, then asks each search in turn of the
demo server and the large one, --requests times, alternating, so both see the same background
load. Prints the median per search and size, and the large/demo ratio of the medians.

It also counts the SQL statements of each page at both sizes (in a separate process per
database, through Flask's test client, the second request of each page: the first after a
change may count once more) and prints them beside the times: the count must not grow with
the data. `--national` names the goal of issue 19 (every page within 1.5x of its demo cost,
counts unchanged) and prints a verdict per page; use it with a `seed_large.py --scale 10`
database as --large.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BIN, COORDINATOR, ROOT, Gunicorn, app_env, signed_in_client  # noqa: E402
from bench.http_bench import targets as http_targets  # noqa: E402
from bench.load_user import Results, Session  # noqa: E402

HX = {"HX-Request": "true"}
# (label, path, headers); {project} is each database's project with the most placements.
PAGES = (
    ("baseline /healthz", "/healthz", {}),
    ("start page /", "/", {}),
    ("  section active", "/dashboard/active", HX),
    ("  section retention", "/dashboard/retention", HX),
    ("  section meetings", "/dashboard/meetings", HX),
    ("  section openings", "/dashboard/openings", HX),
    ("projects ?phase&q", "/projects/?phase=execution&q=a", {}),
    ("projects ?phase&q (htmx)", "/projects/?phase=execution&q=a", HX),
    ("progress", "/projects/{project}/progress", {}),
    ("agreement .docx", "/projects/{project}/agreement/v{version}.docx", {}),
)
SEARCHES = (
    ("q=sen (many)", "/candidates/?q=sen"),
    ("q=mette (rare)", "/candidates/?q=mette"),
    ("q=hansen", "/candidates/?q=hansen"),
    ("q= (all)", "/candidates/"),
    ("q=sen page 12 (past the cap)", "/candidates/?q=sen&page=12"),
)
COUNT = re.compile(r'result-count">([^<]*)<')
GOAL = 1.5  # --national: the most a page may cost at the large size, times its demo cost


def statement_counts(url: str) -> dict[str, int]:
    """The SQL statements of every page on this database, from a separate process."""
    done = subprocess.run(
        [str(BIN / "python"), str(Path(__file__).resolve()), "--count-only", url],
        env=app_env(url), cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"counting statements failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def count_only(url: str) -> None:
    """In this process: sign in through the test client and count each page's statements."""
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db

    project, version, _placements = http_targets(app_env(url))
    app = create_app({"SECRET_KEY": os.environ["SECRET_KEY"], "SESSION_COOKIE_SECURE": False})
    client = signed_in_client(app)
    counts = {}
    sent: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    pages = PAGES + tuple((label, path, {}) for label, path in SEARCHES)
    for label, path, headers in pages:
        page = path.format(project=project, version=version)
        for _ in range(2):
            sent.clear()
            status = client.get(page, headers=headers).status_code
            if status != 200:
                raise SystemExit(f"{page} answered {status}")
        counts[label] = len(sent)
    print(json.dumps(counts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", help="DATABASE_URL of the demo data")
    parser.add_argument("--large", help="DATABASE_URL of the large data")
    parser.add_argument("--requests", type=int, default=200, help="per search and size")
    parser.add_argument("--national", action="store_true", help="print the 1.5x verdicts")
    parser.add_argument("--count-only", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_only:
        count_only(args.count_only)
        return
    if not (args.demo and args.large):
        parser.error("give --demo and --large")
    if not 1 <= args.requests <= 5000:
        parser.error("--requests must be in [1, 5000]")
    statements = {"demo": statement_counts(args.demo), "large": statement_counts(args.large)}
    logdir = Path(tempfile.mkdtemp(prefix="bygop-search-"))
    one_worker = ("--workers", "1")
    with (
        Gunicorn(app_env(args.demo), logdir, "demo", one_worker) as demo,
        Gunicorn(app_env(args.large), logdir, "large", one_worker) as large,
    ):
        sessions, targets = {}, {}
        for name, url in (("demo", args.demo), ("large", args.large)):
            project, version, _placements = http_targets(app_env(url))
            targets[name] = {"project": project, "version": version}
        for name, server in (("demo", demo), ("large", large)):
            session = Session(server.base, Results())
            if not session.sign_in(*COORDINATOR, deadline=time.monotonic() + 60):
                raise SystemExit(f"could not sign in at {server.base}")
            sessions[name] = session
        print(
            f"{'page':<30} {'demo ms':>8} {'large ms':>9} {'ratio':>6} {'SQL':>7}"
            f"  results (demo / large)"
        )
        missed = []
        pages = PAGES + tuple((label, path, {}) for label, path in SEARCHES)
        for label, path, headers in pages:
            times = {"demo": [], "large": []}
            counts = {}
            for i in range(args.requests + 5):
                for name in ("demo", "large") if i % 2 else ("large", "demo"):
                    url = path.format(**targets[name])
                    started = time.perf_counter()
                    status, page = sessions[name].get("page", url, headers=headers, record=False)
                    elapsed = (time.perf_counter() - started) * 1000
                    if status != 200:
                        raise SystemExit(f"{name} {url} answered {status}")
                    if i >= 5:  # the first few warm up
                        times[name].append(elapsed)
                    match = COUNT.search(page)
                    counts[name] = match.group(1) if match else "-"
            demo_ms, large_ms = (statistics.median(times[n]) for n in ("demo", "large"))
            sql = f"{statements['demo'][label]}/{statements['large'][label]}"
            ratio = large_ms / demo_ms
            verdict = ""
            if args.national:
                # No more statements at the large size (a page past the demo's last one may
                # take one more there: it finds out it is past the end).
                same = statements["large"][label] <= statements["demo"][label]
                verdict = "  ok" if ratio <= GOAL and same else "  MISSED"
                if verdict.strip() != "ok":
                    missed.append(label.strip())
            print(
                f"{label:<30} {demo_ms:8.2f} {large_ms:9.2f} {ratio:6.2f} {sql:>7}"
                f"  {counts['demo']} / {counts['large']}{verdict}"
            )
        if args.national:
            print(
                f"goal: every page within {GOAL}x of its demo cost, with no more SQL statements: "
                + ("met" if not missed else f"missed by {', '.join(missed)}")
            )


if __name__ == "__main__":
    main()
