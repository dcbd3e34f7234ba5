"""GDPR for candidates: what is held about a person (export), erasure, and the retention rule.

No Flask here beyond the database session and the audit log, so the views and the CLI share
every rule. Labels come through a `translate` callable (the views pass gettext under Danish).

What erasure keeps, and why:

- The candidate row stays, named "Anonymiseret", with `anonymised_at` set: placements point at
  it, and the projects count courses per (candidate, rung), so the counts stay right.
- Kept: the housing association (the eligibility the placements were made under), the referral
  source category (the referral-chain statistics), `created_at`, the staff user who registered.
- Removed: name, phone, email, address, the housing area (narrower than the association, so
  it identifies), the referral contact, trades, certificates, driving licence, languages,
  wishes and availability, and the search text made of them.
- Sensitive notes and consents are deleted.
- Conversations keep their date and kind (the pre-match rule and the retention reminders read
  them) but lose their notes.
- Placements stay as they are (project, company, rung, dates, outcome), except the free-text
  outcome reason, which is blanked: it may say why a person stopped (illness, for example).
- The audit log stays: it holds the candidate's id, never the data, and it is the proof of who
  looked at what.
- Free text elsewhere (meeting agendas, minutes and decisions, action items, the kickoff's
  questions and answers, opening notes, the report comment) loses every mention of the person:
  see app.gdpr.redact. The audit log records how many fields were redacted, never the values.

On SQLite the connections run with `secure_delete`, and `scrub_free_space` (after the commit)
checkpoints the WAL into the database and truncates it, so the erased values are in neither file.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask_login import AnonymousUserMixin
from sqlalchemy import Date, delete, func, literal, or_, select, update
from sqlalchemy.orm import aliased

from app.audit import log as audit
from app.audit.models import AuditEvent
from app.candidates.models import (
    CONSENT_PURPOSES,
    REFERRAL_SOURCES,
    Candidate,
    Consent,
    Conversation,
    ConversationKind,
    SensitiveNote,
)
from app.extensions import db
from app.gdpr import redact
from app.models import HousingArea, Organisation, Project, Role, Rung, User
from app.placements.models import Outcome, Placement

DEFAULT_RETENTION_MONTHS = 24
MAX_RETENTION_MONTHS = 1200  # a hundred years: beyond that the date arithmetic is nonsense
ANONYMISED_NAME = "Anonymiseret"
# The word typed on the erase page; a fixed word, so a slip of the mouse cannot erase anyone.
CONFIRM_WORD = "SLET"
_CHUNK = 500  # ids per IN (...) list

# The audit log's actions as the person reads them in the export (Danish document text).
ACTION_LABELS_DA = {
    "create_candidate": "Oprettet som kandidat",
    "view_candidate": "Oplysningerne blev vist",
    "update_candidate": "Oplysningerne blev rettet",
    "search_candidates": "Fundet ved en søgning",
    "add_conversation": "En samtale blev registreret",
    "add_consent": "Et samtykke blev registreret",
    "withdraw_consent": "Et samtykke blev trukket tilbage",
    "open_sensitive_notes": "De følsomme oplysninger blev åbnet",
    "add_sensitive_note": "En følsom oplysning blev registreret",
    "create_placement": "Et forløb blev oprettet",
    "next_rung": "Et forløb gik videre til næste trin",
    "end_placement": "Et forløb blev afsluttet",
    "import": "Oplysninger blev indlæst fra en fil",
    "gdpr_export": "Oplysningerne blev udskrevet (indsigt)",
    "gdpr_erase": "Oplysningerne blev slettet",
    "gdpr_redact": "Personen blev fjernet fra fritekst (referater, dagsordener m.m.)",
}

# Fields blanked on erasure (the name is replaced separately).
ERASED_FIELDS = (
    "phone",
    "email",
    "address",
    "referral_contact",
    "trades",
    "certificates",
    "driving_licence",
    "languages",
    "wishes",
    "availability",
)


def _same(text: str) -> str:
    return text


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite hands back UTC without its zone
    return value.isoformat()


def _label(labels: dict, code: str | None, translate: Callable[[str], str]) -> str | None:
    if code is None:
        return None
    text = labels.get(code)
    return translate(text) if text else code


# --- export ----------------------------------------------------------------------------------


# Supervisory authority named in every export (GDPR art. 15(1)(f), art. 77).
SUPERVISORY_AUTHORITY = "Datatilsynet (www.datatilsynet.dk)"


def article15_information(retention_months: int = DEFAULT_RETENTION_MONTHS) -> dict:
    """What art. 15 requires an access request to state besides the data itself, in Danish:
    purposes, legal basis, recipients, how long the data is kept, where it comes from, the
    person's rights and the right to complain to Datatilsynet."""
    return {
        "controller": "Byg Op",
        "purposes": [
            "At registrere dig og holde kontakt med dig om job og uddannelse i byggeriet.",
            "At finde et match mellem dig og en arbejdsgiver i en byggesag med en social "
            "partnerskabsaftale: praktik, løntilskud, ordinært job eller læreplads.",
            "At følge op på dine forløb og opgøre, om byggesagens måltal bliver nået.",
        ],
        "legal_basis": (
            "Dit samtykke for hvert formål, som det står under Samtykker "
            "(databeskyttelsesforordningen artikel 6, stk. 1, litra a). Følsomme oplysninger "
            "registreres kun med dit udtrykkelige samtykke (artikel 9, stk. 2, litra a). Du kan "
            "til enhver tid trække et samtykke tilbage; det ændrer ikke ved det, der er sket før."
        ),
        "recipients": [
            "Arbejdsgivere i en byggesag (hovedentreprenør eller underentreprenør) får dit navn, "
            "dine kontaktoplysninger og de kvalifikationer, et match kræver, når du foreslås til "
            "en plads, og kun hvis du har givet samtykke til det.",
            "Jobcentret, hvis du har givet samtykke til kontakt om praktik og løntilskud.",
            "Bygherren ser kun dine initialer og dine forløb i opgørelsen af måltallene.",
        ],
        "retention": (
            f"Oplysningerne slettes, når du har været uden aktivitet hos Byg Op i "
            f"{retention_months} måneder, eller når du beder om det. Dine forløb tælles derefter "
            "videre uden navn, så byggesagens opgørelse stadig passer."
        ),
        "source": "Oplysningerne kommer fra dig selv og fra den, der henviste dig til Byg Op.",
        "rights": [
            "Du kan få forkerte oplysninger rettet (artikel 16).",
            "Du kan få dine oplysninger slettet (artikel 17).",
            "Du kan bede om, at behandlingen begrænses (artikel 18).",
            "Du kan gøre indsigelse mod behandlingen (artikel 21).",
            "Du kan få de oplysninger, du selv har givet, udleveret i et almindeligt format "
            "(artikel 20).",
        ],
        "complaint": (
            f"Du kan klage over Byg Ops behandling af dine oplysninger til {SUPERVISORY_AUTHORITY}."
        ),
        "automated_decisions": "Byg Op træffer ingen automatiske afgørelser om dig.",
    }


