"""A two-sided "world" for the access, canary and fuzz tests.

Association A and B each have a project, awarded to company A and company B; each project has
an approved agreement (and a later draft), a kickoff meeting with a question and a participant,
a monthly meeting series with minutes, an action item and a participant, an opening, a report
comment, and candidates with conversations, consents, sensitive notes and placements.

Every planted string names its side (`ZQA-...`, `ZQB-...`), so a response meant for side A that
holds `ZQB-` has leaked. Personal data beyond a name carries `-HEMMELIG-` and must never reach a
client or a contractor; candidates' names carry `-Fornavn`/`-Efternavn`, which clients never see
and contractors see only for their own company's placements. The canaries sit in a sensitive
note, a conversation note and an outcome reason.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import inspect, select, text

from app.agreements import comments as agreement_comments
from app.agreements import service as agreements
from app.auth.sessions import mark_signed_in
from app.candidates.models import Candidate, Consent, Conversation, SensitiveNote
from app.clock import local_today
from app.extensions import db
from app.mail.models import OutboxMessage
from app.meetings import kickoff, monthly
from app.meetings.calendar import COPENHAGEN
from app.meetings.models import MeetingParticipant
from app.models import Phase, Role, User
from app.openings.models import Opening
from app.placements import service as placement_service
from app.placements.models import Placement
from app.reports.models import ReportNarrative
from tests.factories import Factories

CANARY_SENSITIVE = "KANARIE-SENSITIV-7Q1"
CANARY_CONVERSATION = "KANARIE-SAMTALE-7Q2"
CANARY_OUTCOME = "KANARIE-UDFALD-7Q3"
CANARIES = (CANARY_SENSITIVE, CANARY_CONVERSATION, CANARY_OUTCOME)

SECRET_MARK = "-HEMMELIG-"
COMMENT_MARK = "-klausulkommentar"  # a comment on a clause: never shown to a contractor
NAME_MARKS = ("-fornavn", "-efternavn")
MISSING_ID = 999_999
MISSING_NUMBER = 999

TODAY = local_today()  # the app's day (Copenhagen), not the machine's


def other_side(side: str) -> str:
    return "B" if side == "A" else "A"


@dataclass
class Side:
    """One association's half of the world: ids per URL variable, and who may see which name."""

    key: str
    ids: dict[str, int] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    # Candidates by role in the world: "main" placed at the main contractor, "sub" placed at
    # the subcontractor, "free" not placed at all.
    names: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class World:
    coordinator: User
    admin: User
    sides: dict[str, Side]

    def user(self, identity: str) -> User | None:
        """The user behind an identity name (`coordinator`, `client_a`, ...); None: anonymous."""
        if identity == "anonymous":
            return None
        if identity in ("coordinator", "admin"):
            return getattr(self, identity)
        kind, side = identity.rsplit("_", 1)
        return self.sides[side.upper()].users[kind]

    def forbidden(self, identity: str) -> list[str]:
        """Lower-case strings that must never appear in any response this identity gets."""
        if identity in ("coordinator", "admin"):
            return []
        if identity == "anonymous":
            return ["zqa-", "zqb-", SECRET_MARK.lower(), *CANARY_LOWER]
        kind, side = identity.rsplit("_", 1)
        side = side.upper()
        tokens = [f"zq{other_side(side).lower()}-", SECRET_MARK.lower(), *CANARY_LOWER]
        if kind == "client":
            tokens += list(NAME_MARKS)  # clients see initials only
        else:  # a contractor sees only its own company's people by name, and no comments
            tokens.append(COMMENT_MARK)
            for role, (first, last) in self.sides[side].names.items():
                if role != "main":
                    tokens += [first.lower(), last.lower()]
        return tokens


CANARY_LOWER = tuple(c.lower() for c in CANARIES)


