"""Factories for test data: small functions that create and commit one object each."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from functools import lru_cache

from werkzeug.security import generate_password_hash

from app.agreements.models import AgreementVersion
from app.candidates import service as candidates_service
from app.candidates.models import Candidate
from app.extensions import db
from app.models import (
    CompanyRole,
    HousingArea,
    Organisation,
    OrganisationKind,
    Phase,
    Project,
    ProjectCompany,
    Role,
    User,
    utcnow,
)
from app.placements import service as placement_service
from app.placements.models import Placement

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
        project = Project(
            name=name or f"Byggesag {next(_seq)}",
            client=client,
            phase=phase,
            areas=list(client.areas[:1]),
            **kw,
        )
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


# --- placements on the ladder, the way every write path makes them -----------------------------

TODAY = date.today()


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
        author_id=author.id,
        approved_at=utcnow(),
        approved_by_id=author.id,
    )
    db.session.add(version)
    db.session.commit()
    return version
