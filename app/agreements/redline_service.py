"""Redlines of saved versions: the Word file with tracked changes between two versions of a
project's agreement, or between a version and the clause library's standard text.

The tracked changes themselves are made by the plain-Python module redline.py; this module
finds the two texts, who made the later one and when, and names the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from app.agreements import service
from app.agreements.document import Draft, render
from app.agreements.document_model import AgreementDocument
from app.agreements.models import AgreementVersion
from app.agreements.redline import RedlineComment, build_redline
from app.web import safe_file_name

STANDARD_LABEL = "standardtekst"


def standard_document(version: AgreementVersion) -> AgreementDocument:
    """The library's standard text for the version: the clauses it has switched on, in its
    order, with its values, and no clause adapted (raises RenderError if the library is
    broken)."""
    draft = Draft.from_dict(version.content)
    plain = replace(draft, clauses=[replace(choice, override=None) for choice in draft.clauses])
    return render(service.library(), plain)


def version_note(version: AgreementVersion) -> list[RedlineComment]:
    """The drafter's note on the version, as a comment on the agreement as a whole."""
    if not version.note:
        return []
    return [RedlineComment(None, version.author.name, version.created_at, version.note)]


def redline_docx(
    earlier: AgreementVersion | None,
    later: AgreementVersion,
    comments: Sequence[RedlineComment] = (),
) -> bytes:
    """The later version with every change since `earlier` (the standard text when None)
    tracked as made by the later version's author at the time it was saved."""
    old = service.stored_document(earlier) if earlier else standard_document(later)
    since = f"version {earlier.number}" if earlier else "bibliotekets standardtekst"
    new = replace(
        service.stored_document(later),
        status=f"Ændringer fra {since} til version {later.number}",
    )
    return build_redline(
        old,
        new,
        author=later.author.name,
        when=later.created_at,
        comments=comments,
        project_name=later.project.name,
        version_label=later.label,
    )


def redline_name(earlier: AgreementVersion | None, later: AgreementVersion) -> str:
    since = earlier.label if earlier else STANDARD_LABEL
    return safe_file_name(
        f"Partnerskabsaftale - {later.project.name} - ændringer {since}-{later.label}.docx"
    )