def _build_side(make: Factories, key: str, coordinator: User) -> Side:
    z = f"ZQ{key}"
    side = Side(key)
    assoc = make.association(f"{z}-Forening", areas=(f"{z}-Omraade",))
    main = make.company(f"{z}-Firma")
    sub = make.company(f"{z}-Underfirma")
    project = make.project(
        assoc,
        f"{z}-Projekt",
        Phase.EXECUTION,
        main=main,
        subs=[sub],
        address=f"{z}-Adresse",
        description=f"{z}-Beskrivelse",
        execution_start=TODAY - timedelta(days=300),
        execution_end=TODAY + timedelta(days=400),
        trades_budget=60_000_000,
        lbf_supported=True,
    )
    client_user = make.user(Role.CLIENT, assoc, name=f"{z}-Klientbruger")
    contractor = make.user(Role.CONTRACTOR, main, name=f"{z}-Entreprenoerbruger")
    spare = make.user(Role.CONTRACTOR, sub, name=f"{z}-Reservebruger")
    side.users = {"client": client_user, "contractor": contractor, "spare": spare}

    # The agreement: v1 approved, v2 a later draft.
    v1 = agreements.save_version(
        project, agreements.draft_for_editing(project), coordinator, 0, f"{z}-Note"
    )
    agreements.approve(v1, client_user)
    v2 = agreements.save_version(project, agreements.draft_for_editing(project), coordinator, 1)
    # A comment on a clause of the draft (the client's and the coordinator's, never a
    # contractor's to see).
    thread = agreement_comments.add(db.session, v2, "purpose", client_user, f"{z}{COMMENT_MARK}")
    db.session.commit()

    # The kickoff meeting, a question from the contractor and one more participant.
    starts = datetime.combine(TODAY + timedelta(days=20), time(9, 0), COPENHAGEN).astimezone(UTC)
    meeting = kickoff.plan(project, starts, 90, f"{z}-Sted", f"{z}-Dagsorden", coordinator)
    question = kickoff.ask(project, f"{z}-Sporgsmaal", contractor)
    person = MeetingParticipant(name=f"{z}-Kickoffdeltager", side="other")
    meeting.participants.append(person)
    meeting.minutes = f"{z}-Kickoffreferat"
    db.session.commit()

    # The monthly series: its first meeting gets minutes, an action item and a participant.
    monthly.save_series(
        project,
        None,
        weekday=1,
        week_of_month=1,
        start_time="08:30",
        duration_minutes=60,
        place=f"{z}-Skurvogn",
        first_date=TODAY,
        last_date=TODAY + timedelta(days=365),
    )
    first = monthly.monthly_meetings(project)[0]
    first.minutes = f"{z}-Referat"
    first.participants.append(
        MeetingParticipant(name=f"{z}-Maanedsdeltager", side="contractor", organisation_id=main.id)
    )
    db.session.commit()
    item = monthly.add_item(first, f"{z}-Handling", f"{z}-Ansvarlig", None, coordinator)

    opening = Opening(
        project_id=project.id,
        company_id=main.id,
        function="site_labourer",
        trade=f"{z}-Fag",
        expected_start=TODAY + timedelta(days=30),
        rung="internship",
        note=f"{z}-Opslag",
        reported_by_id=contractor.id,
    )
    db.session.add(opening)
    db.session.add(ReportNarrative(project_id=project.id, text=f"{z}-Kommentar"))

    # Candidates: one on the main contractor's ladder, one at the subcontractor, one waiting.
    candidates = {}
    for role, word in (("main", "Ali"), ("sub", "Bo"), ("free", "Cai")):
        first_name, last_name = f"{z}-Fornavn{word}", f"{z}-Efternavn{word}"
        side.names[role] = (first_name, last_name)
        candidate = Candidate(
            first_name=first_name,
            last_name=last_name,
            phone=f"{z}{SECRET_MARK}Tlf{word}",
            email=f"{z}{SECRET_MARK}mail{word}@example.dk",
            address=f"{z}{SECRET_MARK}Vej{word}",
            association_id=assoc.id,
            area_id=assoc.areas[0].id,
            trades=f"{z}{SECRET_MARK}Fag{word}",
            wishes=f"{z}{SECRET_MARK}Oenske{word}",
            referral_contact=f"{z}{SECRET_MARK}Henviser{word}",
            created_by_id=coordinator.id,
        )
        db.session.add(candidate)
        db.session.flush()
        candidate.conversations.append(
            Conversation(
                held_on=TODAY - timedelta(days=40),
                kind="pre_match",
                notes=f"{z}{SECRET_MARK}Samtale{word} {CANARY_CONVERSATION}",
            )
        )
        candidate.consents.append(
            Consent(purpose="registration", given_on=TODAY - timedelta(days=50))
        )
        db.session.add(
            SensitiveNote(
                candidate_id=candidate.id, text=f"{z}{SECRET_MARK}Helbred{word} {CANARY_SENSITIVE}"
            )
        )
        candidates[role] = candidate
    db.session.flush()
    ended = Placement(
        candidate_id=candidates["main"].id,
        project_id=project.id,
        company_id=main.id,
        rung="internship",
        start_date=TODAY - timedelta(days=100),
        actual_end=TODAY - timedelta(days=70),
        outcome="next_rung",
        outcome_reason=f"{z}{SECRET_MARK}Udfald {CANARY_OUTCOME}",
        created_by_id=coordinator.id,
    )
    running = Placement(
        candidate_id=candidates["main"].id,
        project_id=project.id,
        company_id=main.id,
        rung="wage_subsidy",
        start_date=TODAY - timedelta(days=69),
        created_by_id=coordinator.id,
        training=True,
        training_scheme="amu",
        hours_per_week=30,
    )
    at_sub = Placement(
        candidate_id=candidates["sub"].id,
        project_id=project.id,
        company_id=sub.id,
        rung="apprenticeship",
        start_date=TODAY - timedelta(days=20),
        outcome_reason="",
        created_by_id=coordinator.id,
    )
    placement_service.insert([ended, running, at_sub])
    db.session.commit()

    side.ids = {
        "project_id": project.id,
        "number": 1,  # the approved version: every role in scope may read it
        "opening_id": opening.id,
        "participant_id": person.id,
        "question_id": question.id,
        "meeting_id": first.id,
        "item_id": item.id,
        "candidate_id": candidates["main"].id,
        "consent_id": candidates["main"].consents[0].id,
        "placement_id": running.id,
        "org_id": assoc.id,
        "user_id": spare.id,
        "comment_id": thread.id,
        # The approval mail to the side's client user (the outbox: admins only).
        "message_id": db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.recipient == client_user.email).limit(1)
        ),
    }
    return side


