"""Agreement drafting for the web layer: drafts from forms, versions, approval, downloads.

The text itself is drafted by the plain-Python modules (library, document, docx_writer); this
module connects them to projects, users and the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import asdict, replace

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.agreements import pending
from app.agreements.document import (
    ClauseChoice,
    Draft,
    RenderError,
    add_new_clauses,
    default_draft,
    isolate,
    render,
    validate_draft,
)
from app.agreements.document_model import (
    AgreementDocument,
    Bullets,
    LadderTable,
    Paragraph,
    Section,
    SignatureParty,
    Signatures,
    SubHeading,
    to_text,
)
from app.agreements.docx_writer import to_docx
from app.agreements.library import DEFAULT_DIR, Library, load_library
from app.agreements.models import AgreementVersion, DraftWorkingCopy
from app.agreements.variables import ILLEGAL_CHARS, INPUT_VARIABLES, coerce_value
from app.clock import TIMEZONE
from app.extensions import db
from app.mail import notify
from app.models import Project, User, utcnow
from app.placements import progress_cache
from app.placements.rules import Durations
from app.web import safe_file_name


class VersionConflict(Exception):
    """Someone saved a newer version after the user started editing."""

    def __init__(self, latest: AgreementVersion | None):
        super().__init__("a newer version exists")
        self.latest = latest


def init_app(app) -> None:
    """Load the clause library once; report broken clause files but keep running."""
    library = load_library(app.config.get("AGREEMENT_LIBRARY") or DEFAULT_DIR)
    for error in library.errors:
        app.logger.warning("Clause library: %s", error)
    app.extensions["agreement_library"] = library


def library() -> Library:
    return current_app.extensions["agreement_library"]


def versions(project: Project) -> list[AgreementVersion]:
    return list(
        db.session.scalars(
            select(AgreementVersion)
            .where(AgreementVersion.project_id == project.id)
            .order_by(AgreementVersion.number.desc())
        )
    )


def latest_version(project: Project, with_author: bool = False) -> AgreementVersion | None:
    return db.session.scalar(
        select(AgreementVersion)
        .where(AgreementVersion.project_id == project.id)
        .order_by(AgreementVersion.number.desc())
        .limit(1)
        .options(*_author_option(with_author))
    )


def _author_option(with_author: bool) -> tuple:
    """Load the author, and the approver with their organisation (the version mark names
    them), in the same query."""
    if not with_author:
        return ()
    return (
        joinedload(AgreementVersion.author),
        joinedload(AgreementVersion.approved_by).joinedload(User.organisation),
    )


def without_words() -> tuple:
    """Loader options for a version whose words may not be needed (a kept Word file): its
    document and text (kilobytes of JSON and text) are read when first touched. A function:
    made at import, the options would configure the mappers before every model is known."""
    return (defer(AgreementVersion.content), defer(AgreementVersion.text))


def approved_version(
    project: Project, with_author: bool = False, options: tuple = ()
) -> AgreementVersion | None:
    """The agreement in force: the most recently approved version (with its author loaded in
    the same query if asked)."""
    return db.session.scalar(
        select(AgreementVersion)
        .where(AgreementVersion.project_id == project.id, AgreementVersion.approved_at.is_not(None))
        .order_by(AgreementVersion.approved_at.desc(), AgreementVersion.number.desc())
        .limit(1)
        .options(*_author_option(with_author), *options)
    )


def get_version(
    project: Project, number: int, with_author: bool = False, options: tuple = ()
) -> AgreementVersion | None:
    return db.session.scalar(
        select(AgreementVersion)
        .where(AgreementVersion.project_id == project.id, AgreementVersion.number == number)
        .options(*_author_option(with_author), *options)
    )


def project_values(project: Project) -> dict:
    """Values the project already knows: names, areas, dates."""
    main = project.main_contractor
    return {
        "project_name": project.name,
        "project_address": project.address or "",
        "client_name": project.client.name,
        "main_contractor_name": main.name if main else "",
        "housing_areas": [area.name for area in project.areas],
        "execution_start": project.execution_start,
        "execution_end": project.execution_end,
    }


def draft_for_editing(project: Project, latest: AgreementVersion | None = None) -> Draft:
    """The latest version's draft (with clauses added to the library since), or a new one."""
    latest = latest or latest_version(project)
    if latest is None:
        return default_draft(library(), **project_values(project))
    return add_new_clauses(library(), Draft.from_dict(latest.content))


