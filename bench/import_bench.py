"""Import of a large file: the time to check and to save it, and the worker's peak memory.

    .venv/bin/python bench/import_bench.py                    # SQLite, 10,000 rows
    .venv/bin/python bench/import_bench.py --postgres         # PostgreSQL (a database it drops)
    .venv/bin/python bench/import_bench.py --rows 10000 --scale 1

Seeds a fresh database with `bench/seed_large.py`'s data (--scale, default 0.1: 50 projects,
2,000 candidates), writes a CSV of --rows rows that passes the check (people in pairs of rows:
an internship that ends with "næste trin", then a wage subsidy; some of them existing
candidates, recognised by name and phone), and then, in a fresh Python process like a worker,
runs `importer.check` and `importer.save` as the confirmation does. It prints the time of each
and the process's peak RSS (getrusage maxrss: the app, the file and everything the import
held), before and after, and the CPU time of the process (on a loaded machine a fairer
figure than the wall clock; the database server's work is not in it). Goal: at most 5 s and
150 MiB for 10,000 rows. Figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    BIN,
    DEFAULT_PG_ADMIN_URL,
    ROOT,
    app_context,
    app_env,
    check_pg_args,
    create_postgres,
    drop_postgres,
)
from bench.seed_large import FIRST_NAMES, LAST_NAMES  # noqa: E402

HEADER = ("Fornavn", "Efternavn", "Telefon", "Email", "Boligforening", "Boligområde",
          "Henvist af", "Byggesag", "Virksomhed", "Trin", "Start", "Planlagt slut", "Slut",
          "Udfald", "Samtaler før match")  # fmt: skip


def seed(env: dict, scale: float) -> None:
    done = subprocess.run(
        [str(BIN / "python"), "-c",
         "import sys; sys.path.insert(0, '.');"
         "from flask_migrate import upgrade; from app import create_app;"
         "from bench.seed_large import seed; app = create_app({'SECRET_KEY': 'seed-only'});"
         f"ctx = app.app_context(); ctx.push(); upgrade(); seed({scale}, echo=lambda *a: None)"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"seeding failed:\n{done.stdout}{done.stderr}")


def import_file(env: dict, rows: int) -> bytes:
    """A CSV of `rows` clean rows over the seeded projects, companies and housing areas."""
    from sqlalchemy import select

    from app.candidates.models import Candidate
    from app.models import Organisation, OrganisationKind, Phase, Project
    from app.placements.models import Placement

    rng = random.Random(19)  # noqa: S311 - test data
    today = date.today()
    with app_context(env) as db:
        projects = [
            (p.name if len(p.name) and _unique(db, p) else str(p.id),
             [c.company.name for c in p.companies], p.execution_start)
            for p in db.session.scalars(select(Project).where(Project.phase == Phase.EXECUTION))
            if p.companies and p.execution_start and p.execution_start < today - timedelta(days=60)
        ]  # fmt: skip
        associations = [
            (org.name, [a.name for a in org.areas])
            for org in db.session.scalars(
                select(Organisation).where(Organisation.kind == OrganisationKind.ASSOCIATION)
            )
            if org.areas
        ]
        # Some existing candidates without placements come back in the file.
        existing = [
            (c.first_name, c.last_name, c.phone)
            for c in db.session.scalars(
                select(Candidate)
                .where(
                    Candidate.association_id.is_not(None),
                    Candidate.phone != "",
                    Candidate.anonymised_at.is_(None),
                    ~select(Placement.id).where(Placement.candidate_id == Candidate.id).exists(),
                )
                .limit(rows // 20)
            )
        ]
    lines = [";".join(HEADER)]
    for person in range(rows // 2):
        if person < len(existing):
            first, last, phone = existing[person]
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            phone = f"{30_000_000 + person}"
        association, areas = rng.choice(associations)
        project, companies, start = rng.choice(projects)
        begin = start + timedelta(days=rng.randint(0, max(0, (today - start).days - 60)))
        end = begin + timedelta(days=27)
        common = [first, last, phone, "", association, rng.choice(areas), "Jobcenter", project]
        lines.append(";".join([*common, rng.choice(companies), "praktik", begin.isoformat(),
                               "", end.isoformat(), "næste trin", "1"]))  # fmt: skip
        lines.append(";".join([*common, rng.choice(companies), "løntilskud",
                               (end + timedelta(days=1)).isoformat(), "", "", "", ""]))  # fmt: skip
    return ("\ufeff" + "\r\n".join(lines)).encode()


def _unique(db, project) -> bool:
    from sqlalchemy import func, select

    from app.models import Project

    same = select(func.count()).where(Project.name == project.name)
    return db.session.scalar(same) == 1


WORKER = """
import json, resource, sys, time
sys.path.insert(0, ".")
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
from app import create_app
from app.extensions import db
from app.imports import importer
from app.models import Role, User
from sqlalchemy import select, func
app = create_app({"SECRET_KEY": "bench"})
with app.app_context():
    db.session.scalar(select(func.count()).select_from(User))
    user = db.session.scalars(select(User).where(User.role == Role.COORDINATOR)).first()
    data = open(sys.argv[1], "rb").read()
    before = rss()
    started, cpu = time.perf_counter(), time.process_time()
    report = importer.check(data, "import.csv")
    checked, cpu_checked = time.perf_counter(), time.process_time()
    if not report.ok:
        bad = [(r.number, {k: [m.msgid for m in v] for k, v in r.errors.items()})
               for r in report.rows if r.errors][:5]
        raise SystemExit(f"the file does not pass the check: {report.file_errors} {bad}")
    candidates, placements = importer.save(report, user)
    saved, cpu_saved = time.perf_counter(), time.process_time()
    print(json.dumps(dict(
        check=checked - started, save=saved - checked, rows=len(report.rows),
        cpu_check=cpu_checked - cpu, cpu_save=cpu_saved - cpu_checked,
        candidates=candidates, placements=placements, before=before,
        peak=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )))
