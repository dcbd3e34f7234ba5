"""Everything the rows of an import file may name, loaded from the database in a few queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.candidates.models import REFERRAL_SOURCES, Candidate, Conversation, ConversationKind
from app.extensions import db
from app.imports.columns import FIRST_NAME, LAST_NAME, REFERRAL_NAMES
from app.imports.reader import SheetRow
from app.imports.report import Person
from app.models import Organisation, OrganisationKind, Project
from app.placements.models import Placement
from app.placements.rules import Period


@dataclass
class Lookup:
    """Everything a row may name, loaded in a few queries up front."""

    associations: dict[str, Organisation]
    companies: dict[str, Organisation]
    projects_by_id: dict[int, Project]
    projects_by_name: dict[str, list[Project]]
    # Existing candidates by folded first and last name: a row looks at its namesakes only.
    candidates: dict[tuple[str, str], list[Person]]
    referrals: dict[str, str]
    # The people met so far in the file, by folded first and last name.
    in_file: dict[tuple[str, str], list[Person]] = field(default_factory=dict)

    @classmethod
    def load(cls, rows: list[SheetRow]) -> Lookup:
        orgs = db.session.scalars(select(Organisation).options(selectinload(Organisation.areas)))
        associations, companies = {}, {}
        for org in orgs:
            target = associations if org.kind == OrganisationKind.ASSOCIATION else companies
            target[org.name.casefold()] = org
        projects = db.session.scalars(select(Project).options(selectinload(Project.companies)))
        by_id, by_name = {}, {}
        for project in projects:
            by_id[project.id] = project
            by_name.setdefault(project.name.strip().casefold(), []).append(project)
        return cls(
            associations=associations,
            companies=companies,
            projects_by_id=by_id,
            projects_by_name=by_name,
            candidates=people_by_name(existing_people(rows)),
            referrals=referral_names(),
        )

    def project(self, text: str) -> list[Project]:
        if text.isdigit() and int(text) in self.projects_by_id:
            return [self.projects_by_id[int(text)]]
        return self.projects_by_name.get(text.casefold(), [])


def people_by_name(people: list[Person]) -> dict[tuple[str, str], list[Person]]:
    named: dict[tuple[str, str], list[Person]] = {}
    for person in people:
        named.setdefault(person.folded_name, []).append(person)
    return named


def existing_people(rows: list[SheetRow]) -> list[Person]:
    """Existing candidates who share a first and last name with someone in the file, with their
    placements' periods and pre-match conversations."""
    names = {(r.get(FIRST_NAME).casefold(), r.get(LAST_NAME).casefold()) for r in rows}
    # Names are compared in Python: SQLite's lower() does not fold æ, ø and å.
    query = select(
        Candidate.id,
        Candidate.first_name,
        Candidate.last_name,
        Candidate.phone,
        Candidate.email,
        Candidate.association_id,
    ).where(Candidate.anonymised_at.is_(None))
    people = {
        row.id: Person(
            first_name=row.first_name,
            last_name=row.last_name,
            phone=row.phone,
            email=row.email,
            first_row=0,
            candidate_id=row.id,
            eligible=row.association_id is not None,
        )
        for row in db.session.execute(query)
        if (row.first_name.casefold(), row.last_name.casefold()) in names
    }
    if people:
        placements = select(
            Placement.candidate_id, Placement.id, Placement.start_date, Placement.actual_end
        ).where(Placement.candidate_id.in_(people))
        for candidate_id, *period in db.session.execute(placements):
            people[candidate_id].periods.append(Period(*period))
        conversations = select(Conversation.candidate_id, Conversation.held_on).where(
            Conversation.candidate_id.in_(people),
            Conversation.kind == ConversationKind.PRE_MATCH,
        )
        for candidate_id, held_on in db.session.execute(conversations):
            people[candidate_id].conversation_dates.append(held_on)
    return list(people.values())


def referral_names() -> dict[str, str]:
    """Referral sources by key, Danish word, English label and the label in the catalog."""
    names = dict(REFERRAL_NAMES)
    for key, label in REFERRAL_SOURCES.items():
        names[key] = key
        names[label.casefold()] = key
        with force_locale("da"):
            names[gettext(label).casefold()] = key
    return {name: key for name, key in names.items() if key in REFERRAL_SOURCES}
