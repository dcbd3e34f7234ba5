"""Demo data: a few housing associations in Aarhus, projects in every phase, one user per role.

The associations, companies and people are fictional; the housing areas are real places.
"""

from datetime import date, timedelta

from app.extensions import db
from app.models import (
    CompanyRole,
    HousingArea,
    Organisation,
    OrganisationKind,
    Phase,
    Project,
    ProjectCompany,
    User,
)

DEMO_PASSWORD = "byg-op-demo-2026"

ASSOCIATIONS = {
    "Boligforeningen Vestbo": ["Gellerupparken", "Toveshøj"],
    "Aarhus Almene Boliger": ["Bispehaven", "Herredsvang", "Rosenhøj"],
    "Østbo Boligselskab": ["Skovgårdsparken", "Trigeparken"],
}
COMPANIES = [
    ("Nordbyg Entreprise A/S", "31415926"),
    ("Jysk Murer & Facade ApS", "27182818"),
    ("Aarhus El-Service ApS", "16180339"),
    ("Kystens VVS ApS", "14142135"),
    ("Kraftværk Totalentreprise A/S", "17320508"),
]
# email, name, role, organisation name
DEMO_USERS = [
    ("koordinator@bygop.demo", "Karen Koordinator", "coordinator", None),
    ("admin@bygop.demo", "Anders Admin", "admin", None),
    ("bygherre@vestbo.demo", "Birgitte Bygherre", "client", "Boligforeningen Vestbo"),
    ("entreprenor@nordbyg.demo", "Erik Entreprenør", "contractor", "Nordbyg Entreprise A/S"),
]


def load_demo() -> None:
    """Add the demo organisations, projects and users (expects an empty database)."""
    orgs: dict[str, Organisation] = {}
    areas: dict[str, HousingArea] = {}
    for name, area_names in ASSOCIATIONS.items():
        org = Organisation(kind=OrganisationKind.ASSOCIATION, name=name)
        for area_name in area_names:
            area = HousingArea(name=area_name)
            org.areas.append(area)
            areas[area_name] = area
        orgs[name] = org
        db.session.add(org)
    for name, cvr in COMPANIES:
        orgs[name] = Organisation(kind=OrganisationKind.COMPANY, name=name, cvr=cvr)
        db.session.add(orgs[name])

    def project(name, address, client, area_names, phase, start=None, end=None, main=None, subs=()):
        p = Project(
            client=orgs[client],
            phase=phase,
            execution_start=start,
            execution_end=end,
            areas=[areas[a] for a in area_names],
        )
        p.rename(name, address)
        if main:
            p.companies.append(ProjectCompany(company=orgs[main], role=CompanyRole.MAIN))
        for sub in subs:
            p.companies.append(ProjectCompany(company=orgs[sub], role=CompanyRole.SUB))
        db.session.add(p)
        return p

    gellerup = project(
        "Helhedsplan Gellerupparken, etape 2",
        "Gudrunsvej 10, 8220 Brabrand",
        "Boligforeningen Vestbo",
        ["Gellerupparken", "Toveshøj"],
        Phase.EXECUTION,
        date(2026, 3, 1),
        date(2028, 6, 30),
        main="Nordbyg Entreprise A/S",
        subs=["Jysk Murer & Facade ApS", "Aarhus El-Service ApS"],
    )
    toveshoj = project(
        "Renovering af Toveshøj, blok 4-7",
        "Edwin Rahrs Vej 40, 8220 Brabrand",
        "Boligforeningen Vestbo",
        ["Toveshøj"],
        Phase.TENDER,
    )
    bispehaven = project(
        "Ny boligblok i Bispehaven",
        "Bispehavevej 1, 8210 Aarhus V",
        "Aarhus Almene Boliger",
        ["Bispehaven"],
        Phase.AWARDED,
        date(2027, 2, 1),
        date(2028, 12, 31),
        main="Kraftværk Totalentreprise A/S",
        subs=["Kystens VVS ApS"],
    )
    skovgaard = project(
        "Facaderenovering Skovgårdsparken",
        "Hans Broges Gade 1, 8220 Brabrand",
        "Østbo Boligselskab",
        ["Skovgårdsparken"],
        Phase.COMPLETED,
        date(2024, 4, 1),
        date(2025, 10, 31),
        main="Nordbyg Entreprise A/S",
        subs=["Kystens VVS ApS"],
    )
    # Trades budgets for the target calculator (fictional figures).
    gellerup.trades_budget, gellerup.lbf_supported = 120_000_000, True
    toveshoj.trades_budget, toveshoj.lbf_supported = 65_000_000, True
    bispehaven.trades_budget = 48_000_000

    users = {}
    for email, name, role, org_name in DEMO_USERS:
        user = User(email=email, name=name, role=role, organisation=orgs.get(org_name))
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        users[role] = user
    db.session.commit()
    _demo_agreements(users, gellerup, toveshoj, skovgaard)
    _demo_kickoffs(users, gellerup, bispehaven, orgs)
    _demo_candidates(users, gellerup, skovgaard, orgs, areas)
    _demo_monthly(users, gellerup)


