"""Heavy outputs in one process: the progress report .docx, the portfolio .xlsx, the CSV.

    .venv/bin/python bench/seed_large.py --database /tmp/large.sqlite
    .venv/bin/python bench/heavy_outputs.py --database sqlite:////tmp/large.sqlite

Signs the demo coordinator in through Flask's test client (no server, no network) and
measures the progress report .docx of the project with the most placements (median and best
of --downloads, wall clock and CPU): cold, each download right after the project's progress
stamp was replaced (what every placement write does), once with the chart drawn again and once
with the chart kept; and warm (the kept file). Then the portfolio .xlsx of every project: the
first download (every project counted, the file written), then with nothing changed (the kept
file), then each time right after one project's stamp was replaced (that project is counted
again; the file is kept by what it shows, so when the figures stay the same the kept file is
sent), then written anew each time (the kept files dropped, as when a figure changed); and
the placements CSV of every project. Each streamed download is read piece by piece (time to
the first piece, to the whole file, its size and the process's peak RSS before and after).
Figures depend on the machine and its load; note it (`uptime`).

It writes to the database: the project's progress stamp is replaced (nothing else changes).
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import signed_in_client  # noqa: E402


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a DATABASE_URL with seed_large data")
    parser.add_argument("--downloads", type=int, default=30)
    args = parser.parse_args()
    if not 1 <= args.downloads <= 1000:
        parser.error("--downloads must be in [1, 1000]")
    secret = secrets.token_hex(32)
    os.environ["DATABASE_URL"] = args.database
    from bench.http_bench import targets

    project_id, _, placements = targets({"DATABASE_URL": args.database, "SECRET_KEY": secret})

    from app import create_app

    app = create_app({"SECRET_KEY": secret, "SESSION_COOKIE_SECURE": False})
    client = signed_in_client(app)

    url = f"/projects/{project_id}/report.docx"
    first = client.get(url)
    if first.status_code != 200 or not first.data.startswith(b"PK"):
        raise SystemExit(f"{url} answered {first.status_code}")
    from app.reports import word

    def changed(redraw: bool) -> None:
        """What a placement write does to the project (a new progress stamp), and, with
        `redraw`, a chart that must be drawn again (a new placement changes the series)."""
        touch(app, [project_id])
        if redraw:
            word._chart.cache_clear()

    for label, before in (
        ("cold, after a change that redraws the chart", lambda: changed(True)),
        ("cold, after a change, chart kept", lambda: changed(False)),
        ("warm, kept file", None),
    ):
        wall, cpu = [], []
        for _ in range(args.downloads):
            if before:
                before()
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200
        print(
            f"progress report .docx, project {project_id} ({placements} placements), {label}: "
            f"median {statistics.median(wall):.1f} ms ({statistics.median(cpu):.1f} ms CPU), "
            f"best {min(wall):.1f} ms ({min(cpu):.1f} ms CPU) over {args.downloads}"
        )

    url = "/reports/portfolio.xlsx"
    streamed(client, "portfolio .xlsx, first download (counts every project, writes it)", url)
    for _ in range(3):
        streamed(client, "portfolio .xlsx, nothing changed (the kept file)", url)
    for _ in range(3):
        touch(app, [project_id])
        streamed(client, "portfolio .xlsx, one project's stamp replaced (counted again)", url)
    from app.reports import excel

    for _ in range(3):
        excel.forget_portfolios()  # as when a figure it shows changed
        streamed(client, "portfolio .xlsx, written anew (no kept file)", url)
    streamed(client, "placements CSV", "/reports/placements.csv")


def touch(app, project_ids: list[int]) -> None:
    """Give projects a new progress stamp, as every placement write does."""
    from app.extensions import db
    from app.placements import progress_cache

    with app.app_context():
        progress_cache.touch(db.session, project_ids)
        db.session.commit()


def streamed(client, label: str, url: str) -> None:
    """Ask for a streamed download; print the time to its first piece and to the whole, its
    size, and the process's peak RSS before and after."""
    before = peak_rss_mib()
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url, buffered=False)
    pieces = iter(response.response)
    size = len(next(pieces))
    first_ms = (time.perf_counter() - started) * 1000
    first_cpu_ms = (time.process_time() - cpu) * 1000
    lines = 1  # counted for the CSV
    for piece in pieces:
        size += len(piece)
        lines += piece.count(b"\n")
    response.close()
    print(
        f"{label}: status {response.status_code}, first piece {first_ms:.0f} ms "
        f"({first_cpu_ms:.0f} ms CPU), whole "
        f"{time.perf_counter() - started:.2f} s, "
        f"{f'{lines:,} lines, ' if url.endswith('.csv') else ''}{size / 1e6:.2f} MB, peak RSS "
        f"{before:.0f} -> {peak_rss_mib():.0f} MiB"
    )


if __name__ == "__main__":
    main()
