"""Load a large, realistic dataset for benchmarks: the demo data, then bulk data on top.

    .venv/bin/python bench/seed_large.py --database /tmp/large.sqlite       # scale 1.0
    .venv/bin/python bench/seed_large.py --database /tmp/small.sqlite --scale 0.01
    DATABASE_URL=postgresql://... .venv/bin/python bench/seed_large.py     # an empty database

At scale 1.0: 500 projects, 20,000 candidates, 100,000 placements, 5,000 meetings, 1-3
agreement versions per project (the last approved, except on some projects in tender),
openings, and conversations (pre-match before every run up the ladder, retention during
placements). Runs the migrations first, then `app.demo.load_demo` (so the demo users can sign
in), then inserts the rest with SQLAlchemy Core in chunks. Names, areas and companies are
fictional but Danish-looking; every placement obeys the app's rules: eligible candidate, a
pre-match conversation before it, a company on the project, no overlap with the candidate's
other placements, and each run climbs the ladder in order with the handbook's durations.

Agreement documents are rendered once per combination of targets and shape (areas, dates,
main contractor) with stand-in names, and the stored JSON is reused with each project's names
put in, so every version has a real `document` (pages and the .docx download work).

The generator (`generate`) is plain Python over ids; `seed` writes what it returns.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.models import project_search_text  # noqa: E402
from app.placements.rules import Durations  # noqa: E402

RUNGS = ("internship", "wage_subsidy", "ordinary", "apprenticeship")
FULL = {"projects": 500, "candidates": 20_000, "placements": 100_000, "meetings": 5_000}
CHUNK = 20_000

FIRST_NAMES = (
    "Mads Mikkel Frederik Emil Oliver Lucas Magnus Rasmus Jonas Mathias Anders Henrik Lars "
    "Morten Søren Jens Peter Niels Thomas Kasper Ahmed Mohammed Ali Omar Hassan Yusuf Ibrahim "
    "Mustafa Bilal Tariq Ida Emma Sofie Freja Anna Laura Mette Anne Hanne Lone Camilla Maria "
    "Fatima Amina Aisha Leyla Zeynep Sara Nadia Rikke Louise Julie Maja Signe Line Pernille "
    "Kim Jesper Martin Christian Nikolaj Patrick Daniel Sebastian Alexander Dennis Brian"
).split()
LAST_NAMES = (
    "Nielsen Jensen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen "
    "Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen "
    "Holm Lund Berg Bak Friis Dahl Skov Vestergaard Mikkelsen Frederiksen Yousef Hassan Ali "
    "Mohamed Ahmadi Yilmaz Demir Khan Abdi Omar Hussein Karimi Nguyen Kowalski Novak"
).split()
AREA_PARTS = (
    ("Sol", "Ege", "Birke", "Bøge", "Ask", "Lind", "Rose", "Lærke", "Vibe", "Skov", "Strand",
     "Enghave", "Kilde", "Mølle", "Hvide", "Nord", "Syd", "Vest", "Øst", "Kirke", "Grøn",
     "Elme", "Hassel", "Pile", "Tjørne", "Valmue", "Kastanje", "Fyrre", "Gran", "Bakke"),
    ("parken", "højen", "gården", "haven", "vangen", "lunden", "bakken", "toften", "marken",
     "engen", "huse", "byen", "dalen", "holm", "gårdene"),
)  # fmt: skip
CITIES = (
    ("8220", "Brabrand"), ("8210", "Aarhus V"), ("8200", "Aarhus N"), ("8000", "Aarhus C"),
    ("5000", "Odense C"), ("5220", "Odense SØ"), ("9000", "Aalborg"), ("9220", "Aalborg Øst"),
    ("2650", "Hvidovre"), ("2605", "Brøndby"), ("2620", "Albertslund"), ("2630", "Taastrup"),
    ("2400", "København NV"), ("2300", "København S"), ("7100", "Vejle"), ("6000", "Kolding"),
    ("8700", "Horsens"), ("4000", "Roskilde"), ("3400", "Hillerød"), ("6700", "Esbjerg"),
)  # fmt: skip
STREETS = (
    "Gudrunsvej Edwin Rahrs Vej Bispehavevej Hans Broges Gade Søndervangen Vestergade "
    "Nørregade Møllevej Skovvej Engvej Kirkevej Parkvej Stationsvej Skolevej Bakkevej "
    "Ringvejen Åboulevarden Havnegade Ved Stranden Lindevej Egevej Birkevej Rosenvænget"
).split(" ")
ASSOCIATION_FORMS = ("Boligforeningen {}", "Boligselskabet {}", "{} Almene Boliger",
                     "Andelsboligforeningen {}", "{} Boligorganisation")  # fmt: skip
ASSOCIATION_NAMES = ("Vestbo", "Østbo", "Nordbo", "Sydbo", "Fællesbo", "Lejerbo Midt",
                     "Hjemly", "Bo-Vita", "Domea Syd", "Arbejdernes Bolig", "Ungdomsbo",
                     "Kristiansdal", "Tryghed", "Fremtiden", "Solhjem", "Bakkely")  # fmt: skip
COMPANY_FORMS = ("{} Entreprise A/S", "{} Byg ApS", "{} & Søn ApS", "{} Murer & Facade ApS",
                 "{} El-Service ApS", "{} VVS ApS", "{} Tømrer og Snedker ApS",
                 "{} Totalentreprise A/S", "{} Maler ApS", "{} Stillads A/S",
                 "{} Anlæg og Beton A/S", "{} Tag og Facade ApS")  # fmt: skip
PROJECT_FORMS = ("Helhedsplan {area}, etape {n}", "Renovering af {area}, blok {n}-{m}",
                 "Facaderenovering {area}", "Ny boligblok i {area}", "Tagudskiftning {area}",
                 "Energirenovering {area}, etape {n}", "Altanrenovering {area}",
                 "Klimatilpasning {area}", "Nye køkkener og bad, {area}")  # fmt: skip
TRADES = ("Pladsmand", "Lagerarbejde", "Maler (ufaglært)", "Murerarbejdsmand", "Tømrer",
          "Rengøring", "Ufaglært, erfaring fra byggeplads", "Chauffør", "Anlægsgartner",
          "Elektrikerhjælper", "VVS-hjælper", "")  # fmt: skip
CERTIFICATES = ("", "", "Truck", "Teleskoplæsser", "Stilladskursus", "Asbestkursus", "Kran")
LANGUAGES = ("Dansk", "Dansk, engelsk", "Arabisk, lidt dansk", "Somali, dansk",
             "Tyrkisk, dansk", "Dansk, polsk", "Engelsk")  # fmt: skip
REFERRALS = ("job_centre", "housing_worker", "resident", "street_worker", "residents_board",
             "health_visitor", "other")  # fmt: skip
FUNCTIONS = ("site_labourer", "carpenter_helper", "bricklayer_helper", "painter",
             "electrician", "plumber", "scaffolder", "concrete", "machine_operator",
             "landscaper", "cleaner", "office")  # fmt: skip
PRE_MATCH_NOTES = ("Første samtale; motiveret.", "Afklaret ønsker og rådighed.",
                   "Matchet med virksomheden.", "Aftalt opstart og mentor.", "")  # fmt: skip
RETENTION_NOTES = ("Går godt.", "Trives; mentortimer hver uge.", "Aftalt sprogstøtte.",
                   "Lidt fravær; aftalt opfølgning.", "Formanden er tilfreds.")  # fmt: skip
MINUTES = (
    "Gennemgang af stillinger og kandidater. {company} har brug for en pladsmand mere. "
    "To i løntilskud trives; en praktik stoppede før tid."
)
# Stand-ins rendered into the shared agreement documents, replaced per project.
STAND_IN = {
    "project_name": "QQPROJECTQQ",
    "project_address": "QQADDRESSQQ",
    "client_name": "QQCLIENTQQ",
    "main_contractor_name": "QQMAINQQ",
}
STAND_IN_AREAS = ("QQAREAAQQ", "QQAREABQQ")
STAND_IN_START, STAND_IN_END = date(1901, 2, 3), date(1902, 4, 5)
CONTACT = "Karen Koordinator, tlf. 87 00 00 00"


def counts_for(scale: float) -> dict[str, int]:
    return {
        "projects": max(10, round(FULL["projects"] * scale)),
        "candidates": max(100, round(FULL["candidates"] * scale)),
        "placements": round(FULL["placements"] * scale),
        "meetings": max(4, round(FULL["meetings"] * scale)),
        "associations": max(2, round(40 * math.sqrt(scale))),
        "companies": max(5, round(150 * math.sqrt(scale))),
    }


class Ids:
    """Next free id per table, starting after what is already there (the demo data)."""

    def __init__(self, start: dict[str, int]):
        self.next = defaultdict(lambda: 1, {table: n + 1 for table, n in start.items()})

    def __call__(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def utc(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max((last - first).days, 0)))


def generate(
    scale: float,
    *,
    users: dict[str, int],
    start_ids: dict[str, int],
    today: date,
    agreement: Callable[..., tuple[dict, str]],
    seed: int = 2026,
    taken_names: frozenset[str] = frozenset(),
) -> dict[str, list[dict]]:
    """Every row to insert, by table name, in an order that respects the foreign keys.

    `users` maps the demo roles to user ids; `agreement(shape, values)` returns the stored
    `content` and `text` of an agreement version (see `AgreementCache`).
    """
    from app.candidates.models import search_text
    from app.meetings.monthly import occurrences

    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    n = counts_for(scale)
    ids = Ids(start_ids)
    rows: dict[str, list[dict]] = defaultdict(list)
    coordinator, admin = users["coordinator"], users["admin"]
    client, contractor = users["client"], users["contractor"]
    durations = Durations()

    # --- organisations, areas ------------------------------------------------------------
    used_names: set[str] = set(taken_names)  # organisation names are unique per kind
    area_names = [a + b for a in AREA_PARTS[0] for b in AREA_PARTS[1]]
    rng.shuffle(area_names)
    associations = []  # (id, name, [(area id, area name)])
    for i in range(n["associations"]):
        base = ASSOCIATION_NAMES[i % len(ASSOCIATION_NAMES)]
        name = ASSOCIATION_FORMS[i % len(ASSOCIATION_FORMS)].format(base)
        while name in used_names:
            name = f"{name} {rng.choice(CITIES)[1]}"
        used_names.add(name)
        org_id = ids("organisations")
        rows["organisations"].append(
            dict(id=org_id, kind="association", name=name, cvr=None, active=True,
                 created_at=utc(date(2015, 1, 2)))
        )  # fmt: skip
        areas = []
        for _ in range(rng.randint(2, 6)):
            area = area_names.pop() if area_names else f"Område {ids('area_names')}"
            area_id = ids("housing_areas")
            rows["housing_areas"].append(dict(id=area_id, association_id=org_id, name=area))
            areas.append((area_id, area))
        associations.append((org_id, name, areas))
    companies = []  # (id, name)
    for i in range(n["companies"]):
        name = COMPANY_FORMS[i % len(COMPANY_FORMS)].format(rng.choice(LAST_NAMES))
        while name in used_names:
            name = COMPANY_FORMS[rng.randrange(len(COMPANY_FORMS))].format(
                rng.choice(LAST_NAMES) + "-" + rng.choice(LAST_NAMES)
            )
        used_names.add(name)
        org_id = ids("organisations")
        rows["organisations"].append(
            dict(id=org_id, kind="company", name=name, cvr=f"{rng.randint(10**7, 10**8 - 1)}",
                 active=True, created_at=utc(date(2015, 1, 2)))
        )  # fmt: skip
        companies.append((org_id, name))
    area_of = {a: org for org, _, areas in associations for a, _ in areas}
    all_areas = [(a, name) for _, _, areas in associations for a, name in areas]

    # --- projects ------------------------------------------------------------------------
    phase_mix = [("completed", 0.40), ("execution", 0.35), ("awarded", 0.10), ("tender", 0.15)]
    phases = [phase for phase, share in phase_mix for _ in range(round(share * n["projects"]))]
    phases = (phases + ["execution"] * n["projects"])[: n["projects"]]
    rng.shuffle(phases)
    projects = []  # SimpleNamespace per project
    for phase in phases:
        client_id, client_name, areas = rng.choice(associations)
        chosen = rng.sample(areas, k=min(len(areas), rng.choice((1, 1, 2))))
        form = rng.choice(PROJECT_FORMS)
        name = form.format(area=chosen[0][1], n=rng.randint(1, 4), m=rng.randint(5, 9))
        postcode, city = rng.choice(CITIES)
        address = f"{rng.choice(STREETS)} {rng.randint(1, 120)}, {postcode} {city}"
        if phase == "completed":
            start = between(rng, date(2016, 1, 1), today - timedelta(days=400))
            end = min(start + timedelta(days=rng.randint(300, 900)), today - timedelta(days=20))
        elif phase == "execution":
            start = between(rng, today - timedelta(days=900), today - timedelta(days=30))
            end = between(rng, today + timedelta(days=60), today + timedelta(days=720))
        elif phase == "awarded":
            start = between(rng, today + timedelta(days=20), today + timedelta(days=300))
            end = start + timedelta(days=rng.randint(300, 900))
        else:
            start = end = None
        pid = ids("projects")
        created = (start or today) - timedelta(days=rng.randint(120, 400))
        p = SimpleNamespace(
            id=pid, name=name, address=address, client_id=client_id, client_name=client_name,
            phase=phase, start=start, end=end, areas=chosen, companies=[], main=None,
            created=created,
        )  # fmt: skip
        projects.append(p)
        rows["projects"].append(
            dict(id=pid, name=name, address=address, search_text=project_search_text(name, address),
                 description="", client_id=client_id,
                 phase=phase, execution_start=start, execution_end=end,
                 created_at=utc(created), updated_at=utc(created), version=1)
        )  # fmt: skip
        for area_id, _ in chosen:
            rows["project_areas"].append(dict(project_id=pid, area_id=area_id))
        if phase != "tender":
            picked = rng.sample(companies, k=min(len(companies), rng.randint(2, 5)))
            p.main = picked[0]
            for k, (company_id, _) in enumerate(picked):
                p.companies.append(company_id)
                rows["project_companies"].append(
                    dict(id=ids("project_companies"), project_id=pid, company_id=company_id,
                         role="main" if k == 0 else "sub", joined_on=start)
                )  # fmt: skip

    # --- agreement versions: 1-3 per project, the last approved ---------------------------
    for p in projects:
        count = rng.randint(1, 3)
        apprentices, courses = rng.choice(((1, 4), (1, 6), (2, 8), (2, 10), (3, 12)))
        rule = rng.choice(("started", "started", "min_duration"))
        approve_last = p.phase != "tender" or rng.random() < 0.5
        day = p.created + timedelta(days=10)
        for number in range(1, count + 1):
            # Earlier drafts asked for less; the last version is the one in force.
            targets = (apprentices, courses) if number == count else (1, max(4, courses - 2))
            content, text = agreement(p, targets, rule)
            approved = number == count and approve_last
            rows["agreement_versions"].append(
                dict(id=ids("agreement_versions"), project_id=p.id, number=number,
                     content=content, text=text, note="" if number > 1 else "Første udkast",
                     apprenticeships_min=targets[0], courses_min=targets[1], count_rule=rule,
                     ladder=Durations.ladder_of(content["values"]),
                     author_id=coordinator, created_at=utc(day),
                     approved_at=utc(day + timedelta(days=5)) if approved else None,
                     approved_by_id=(client if rng.random() < 0.5 else admin)
                     if approved else None)
            )  # fmt: skip
            day += timedelta(days=rng.randint(3, 30))

    # --- meetings: a kickoff per awarded project, monthly series while budget lasts ------
    started = [p for p in projects if p.phase in ("execution", "completed")]
    budget = n["meetings"]
    for p in projects:
        if p.phase == "tender" or budget <= 0:
            continue
        kickoff_day = p.start - timedelta(days=rng.randint(7, 30))
        _meeting(
            rows,
            ids,
            p,
            "kickoff",
            utc(kickoff_day, 8),
            kickoff_day < today,
            None,
            rng,
            coordinator,
        )
        budget -= 1
    for p in sorted(started, key=lambda p: rng.random()):
        series = SimpleNamespace(
            weekday=1, week_of_month=1, start_time="08:30", first_date=p.start, last_date=p.end
        )
        starts = occurrences(series)
        if not starts or budget <= 0:
            continue
        starts = starts[:budget]
        series_id = ids("meeting_series")
        uid = f"bench-series-{series_id}@bygop"
        rows["meeting_series"].append(
            dict(id=series_id, project_id=p.id, weekday=1, week_of_month=1, start_time="08:30",
                 duration_minutes=60, place=f"Skurvognen, {p.address}", first_date=p.start,
                 last_date=p.end, uid=uid, sequence=0, created_at=utc(p.start))
        )  # fmt: skip
        for moment in starts:
            _meeting(rows, ids, p, "monthly", moment, moment.date() < today, series_id, rng,
                     coordinator, uid=f"{uid}-{moment:%Y%m%d}")  # fmt: skip
        budget -= len(starts)

    # --- openings ------------------------------------------------------------------------
    open_openings: dict[int, list[dict]] = defaultdict(list)
    for p in projects:
        if p.phase == "tender":
            continue
        for _ in range(rng.randint(2, 8) if p.phase != "awarded" else rng.randint(1, 3)):
            expected = between(rng, p.start, min(p.end, today + timedelta(days=120)))
            status = "open"
            if expected < today:
                status = rng.choices(("matched", "withdrawn", "open"), (55, 20, 25))[0]
            row = dict(
                id=ids("openings"), project_id=p.id, company_id=rng.choice(p.companies),
                function=rng.choice(FUNCTIONS), trade="", expected_start=expected,
                rung=rng.choice(RUNGS[:3]), note="", status=status, reported_by_id=contractor,
                created_at=utc(expected - timedelta(days=30)),
                updated_at=utc(expected - timedelta(days=30)),
            )  # fmt: skip
            rows["openings"].append(row)
            if status == "open" and expected < today:
                open_openings[p.id].append(row)

    # --- candidates ----------------------------------------------------------------------
    candidates = []  # (id, eligible)
    for _ in range(n["candidates"]):
        cid = ids("candidates")
        area = rng.choice(all_areas) if rng.random() < 0.9 else None
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        postcode, city = rng.choice(CITIES)
        rows["candidates"].append(
            dict(id=cid, first_name=first, last_name=last,
                 phone=f"{rng.randint(20, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                       f"{rng.randint(10, 99)}",
                 email=f"{first}.{last}{cid}@example.dk".lower() if rng.random() < 0.6 else "",
                 address=f"{rng.choice(STREETS)} {rng.randint(1, 120)}, {postcode} {city}",
                 association_id=area_of[area[0]] if area else None,
                 area_id=area[0] if area else None, referral_source=rng.choice(REFERRALS),
                 referral_contact="", trades=rng.choice(TRADES),
                 certificates=rng.choice(CERTIFICATES),
                 driving_licence=rng.choice(("", "", "B", "B, C")),
                 languages=rng.choice(LANGUAGES), wishes="", availability="Fuld tid",
                 created_by_id=coordinator, anonymised_at=None, version=1)
        )  # fmt: skip
        row = rows["candidates"][-1]  # as candidates.service.save() sets it
        row["search_text"] = search_text(
            area[1] if area else None, first, last, row["trades"], row["certificates"],
            row["languages"], row["driving_licence"],
        )  # fmt: skip
        candidates.append((cid, area is not None))
    by_id = {row["id"]: row for row in rows["candidates"]}

    # --- placements: journeys up the ladder, no overlaps, carried-over quota -------------
    windows = sorted(
        ((p.start, p.end - timedelta(days=30), p) for p in started), key=lambda w: w[0]
    )
    earliest = windows[0][0] if windows else today

    running_on: dict[date, list] = {}  # by day: computed once, not per placement

    def active(day: date):
        if day not in running_on:
            running_on[day] = [p for first, last, p in windows if first <= day <= last]
        return running_on[day]

    eligible = [cid for cid, ok in candidates if ok]
    rng.shuffle(eligible)
    to_place = eligible[: max(1, round(len(eligible) * 0.9))] if windows else []
    spare = eligible[len(to_place) :]
    remaining = n["placements"]
    queue = deque(to_place)  # popleft: a list's pop(0) is quadratic at scale 10
    resume: dict[int, date | None] = {}  # where a candidate's timeline stopped; None = full
    first_contact: dict[int, date] = {}
    passes = 0
    while remaining > 0 and passes < 6:
        if not queue:  # not enough room in time: let the candidates with room take more
            passes += 1
            if spare:
                to_place.append(spare.pop())
            queue = deque(c for c in to_place if resume.get(c, today) is not None)
            if not queue:
                break
        cid = queue.popleft()
        left = len(queue) + 1
        quota = max(1, remaining // left + rng.randint(-2, 2)) if left > 1 else remaining
        quota = min(quota, remaining)
        latest_start = max(earliest, today - timedelta(days=quota * 110))
        day = resume.get(cid) or between(rng, earliest, latest_start)
        made = 0
        stop = False
        while made < quota and not stop:
            if day > today - timedelta(days=7):  # no room left before today
                stop = True
                break
            projects_now = active(day)
            if not projects_now:
                day += timedelta(days=30)
                if day > today - timedelta(days=14):
                    break
                continue
            p = rng.choice(projects_now)
            company = rng.choice(p.companies)
            for k in range(rng.randint(1, 3)):  # conversations before the match
                held = day - timedelta(days=rng.randint(1, 40) + 14 * k)
                first_contact[cid] = min(first_contact.get(cid, held), held)
                rows["conversations"].append(
                    dict(id=ids("conversations"), candidate_id=cid, held_on=held,
                         kind="pre_match", notes=rng.choice(PRE_MATCH_NOTES), placement_id=None,
                         created_by_id=coordinator, created_at=utc(held, 14))
                )  # fmt: skip
            step = 0 if rng.random() < 0.75 else 1
            previous = None
            opening = open_openings[p.id].pop() if open_openings[p.id] else None
            if opening is not None and rng.random() < 0.5:
                opening["status"] = "matched"
            else:
                opening = None
            while True:
                rung = RUNGS[step]
                start = day
                if start > today:
                    stop = True
                    break
                planned = durations.planned_end(rung, start)
                length = (planned - start).days + 1 if planned else rng.randint(730, 1460)
                if rung == "ordinary":
                    length += rng.randint(0, 150)
                climbs = step < 3 and made + 1 < quota and rng.random() < 0.65
                outcome = "next_rung"
                if not climbs:
                    outcome = rng.choices(("completed", "ended_early", "other_work"), (35, 40, 25))[
                        0
                    ]
                    if outcome == "ended_early":
                        length = rng.randint(7, max(8, length - 1))
                end = start + timedelta(days=length - 1)
                running = end >= today
                placement_id = ids("placements")
                rows["placements"].append(
                    dict(id=placement_id, candidate_id=cid, project_id=p.id, company_id=company,
                         opening_id=opening["id"] if opening and previous is None else None,
                         previous_id=previous, rung=rung, start_date=start, planned_end=planned,
                         actual_end=None if running else end,
                         outcome=None if running else outcome,
                         outcome_reason="Stoppede før tid; aftalt ny samtale."
                         if outcome == "ended_early" and not running else "",
                         created_by_id=coordinator, created_at=utc(start),
                         updated_at=utc(min(end, today)), version=1,
                         retention_since=start)  # set from the conversations once inserted
                )  # fmt: skip
                made += 1
                helds = [
                    (between(rng, start, min(end, today)), rng.choice(("retention", "employer")))
                    for _ in range(rng.randint(0, 2))
                ]
                if running:  # followed up about every four weeks; some are overdue now
                    held = today - timedelta(
                        days=rng.randint(0, 27) if rng.random() < 0.85 else rng.randint(29, 120)
                    )
                    while held >= start and len(helds) < 8:
                        helds.append((held, "retention"))
                        held -= timedelta(days=rng.randint(21, 35))
                for held, kind in helds:  # conversations on the way
                    rows["conversations"].append(
                        dict(id=ids("conversations"), candidate_id=cid, held_on=held, kind=kind,
                             notes=rng.choice(RETENTION_NOTES), placement_id=placement_id,
                             created_by_id=coordinator, created_at=utc(held, 15))
                    )  # fmt: skip
                previous = placement_id
                day = end + timedelta(days=1)
                if running:
                    stop = True
                    break
                if not climbs:
                    break
                step += 1
            day += timedelta(days=rng.randint(30, 300))  # until the next try
        remaining -= made
        resume[cid] = None if stop or day > today - timedelta(days=14) else day

    # --- consents, and conversations for the candidates never placed ---------------------
    for cid, _ok in candidates:
        row = by_id[cid]
        if cid not in first_contact:
            held = between(rng, today - timedelta(days=900), today - timedelta(days=30))
            for k in range(rng.randint(0, 2)):
                rows["conversations"].append(
                    dict(id=ids("conversations"), candidate_id=cid,
                         held_on=held + timedelta(days=14 * k), kind="pre_match",
                         notes=rng.choice(PRE_MATCH_NOTES), placement_id=None,
                         created_by_id=coordinator, created_at=utc(held + timedelta(days=14 * k)))
                )  # fmt: skip
            first_contact[cid] = held
        registered = first_contact[cid] - timedelta(days=rng.randint(0, 20))
        row["created_at"] = row["updated_at"] = utc(registered)
        purposes = ["registration"] + [p for p in ("employers", "job_centre") if rng.random() < 0.6]
        for purpose in purposes:
            rows["candidate_consents"].append(
                dict(id=ids("candidate_consents"), candidate_id=cid, purpose=purpose,
                     given_on=registered, recorded_by_id=coordinator, withdrawn_on=None,
                     withdrawn_by_id=None)
            )  # fmt: skip
    rows["conversations"].sort(key=lambda row: row["id"])
    return {table: rows[table] for table in TABLE_ORDER if rows.get(table)}


def _meeting(rows, ids, p, kind, starts_at, held, series_id, rng, coordinator=None, uid=None):
    meeting_id = ids("meetings")
    main_name = p.main[1] if p.main else ""
    rows["meetings"].append(
        dict(id=meeting_id, project_id=p.id, kind=kind, series_id=series_id,
             original_start=starts_at if series_id else None, starts_at=starts_at,
             duration_minutes=60 if series_id else 90, place=f"Skurvognen, {p.address}",
             agenda="", minutes=MINUTES.format(company=main_name) if held else "",
             decisions="", cancelled=False, uid=uid or f"bench-meeting-{meeting_id}@bygop",
             sequence=0, created_at=starts_at - timedelta(days=20),
             updated_at=starts_at - timedelta(days=20), version=1)
    )  # fmt: skip
    for name, side, org in (
        ("Karen Koordinator", "coordinator", None),
        (f"Formand, {main_name}", "contractor", p.main[0] if p.main else None),
        (f"Projektleder, {p.client_name}", "client", p.client_id),
    ):
        rows["meeting_participants"].append(
            dict(id=ids("meeting_participants"), meeting_id=meeting_id, name=name, side=side,
                 organisation_id=org, email="", attended=True if held else None)
        )  # fmt: skip
    if held and rng.random() < 0.5:
        due = (starts_at + timedelta(days=30)).date()
        rows["action_items"].append(
            dict(id=ids("action_items"), project_id=p.id, meeting_id=meeting_id,
                 text="Afklare næste praktikplads", owner=main_name, due_on=due,
                 done_at=starts_at + timedelta(days=28) if rng.random() < 0.8 else None,
                 done_in_meeting_id=None, created_by_id=coordinator,
                 created_at=starts_at)
        )  # fmt: skip
    return meeting_id


TABLE_ORDER = (
    "organisations", "housing_areas", "projects", "project_areas", "project_companies",
    "agreement_versions", "meeting_series", "meetings", "meeting_participants", "action_items",
    "openings", "candidates", "candidate_consents", "placements", "conversations",
)  # fmt: skip


class AgreementCache:
    """Renders the default draft once per shape (targets, rule, areas, dates, contractor) with
    stand-in names; each project's version gets that JSON with its own names put in."""

    def __init__(self):
        from app.agreements import service
        from app.agreements.document import default_draft, render

        self.service, self.default_draft, self.render = service, default_draft, render
        self.library = service.library()
        self.shapes: dict[tuple, tuple[str, dict]] = {}
        self.renders = 0

    def _shape(self, key: tuple) -> tuple[str, dict]:
        if key not in self.shapes:
            apprentices, courses, rule, areas, dated, has_main = key
            draft = self.default_draft(
                self.library,
                **{**STAND_IN, "main_contractor_name": STAND_IN["main_contractor_name"]
                   if has_main else ""},
                housing_areas=list(STAND_IN_AREAS[:areas]),
                execution_start=STAND_IN_START if dated else None,
                execution_end=STAND_IN_END if dated else None,
                apprenticeships_min=apprentices, courses_min=courses, count_rule=rule,
                coordinator_contact=CONTACT,
            )  # fmt: skip
            document = self.service.document_to_data(self.render(self.library, draft))
            self.renders += 1
            self.shapes[key] = (json.dumps(document, ensure_ascii=False), draft.to_dict())
        return self.shapes[key]

    def __call__(self, p, targets: tuple[int, int], rule: str) -> tuple[dict, str]:
        from app.agreements.danish import format_date
        from app.agreements.document_model import to_text

        key = (*targets, rule, len(p.areas), p.start is not None, p.main is not None)
        document_json, draft = self._shape(key)
        real = {
            "project_name": p.name,
            "project_address": p.address,
            "client_name": p.client_name,
            "main_contractor_name": p.main[1] if p.main else "",
        }
        pairs = [(STAND_IN[k], real[k]) for k in STAND_IN]
        pairs += [(s, name) for s, (_, name) in zip(STAND_IN_AREAS, p.areas, strict=False)]
        if p.start:
            pairs += [(format_date(STAND_IN_START), format_date(p.start)),
                      (format_date(STAND_IN_END), format_date(p.end))]  # fmt: skip
        for stand_in, value in pairs:
            document_json = document_json.replace(
                stand_in, json.dumps(value, ensure_ascii=False)[1:-1]
            )
        if "QQ" in document_json or "1901" in document_json or "1902" in document_json:
            raise RuntimeError(f"a stand-in was left in the agreement of project {p.id}")
        document = json.loads(document_json)
        values = dict(draft["values"])
        values.update(real, housing_areas=[name for _, name in p.areas])
        values["execution_start"] = p.start.isoformat() if p.start else None
        values["execution_end"] = p.end.isoformat() if p.end else None
        content = {"values": values, "clauses": draft["clauses"], "document": document}
        return content, to_text(self.service.document_from_data(document))


