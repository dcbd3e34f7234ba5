"""Demo data: a few housing associations in Aarhus, projects in every phase, one user per role.

The associations, companies and people are fictional; the housing areas are real places.
"""

from datetime import date

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
            name=name,
            address=address,
            client=orgs[client],
            phase=phase,
            execution_start=start,
            execution_end=end,
            areas=[areas[a] for a in area_names],
        )
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

    users = {}
    for email, name, role, org_name in DEMO_USERS:
        user = User(email=email, name=name, role=role, organisation=orgs.get(org_name))
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        users[role] = user
    db.session.commit()
    _demo_agreements(users, gellerup, toveshoj, skovgaard)
    _demo_kickoffs(users, gellerup, bispehaven, orgs)


def _demo_agreements(users, gellerup, toveshoj, skovgaard) -> None:
    """The handbook's example agreement (2 apprenticeships, 8 courses), approved; a second
    project with a draft waiting for approval; a finished project's agreement."""
    from app.agreements import service

    coordinator, client = users["coordinator"], users["client"]
    contact = "Karen Koordinator, tlf. 87 00 00 00"

    draft = service.draft_for_editing(gellerup)
    draft.values.update(coordinator_contact=contact)
    service.save_version(gellerup, draft, coordinator, 0, "Første udkast fra klausulbiblioteket")
    draft.values.update(count_rule="min_duration")
    v2 = service.save_version(
        gellerup, draft, coordinator, 1, "Et trin tæller efter mindstevarighed"
    )
    service.approve(v2, client)

    draft = service.draft_for_editing(toveshoj)
    draft.values.update(apprenticeships_min=1, courses_min=4, coordinator_contact=contact)
    service.save_version(toveshoj, draft, coordinator, 0, "Udkast til udbuddet")

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