def draft_from_form(form) -> Draft:
    """Read the editor's fields: values `v_<name>`, clause order `clause`, `on_<key>`,
    `override_<key>`. Unknown clause keys are kept so validation can name them."""
    values = {}
    for name, spec in INPUT_VARIABLES.items():
        raw = form.get(f"v_{name}")
        values[name] = raw.splitlines() if spec.kind == "areas" and raw is not None else raw
    clauses = []
    for key in form.getlist("clause"):
        override = form.get(f"override_{key}", "")
        clauses.append(
            ClauseChoice(
                key=key,
                enabled=bool(form.get(f"on_{key}")),
                override=override if override.strip() else None,
            )
        )
    return drop_unchanged_overrides(Draft(values=values, clauses=clauses), form)


def move_clause(draft: Draft, key: str, direction: str) -> Draft:
    """Move one clause up or down in the drafter's order."""
    keys = [c.key for c in draft.clauses]
    if key not in keys:
        return draft
    i = keys.index(key)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(keys):
        return draft
    clauses = list(draft.clauses)
    clauses[i], clauses[j] = clauses[j], clauses[i]
    return replace(draft, clauses=clauses)


def check(draft: Draft) -> dict:
    return validate_draft(library(), draft)


_BLOCKS = {cls.__name__: cls for cls in (Paragraph, SubHeading, Bullets, LadderTable, Signatures)}


def document_to_data(doc: AgreementDocument) -> dict:
    """The rendered document as JSON-safe data, so a saved version keeps its exact words even
    when the clause library is edited later."""
    return {
        "title": doc.title,
        "subtitle": doc.subtitle,
        "header": doc.header,
        "sections": [
            {
                "number": s.number,
                "key": s.key,
                "title": s.title,
                "blocks": [{"type": type(b).__name__, **asdict(b)} for b in s.blocks],
            }
            for s in doc.sections
        ],
    }


def _block(data: dict):
    data = dict(data)
    kind = _BLOCKS[data.pop("type")]
    if kind is Bullets:
        return Bullets(tuple(data["items"]))
    if kind is LadderTable:
        return LadderTable(tuple(data["header"]), tuple(tuple(r) for r in data["rows"]))
    if kind is Signatures:
        parties = tuple(SignatureParty(**p) for p in data["parties"])
        return Signatures(parties, tuple(data["lines"]))
    if kind is Paragraph:
        refs = tuple(tuple(ref) for ref in data.pop("refs", ()))
        return Paragraph(**data, refs=refs)
    return kind(**data)


def document_from_data(data: dict) -> AgreementDocument:
    sections = tuple(
        Section(s["number"], s["key"], s["title"], tuple(_block(b) for b in s["blocks"]))
        for s in data["sections"]
    )
    return AgreementDocument(data["title"], data["subtitle"], data["header"], sections)


def stored_document(version: AgreementVersion) -> AgreementDocument:
    """A saved version's document as stored, without the version mark (for reading its
    clauses)."""
    return document_from_data(version.content["document"])


def document_for(version: AgreementVersion) -> AgreementDocument:
    """A saved version's document, exactly as it was when saved, with its version mark."""
    doc = document_from_data(version.content["document"])
    return replace(doc, status=version_mark(version), draft=not version.is_approved)


