"""A readable word-level diff between two agreements, clause by clause, as escaped HTML.

Deleted words are wrapped in <del> and inserted words in <ins>, each run whole and apart
(never interleaved word by word), with a space between tokens and a visually hidden prefix
("slettet:"/"indsat:") so that a screen reader says what a sighted reader sees in strike,
underline and colour. Short unchanged words caught between two changes ("at", "og") are
folded into the change, so that a rewritten sentence reads as one deletion and one insertion.

The clause diff pairs the sections of the two documents by their clause key, so a clause
switched on shows as inserted whole, one switched off as deleted whole, and a moved clause
as itself (with its former number). Numbers are left out of the comparison: switching one
clause on renumbers every clause after it, and that alone is not a change to read.

No Flask here: the views pass the translated prefixes.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from app.agreements.document_model import (
    AgreementDocument,
    Bullets,
    LadderTable,
    Paragraph,
    Picture,
    Section,
    Signatures,
    SubHeading,
    Table,
    signature_line,
)

# Words, and line breaks kept as tokens of their own (a paragraph break stays a break).
_TOKEN = re.compile(r"\n+|[^\s]+")
# An unchanged run between two changes with at most this many words, each this short, is
# folded into the change around it.
_FOLD_WORDS = 2
_FOLD_CHARS = 4

DELETED = "slettet:"
INSERTED = "indsat:"


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _is_break(token: str) -> bool:
    return token.startswith("\n")


def _foldable(tokens: list[str]) -> bool:
    return (
        0 < len(tokens) <= _FOLD_WORDS
        and not any(_is_break(t) for t in tokens)
        and all(len(t) <= _FOLD_CHARS for t in tokens)
    )


def _runs(a: list[str], b: list[str]) -> list[tuple[bool, list[str], list[str]]]:
    """The diff as runs (changed?, old tokens, new tokens), short equal runs between two
    changes folded into one change."""
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    runs: list[tuple[bool, list[str], list[str]]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        changed = op != "equal"
        old, new = a[i1:i2], b[j1:j2]
        if runs and runs[-1][0] and changed:  # two changes in a row: one change
            _, pa, pb = runs.pop()
            old, new = pa + old, pb + new
        runs.append((changed, old, new))
    folded: list[tuple[bool, list[str], list[str]]] = []
    i = 0
    while i < len(runs):
        changed, old, new = runs[i]
        if (
            not changed
            and folded
            and folded[-1][0]
            and i + 1 < len(runs)
            and runs[i + 1][0]
            and _foldable(old)
        ):
            _, pa, pb = folded.pop()
            _, na, nb = runs[i + 1]
            folded.append((True, pa + old + na, pb + new + nb))
            i += 2
            continue
        if changed and folded and folded[-1][0]:
            _, pa, pb = folded.pop()
            old, new = pa + old, pb + new
        folded.append((changed, old, new))
        i += 1
    return folded


def _join(tokens: list[str]) -> list[str]:
    """Tokens as text pieces: words joined by a space, line breaks as they are."""
    pieces: list[str] = []
    line: list[str] = []
    for token in tokens:
        if _is_break(token):
            if line:
                pieces.append(" ".join(line))
                line = []
            pieces.append(token)
        else:
            line.append(token)
    if line:
        pieces.append(" ".join(line))
    return pieces


def _wrap(tag: str, prefix: str, tokens: list[str]) -> list[str]:
    """A changed run in <del> or <ins>, one element per line (a line break stays outside)."""
    out = []
    for piece in _join(tokens):
        if _is_break(piece):
            out.append(piece)
        else:
            hidden = f'<span class="visually-hidden">{escape(prefix)} </span>'
            out.append(f"<{tag}>{hidden}{escape(piece)}</{tag}>")
    return out


def _glue(parts: list[str]) -> str:
    """Join the parts with one space, except beside a line break."""
    out = ""
    for part in parts:
        if out and not out.endswith("\n") and not part.startswith("\n"):
            out += " "
        out += part
    return out


def _words(tokens: list[str]) -> int:
    return sum(1 for t in tokens if not _is_break(t))


def inline_diff(
    old: str, new: str, deleted: str = DELETED, inserted: str = INSERTED
) -> tuple[Markup, int, int]:
    """Return (html, words added, words removed) for two texts; spacing alone is no change."""
    parts: list[str] = []
    added = removed = 0
    for changed, a, b in _runs(_tokens(old), _tokens(new)):
        if not changed:
            parts += [str(escape(p)) for p in _join(b)]
            continue
        if a:
            removed += _words(a)
            parts += _wrap("del", deleted, a)
        if b:
            added += _words(b)
            parts += _wrap("ins", inserted, b)
    return Markup(_glue(parts)), added, removed


def _without_refs(paragraph: Paragraph) -> str:
    """The paragraph's text with each cross-reference as the paragraph it cites rather than
    that paragraph's number (which changes whenever a clause before it is switched on)."""
    text = paragraph.text
    for start, end, anchor in sorted(paragraph.refs, reverse=True):
        text = f"{text[:start]}[{anchor}]{text[end:]}"
    return text