def seed(scale: float, seed_value: int = 2026, echo=print) -> tuple[dict, dict]:
    """Inside an app context on an empty, migrated database: the demo data, then the bulk
    data. Returns the rows added in bulk and the rows in all, by table."""
    from sqlalchemy import func, select, text
    from sqlalchemy.schema import AddConstraint, DropConstraint

    from app.agreements import pending
    from app.bulk import insert_rows
    from app.demo import load_demo
    from app.extensions import db
    from app.models import Organisation, User
    from app.placements import progress_cache, retention

    started = time.perf_counter()
    load_demo()
    users = {role: uid for uid, role in db.session.execute(select(User.id, User.role))}
    metadata = db.metadata
    start_ids = {}
    for table in TABLE_ORDER:
        if "id" in metadata.tables[table].c:
            start_ids[table] = db.session.scalar(
                select(func.coalesce(func.max(metadata.tables[table].c.id), 0))
            )
    cache = AgreementCache()
    rows = generate(
        scale, users=users, start_ids=start_ids, today=date.today(), agreement=cache,
        seed=seed_value, taken_names=frozenset(db.session.scalars(select(Organisation.name))),
    )  # fmt: skip
    generated = time.perf_counter()
    echo(
        f"generated in {generated - started:.1f} s "
        f"(demo data included; {cache.renders} agreement renders)"
    )
    added = {table: len(rows.get(table, ())) for table in TABLE_ORDER}
    placed = {row["project_id"] for row in rows.get("placements", ())}
    connection = db.session.connection()
    # The big tables' plain indexes are built once after the rows are in, not kept row by row
    # (on PostgreSQL the candidates' trigram GIN index above all; on SQLite the placements'
    # and conversations' indexes, whose B-trees random inserts scatter). Unique indexes, NOT
    # NULL and CHECK constraints stay, so those are checked row by row as they come.
    dialect = connection.dialect.name
    deferred = _plain_indexes(metadata, rows, dialect)
    # On PostgreSQL a foreign key is checked by a trigger per row (a query each, 40-70 us a
    # row here); dropped and added again after, it checks every row in one join, as
    # PostgreSQL's "Populating a Database" advises.
    foreign_keys = _foreign_keys(metadata, rows, dialect)
    for constraint in foreign_keys:
        connection.execute(DropConstraint(constraint))
    for index in deferred:
        connection.execute(text(f"DROP INDEX {index.name}"))
    for table, table_rows in rows.items():
        # COPY on PostgreSQL, executemany elsewhere (app/bulk.py); no ORM objects.
        for offset in range(0, len(table_rows), CHUNK):
            insert_rows(connection, metadata.tables[table], table_rows[offset : offset + CHUNK])
        table_rows.clear()  # what is written need not stay in memory
    if deferred and dialect == "postgresql":
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    rows_in = time.perf_counter()
    # The placements' own indexes come after their retention days are set (below), so that
    # the UPDATE of every placement keeps none of them; the conversations' come first, since
    # that UPDATE reads them.
    after_update = [index for index in deferred if index.table.name == "placements"]
    for index in deferred:
        if index not in after_update:
            index.create(connection)
    # The derived columns, as the services keep them on every write (README, "Derived
    # columns"): the search text is in the rows already; the retention days and the stamps of
    # the projects that got placements are set here.
    retention.refresh_all(db.session)
    for index in after_update:
        index.create(connection)
    for constraint in foreign_keys:
        connection.execute(AddConstraint(constraint))
    indexed = time.perf_counter()
    progress_cache.touch(db.session, placed)
    pending.refresh(connection)  # the latest version of each project, when not approved
    derived = time.perf_counter()
    if connection.dialect.name == "postgresql":  # explicit ids: move the sequences on
        for table in TABLE_ORDER:
            if "id" in metadata.tables[table].c:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    db.session.commit()
    if connection.dialect.name == "postgresql":
        # Fresh planner statistics, and the dead row versions the derived columns' UPDATEs
        # left behind cleared, with the visibility map set, as autovacuum would leave a real
        # database ("Populating a Database" in PostgreSQL's manual). Without it an index-only
        # probe of projects.client_id stepped over 63 dead entries on average (the project
        # list's association filter 4.5 ms instead of 0.5 ms at the national size).
        db.session.remove()
        with db.engine.connect() as autocommit:
            autocommit.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM (ANALYZE)"
            )
    else:
        db.session.execute(text("ANALYZE"))  # fresh planner statistics, as after an import
        db.session.commit()
    echo(
        f"inserted in {time.perf_counter() - generated:.1f} s (rows {rows_in - generated:.1f} s; "
        f"{len(deferred)} indexes, {len(foreign_keys)} foreign keys and the retention days "
        f"{indexed - rows_in:.1f} s; the other derived columns {derived - indexed:.1f} s; "
        f"VACUUM or ANALYZE and the rest {time.perf_counter() - derived:.1f} s)"
    )
    totals = {
        table: db.session.scalar(select(func.count()).select_from(metadata.tables[table]))
        for table in TABLE_ORDER
    }
    return added, totals