def _demo_agreements(users, gellerup, toveshoj, skovgaard) -> None:
    """The handbook's example agreement (2 apprenticeships, 8 courses), approved; a second
    project with a draft waiting for approval; a finished project's agreement."""
    from app.agreements import service

    coordinator, client = users["coordinator"], users["client"]
    contact = "Karen Koordinator, tlf. 87 00 00 00"

    draft = service.draft_for_editing(gellerup)
    draft.values.update(coordinator_contact=contact)
    service.save_version(gellerup, draft, coordinator, 0, "Første kladde fra klausulbiblioteket")
    draft.values.update(count_rule="min_duration")
    v2 = service.save_version(
        gellerup, draft, coordinator, 1, "Et trin tæller efter mindstevarighed"
    )
    service.approve(v2, client)

    draft = service.draft_for_editing(toveshoj)
    draft.values.update(apprenticeships_min=1, courses_min=4, coordinator_contact=contact)
    service.save_version(toveshoj, draft, coordinator, 0, "Kladde til udbuddet")

    draft = service.draft_for_editing(skovgaard)
    draft.values.update(apprenticeships_min=1, courses_min=6)
    old = service.save_version(skovgaard, draft, coordinator, 0, "")
    service.approve(old, users["admin"])


def _demo_kickoffs(users, gellerup, bispehaven, orgs) -> None:
    """A held kickoff with minutes and a contractor's question on the project in execution,
    openings the contractor reported, and a coming kickoff on the newly awarded project."""
    from datetime import datetime, timedelta

    from app.meetings import kickoff
    from app.meetings.calendar import COPENHAGEN
    from app.models import Rung
    from app.openings.models import JobFunction, Opening

    coordinator, contractor = users["coordinator"], users["contractor"]
    held = kickoff.plan(
        gellerup,
        datetime(2026, 2, 16, 9, 0, tzinfo=COPENHAGEN),
        90,
        "Skurvognen, Gudrunsvej 10",
        "",
        coordinator,
    )
    question = kickoff.ask(
        gellerup, "Kan en lærling gå på skole, mens byggeriet står på?", contractor
    )
    kickoff.answer(
        question,
        "Ja. Skoleperioderne aftales med skolen, og vi hjælper med at planlægge dem, "
        "så de passer med byggeriet.",
        coordinator,
    )
    for q in kickoff.questions(gellerup)[:4]:
        q.discussed = True
    held.minutes = (
        "Aftalen og stigen blev gennemgået. Nordbyg melder stillinger løbende på intranettet."
    )
    held.decisions = "Månedligt opfølgningsmøde første tirsdag i måneden kl. 8.30 i skurvognen."

    today = datetime.now(COPENHAGEN).date()
    db.session.add_all(
        [
            Opening(
                project_id=gellerup.id,
                company_id=orgs["Nordbyg Entreprise A/S"].id,
                function=JobFunction.SITE_LABOURER,
                trade="",
                expected_start=today + timedelta(days=14),
                rung=Rung.INTERNSHIP,
                note="Oprydning og materialehåndtering, 37 timer om ugen.",
                reported_by_id=contractor.id,
            ),
            Opening(
                project_id=gellerup.id,
                company_id=orgs["Jysk Murer & Facade ApS"].id,
                function=JobFunction.BRICKLAYER_HELPER,
                trade="Murer",
                expected_start=today + timedelta(days=35),
                rung=Rung.WAGE_SUBSIDY,
                note="",
                reported_by_id=contractor.id,
            ),
        ]
    )
    db.session.commit()

    start = datetime.combine(today + timedelta(days=10), datetime.min.time(), COPENHAGEN)
    kickoff.plan(
        bispehaven, start.replace(hour=10), 90, "Bispehavevej 1, mødelokalet", "", coordinator
    )