def section_text(section: Section, refs_by_number: bool = True) -> str:
    """A clause's words for comparing: its blocks, a blank line between two, without the
    clause's and the paragraphs' numbers (and, if asked, cross-references by what they
    cite). The title is compared on its own."""
    blocks: list[str] = []
    for block in section.blocks:
        lines: list[str] = []
        if isinstance(block, Paragraph):
            lines.append(block.text if refs_by_number else _without_refs(block))
        elif isinstance(block, SubHeading):
            lines.append(block.text)
        elif isinstance(block, Bullets):
            lines += [f"• {item}" for item in block.items]
        elif isinstance(block, LadderTable | Table):
            lines.append(" | ".join(block.header))
            lines += [" | ".join(row) for row in block.rows]
            if isinstance(block, Table) and block.total:
                lines.append(" | ".join(block.total))
        elif isinstance(block, Picture):
            lines.append(f"[{block.caption or block.description}]")
        elif isinstance(block, Signatures):
            for party in block.parties:
                lines += [party.role, party.name]
                lines += [signature_line(label) for label in block.lines]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


SAME, CHANGED, ADDED, REMOVED = "same", "changed", "added", "removed"


@dataclass(frozen=True)
class ClauseDiff:
    """One clause of the comparison. `number` is its number in the newer text (in the older
    one when removed); `old_number` its number before, when it had one."""

    key: str
    title: str
    number: int | None
    old_number: int | None
    status: str
    html: Markup
    added: int = 0
    removed: int = 0
    title_html: Markup | None = None  # the title's own diff, when the title changed

    @property
    def changed(self) -> bool:
        return self.status != SAME

    @property
    def renumbered(self) -> bool:
        return self.status in (SAME, CHANGED) and self.old_number != self.number


@dataclass(frozen=True)
class DocumentDiff:
    clauses: list[ClauseDiff] = field(default_factory=list)

    @property
    def changed(self) -> list[ClauseDiff]:
        return [c for c in self.clauses if c.changed]

    @property
    def added(self) -> int:
        return sum(c.added for c in self.clauses)

    @property
    def removed(self) -> int:
        return sum(c.removed for c in self.clauses)


TITLE_KEY = "_title"


def document_diff(
    old: AgreementDocument,
    new: AgreementDocument,
    deleted: str = DELETED,
    inserted: str = INSERTED,
    title_label: str = "Titel",
) -> DocumentDiff:
    """Compare two agreements clause by clause, in the newer text's order; a clause only in
    the older text comes right after the clause it followed there."""
    old_sections = {s.key: s for s in old.sections}
    new_sections = {s.key: s for s in new.sections}
    clauses: list[ClauseDiff] = []

    old_head, new_head = f"{old.title}\n{old.subtitle}", f"{new.title}\n{new.subtitle}"
    if old_head != new_head:
        html, added, removed = inline_diff(old_head, new_head, deleted, inserted)
        title = ClauseDiff(TITLE_KEY, title_label, None, None, CHANGED, html, added, removed)
        clauses.append(title)

    for section in new.sections:
        before = old_sections.get(section.key)
        text = section_text(section)
        title_html = None
        if before is None:
            html, added, removed = inline_diff("", text, deleted, inserted)
            status, old_number = ADDED, None
        else:
            html, added, removed = inline_diff(section_text(before), text, deleted, inserted)
            same = section_text(before, False) == section_text(section, False)
            if same:  # at most a cross-reference renumbered: shown, but not counted
                added = removed = 0
            if before.title != section.title:
                title_html, title_added, title_removed = inline_diff(
                    before.title, section.title, deleted, inserted
                )
                added, removed, same = added + title_added, removed + title_removed, False
            status = SAME if same else CHANGED
            old_number = before.number
        clauses.append(
            ClauseDiff(
                section.key,
                section.title,
                section.number,
                old_number,
                status,
                html,
                added,
                removed,
                title_html,
            )
        )

    previous = TITLE_KEY
    for section in old.sections:
        if section.key in new_sections:
            previous = section.key
            continue
        html, added, removed = inline_diff(section_text(section), "", deleted, inserted)
        gone = ClauseDiff(
            section.key, section.title, None, section.number, REMOVED, html, added, removed
        )
        keys = [c.key for c in clauses]
        position = keys.index(previous) + 1 if previous in keys else 0
        clauses.insert(position, gone)
        previous = section.key
    return DocumentDiff(clauses)