"""


def measure(env: dict, path: Path) -> dict:
    done = subprocess.run(
        [str(BIN / "python"), "-c", WORKER, str(path)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"the import failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=0.1, help="seed_large's scale")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--pg-db", default="bench_import")
    args = parser.parse_args()
    if not 2 <= args.rows <= 100_000:
        parser.error("--rows must be in [2, 100000]")
    if args.postgres:
        check_pg_args(parser, args.pg_admin_url, args.pg_db)
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        if args.postgres:
            url = create_postgres(args.pg_admin_url, args.pg_db)
        else:
            url = f"sqlite:///{tmp}/bench.sqlite"
        env = app_env(url)
        try:
            seed(env, args.scale)
            os.environ.update(DATABASE_URL=url, SECRET_KEY=env["SECRET_KEY"])
            path = Path(tmp) / "import.csv"
            data = import_file(env, args.rows)
            path.write_bytes(data)
            result = measure(env, path)
        finally:
            if args.postgres:
                drop_postgres(args.pg_admin_url, args.pg_db)
    database = "PostgreSQL" if args.postgres else "SQLite"
    total = result["check"] + result["save"]
    print(
        f"{database}, {result['rows']:,} rows ({len(data) / 1e6:.1f} MB; "
        f"{result['candidates']:,} new candidates, {result['placements']:,} placements): "
        f"check {result['check']:.2f} s + save {result['save']:.2f} s = {total:.2f} s "
        f"(this process's CPU: {result['cpu_check']:.2f} s + {result['cpu_save']:.2f} s); "
        f"RSS {result['before']:.0f} MiB before, peak {result['peak']:.0f} MiB"
    )
    print(
        f"goal: <= 5 s {'met' if total <= 5 else 'NOT met'}, <= 150 MiB "
        f"{'met' if result['peak'] <= 150 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