def _demo_candidates(users, gellerup, skovgaard, orgs, areas) -> None:
    """The handbook's two journeys (Mads and Ahmed, fictional), and enough other residents
    over the months for the progress charts to mean something."""
    from app.candidates import service as candidates
    from app.candidates.models import Candidate, Consent, SensitiveNote
    from app.models import Rung
    from app.placements import service
    from app.placements.models import Outcome

    coordinator = users["coordinator"]
    nordbyg = orgs["Nordbyg Entreprise A/S"].id
    murer = orgs["Jysk Murer & Facade ApS"].id
    el = orgs["Aarhus El-Service ApS"].id
    vvs = orgs["Kystens VVS ApS"].id

    def person(first, last, area, **fields):
        area = areas[area] if area else None
        candidate = Candidate(
            first_name=first,
            last_name=last,
            association=area.association if area else None,
            area=area,
            created_by_id=coordinator.id,
            **fields,
        )
        candidates.save(candidate)  # its search text
        db.session.flush()
        candidate.consents.append(
            Consent(
                purpose="registration", given_on=date(2026, 1, 5), recorded_by_id=coordinator.id
            )
        )
        return candidate

    def talk(candidate, day, kind="pre_match", notes=""):
        # Through the service: a retention conversation moves the placements' retention day.
        service.record_conversation(candidate, day, kind, notes, coordinator)
        db.session.flush()

    def climb(candidate, project, company, steps, last_end=None, outcome=None, reason=""):
        """Place the candidate on each (rung, start) in turn; each rung ends the day before the
        next starts; the last one ends on `last_end` with `outcome`, or keeps running."""
        placements = []
        for (rung, start), following in zip(steps, [*steps[1:], None], strict=True):
            placement = service.create(candidate, project, company, rung, start, None, coordinator)
            db.session.flush()
            if following is not None:
                service.end(placement, following[1] - timedelta(days=1), Outcome.NEXT_RUNG)
            elif last_end is not None:
                service.end(placement, last_end, outcome, reason)
            db.session.flush()
            placements.append(placement)
        return placements

    mads = person(
        "Mads",
        "Holm",
        "Gellerupparken",
        phone="20 11 22 33",
        referral_source="job_centre",
        referral_contact="Virksomhedskonsulent Lise Berg, Jobcenter Aarhus",
        trades="Lagerarbejde",
        driving_licence="B",
        languages="Dansk, engelsk",
        wishes="Vil gerne prøve byggeriet og på sigt i lære.",
        availability="Kan starte med det samme",
    )
    talk(mads, date(2026, 3, 9), notes="Første samtale; motiveret, kort ledighed.")
    talk(mads, date(2026, 3, 12), notes="Matchet med Nordbyg som pladsmand.")
    climb(
        mads,
        gellerup,
        nordbyg,
        [(Rung.WAGE_SUBSIDY, date(2026, 3, 16)), (Rung.ORDINARY, date(2026, 5, 16))],
        last_end=date(2026, 9, 15),
        outcome=Outcome.OTHER_WORK,
    )
    talk(mads, date(2026, 4, 10), "retention", "Går godt; mentortimer hver uge.")
    talk(mads, date(2026, 6, 20), "retention", "Trives i ordinær ansættelse.")

    ahmed = person(
        "Ahmed",
        "Yousef",
        "Toveshøj",
        phone="28 44 55 66",
        referral_source="housing_worker",
        referral_contact="Boligsocial medarbejder, Toveshøj",
        trades="Ufaglært, erfaring fra byggeplads",
        languages="Arabisk, lidt dansk",
        availability="Fuld tid",
    )
    for day in (date(2026, 3, 2), date(2026, 3, 16), date(2026, 3, 30)):
        talk(ahmed, day)
    climb(
        ahmed,
        gellerup,
        murer,
        [(Rung.WAGE_SUBSIDY, date(2026, 4, 6)), (Rung.ORDINARY, date(2026, 8, 6))],
    )
    talk(ahmed, date(2026, 5, 4), "retention", "Aftalt sprogstøtte på pladsen.")
    talk(ahmed, date(2026, 9, 1), "employer", "Formanden er tilfreds; fortsætter projektet ud.")
    db.session.add(
        SensitiveNote(
            candidate_id=ahmed.id,
            created_by_id=coordinator.id,
            text="Hjælp med boligstøtte, skat og a-kasse. Mange praktikker uden ansættelse.",
        )
    )

    sara = person(
        "Sara",
        "Nielsen",
        "Gellerupparken",
        referral_source="resident",
        trades="Maler (ufaglært)",
        certificates="Truck",
        driving_licence="B",
    )
    talk(sara, date(2026, 3, 20))
    climb(
        sara,
        gellerup,
        nordbyg,
        [
            (Rung.INTERNSHIP, date(2026, 4, 1)),
            (Rung.WAGE_SUBSIDY, date(2026, 5, 13)),
            (Rung.ORDINARY, date(2026, 8, 13)),
            (Rung.APPRENTICESHIP, date(2026, 11, 2)),
        ],
    )

    jonas = person(
        "Jonas",
        "Berg",
        "Toveshøj",
        referral_source="street_worker",
        trades="Pladsmand",
        certificates="Teleskoplæsser",
    )
    talk(jonas, date(2026, 6, 1))
    talk(jonas, date(2026, 6, 8))
    climb(
        jonas,
        gellerup,
        el,
        [(Rung.INTERNSHIP, date(2026, 6, 15)), (Rung.WAGE_SUBSIDY, date(2026, 7, 27))],
    )

    amina = person(
        "Amina",
        "Hassan",
        "Gellerupparken",
        referral_source="residents_board",
        trades="Rengøring",
        certificates="Rengøringskursus",
    )
    talk(amina, date(2026, 9, 1))
    climb(
        amina,
        gellerup,
        nordbyg,
        [(Rung.INTERNSHIP, date(2026, 9, 14))],
        last_end=date(2026, 10, 2),
        outcome=Outcome.ENDED_EARLY,
        reason="Helbredet tillod ikke arbejdet; aftalt ny samtale.",
    )

    peter = person(
        "Peter", "Lund", "Gellerupparken", referral_source="job_centre", trades="Murerarbejdsmand"
    )
    talk(peter, date(2026, 10, 19))
    climb(peter, gellerup, murer, [(Rung.INTERNSHIP, date(2026, 11, 2))])

    for first, last, area, start in (
        ("Kim", "Sørensen", "Skovgårdsparken", date(2024, 5, 6)),
        ("Lena", "Bak", "Skovgårdsparken", date(2024, 8, 19)),
    ):
        resident = person(first, last, area, referral_source="job_centre")
        talk(resident, start - timedelta(days=14))
        climb(
            resident,
            skovgaard,
            vvs,
            [(Rung.WAGE_SUBSIDY, start), (Rung.ORDINARY, start + timedelta(days=92))],
            last_end=date(2025, 10, 31),
            outcome=Outcome.COMPLETED,
        )

    person(
        "Ole",
        "Friis",
        None,
        referral_source="other",
        trades="Tømrer",
        wishes="Bor til leje privat; henvist af en ven.",
    )
    db.session.commit()


