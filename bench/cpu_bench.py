"""CPU time per request of each main page, in one process, at the demo size and a large size.

    .venv/bin/python bench/cpu_bench.py --demo sqlite:////tmp/demo.sqlite \\
        --large sqlite:////tmp/large.sqlite
    .venv/bin/python bench/cpu_bench.py --demo postgresql://postgres@127.0.0.1/demo \\
        --large postgresql://postgres@127.0.0.1/large --requests 200

Both databases must exist and be migrated, with the demo users (`flask demo`, or
bench/seed_large.py, which loads the demo first). For each database a child process creates
the app, signs the demo coordinator in through Flask's test client and asks every page
`--requests` times after three warm-up requests; the figure is the process's CPU time
(time.process_time) per request: the app's own work, the database's too on SQLite (in the
process), not PostgreSQL's server. CPU time hardly moves when other work shares the machine,
so these figures can be compared across runs where wall-clock times (latency_bench.py, wrk_bench.py)
cannot. The same figure for bench/hello.py's route is printed as the floor.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BIN, ROOT, app_env, signed_in_client  # noqa: E402
from bench.latency_bench import PAGES as LATENCY_PAGES  # noqa: E402

# latency_bench.py's pages, and the candidate search wrk_bench.py times.
PAGES = (*LATENCY_PAGES, ("candidates ?q=sen", "/candidates/?q=sen", {}))


def child(requests: int, project: int, version: int) -> None:
    """In the child: the app on DATABASE_URL, a signed-in test client, CPU ms per page."""
    from app import create_app

    client = signed_in_client(create_app())
    result = {}
    for label, path, headers in PAGES:
        url = path.format(project=project, version=version)
        for _ in range(3):
            status = client.get(url, headers=headers).status_code
            if status != 200:
                raise SystemExit(f"{label} ({url}) answered {status}")
        started = time.process_time()
        for _ in range(requests):
            client.get(url, headers=headers)
        result[label] = (time.process_time() - started) / requests * 1000
    print(json.dumps(result))


def hello_cpu(requests: int) -> float:
    from bench.hello import app

    client = app.test_client()
    for _ in range(3):
        client.get("/")
    started = time.process_time()
    for _ in range(requests):
        client.get("/")
    return (time.process_time() - started) / requests * 1000


def measure(database_url: str, requests: int) -> dict[str, float]:
    from bench.http_bench import targets

    env = app_env(database_url)
    project, version, _placements = targets(env)  # in a process of its own
    done = subprocess.run(
        [str(BIN / "python"), __file__, "--child", "--requests", str(requests),
         "--project", str(project), "--version", str(version)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"{database_url}: {done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", help="database URL of the demo data")
    parser.add_argument("--large", help="database URL of a seed_large.py dataset")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--project", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--version", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.requests, args.project, args.version)
        return
    if not (args.demo and args.large) or not 1 <= args.requests <= 10_000:
        parser.error("--demo and --large are required; --requests in [1, 10000]")
    demo, large = measure(args.demo, args.requests), measure(args.large, args.requests)
    hello = hello_cpu(max(args.requests, 1000))
    print(f"CPU per request, {args.requests} requests each, one process; hello {hello:.2f} ms")
    print(f"{'page':<28} | {'demo ms':>8} | {'large ms':>8} | {'large/demo':>10} | hello/large")
    for label in demo:
        d, g = demo[label], large[label]
        print(f"{label:<28} | {d:8.2f} | {g:8.2f} | {g / d:10.2f} | {100 * hello / g:9.1f} %")


if __name__ == "__main__":
    main()