def _plain_indexes(metadata, rows: dict, dialect: str) -> list:
    """The non-unique indexes of the tables getting at least BIG rows (those made on this
    database: see `app.extensions.only_on`)."""
    return [
        index
        for table, table_rows in rows.items()
        if len(table_rows) >= BIG
        for index in sorted(metadata.tables[table].indexes, key=lambda index: index.name)
        if not index.unique and index.info.get("only_on") in (None, dialect)
    ]


def _foreign_keys(metadata, rows: dict, dialect: str) -> list:
    """On PostgreSQL, the foreign keys of the tables getting at least BIG rows; elsewhere none
    (SQLite checks them without a query per row)."""
    if dialect != "postgresql":
        return []
    big = {table for table, table_rows in rows.items() if len(table_rows) >= BIG}
    return [
        constraint
        for table in TABLE_ORDER
        for constraint in sorted(
            metadata.tables[table].foreign_key_constraints, key=lambda fk: fk.name
        )
        if table in big
    ]


BIG = 10_000  # rows: below this, keeping the indexes during COPY costs little


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", type=Path, help="an SQLite file to create (must not exist)")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 500 projects, ...")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not 0 < args.scale <= 10:
        parser.error("--scale must be in (0, 10]")
    if args.database:
        if args.database.exists():
            parser.error(f"{args.database} exists; give a new file")
        os.environ["DATABASE_URL"] = f"sqlite:///{args.database.resolve()}"
    elif not os.environ.get("DATABASE_URL"):
        parser.error("give --database or set DATABASE_URL")

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    started = time.perf_counter()
    app = create_app({"SECRET_KEY": os.environ.get("SECRET_KEY") or "seed-only"})
    with app.app_context():
        upgrade()
        added, totals = seed(args.scale, args.seed)
        db.session.remove()
        db.engine.dispose()
    print(f"scale {args.scale}: {time.perf_counter() - started:.1f} s in all (with migrations)")
    print(f"  {'table':<22} {'added':>8} {'in all':>8}")
    for table, count in totals.items():
        print(f"  {table:<22} {added[table]:>8} {count:>8}")


if __name__ == "__main__":
    main()