def _demo_monthly(users, gellerup) -> None:
    """The monthly rhythm on the project in execution: first Tuesday at 8.30; last month's
    meeting held, with minutes and an action item still open."""
    from datetime import datetime

    from app.meetings import monthly
    from app.meetings.calendar import COPENHAGEN
    from app.meetings.models import ActionItem, Meeting, MeetingKind, MeetingParticipant

    coordinator, contractor = users["coordinator"], users["contractor"]
    series = monthly.save_series(
        gellerup,
        None,
        weekday=1,
        week_of_month=1,
        start_time="08:30",
        duration_minutes=60,
        place="Skurvognen, Gudrunsvej 10",
        first_date=gellerup.execution_start,
        last_date=gellerup.execution_end,
    )
    # Last month's meeting, held: the latest one the meetings page lists as past (a meeting
    # stays the coming one for hours after it started).
    now = datetime.now(COPENHAGEN)
    past = [s for s in monthly.occurrences(series) if not monthly.is_coming(s, now)][-1:]
    for start in past:
        held = Meeting(
            project_id=gellerup.id,
            kind=MeetingKind.MONTHLY,
            series_id=series.id,
            starts_at=start,
            original_start=start,
            duration_minutes=60,
            place=series.place,
            uid=f"{series.uid}-{start:%Y%m%d}",
            minutes=(
                "Nordbyg har brug for en pladsmand mere i december. Jysk Murer overvejer en "
                "lærling fra foråret. Ahmed trives; formanden roser ham."
            ),
        )
        held.participants.extend(
            [
                MeetingParticipant(name=coordinator.name, side="coordinator", attended=True),
                MeetingParticipant(
                    name=contractor.name,
                    side="contractor",
                    organisation_id=contractor.organisation_id,
                    attended=True,
                ),
            ]
        )
        db.session.add(held)
        db.session.flush()
        db.session.add(
            ActionItem(
                project_id=gellerup.id,
                meeting_id=held.id,
                text="Afklare læreplads hos Jysk Murer til foråret",
                owner="Jysk Murer & Facade ApS",
                due_on=(start + timedelta(days=40)).date(),
                created_by_id=coordinator.id,
            )
        )
    for meeting in monthly.monthly_meetings(gellerup):
        if not meeting.participants:
            meeting.participants.append(
                MeetingParticipant(name=coordinator.name, side="coordinator")
            )
            meeting.participants.append(
                MeetingParticipant(
                    name=contractor.name,
                    side="contractor",
                    organisation_id=contractor.organisation_id,
                )
            )
    db.session.commit()
