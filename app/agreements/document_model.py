"""The rendered agreement as plain data, and its plain-text and HTML forms.

The Word writer (docx_writer.py), the plain-text export and the live HTML preview all read the
same ``AgreementDocument``, so the three always carry the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

SIGNATURE_RULE = "_" * 28


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; in an agreement it carries its number ("6.2", cited as "pkt. 6.2").

    ``refs`` are the spans of ``text`` that cite another paragraph: (start, end, anchor), where
    the span is the cited number and ``anchor`` the bookmark on the cited paragraph (Word writes
    a REF field there). ``anchor`` is this paragraph's own bookmark when another one cites it.
    """

    text: str
    number: str = ""
    anchor: str = ""
    refs: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True)
class SubHeading:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class LadderTable:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class SignatureParty:
    role: str
    name: str


@dataclass(frozen=True)
class Signatures:
    parties: tuple[SignatureParty, ...]
    lines: tuple[str, ...]  # labels of the lines each party fills in: date, name, signature


@dataclass(frozen=True)
class Table:
    """A general table with a header row and optionally a total row; `numeric` marks the
    columns (by index) whose cells are figures, aligned right."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: tuple[str, ...] | None = None
    numeric: frozenset[int] = frozenset()
    widths: tuple[int, ...] | None = None  # twips per column; evenly split when None


@dataclass(frozen=True)
class Picture:
    """A PNG image, placed inline at `width_cm` (its height follows the aspect ratio), with
    `description` as its alternative text and `caption` below it."""

    png: bytes
    description: str
    caption: str = ""
    width_cm: float = 16.0


Block = Paragraph | SubHeading | Bullets | LadderTable | Signatures | Table | Picture


@dataclass(frozen=True)
class Section:
    number: int
    key: str
    title: str
    blocks: tuple[Block, ...]

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def anchor(self) -> str:
        """The bookmark on the clause heading (a Word bookmark name: letters, digits, _)."""
        return f"pkt_{self.key}"[:40]


@dataclass(frozen=True)
class AgreementDocument:
    title: str
    subtitle: str
    header: str
    sections: tuple[Section, ...]
    # The version mark: "UDKAST – version 3 – 01.12.2026" for a draft, "Version 3 – godkendt
    # af …" with the content's fingerprint once approved; empty for a preview.
    status: str = ""
    draft: bool = False  # a draft carries a watermark in Word


def paragraph_text(paragraph: Paragraph) -> str:
    return f"{paragraph.number} {paragraph.text}" if paragraph.number else paragraph.text


def signature_line(label: str) -> str:
    return f"{label}: {SIGNATURE_RULE}"


def to_text(doc: AgreementDocument) -> str:
    """Return the agreement as plain text for pasting into an e-mail or a tender portal."""
    out = [doc.status, ""] if doc.status else []
    out += [doc.title, doc.subtitle, ""]
    for section in doc.sections:
        out += [section.heading, ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                out += [paragraph_text(block), ""]
            elif isinstance(block, SubHeading):
                out += [block.text, ""]
            elif isinstance(block, Bullets):
                out += [f"• {item}" for item in block.items] + [""]
            elif isinstance(block, LadderTable | Table):
                out += [" | ".join(block.header)]
                out += [" | ".join(row) for row in block.rows]
                if isinstance(block, Table) and block.total:
                    out += [" | ".join(block.total)]
                out += [""]
            elif isinstance(block, Picture):
                out += [f"[{block.caption or block.description}]", ""]
            elif isinstance(block, Signatures):
                for party in block.parties:
                    out += [party.role, party.name]
                    out += [signature_line(label) for label in block.lines] + [""]
    return "\n".join(out).rstrip("\n") + "\n"


def to_html(doc: AgreementDocument) -> str:
    """Return an escaped HTML fragment (no <html>/<body>) for the live preview. It sits
    inside a page that has its own h1, so its headings start at h2; a table scrolls in its
    own labelled region on a narrow screen."""
    out = ['<article class="agreement" lang="da">', head_html(doc)]
    out += [section_html(section) for section in doc.sections]
    out.append("</article>")
    return "\n".join(out)


def head_html(doc: AgreementDocument) -> str:
    """The version mark, the title and the subtitle, as escaped HTML."""
    out = [f'<p class="agreement-status">{escape(doc.status)}</p>'] if doc.status else []
    out += [
        f'<h2 class="agreement-title">{escape(doc.title)}</h2>',
        f'<p class="agreement-subtitle">{escape(doc.subtitle)}</p>',
    ]
    return "\n".join(out)


def section_html(section: Section) -> str:
    """One clause as escaped HTML (the version page sets each beside its comments)."""
    out = [f'<section class="agreement-clause" id="clause-{escape(section.key)}">']
    out.append(f"<h3>{escape(section.heading)}</h3>")
    for block in section.blocks:
        html = _block_html(block)
        if isinstance(block, LadderTable | Table):
            html = _scroll_region(html, section.heading)
        out.append(html)
    out.append("</section>")
    return "\n".join(out)


def _scroll_region(table: str, label: str) -> str:
    """A table that may be wider than a phone scrolls inside a region the keyboard reaches."""
    return (
        f'<div class="table-scroll" role="region" tabindex="0" aria-label="{escape(label)}">'
        f"{table}</div>"
    )


def _block_html(block: Block) -> str:
    if isinstance(block, Paragraph):
        if block.number:
            number = f'<span class="agreement-number">{escape(block.number)}</span> '
            return (
                f'<p id="{escape(block.anchor)}">{number}{escape(block.text)}</p>'
                if block.anchor
                else f"<p>{number}{escape(block.text)}</p>"
            )
        return f"<p>{escape(block.text)}</p>"
    if isinstance(block, SubHeading):
        return f"<h4>{escape(block.text)}</h4>"
    if isinstance(block, Bullets):
        items = "".join(f"<li>{escape(item)}</li>" for item in block.items)
        return f"<ul>{items}</ul>"
    if isinstance(block, LadderTable):
        head = "".join(f'<th scope="col">{escape(cell)}</th>' for cell in block.header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
            for row in block.rows
        )
        return (
            f'<table class="agreement-ladder"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    if isinstance(block, Table):
        head = "".join(f'<th scope="col">{escape(cell)}</th>' for cell in block.header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
            for row in block.rows
        )
        foot = ""
        if block.total:
            cells = "".join(f"<td>{escape(cell)}</td>" for cell in block.total)
            foot = f"<tfoot><tr>{cells}</tr></tfoot>"
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>{foot}</table>"
    if isinstance(block, Picture):
        # The preview does not inline images; it names the figure where it stands.
        caption = escape(block.caption or block.description)
        return f'<figure class="document-picture"><figcaption>{caption}</figcaption></figure>'
    parties = []
    for party in block.parties:
        lines = "".join(f"<p>{escape(signature_line(label))}</p>" for label in block.lines)
        parties.append(
            f'<div class="agreement-signature"><p><strong>{escape(party.role)}</strong></p>'
            f"<p>{escape(party.name)}</p>{lines}</div>"
        )
    return f'<div class="agreement-signatures">{"".join(parties)}</div>'
