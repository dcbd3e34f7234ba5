"""Factories for test data: small functions that create and commit one object each.

`make` (the fixture in tests/conftest.py) is a `Factories`: one method per model, each
making its object the way the app does, through the service function where there is one, so
that derived columns (a candidate's search text, a placement's retention day, a project's
progress stamp, the kickoff's standard questions) are right. Every argument has a sensible
default; pass only what the test is about. The module-level helpers below the class
(`add_candidate`, `add_placement`, `approve_agreement`, `TODAY`, `days_ago`) predate it and
stay for the tests that use them.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from werkzeug.security import generate_password_hash

from app import coefficient
from app.agreements import pending
from app.agreements import service as agreements
from app.agreements.document import ClauseChoice
from app.agreements.models import AgreementVersion, ClauseComment
from app.audit.models import AuditEvent
from app.candidates import service as candidates_service
from app.candidates.models import Candidate, Consent, Conversation, SensitiveNote
from app.clock import local_today
from app.enums import ConversationKind, JobFunction, MeetingKind, Outcome, Rung
from app.extensions import db
from app.meetings import kickoff, monthly
from app.meetings.calendar import COPENHAGEN
from app.meetings.models import (
    ActionItem,
    KickoffQuestion,
    Meeting,
    MeetingParticipant,
    MeetingSeries,
    MinutesFile,
)
from app.models import (
    CompanyRole,
    HousingArea,
    Organisation,
    OrganisationKind,
    Phase,
    Project,
    ProjectCompany,
    Role,
    TrainingCoefficient,
    User,
    utcnow,
)
from app.openings.models import Opening
from app.placements import service as placement_service
from app.placements.models import Placement
from app.placements.rules import Durations
from app.reports.models import ReportNarrative

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # Hashing is slow on purpose; compute the test password's hash once per run.
    return generate_password_hash(PASSWORD, method="scrypt")


class Factories:
    def association(self, name: str | None = None, areas=("Gellerupparken",)) -> Organisation:
        n = next(_seq)
        org = Organisation(kind=OrganisationKind.ASSOCIATION, name=name or f"Boligforening {n}")
        for area in areas:
            org.areas.append(HousingArea(name=area))
        db.session.add(org)
        db.session.commit()
        return org

    def company(self, name: str | None = None) -> Organisation:
        org = Organisation(
            kind=OrganisationKind.COMPANY, name=name or f"Entreprenør {next(_seq)} A/S"
        )
        db.session.add(org)
        db.session.commit()
        return org

    def user(self, role: Role | str = Role.COORDINATOR, organisation=None, **kw) -> User:
        n = next(_seq)
        role = Role(role)
        if organisation is None and role == Role.CLIENT:
            organisation = self.association()
        if organisation is None and role == Role.CONTRACTOR:
            organisation = self.company()
        user = User(
            email=kw.pop("email", f"user{n}@example.dk"),
            name=kw.pop("name", f"Bruger {n}"),
            role=role,
            organisation=organisation,
            password_hash=_password_hash(),
            **kw,
        )
        db.session.add(user)
        db.session.commit()
        return user

    def project(
        self,
        client: Organisation | None = None,
        name: str | None = None,
        phase: Phase = Phase.TENDER,
        main: Organisation | None = None,
        subs=(),
        **kw,
    ) -> Project:
        client = client or self.association()
        address = kw.pop("address", "")
        project = Project(client=client, phase=phase, areas=list(client.areas[:1]), **kw)
        project.rename(name or f"Byggesag {next(_seq)}", address)
        if phase in (Phase.EXECUTION, Phase.COMPLETED) and project.execution_start is None:
            project.execution_start = date(2026, 1, 1)
            project.execution_end = date(2027, 12, 31)
        if main is not None:
            project.companies.append(ProjectCompany(company=main, role=CompanyRole.MAIN))
        for sub in subs:
            project.companies.append(ProjectCompany(company=sub, role=CompanyRole.SUB))
        db.session.add(project)
        db.session.commit()
        return project

    def candidate(
        self,
        first: str = "Mads",
        last: str | None = None,
        association: Organisation | None = None,
        **kw,
    ):
        """A resident of the first area of `association` (a new association by default)."""
        association = association or self.association()
        person = Candidate(
            first_name=first,
            last_name=last or f"Holm{next(_seq)}",
            association=association,
            area=association.areas[0] if association.areas else None,
            **kw,
        )
        candidates_service.save(person)  # its search text, as every write path keeps it
        db.session.commit()
        return person

    # --- users, one per role -------------------------------------------------------------------

    def coordinator(self, **kw) -> User:
        return self.user(Role.COORDINATOR, **kw)

    def admin(self, **kw) -> User:
        return self.user(Role.ADMIN, **kw)

    def client_user(self, association: Organisation | None = None, **kw) -> User:
        """A client user of `association` (a new association by default)."""
        return self.user(Role.CLIENT, association, **kw)

    def contractor(self, company: Organisation | None = None, **kw) -> User:
        """A contractor user of `company` (a new company by default)."""
        return self.user(Role.CONTRACTOR, company, **kw)

    # --- candidates and what hangs off them ----------------------------------------------------

    def resident(
        self, first: str = "Mads", last: str = "Holm", area: str | None = "Gellerupparken", **kw
    ) -> Candidate:
        """A candidate living in `area`, of a new association with that one area; `area=None`:
        someone outside social housing (no association, not eligible)."""
        association = self.association(areas=[area]) if area else None
        person = Candidate(
            first_name=first,
            last_name=last,
            association=association,
            area=association.areas[0] if association else None,
            **kw,
        )
        candidates_service.save(person)
        db.session.commit()
        return person

    def conversation(
        self,
        candidate: Candidate,
        held_on: date | None = None,
        kind: ConversationKind | str = ConversationKind.PRE_MATCH,
        notes: str = "",
        user: User | None = None,
    ) -> Conversation:
        """A conversation logged as the candidate page logs it (a retention conversation moves
        the retention day of the candidate's placements)."""
        conversation = placement_service.record_conversation(
            candidate, held_on or TODAY - timedelta(days=30), kind, notes, user
        )
        db.session.commit()
        return conversation

    def consent(
        self,
        candidate: Candidate,
        purpose: str = "registration",
        given_on: date | None = None,
        user: User | None = None,
        withdrawn_on: date | None = None,
    ) -> Consent:
        consent = Consent(
            purpose=purpose,
            given_on=given_on or TODAY - timedelta(days=60),
            recorded_by_id=getattr(user, "id", None),
            withdrawn_on=withdrawn_on,
            withdrawn_by_id=getattr(user, "id", None) if withdrawn_on else None,
        )
        candidate.consents.append(consent)
        db.session.commit()
        return consent

    def sensitive_note(
        self, candidate: Candidate, text: str = "Helbred: ryg", user: User | None = None
    ) -> SensitiveNote:
        note = SensitiveNote(
            candidate_id=candidate.id, text=text, created_by_id=getattr(user, "id", None)
        )
        db.session.add(note)
        db.session.commit()
        return note

    # --- placements and openings ---------------------------------------------------------------

    def placement(
        self,
        candidate: Candidate | None = None,
        project: Project | None = None,
        company: Organisation | None = None,
        rung: Rung | str = Rung.INTERNSHIP,
        start: date | None = None,
        end: date | None = None,
        outcome: Outcome | str | None = None,
        **kw,
    ) -> Placement:
        """A placement as the placement form stores it, without its rules (`service.insert`:
        its retention day and its project's progress stamp kept). By default a new resident on
        a new project in execution, at its main contractor, started 30 days ago."""
        if project is None:
            project = self.project(phase=Phase.EXECUTION, main=self.company())
        company = company or project.main_contractor or self.company()
        candidate = candidate or self.candidate(association=project.client)
        placement = Placement(
            candidate_id=candidate.id,
            project_id=project.id,
            company_id=company.id,
            rung=Rung(rung),
            start_date=start or TODAY - timedelta(days=30),
            actual_end=end,
            outcome=Outcome(outcome) if outcome else None,
            **kw,
        )
        placement_service.insert([placement])
        db.session.commit()
        return placement

    def opening(
        self,
        project: Project,
        company: Organisation | None = None,
        reported_by: User | None = None,
        function: JobFunction | str = JobFunction.SITE_LABOURER,
        rung: Rung | str = Rung.INTERNSHIP,
        expected_start: date | None = None,
        **kw,
    ) -> Opening:
        """An opening reported for `company` (the project's main contractor by default)."""
        company = company or project.main_contractor or self.company()
        reported_by = reported_by or self.contractor(company)
        opening = Opening(
            project_id=project.id,
            company_id=company.id,
            function=JobFunction(function),
            expected_start=expected_start or TODAY + timedelta(days=30),
            rung=Rung(rung),
            reported_by_id=reported_by.id,
            **kw,
        )
        db.session.add(opening)
        db.session.commit()
        return opening

    # --- the agreement -------------------------------------------------------------------------

    def agreement(
        self,
        project: Project,
        author: User | None = None,
        *,
        approved_by: User | None = None,
        clauses: dict[str, bool | str] | None = None,
        note: str = "",
        **values,
    ) -> AgreementVersion:
        """The next version of the project's agreement, saved as the editor saves it: the
        project's current draft with `values` changed. `clauses` selects clauses by key: False
        leaves one out, True keeps it, a string overrides its wording. `approved_by`: approved
        by that user (the kickoff texts refreshed, as on the approve button); else a draft."""
        author = author or self.coordinator()
        draft = agreements.draft_for_editing(project)
        draft = replace(draft, values={**draft.values, **values})
        if clauses:
            unknown = set(clauses) - {c.key for c in draft.clauses}
            assert not unknown, f"no such clauses: {sorted(unknown)}"
            draft = replace(
                draft,
                clauses=[
                    _choose(choice, clauses[choice.key]) if choice.key in clauses else choice
                    for choice in draft.clauses
                ],
            )
        latest = agreements.latest_version(project)
        version = agreements.save_version(
            project, draft, author, latest.number if latest else 0, note
        )
        if approved_by is not None:
            agreements.approve(version, approved_by)
        return version

    def approved_agreement(
        self, project: Project, author: User | None = None, approver: User | None = None, **kw
    ) -> AgreementVersion:
        """The next version, approved (by the project's client user by default)."""
        approver = approver or self.client_user(project.client)
        return self.agreement(project, author, approved_by=approver, **kw)

    def clause_comment(
        self,
        version: AgreementVersion,
        author: User | None = None,
        body: str = "Kan vi formulere det kortere?",
        clause_key: str | None = None,
        answer_by: User | None = None,
        answer: str = "Ja, det ser vi på.",
    ) -> ClauseComment:
        """A comment thread on a clause of `version` (its first clause by default), as the
        version page starts one; with `answer_by`, answered once."""
        from app.agreements import comments

        author = author or self.coordinator()
        key = clause_key or comments.clause_keys(version)[0]
        thread = comments.add(db.session, version, key, author, body)
        db.session.flush()
        if answer_by is not None:
            comments.reply(db.session, thread, answer_by, answer)
        db.session.commit()
        return thread

    def working_copy(self, project: Project, user: User | None = None, **fields):
        """A drafter's kept working copy of the project's draft, as the editor's autosave
        posts it (`fields` are the editor's form fields, e.g. v_courses_min="12")."""
        from werkzeug.datastructures import MultiDict

        latest = agreements.latest_version(project)
        form = MultiDict({"base_number": str(latest.number if latest else 0), **fields})
        return agreements.keep_working_copy(project, user or self.coordinator(), form)

    # --- meetings ------------------------------------------------------------------------------

    def kickoff(
        self,
        project: Project,
        user: User | None = None,
        starts_at: datetime | None = None,
        duration: int = 90,
        place: str = "Byggepladsens skurby",
        agenda: str = "",
    ) -> Meeting:
        """The kickoff meeting, planned as the kickoff page plans it: with the standard
        questions answered from the agreement and the obvious participants. By default 20
        days from now at 9:00, Copenhagen time."""
        user = user or self.coordinator()
        starts_at = starts_at or at_copenhagen(TODAY + timedelta(days=20), time(9, 0))
        return kickoff.plan(project, starts_at, duration, place, agenda, user)

    def question(
        self,
        project: Project,
        text: str = "Hvem har sikkerhedskurset?",
        asked_by: User | None = None,
        answer: str | None = None,
        answered_by: User | None = None,
    ) -> KickoffQuestion:
        """A kickoff question a contractor asked (a new contractor by default); with `answer`,
        answered (by a new coordinator by default)."""
        asked_by = asked_by or self.contractor(project.main_contractor)
        question = kickoff.ask(project, text, asked_by)
        if answer is not None:
            kickoff.answer(question, answer, answered_by or self.coordinator())
        return question

    def meeting_series(
        self,
        project: Project,
        first_date: date | None = None,
        last_date: date | None = None,
        **fields,
    ) -> MeetingSeries:
        """The monthly meetings (first Tuesday at 8:30 for a year from today, by default), laid
        out as the meetings page lays them out."""
        first_date = first_date or TODAY
        series_fields = {
            "weekday": 1,
            "week_of_month": 1,
            "start_time": "08:30",
            "duration_minutes": 60,
            "place": "Skurvognen",
            **fields,
        }
        return monthly.save_series(
            project,
            monthly.series_for(project),
            first_date=first_date,
            last_date=last_date or first_date + timedelta(days=365),
            **series_fields,
        )

    def meeting(
        self,
        project: Project,
        kind: MeetingKind | str = MeetingKind.MONTHLY,
        starts_at: datetime | None = None,
        **kw,
    ) -> Meeting:
        """One meeting row on its own, for what a series cannot lay out (a series makes only
        coming meetings): one already held, or one at an exact moment. A monthly one carries
        its start as its original start, as a series' meetings do. By default 3 days from now.
        """
        starts_at = starts_at or utcnow() + timedelta(days=3)
        meeting = Meeting(project_id=project.id, kind=MeetingKind(kind), starts_at=starts_at, **kw)
        if meeting.kind == MeetingKind.MONTHLY and meeting.original_start is None:
            meeting.original_start = starts_at
        db.session.add(meeting)
        db.session.commit()
        return meeting

    def monthly_meeting(self, project: Project, **series_fields) -> Meeting:
        """The first coming monthly meeting (a series made if the project has none)."""
        if monthly.series_for(project) is None:
            self.meeting_series(project, **series_fields)
        return monthly.monthly_meetings(project)[0]

    def participant(
        self,
        meeting: Meeting,
        name: str | None = None,
        side: str = "other",
        organisation: Organisation | None = None,
        email: str = "",
    ) -> MeetingParticipant:
        person = MeetingParticipant(
            name=name or f"Deltager {next(_seq)}",
            side=side,
            organisation_id=organisation.id if organisation else None,
            email=email,
        )
        meeting.participants.append(person)
        db.session.commit()
        return person

    def action_item(
        self,
        meeting: Meeting,
        text: str = "Send listen over praktikpladser",
        owner: str = "",
        due_on: date | None = None,
        user: User | None = None,
    ) -> ActionItem:
        return monthly.add_item(meeting, text, owner, due_on, user or self.coordinator())

    def final_minutes(self, meeting: Meeting, user: User | None = None) -> list[MinutesFile]:
        """Mark the minutes final as the meeting page does: one frozen Word file per scope."""
        monthly.mark_final(meeting, user or self.coordinator())
        return list(meeting.minutes_files)

    # --- reports, settings and the audit log ---------------------------------------------------

    def narrative(
        self, project: Project, text: str = "Godt i gang.", user: User | None = None
    ) -> ReportNarrative:
        """The coordinator's words on the project's progress report."""
        narrative = ReportNarrative(
            project_id=project.id, text=text, updated_by_id=getattr(user, "id", None)
        )
        db.session.add(narrative)
        db.session.commit()
        return narrative

    def training_coefficient(
        self, per_million: str | float = "0.5", source: str = "Egen opgørelse", user=None
    ) -> TrainingCoefficient:
        """A coefficient put in force as the admin page does."""
        row = coefficient.set_coefficient(Decimal(str(per_million)), source, user or self.admin())
        db.session.commit()
        return row

    def mail_opt_out(self, user: User, kind: str = "approval", choice: str = "off"):
        """The user's choice for one kind of notification mail (the settings page): "off"
        or "daily" (no row: at once)."""
        from app.mail.models import MailOptOut

        row = MailOptOut(user_id=user.id, kind=kind, choice=choice)
        db.session.add(row)
        db.session.commit()
        return row

    def mail_digest_item(self, user: User, kind: str = "approval", subject: str = "Besked"):
        """A notification held for the user's daily summary."""
        from app.mail.models import MailDigestItem

        row = MailDigestItem(user_id=user.id, kind=kind, subject=subject, url="https://x.test/")
        db.session.add(row)
        db.session.commit()
        return row

    def audit_event(
        self,
        action: str = "view_candidate",
        candidate: Candidate | None = None,
        user: User | None = None,
        target: str = "",
        at: datetime | None = None,
    ) -> AuditEvent:
        event = AuditEvent(
            user_id=getattr(user, "id", None),
            action=action,
            candidate_id=getattr(candidate, "id", None),
            target=target,
        )
        if at is not None:
            event.at = at
        db.session.add(event)
        db.session.commit()
        return event


def _choose(choice: ClauseChoice, selection: bool | str) -> ClauseChoice:
    if isinstance(selection, str):
        return replace(choice, enabled=True, override=selection)
    return replace(choice, enabled=selection)


def at_copenhagen(day: date, clock: time) -> datetime:
    """The moment `clock` on `day` in Copenhagen, in UTC (as meetings store their start)."""
    return datetime.combine(day, clock, COPENHAGEN).astimezone(UTC)


# --- placements on the ladder, the way every write path makes them -----------------------------

TODAY = local_today()  # the app's day (Copenhagen), not the machine's


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def add_candidate(first: str, last: str, association=None) -> Candidate:
    candidate = Candidate(
        first_name=first,
        last_name=last,
        phone="12 34 56 78",
        association_id=association.id if association else None,
    )
    candidates_service.save(candidate)
    db.session.commit()
    return candidate


def add_placement(candidate, project, company, rung, start, end=None, outcome=None) -> Placement:
    placement = Placement(
        candidate_id=candidate.id,
        project_id=project.id,
        company_id=company.id,
        rung=rung,
        start_date=start,
        actual_end=end,
        outcome=outcome,
    )
    placement_service.insert([placement])  # with its retention day and its project's stamp
    db.session.commit()
    return placement


def approve_agreement(project, author, apprenticeships=2, courses=8, rule="started", **values):
    version = AgreementVersion(
        project_id=project.id,
        number=1,
        content={
            "values": {"apprenticeships_min": apprenticeships, "courses_min": courses, **values}
        },
        text="",
        apprenticeships_min=apprenticeships,
        courses_min=courses,
        count_rule=rule,
        ladder=Durations.ladder_of(values),
        author_id=author.id,
        approved_at=utcnow(),
        approved_by_id=author.id,
    )
    db.session.add(version)
    db.session.flush()
    pending.refresh(db.session, [project.id])  # a row written outside save_version()
    db.session.commit()
    return version