def export_data(
    candidate: Candidate,
    translate: Callable[[str], str] = _same,
    now: datetime | None = None,
    retention_months: int = DEFAULT_RETENTION_MONTHS,
) -> dict:
    """Everything held about the candidate, as plain data for JSON and the Word document,
    with the information art. 15 requires besides the data (``information``).

    Staff appear by their role only; the lookup log has times and actions, no users."""
    now = now or datetime.now(UTC)
    roles = {role.value: translate(role.label) for role in Role}
    recorder, withdrawer = aliased(User), aliased(User)
    consents = db.session.execute(
        select(Consent, recorder.role, withdrawer.role)
        .outerjoin(recorder, recorder.id == Consent.recorded_by_id)
        .outerjoin(withdrawer, withdrawer.id == Consent.withdrawn_by_id)
        .where(Consent.candidate_id == candidate.id)
        .order_by(Consent.given_on, Consent.id)
    ).all()
    conversations = db.session.scalars(
        select(Conversation)
        .where(Conversation.candidate_id == candidate.id)
        .order_by(Conversation.held_on, Conversation.id)
    ).all()
    notes = db.session.scalars(
        select(SensitiveNote)
        .where(SensitiveNote.candidate_id == candidate.id)
        .order_by(SensitiveNote.created_at, SensitiveNote.id)
    ).all()
    placements = db.session.execute(
        select(Placement, Project.name, Organisation.name)
        .join(Project, Project.id == Placement.project_id)
        .join(Organisation, Organisation.id == Placement.company_id)
        .where(Placement.candidate_id == candidate.id)
        .order_by(Placement.start_date, Placement.id)
    ).all()
    lookups = db.session.execute(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.target)
        .where(AuditEvent.candidate_id == candidate.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    registered_by = db.session.scalar(select(User.role).where(User.id == candidate.created_by_id))
    return {
        "exported_at": _iso(now),
        "controller": "Byg Op",
        "information": article15_information(retention_months),
        "candidate": {
            "id": candidate.id,
            "first_name": candidate.first_name,
            "last_name": candidate.last_name,
            "phone": candidate.phone,
            "email": candidate.email,
            "address": candidate.address,
            "trades": candidate.trades,
            "certificates": candidate.certificates,
            "driving_licence": candidate.driving_licence,
            "languages": candidate.languages,
            "wishes": candidate.wishes,
            "availability": candidate.availability,
            "registered_at": _iso(candidate.created_at),
            "registered_by_role": roles.get(registered_by) if registered_by else None,
            "updated_at": _iso(candidate.updated_at),
        },
        "housing": {
            "association": candidate.association.name if candidate.association else None,
            "area": candidate.area.name if candidate.area else None,
            "eligible": candidate.eligible,
        },
        "referral": {
            "source": candidate.referral_source,
            "source_label": _label(REFERRAL_SOURCES, candidate.referral_source, translate),
            "contact": candidate.referral_contact,
        },
        "consents": [
            {
                "purpose": consent.purpose,
                "purpose_label": _label(CONSENT_PURPOSES, consent.purpose, translate),
                "given_on": _iso(consent.given_on),
                "recorded_by_role": roles.get(given_role) if given_role else None,
                "withdrawn_on": _iso(consent.withdrawn_on),
                "withdrawn_by_role": roles.get(taken_role) if taken_role else None,
            }
            for consent, given_role, taken_role in consents
        ],
        "conversations": [
            {
                "held_on": _iso(c.held_on),
                "kind": c.kind,
                "kind_label": _label(_conversation_labels(), c.kind, translate),
                "notes": c.notes,
                "recorded_at": _iso(c.created_at),
            }
            for c in conversations
        ],
        "sensitive_notes": [{"text": n.text, "recorded_at": _iso(n.created_at)} for n in notes],
        "placements": [
            {
                "project": project,
                "company": company,
                "rung": p.rung,
                "rung_label": _label(_rung_labels(), p.rung, translate),
                "start_date": _iso(p.start_date),
                "planned_end": _iso(p.planned_end),
                "actual_end": _iso(p.actual_end),
                "outcome": p.outcome,
                "outcome_label": _label(_outcome_labels(), p.outcome, translate),
                "outcome_reason": p.outcome_reason,
            }
            for p, project, company in placements
        ],
        "lookups": [
            {
                "at": _iso(at),
                "action": action,
                "label": ACTION_LABELS_DA.get(action, action),
                "target": target,
            }
            for at, action, target in lookups
        ],
    }


def _conversation_labels() -> dict[str, str]:
    return {kind.value: kind.label for kind in ConversationKind}


def _rung_labels() -> dict[str, str]:
    return {rung.value: rung.label for rung in Rung}


def _outcome_labels() -> dict[str, str]:
    return {outcome.value: outcome.label for outcome in Outcome}


# --- erasure ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureSummary:
    """What erasing one candidate removes and keeps, for the confirmation page."""

    conversations: int
    sensitive_notes: int
    consents: int
    placements: int
    running_placements: int


def erasure_summary(candidate: Candidate, today: date) -> ErasureSummary:
    """Count what erasure touches, in one query."""

    def count(model, *where):
        return (
            select(func.count())
            .select_from(model)
            .where(model.candidate_id == candidate.id, *where)
            .scalar_subquery()
        )

    row = db.session.execute(
        select(
            count(Conversation),
            count(SensitiveNote),
            count(Consent),
            count(Placement),
            count(
                Placement,
                Placement.start_date <= today,
                or_(Placement.actual_end.is_(None), Placement.actual_end >= today),
            ),
        )
    ).one()
    return ErasureSummary(*row)


def confirmation_matches(typed: str | None) -> bool:
    return (typed or "").strip().upper() == CONFIRM_WORD


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def erase(candidate_ids: Iterable[int], *, user=None, reason: str = "") -> list[int]:
    """Anonymise the candidates (see the module's docstring); return the ids erased.

    Bulk statements, a fixed number per 500 candidates, so the retention run stays cheap.
    Nothing is committed: the caller commits (all in one transaction) or rolls back. Flushes
    the session first and expires it afterwards, so loaded objects read the erased values."""
    ids = sorted(set(candidate_ids))
    if not ids:
        return []
    db.session.flush()
    now = datetime.now(UTC)
    user = user if user is not None else AnonymousUserMixin()
    erased: list[int] = []
    for chunk in _chunks(ids):
        live = list(
            db.session.scalars(
                select(Candidate.id).where(
                    Candidate.id.in_(chunk), Candidate.anonymised_at.is_(None)
                )
            )
        )
        if not live:
            continue
        redacted = redact.redact(live)  # while the names are still there to find
        for candidate_id, places in sorted(redacted.items()):
            audit.record("gdpr_redact", candidate_id, f"places:{places}", user=user)
        db.session.execute(
            update(Candidate)
            .where(Candidate.id.in_(live))
            .values(
                first_name=ANONYMISED_NAME,
                last_name="",
                area_id=None,
                anonymised_at=now,
                updated_at=now,
                search_text="",  # never found by the search again
                version=Candidate.version + 1,  # an edit form still open gets a conflict
                **dict.fromkeys(ERASED_FIELDS, ""),
            )
            .execution_options(synchronize_session=False)
        )
        for model in (SensitiveNote, Consent):
            db.session.execute(
                delete(model)
                .where(model.candidate_id.in_(live))
                .execution_options(synchronize_session=False)
            )
        db.session.execute(
            update(Conversation)
            .where(Conversation.candidate_id.in_(live))
            .values(notes="")
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(Placement)
            .where(Placement.candidate_id.in_(live))
            .values(outcome_reason="", version=Placement.version + 1)
            .execution_options(synchronize_session=False)
        )
        erased += live
    db.session.expire_all()
    for candidate_id in erased:
        audit.record("gdpr_erase", candidate_id, reason, user=user)
    return erased


def scrub_free_space() -> None:
    """After an erasure is committed, on SQLite: copy the WAL into the database file and empty
    it, so the old values are in neither file (secure_delete has zeroed them in the database's
    free space). PostgreSQL needs a VACUUM instead (see README)."""
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


# --- retention -------------------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Inactive:
    candidate_id: int
    name: str
    initials: str
    area: str | None
    last_activity: date


def _day(value: date | datetime | str | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):  # SQLite returns a max() over datetimes as text
        return date.fromisoformat(value[:10])
    return value


def inactive_candidates(months: int, today: date) -> tuple[date, list[Inactive]]:
    """Candidates with no activity since `months` months before `today`: (cutoff, list).

    Activity is the latest of: registered, last edited, a conversation held, a sensitive note
    or a consent recorded or withdrawn, a placement started or ended. A placement without an
    actual end counts as activity until its planned end, and while it has no planned end
    either, as activity today (a running apprenticeship is not a forgotten person).
    One query, whatever the number of candidates."""
    cutoff = months_before(today, months)
    cutoff_at = datetime.combine(cutoff, time.min, tzinfo=UTC)

    def latest(column, model):
        return (
            select(func.max(column))
            .where(model.candidate_id == Candidate.id)
            .correlate(Candidate)
            .scalar_subquery()
        )

    placement_end = func.coalesce(
        Placement.actual_end, Placement.planned_end, literal(today, type_=Date)
    )
    inner = (
        select(
            Candidate.id.label("id"),
            Candidate.first_name.label("first_name"),
            Candidate.last_name.label("last_name"),
            HousingArea.name.label("area"),
            Candidate.created_at.label("created_at"),
            Candidate.updated_at.label("updated_at"),
            latest(Conversation.held_on, Conversation).label("conversation"),
            latest(SensitiveNote.created_at, SensitiveNote).label("note"),
            latest(Consent.given_on, Consent).label("consent_given"),
            latest(Consent.withdrawn_on, Consent).label("consent_withdrawn"),
            latest(Placement.start_date, Placement).label("placement_start"),
            latest(placement_end, Placement).label("placement_end"),
        )
        .outerjoin(HousingArea, HousingArea.id == Candidate.area_id)
        .where(Candidate.anonymised_at.is_(None))
        .subquery()
    )
    c = inner.c
    before = [c.created_at < cutoff_at, c.updated_at < cutoff_at]
    before += [or_(col.is_(None), col < cutoff_at) for col in (c.note,)]
    before += [
        or_(col.is_(None), col < cutoff)
        for col in (
            c.conversation,
            c.consent_given,
            c.consent_withdrawn,
            c.placement_start,
            c.placement_end,
        )
    ]
    rows = db.session.execute(select(inner).where(*before)).all()
    found = []
    for row in rows:
        days = [_day(value) for value in row[4:]]
        name = f"{row.first_name} {row.last_name}".strip()
        found.append(
            Inactive(
                candidate_id=row.id,
                name=name,
                initials="".join(part[:1].upper() + "." for part in name.split()),
                area=row.area,
                last_activity=max(day for day in days if day is not None),
            )
        )
    found.sort(key=lambda item: (item.last_activity, item.candidate_id))
    return cutoff, found