def fingerprint(version: AgreementVersion) -> str:
    """A short fingerprint of the version's words (8 hex digits of SHA-256 over the stored
    document), so two printed copies can be compared at a glance."""
    canonical = json.dumps(
        version.content["document"], ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest().upper()
    return f"{digest[:4]}-{digest[4:8]}"


def _local_date(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # SQLite returns naive UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(TIMEZONE).strftime("%d.%m.%Y")


def version_mark(version: AgreementVersion) -> str:
    """ "UDKAST – version 3 – 01.12.2026" for a draft; for an approved version "Version 3 –
    godkendt af <navn>, <organisation>, den 03.12.2026 – fingeraftryk 1A2B-3C4D"."""
    if not version.is_approved:
        return f"UDKAST – version {version.number} – {_local_date(version.created_at)}"
    approver = version.approved_by
    name = isolate(approver.name) if approver else "?"
    organisation = approver.organisation.name if approver and approver.organisation else ""
    who = f"{name}, {isolate(organisation)}" if organisation else name
    return (
        f"Version {version.number} – godkendt af {who}, den {_local_date(version.approved_at)}"
        f" – fingeraftryk {fingerprint(version)}"
    )


def library_wording(draft: Draft) -> dict[str, str]:
    """Each clause's library wording, filled in with the draft's values, written in the
    editor's markup: a starting point the drafter can copy into an override."""
    lib = library()
    plain = replace(draft, clauses=[replace(c, enabled=True, override=None) for c in draft.clauses])
    try:
        doc = render(lib, plain)
    except RenderError:
        return {}
    return {section.key: blocks_as_markup(section.blocks) for section in doc.sections}


def blocks_as_markup(blocks) -> str:
    out = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, SubHeading):
            out.append(f"### {block.text}")
        elif isinstance(block, Bullets):
            out.append("\n".join(f"- {item}" for item in block.items))
        elif isinstance(block, LadderTable):
            out.append("[[ladder_table]]")
        elif isinstance(block, Signatures):
            out.append("[[signatures]]")
    return "\n\n".join(out)


def save_version(
    project: Project, draft: Draft, author: User, base_number: int, note: str = ""
) -> AgreementVersion:
    """Save the draft as the next version; refuse if someone saved since `base_number`."""
    lib = library()
    latest = latest_version(project)
    current = latest.number if latest else 0
    if current != base_number:
        raise VersionConflict(latest)
    values = {
        name: coerce_value(spec, draft.values.get(name))[0]
        for name, spec in INPUT_VARIABLES.items()
    }
    clean = replace(draft, values=values)
    doc = render(lib, clean)
    version = AgreementVersion(
        project_id=project.id,
        number=current + 1,
        content={**clean.to_dict(), "document": document_to_data(doc)},
        text=to_text(doc),
        note=ILLEGAL_CHARS.sub("", note).strip()[:300],
        apprenticeships_min=values["apprenticeships_min"],
        courses_min=values["courses_min"],
        count_rule=values["count_rule"],
        ladder=Durations.ladder_of(values),
        author_id=author.id,
    )
    db.session.add(version)
    try:
        db.session.flush()
        pending.set_pending(db.session, version)  # what waits for approval, and since when
        notify.version_awaits_approval(version)  # the mails, in the same transaction
        db.session.commit()
    except IntegrityError:  # saved at the same moment by someone else: same number taken
        db.session.rollback()
        raise VersionConflict(latest_version(project)) from None
    return version


def approve(version: AgreementVersion, user: User) -> None:
    """Make the version the agreement in force, and give the kickoff texts written before
    approval (which name no targets) the agreed values."""
    from app.meetings import kickoff  # the kickoff builds on agreements, not the other way

    version.approved_at = utcnow()
    version.approved_by_id = user.id
    progress_cache.touch(db.session, [version.project_id])  # other targets are in force
    db.session.flush()
    pending.refresh(db.session, [version.project_id])  # nothing waits, unless a newer one
    kickoff.refresh_after_approval(version.project)
    notify.version_approved(version, user)
    db.session.commit()


# Word files of saved versions, kept per worker (an agreement's file is about 28 KB).
DOCX_KEPT = 16
_docx_files: OrderedDict[tuple, bytes] = OrderedDict()
_docx_lock = threading.Lock()


def docx_key(version: AgreementVersion) -> tuple:
    """Everything `docx_for` makes a file from besides the version's stored document, which
    never changes once saved (`models.FROZEN`): the version, its dates, and the names of its
    author, its project and its approver with their organisation."""
    approver = version.approved_by
    organisation = approver.organisation if approver else None
    return (
        version.id,
        version.number,
        version.created_at,
        version.approved_at,
        version.author.name,
        version.project.name,
        approver.name if approver else None,
        organisation.name if organisation else None,
    )


def cached_docx_for(version: AgreementVersion) -> bytes:
    """`docx_for(version)`, built once per worker for each `docx_key`: a renamed author,
    approver, organisation or project, or an approval, gives another key. Load the version
    with `without_words()` and its document is read only when the file must be built."""
    key = docx_key(version)
    with _docx_lock:
        body = _docx_files.get(key)
        if body is not None:
            _docx_files.move_to_end(key)
            return body
    body = docx_for(version)
    with _docx_lock:
        _docx_files[key] = body
        while len(_docx_files) > DOCX_KEPT:
            _docx_files.popitem(last=False)
    return body


def forget_docx_files() -> None:
    """Drop every kept Word file (tests)."""
    with _docx_lock:
        _docx_files.clear()


def docx_for(version: AgreementVersion) -> bytes:
    doc = document_for(version)
    return to_docx(
        doc,
        title=doc.title,
        author=version.author.name,
        version_label=version.label,
        project_name=version.project.name,
        timestamp=version.approved_at or version.created_at,
    )


def download_name(version: AgreementVersion, extension: str) -> str:
    # Also a path for `flask agreements render --all`, so made safe here and not only on download.
    return safe_file_name(
        f"Partnerskabsaftale - {version.project.name} - {version.label}.{extension}"
    )


def standard_document(version: AgreementVersion) -> AgreementDocument:
    """The library's standard text with this version's values: every clause as the library
    has it (its default choice, its order, no adaptation). What a version is compared with
    before any version is in force."""
    lib = library()
    stored = version.content.get("values", {})
    values = {
        name: coerce_value(spec, stored.get(name))[0] for name, spec in INPUT_VARIABLES.items()
    }
    return render(lib, replace(default_draft(lib), values=values))


# -- working copies: the editor as the drafter left it, kept on the server (not a version) --

# The editor's fields (app/agreements/views.py, draft_from_form): nothing else is kept.
WORKING_COPY_FIELDS = frozenset({"base_number", "clause", "note"})
WORKING_COPY_PREFIXES = ("v_", "on_", "override_", "library_")


def working_copy(project: Project, user: User) -> DraftWorkingCopy | None:
    return db.session.scalar(
        select(DraftWorkingCopy).where(
            DraftWorkingCopy.project_id == project.id, DraftWorkingCopy.user_id == user.id
        )
    )


def keep_working_copy(project: Project, user: User, form) -> DraftWorkingCopy | None:
    """Store the editor's fields as posted (every value of every field but the buttons and
    the CSRF token) as this user's working copy of the project's draft, replacing the last.
    None when another request of the same user (a save of a version, a discard) deleted it
    while this one wrote it: nothing is left to keep, and it is not brought back."""
    fields = {
        name: [ILLEGAL_CHARS.sub("", value) for value in form.getlist(name)]
        for name in form
        if name in WORKING_COPY_FIELDS or name.startswith(WORKING_COPY_PREFIXES)
    }
    base = fields.get("base_number", ["0"])[0]
    copy = working_copy(project, user)
    if copy is None:
        copy = DraftWorkingCopy(project_id=project.id, user_id=user.id)
        db.session.add(copy)
    copy.form = fields
    copy.base_number = int(base) if base.isdigit() and len(base) < 10 else 0
    copy.saved_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError:  # the same user's two tabs at the same moment: the other one won
        db.session.rollback()
        copy = working_copy(project, user)
        if copy is not None:
            db.session.expunge(copy)
        return copy
    except StaleDataError:  # the same user's save or discard deleted it since it was read
        db.session.rollback()
        return None
    # Handed back detached, with the values just written: the same user's save of a version,
    # in another request, may delete the row the moment this commits, and the answer (when
    # it was kept, on which version) must not need to read it again.
    db.session.expunge(copy)
    db.session.commit()
    return copy


def discard_working_copy(project: Project, user: User) -> None:
    """Delete the user's working copy (after saving a version, or when they discard it)."""
    db.session.execute(
        delete(DraftWorkingCopy).where(
            DraftWorkingCopy.project_id == project.id, DraftWorkingCopy.user_id == user.id
        )
    )


def _same_text(a: str | None, b: str | None) -> bool:
    """Equal but for line endings and spaces at the ends of lines (a browser posts CRLF)."""

    def norm(text):
        return "\n".join(line.rstrip() for line in (text or "").replace("\r\n", "\n").split("\n"))

    return norm(a).strip() == norm(b).strip()


def drop_unchanged_overrides(draft: Draft, form) -> Draft:
    """An adapted clause whose text is still the library's wording is no adaptation: the box
    starts with the library's wording (the text it was filled with comes back as
    `library_<key>`), and saving it unchanged keeps the clause on the library's text."""
    if not any(choice.override for choice in draft.clauses):
        return draft
    wording = None
    clauses = []
    for choice in draft.clauses:
        if choice.override is not None:
            if _same_text(choice.override, form.get(f"library_{choice.key}")):
                choice = replace(choice, override=None)
            else:
                if wording is None:
                    wording = library_wording(draft)
                if _same_text(choice.override, wording.get(choice.key)):
                    choice = replace(choice, override=None)
        clauses.append(choice)
    return replace(draft, clauses=clauses)
