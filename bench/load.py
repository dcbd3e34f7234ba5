"""Load and durability check: gunicorn with sync workers, 25 simulated coordinators, then a
reconciliation of every acknowledged write against the database.

    .venv/bin/python bench/load.py                      # SQLite, then PostgreSQL, 60 s each
    .venv/bin/python bench/load.py --db sqlite --seconds 20 --users 10

For each database it makes a fresh one (SQLite: a file in a temporary folder, WAL; PostgreSQL:
the database --pg-db, created through --pg-admin-url and dropped afterwards), runs the
migrations once and loads the demo data, then starts gunicorn on 127.0.0.1 and a free port
with the same SECRET_KEY for every worker. Users sign in once as the demo coordinator (backing
off on 429), then read pages, log conversations, type minutes (autosave) and download the
approved agreement, with the CSRF token taken from the pages, until the time is up.

Prints per route the count and p50/p95 in ms, the 5xx count, the "database is locked" lines in
gunicorn's error log, and the reconciliation: every conversation that was acknowledged (2xx or
303) must be in the database exactly once, and every acknowledged minutes save must have moved
the meeting's version on by one. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    COORDINATOR,
    DEFAULT_PG_ADMIN_URL,
    Gunicorn,
    app_context,
    app_env,
    check_pg_args,
    create_postgres,
    drop_postgres,
    flask,
    percentile,
)
from bench.load_user import Results, Session, User, scout  # noqa: E402

MAX_USERS, MAX_SECONDS = 200, 1800  # hard bounds, whatever the flags say


def minutes_state(env: dict) -> dict[str, tuple[int, str]]:
    """Each monthly meeting's page path -> (version, minutes), read through the app's models."""
    from sqlalchemy import select

    from app.meetings.models import Meeting

    with app_context(env) as db:
        rows = db.session.execute(
            select(Meeting.project_id, Meeting.id, Meeting.version, Meeting.minutes)
        ).all()
        return {f"/projects/{p}/meetings/{m}": (v, text or "") for p, m, v, text in rows}


def conversation_counts(env: dict, run_id: str) -> Counter:
    from sqlalchemy import func, select

    from app.candidates.models import Conversation

    with app_context(env) as db:
        rows = db.session.execute(
            select(Conversation.notes, func.count(Conversation.id))
            .where(Conversation.notes.like(f"load {run_id} %"))
            .group_by(Conversation.notes)
        ).all()
        return Counter({notes: count for notes, count in rows})


def report(
    name: str,
    results: Results,
    seconds: float,
    error_log: str,
    env: dict,
    run_id: str,
    before: dict,
    users: int,
    workers: int,
) -> str:
    by_route: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter] = defaultdict(Counter)
    for route, status, ms in results.samples:
        by_route[route].append(ms)
        statuses[route][status] += 1
    print(f"\n== {name}: {users} users, {workers} sync workers, {seconds:.0f} s")
    print(f"{'route':<48} {'count':>6} {'p50 ms':>8} {'p95 ms':>8}  statuses")
    for route in sorted(by_route):
        times = by_route[route]
        codes = " ".join(f"{code}:{n}" for code, n in sorted(statuses[route].items()))
        print(
            f"{route:<48} {len(times):>6} {percentile(times, 50):>8.0f} "
            f"{percentile(times, 95):>8.0f}  {codes}"
        )
    total = len(results.samples)
    all_times = [ms for _, _, ms in results.samples]
    server_errors = sum(1 for _, status, _ in results.samples if status >= 500)
    no_answer = sum(1 for _, status, _ in results.samples if status == 0)
    locked = error_log.count("database is locked")
    exceptions = len(re.findall(r"Exception on |Traceback \(most recent call last\)", error_log))

    stored = conversation_counts(env, run_id)
    acknowledged = Counter(results.notes_acknowledged)
    lost = [note for note in acknowledged if stored[note] == 0]
    duplicated = [note for note in acknowledged if stored[note] > 1 or acknowledged[note] > 1]
    unknown_stored = sum(1 for note in results.notes_unacknowledged if stored[note])
    phantom = [
        note
        for note in stored
        if note not in acknowledged and note not in results.notes_unacknowledged
    ]

    after = minutes_state(env)
    saves: dict[str, list[str]] = defaultdict(list)
    for page, text in results.minutes_acknowledged:
        saves[page].append(text)
    minutes_lost = 0
    for page, texts in saves.items():
        moved = after[page][0] - before[page][0]
        if moved != len(texts) or after[page][1] not in texts:
            minutes_lost += abs(len(texts) - moved) or 1
            print(f"   minutes on {page}: {len(texts)} saves acknowledged, version moved {moved}")

    print(
        f"requests {total} ({total / seconds:.1f}/s), p50 {percentile(all_times, 50):.0f} ms, "
        f"p95 {percentile(all_times, 95):.0f} ms; 5xx {server_errors}; no answer {no_answer}; "
        f"sign-in retries after 429: {results.sign_in_retries}"
    )
    print(f"gunicorn error log: 'database is locked' {locked}, exceptions {exceptions}")
    print(
        f"conversations: acknowledged {len(acknowledged)}, stored {sum(stored.values())}, "
        f"lost {len(lost)}, duplicated {len(duplicated)}, stored without an answer "
        f"{unknown_stored}/{len(results.notes_unacknowledged)}, never sent {len(phantom)}"
    )
    print(
        f"minutes autosaves: acknowledged {len(results.minutes_acknowledged)}, refused 409 "
        f"{results.minutes_conflicts}, lost {minutes_lost}"
    )
    for problem in Counter(results.problems).most_common(10):
        print(f"   problem x{problem[1]}: {problem[0]}")
    lost_writes = len(lost) + len(duplicated) + len(phantom) + minutes_lost
    return (
        f"{name}: {total} requests in {seconds:.0f} s ({total / seconds:.1f}/s), "
        f"p50 {percentile(all_times, 50):.0f} ms, p95 {percentile(all_times, 95):.0f} ms, "
        f"5xx {server_errors}, database is locked {locked}, "
        f"writes acknowledged {len(acknowledged) + len(results.minutes_acknowledged)}, "
        f"lost writes: {lost_writes}"
    )


def run_one(name: str, database_url: str, args, workdir: Path) -> str:
    env = app_env(database_url)
    flask(env, "db", "upgrade")  # once, before the workers; workers never migrate
    flask(env, "demo")
    before = minutes_state(env)
    with Gunicorn(env, workdir, name, ("--workers", str(args.workers))) as server:
        base = server.base
        results = Results()
        scout_session = Session(base, results)
        if not scout_session.sign_in(*COORDINATOR, deadline=time.monotonic() + 60):
            raise SystemExit(f"the scout could not sign in: {results.problems}")
        site = scout(scout_session)
        print(
            f"{name}: {len(site.projects)} projects, {len(site.candidates)} candidates, "
            f"{len(site.meetings)} meetings with minutes, documents {site.documents}"
        )
        run_id = secrets.token_hex(4)
        started = time.monotonic()
        deadline = started + args.seconds
        users = [
            User(n, base, site, results, COORDINATOR, run_id, deadline, seed=n)
            for n in range(args.users)
        ]
        for user in users:
            user.start()
        for user in users:
            user.join(timeout=max(deadline - time.monotonic(), 0) + 40)
        elapsed = time.monotonic() - started
    if any(user.is_alive() for user in users):
        print("warning: some users were still waiting for an answer at the end")
    return report(
        name,
        results,
        elapsed,
        server.error_text(),
        env,
        run_id,
        before,
        args.users,
        args.workers,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--pg-db", default="bygop_load")
    parser.add_argument("--keep", action="store_true", help="keep the temporary databases")
    args = parser.parse_args()
    if not (0 < args.seconds <= MAX_SECONDS and 0 < args.users <= MAX_USERS):
        parser.error(f"--seconds must be in (0, {MAX_SECONDS}] and --users in (0, {MAX_USERS}]")
    if args.workers < 1 or args.workers > 16:
        parser.error("--workers must be between 1 and 16")
    check_pg_args(parser, args.pg_admin_url, args.pg_db)

    summaries = []
    workdir = Path(tempfile.mkdtemp(prefix="bygop-load-"))
    print(f"gunicorn logs (and with --keep the SQLite database) in {workdir}")
    if args.db in ("sqlite", "both"):
        try:
            summaries.append(
                run_one("sqlite", f"sqlite:///{workdir / 'load.sqlite'}", args, workdir)
            )
        finally:
            if not args.keep:
                for leftover in workdir.glob("load.sqlite*"):
                    leftover.unlink()
    if args.db in ("postgres", "both"):
        url = create_postgres(args.pg_admin_url, args.pg_db)
        try:
            summaries.append(run_one("postgresql", url, args, workdir))
        finally:
            if not args.keep:
                drop_postgres(args.pg_admin_url, args.pg_db)
    print("\n== summary")
    for line in summaries:
        print(line)


if __name__ == "__main__":
    main()