def build_world() -> World:
    """Build the world in the current app context (empty tables expected)."""
    make = Factories()
    coordinator = make.user(Role.COORDINATOR, name="ZQ-Koordinator")
    admin = make.user(Role.ADMIN, name="ZQ-Administrator")
    sides = {key: _build_side(make, key, coordinator) for key in ("A", "B")}
    return World(coordinator, admin, sides)


def wipe() -> None:
    """Empty every table (as the conftest does after each test), to build the world again."""
    db.session.remove()
    existing = set(inspect(db.engine).get_table_names())
    tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name in existing]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


# --- who asks -------------------------------------------------------------------------------

SKIP_ENDPOINTS = {"static"}


@dataclass(frozen=True)
class Identity:
    name: str
    role: Role | None
    own: str  # the side whose objects are "own"
    other: str | None  # the side whose objects are "another's" (None: staff see everything)


IDENTITIES = (
    Identity("anonymous", None, "A", None),
    Identity("coordinator", Role.COORDINATOR, "A", None),
    Identity("admin", Role.ADMIN, "B", None),  # staff: B is as much "own" as A
    Identity("client_a", Role.CLIENT, "A", "B"),
    Identity("client_b", Role.CLIENT, "B", "A"),
    Identity("contractor_a", Role.CONTRACTOR, "A", "B"),
    Identity("contractor_b", Role.CONTRACTOR, "B", "A"),
)


# --- requests ---------------------------------------------------------------------------------


def sign_in(client, user: User | None) -> None:
    """Put `user` (with its current session version) in the client's session; forget flashes."""
    with client.session_transaction() as session:
        session.pop("_flashes", None)
        if user is None:
            session.pop("_user_id", None)
            return
        version = db.session.scalar(select(User.session_version).where(User.id == user.id))
        session["_user_id"] = f"{user.id}:{version}"
        session["_fresh"] = True
        mark_signed_in(session)  # signed in, seen and password entered: now


VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def variables(rule) -> list[str]:
    """The rule's URL variables in the order they appear."""
    return VARIABLE.findall(rule.rule)


def build_url(rule, values: dict) -> str:
    return VARIABLE.sub(lambda m: str(values[m.group(1)]), rule.rule)


def response_text(response) -> str:
    """The body as text; for .docx/.xlsx every XML part of the zip, joined."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
                if name.endswith((".xml", ".rels"))
            )
    return data.decode("utf-8", "replace")
