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
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import COORDINATOR, Gunicorn, app_env  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", required=True, help="DATABASE_URL of the demo data")
    parser.add_argument("--large", required=True, help="DATABASE_URL of the large data")
    parser.add_argument("--requests", type=int, default=200, help="per search and size")
    args = parser.parse_args()
    if not 1 <= args.requests <= 5000:
        parser.error("--requests must be in [1, 5000]")
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
        print(f"{'page':<30} {'demo ms':>8} {'large ms':>9} {'ratio':>6}  counts (demo / large)")
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
            print(
                f"{label:<30} {demo_ms:8.2f} {large_ms:9.2f} {large_ms / demo_ms:6.2f}"
                f"  {counts['demo']} / {counts['large']}"
            )


if __name__ == "__main__":
    main()
