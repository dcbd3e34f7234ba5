"""A Word redline between two agreement texts: real tracked changes, and comments.

``build_redline(earlier, later, author=..., when=...)`` writes the later ``AgreementDocument``
the way docx_writer.py does (same base package, styles, clause numbering, bullets and tables),
with every difference from the earlier one as a Word revision by ``author`` at ``when``:

- words inside a paragraph, a heading or a table cell: ``w:del`` (with ``w:delText``) and
  ``w:ins`` around whole runs, word by word;
- a whole paragraph (a clause switched on or off, a paragraph added or removed): its runs as
  above *and* its paragraph mark marked inserted or deleted (``w:pPr/w:rPr/w:ins|w:del``), so
  accepting or rejecting the change removes the paragraph too;
- a table row added or removed: ``w:trPr/w:ins|w:del``; a table whose columns changed is
  removed and inserted whole;
- a moved clause: deleted where it stood and inserted where it stands now (no
  ``w:moveFrom``/``w:moveTo``: a moved clause may also be edited, and a plain deletion and
  insertion accept and reject the same way in every Word and LibreOffice version).

Comments (``RedlineComment``) go into word/comments.xml, anchored on the clause's heading (or
on the title for the document as a whole), with replies threaded and resolved threads marked
done in word/commentsExtended.xml, as Word writes them.

Accepting every change gives exactly the later text; rejecting every change gives exactly the
earlier text (tests/test_redline.py applies the markup in code, and has LibreOffice accept and
reject, to show it). Cross-references are plain text here ("pkt. 6.2" as the version says it),
not REF fields: a field is recomputed on opening, while removed clauses still count in the
numbering, so it would show another number than the text it stands in. Pictures are not
compared (an agreement has none).
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from app.agreements.document_model import (
    AgreementDocument,
    Bullets,
    LadderTable,
    Paragraph,
    Picture,
    Signatures,
    SubHeading,
    Table,
    signature_line,
)
from app.agreements.docx_base import HEADING_NUM_ID
from app.agreements.docx_writer import (
    _CELL_PPR,
    _LADDER_WIDTHS,
    _SIGNATURE_WIDTH,
    _TEXT_WIDTH,
    STRUCTURAL_PARAGRAPH,
    _base,
    _core_xml,
    _escape,
    _header,
    _write,
)

__all__ = ["RedlineComment", "build_redline"]

_RELS_PART = "word/_rels/document.xml.rels"
_TYPES_PART = "[Content_Types].xml"
_SETTINGS_PART = "word/settings.xml"
_COMMENTS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
_COMMENTS_EX_REL = "http://schemas.microsoft.com/office/2011/relationships/commentsExtended"
_COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
_COMMENTS_EX_TYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml"
)
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
_W15_NS = "http://schemas.microsoft.com/office/word/2012/wordml"
_MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_TOKEN = re.compile(r"\s+|\S+")
# Two paragraphs of the same kind are shown as one edited paragraph (word by word) when at
# least this share of their words agree; below it, as one removed and one added paragraph.
_PAIR_RATIO = 0.3


@dataclass(frozen=True)
class RedlineComment:
    """A comment for the redline: on a clause (its key) or, with ``clause_key`` None, on the
    agreement as a whole. ``replies`` are shown as the comment's thread in Word."""

    clause_key: str | None
    author: str
    when: dt.datetime
    text: str
    replies: Sequence[RedlineComment] = ()
    resolved: bool = False


# --- the documents as lists of paragraphs and tables ------------------------------------------


@dataclass(frozen=True)
class _Para:
    """One Word paragraph: ``kind`` decides which paragraphs may pair up; ``ppr`` is the
    paragraph's properties as the writer makes them (without the mark's revision)."""

    kind: str
    text: str
    ppr: str = ""
    bold: bool = False
    anchor: str = ""
    refs: tuple[tuple[int, int, str], ...] = ()

    @property
    def key(self) -> tuple:
        return ("p", self.kind, self.text, self.bold)


@dataclass(frozen=True)
class _Cell:
    width: int
    fill: str
    paras: tuple[_Para, ...]


@dataclass(frozen=True)
class _Row:
    trpr: str
    cells: tuple[_Cell, ...]

    @property
    def key(self) -> tuple:
        return (
            self.trpr,
            tuple((c.width, c.fill, tuple(p.key for p in c.paras)) for c in self.cells),
        )


@dataclass(frozen=True)
class _Table:
    kind: str
    head: str  # tblPr and tblGrid
    rows: tuple[_Row, ...]

    @property
    def key(self) -> tuple:
        return ("t", self.kind, self.head, tuple(r.key for r in self.rows))


_Element = _Para | _Table


@dataclass(frozen=True)
class _Section:
    key: str
    heading: _Para
    elements: tuple[_Element, ...]


def _plain(text: str, *, style: str = "", kind: str = "", bold=False, extra: str = "") -> _Para:
    style_xml = f'<w:pStyle w:val="{style}"/>' if style else ""
    return _Para(kind or style or "plain", text, f"{style_xml}{extra}", bold)


def _elements(blocks) -> list[_Element]:
    out: list[_Element] = []
    for index, block in enumerate(blocks):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        keep = "<w:keepNext/>" if isinstance(following, Signatures) else ""
        if isinstance(block, Paragraph):
            if block.number:
                ppr = (
                    f'{keep}<w:numPr><w:ilvl w:val="1"/><w:numId w:val="{HEADING_NUM_ID}"/>'
                    "</w:numPr>"
                )
                out.append(_Para("numbered", block.text, ppr, False, block.anchor, block.refs))
            else:
                out.append(_plain(block.text, extra=keep))
        elif isinstance(block, SubHeading):
            out.append(_plain(block.text, style="Heading3"))
        elif isinstance(block, Bullets):
            out += [_plain(item, style="ListBullet") for item in block.items]
        elif isinstance(block, LadderTable):
            out.append(_ladder(block))
        elif isinstance(block, Table):
            out.append(_general_table(block))
        elif isinstance(block, Signatures):
            out.append(_signatures(block))
        elif isinstance(block, Picture):
            if block.caption:
                out.append(_plain(block.caption, style="Caption"))
        else:
            raise TypeError(f"unknown block {block!r}")
    return out


def _cell_para(text: str, *, bold=False, extra: str = _CELL_PPR) -> _Para:
    return _Para("cell", text, extra, bold)


def _grid(widths) -> str:
    return "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)


def _ladder(table: LadderTable) -> _Table:
    widths = _LADDER_WIDTHS if len(table.header) == len(_LADDER_WIDTHS) else None
    widths = widths or (_TEXT_WIDTH // max(1, len(table.header)),) * len(table.header)
    head = (
        '<w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{_grid(widths)}</w:tblGrid>"
    )
    rows = [
        _Row(
            "<w:cantSplit/><w:tblHeader/>",
            tuple(
                _Cell(w, "D9E2F3", (_cell_para(text, bold=True),))
                for text, w in zip(table.header, widths, strict=False)
            ),
        )
    ]
    rows += [
        _Row(
            "<w:cantSplit/>",
            tuple(_Cell(w, "", (_cell_para(text),)) for text, w in zip(row, widths, strict=False)),
        )
        for row in table.rows
    ]
    return _Table("ladder", head, tuple(rows))


def _general_table(table: Table) -> _Table:
    columns = len(table.header)
    widths = table.widths if table.widths and len(table.widths) == columns else None
    widths = widths or (_TEXT_WIDTH // max(1, columns),) * columns

    def row(cells, trpr, *, bold=False, fill="") -> _Row:
        return _Row(
            trpr,
            tuple(
                _Cell(
                    w,
                    fill,
                    (
                        _cell_para(
                            text,
                            bold=bold,
                            extra=_CELL_PPR
                            + ('<w:jc w:val="right"/>' if i in table.numeric else ""),
                        ),
                    ),
                )
                for i, (text, w) in enumerate(zip(cells, widths, strict=False))
            ),
        )

    rows = [row(table.header, "<w:cantSplit/><w:tblHeader/>", bold=True, fill="D9E2F3")]
    rows += [row(cells, "<w:cantSplit/>") for cells in table.rows]
    if table.total:
        rows.append(row(table.total, "<w:cantSplit/>", bold=True, fill="F2F2F2"))
    last_row = "1" if table.total else "0"
    head = (
        '<w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/>'
        f'<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="{last_row}" w:firstColumn="0" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{_grid(widths)}</w:tblGrid>"
    )
    return _Table("table", head, tuple(rows))


def _signatures(block: Signatures) -> _Table:
    cells = []
    for party in block.parties:
        paras = [
            _Para("cell", party.role, "<w:keepNext/>", True),
            _Para("cell", party.name, "<w:keepNext/>"),
        ]
        paras += [
            _Para("cell", signature_line(label), '<w:keepNext/><w:spacing w:before="480"/>')
            for label in block.lines
        ]
        cells.append(_Cell(_SIGNATURE_WIDTH, "", tuple(paras)))
    head = (
        '<w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:tblBorders>'
        '<w:top w:val="nil"/><w:left w:val="nil"/><w:bottom w:val="nil"/><w:right w:val="nil"/>'
        '<w:insideH w:val="nil"/><w:insideV w:val="nil"/></w:tblBorders>'
        '<w:tblLook w:val="0000"/></w:tblPr>'
        f"<w:tblGrid>{_grid([_SIGNATURE_WIDTH] * len(block.parties))}</w:tblGrid>"
    )
    return _Table("signatures", head, (_Row("<w:cantSplit/>", tuple(cells)),))


def _sections(doc: AgreementDocument) -> list[_Section]:
    return [
        _Section(
            section.key,
            _Para("heading", section.title, '<w:pStyle w:val="Heading2"/>', anchor=section.anchor),
            tuple(_elements(section.blocks)),
        )
        for section in doc.sections
    ]


# --- writing with revisions -------------------------------------------------------------------


@dataclass
class _Writer:
    author: str
    date: str
    next_id: int = 1
    out: list[str] = field(default_factory=list)
    previous_table: bool = False
    # The last paragraph emitted had its mark added or removed: a table must not follow it
    # directly, nor may it end the body, since accepting or rejecting joins it to what follows.
    last_mark_changed: bool = False
    # clause key -> (start, end) positions in `out` of its heading's runs, for comments
    headings: dict[str, tuple[int, int]] = field(default_factory=dict)
    title_at: tuple[int, int] | None = None

    def _id(self) -> int:
        number = self.next_id
        self.next_id += 1
        return number

    def _stamp(self) -> str:
        return f'w:id="{self._id()}" w:author="{_escape(self.author)}" w:date="{self.date}"'

    # runs

    @staticmethod
    def _rpr(bold: bool) -> str:
        return "<w:rPr><w:b/></w:rPr>" if bold else ""

    def runs(self, text: str, bold: bool, change: str = "") -> str:
        """Runs for `text`: plain, inside w:ins, or deleted (w:delText inside w:del)."""
        if not text:
            return ""
        rpr = self._rpr(bold)
        tag = "w:delText" if change == "del" else "w:t"
        pieces = _escape(text).split("\t")
        inner = f'</{tag}></w:r><w:r>{rpr}<w:tab/><{tag} xml:space="preserve">'.join(pieces)
        runs = f'<w:r>{rpr}<{tag} xml:space="preserve">{inner}</{tag}></w:r>'
        runs = runs.replace(f'<{tag} xml:space="preserve"></{tag}>', "")
        if change == "ins":
            return f"<w:ins {self._stamp()}>{runs}</w:ins>"
        if change == "del":
            return f"<w:del {self._stamp()}>{runs}</w:del>"
        return runs

    def word_diff(self, old: str, new: str, bold: bool) -> str:
        a, b = _TOKEN.findall(old), _TOKEN.findall(new)
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        parts = []
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                parts.append(self.runs("".join(b[j1:j2]), bold))
                continue
            if op in ("delete", "replace"):
                parts.append(self.runs("".join(a[i1:i2]), bold, "del"))
            if op in ("insert", "replace"):
                parts.append(self.runs("".join(b[j1:j2]), bold, "ins"))
        return "".join(parts)

    # paragraphs

    def paragraph(self, ppr: str, content: str, mark: str = "", anchor: str = "") -> str:
        mark_xml = f"<w:rPr><w:{mark} {self._stamp()}/></w:rPr>" if mark else ""
        props = ppr + mark_xml
        props = f"<w:pPr>{props}</w:pPr>" if props else ""
        if anchor:
            number = zlib.crc32(anchor.encode("utf-8")) % 100_000_000
            content = (
                f'<w:bookmarkStart w:id="{number}" w:name="{_escape(anchor)}"/>{content}'
                f'<w:bookmarkEnd w:id="{number}"/>'
            )
        return f"<w:p>{props}{content}</w:p>"

    def same(self, para: _Para) -> str:
        return self.paragraph(para.ppr, self.runs(para.text, para.bold), anchor=para.anchor)

    def changed(self, old: _Para, new: _Para) -> str:
        return self.paragraph(
            new.ppr, self.word_diff(old.text, new.text, new.bold), anchor=new.anchor
        )

    def whole(self, para: _Para, change: str, *, mark: bool = True) -> str:
        """A paragraph added or removed whole (`mark`: its paragraph mark with it)."""
        anchor = para.anchor if change == "ins" else ""  # a removed paragraph keeps no bookmark
        content = self.runs(para.text, para.bold, change)
        return self.paragraph(para.ppr, content, change if mark else "", anchor)

    # body

    def emit(self, xml: str, *, table: bool = False, mark_changed: bool = False) -> None:
        if table and (self.previous_table or self.last_mark_changed):
            # Between two tables, Word needs a paragraph; after a paragraph whose mark goes,
            # LibreOffice needs one to join it to (it cannot join a paragraph to a table).
            self.out.append(STRUCTURAL_PARAGRAPH)
        self.out.append(xml)
        self.previous_table = table
        self.last_mark_changed = mark_changed

    def elements(self, old: Sequence[_Element], new: Sequence[_Element]) -> None:
        for kind, a, b in _align(old, new):
            if kind == "same":
                self.emit(
                    self.same(b) if isinstance(b, _Para) else self.table(b),
                    table=isinstance(b, _Table),
                )
            elif kind == "pair":
                if isinstance(b, _Para):
                    self.emit(self.changed(a, b))
                else:
                    self.emit(self.table_diff(a, b), table=True)
            elif kind == "del":
                self.removed(a)
            else:
                self.added(b)

    def removed(self, element: _Element) -> None:
        if isinstance(element, _Para):
            self.emit(self.whole(element, "del"), mark_changed=True)
        else:
            self.emit(self.table(element, "del"), table=True)

    def added(self, element: _Element) -> None:
        if isinstance(element, _Para):
            self.emit(self.whole(element, "ins"), mark_changed=True)
        else:
            self.emit(self.table(element, "ins"), table=True)

    def section_heading(self, key: str, xml: str, *, mark_changed: bool = False) -> None:
        start = len(self.out)
        self.emit(xml, mark_changed=mark_changed)
        self.headings.setdefault(key, (start, len(self.out) - 1))

    # tables

    def table(self, table: _Table, change: str = "") -> str:
        rows = "".join(self.row(row, change) for row in table.rows)
        return f"<w:tbl>{table.head}{rows}</w:tbl>"

    def row(self, row: _Row, change: str = "", cells: Sequence[str] | None = None) -> str:
        mark = f"<w:{change} {self._stamp()}/>" if change else ""
        if cells is None:
            cells = [
                "".join(
                    self.whole(p, change, mark=False) if change else self.same(p)
                    for p in cell.paras
                )
                for cell in row.cells
            ]
        tcs = "".join(
            _tc(content, cell.width, cell.fill)
            for content, cell in zip(cells, row.cells, strict=True)
        )
        return f"<w:tr><w:trPr>{row.trpr}{mark}</w:trPr>{tcs}</w:tr>"

    def table_diff(self, old: _Table, new: _Table) -> str:
        if old.head != new.head:  # other columns: the old table out, the new one in
            return self.table(old, "del") + STRUCTURAL_PARAGRAPH + self.table(new, "ins")
        rows = []
        for kind, a, b in _align(old.rows, new.rows, pairable=_rows_pair):
            if kind == "same":
                rows.append(self.row(b))
            elif kind == "pair":
                rows.append(
                    self.row(
                        b,
                        cells=[self.cell_diff(x, y) for x, y in zip(a.cells, b.cells, strict=True)],
                    )
                )
            elif kind == "del":
                rows.append(self.row(a, "del"))
            else:
                rows.append(self.row(b, "ins"))
        return f"<w:tbl>{new.head}{''.join(rows)}</w:tbl>"

    def cell_diff(self, old: _Cell, new: _Cell) -> str:
        """A paired row's cell: paragraph by paragraph, word by word (rows pair only when their
        cells hold as many paragraphs, so no paragraph mark in a cell is ever marked: a cell's
        last one cannot go)."""
        return "".join(
            self.same(b) if a == b else self.changed(a, b)
            for a, b in zip(old.paras, new.paras, strict=True)
        )


def _tc(content: str, width: int, fill: str) -> str:
    shading = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shading}</w:tcPr>{content}</w:tc>'


def _rows_pair(a: _Row, b: _Row) -> bool:
    if len(a.cells) != len(b.cells) or a.trpr != b.trpr:
        return False
    if any(len(x.paras) != len(y.paras) for x, y in zip(a.cells, b.cells, strict=True)):
        return False
    old = " ".join(p.text for c in a.cells for p in c.paras)
    new = " ".join(p.text for c in b.cells for p in c.paras)
    return _similar(old, new)


def _similar(old: str, new: str) -> bool:
    a, b = old.split(), new.split()
    if not a and not b:
        return True
    return difflib.SequenceMatcher(a=a, b=b, autojunk=False).ratio() >= _PAIR_RATIO


def _pairable(a, b) -> bool:
    if isinstance(a, _Para) and isinstance(b, _Para):
        return a.kind == b.kind and a.bold == b.bold and a.ppr == b.ppr and _similar(a.text, b.text)
    if isinstance(a, _Table) and isinstance(b, _Table):
        return a.kind == b.kind
    return False


def _align(old: Sequence, new: Sequence, pairable=_pairable):
    """Yield ("same", a, b), ("pair", a, b), ("del", a, None), ("ins", None, b) in reading
    order: equal runs kept, and within a changed stretch each removed item paired, in order,
    with a like added one (it is then shown as edited) where there is one."""
    matcher = difflib.SequenceMatcher(
        a=[x.key for x in old], b=[x.key for x in new], autojunk=False
    )
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for a, b in zip(old[i1:i2], new[j1:j2], strict=True):
                yield "same", a, b
            continue
        i, j = i1, j1
        while i < i2 or j < j2:
            match = next(
                ((x, y) for x in range(i, i2) for y in range(j, j2) if pairable(old[x], new[y])),
                None,
            )
            if match is None:
                x, y = i2, j2
            else:
                x, y = match
            for k in range(i, x):
                yield "del", old[k], None
            for k in range(j, y):
                yield "ins", None, new[k]
            if match is None:
                break
            yield "pair", old[x], new[y]
            i, j = x + 1, y + 1


def _body(writer: _Writer, earlier: AgreementDocument, later: AgreementDocument) -> None:
    title_start = len(writer.out)
    for old, new in (
        (_plain(earlier.title, style="Title"), _plain(later.title, style="Title")),
        (_plain(earlier.subtitle, style="Subtitle"), _plain(later.subtitle, style="Subtitle")),
    ):
        writer.emit(writer.same(new) if old == new else writer.changed(old, new))
        if writer.title_at is None:
            writer.title_at = (title_start, len(writer.out) - 1)
    old_sections, new_sections = _sections(earlier), _sections(later)
    matcher = difflib.SequenceMatcher(
        a=[s.key for s in old_sections], b=[s.key for s in new_sections], autojunk=False
    )
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for a, b in zip(old_sections[i1:i2], new_sections[j1:j2], strict=True):
                heading = (
                    writer.same(b.heading)
                    if a.heading == b.heading
                    else writer.changed(a.heading, b.heading)
                )
                writer.section_heading(b.key, heading)
                writer.elements(a.elements, b.elements)
            continue
        # Clauses switched off (or moved away) out where they stood, then the ones switched on
        # (or moved here) in.
        for section in old_sections[i1:i2]:
            writer.section_heading(
                section.key, writer.whole(section.heading, "del"), mark_changed=True
            )
            for element in section.elements:
                writer.removed(element)
        for section in new_sections[j1:j2]:
            writer.section_heading(
                section.key, writer.whole(section.heading, "ins"), mark_changed=True
            )
            for element in section.elements:
                writer.added(element)
    if writer.previous_table or writer.last_mark_changed:
        # The body's last paragraph mark can be neither a table's end nor a removed mark.
        writer.out.append(STRUCTURAL_PARAGRAPH)


# --- comments ---------------------------------------------------------------------------------


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive UTC times
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split() if word)[:4].upper()


def _para_id(number: int) -> str:
    # w14:paraId: 8 hex digits below 0x80000000
    return f"{(0x1000 + number) & 0x7FFFFFFF:08X}"


def _flatten(comments: Sequence[RedlineComment]):
    """(comment, parent index or None) for every comment and reply, parents first."""
    out: list[tuple[RedlineComment, int | None]] = []

    def add(comment: RedlineComment, parent: int | None) -> None:
        out.append((comment, parent))
        index = len(out) - 1
        for reply in comment.replies:
            add(replace(reply, clause_key=comment.clause_key, resolved=comment.resolved), index)

    for comment in comments:
        add(comment, None)
    return out


def _comment_parts(flat) -> tuple[str, str]:
    comments, extended, last_ids = [], [], []
    for number, (comment, parent) in enumerate(flat):
        lines = comment.text.splitlines() or [""]
        paragraphs = []
        for index, line in enumerate(lines):
            ref = "<w:r><w:annotationRef/></w:r>" if index == 0 else ""
            para_id = _para_id(number * 1000 + index)
            text = f'<w:r><w:t xml:space="preserve">{_escape(line)}</w:t></w:r>' if line else ""
            paragraphs.append(
                f'<w:p w14:paraId="{para_id}" w14:textId="77777777">{ref}{text}</w:p>'
            )
        comments.append(
            f'<w:comment w:id="{number}" w:author="{_escape(comment.author)}" '
            f'w:date="{_iso(comment.when)}" w:initials="{_escape(_initials(comment.author))}">'
            f"{''.join(paragraphs)}</w:comment>"
        )
        last = _para_id(number * 1000 + len(lines) - 1)
        last_ids.append(last)
        parent_attr = f' w15:paraIdParent="{last_ids[parent]}"' if parent is not None else ""
        done = "1" if comment.resolved else "0"
        extended.append(f'<w15:commentEx w15:paraId="{last}"{parent_attr} w15:done="{done}"/>')
    head = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    namespaces = (
        f'xmlns:w="{_W_NS}" xmlns:w14="{_W14_NS}" xmlns:w15="{_W15_NS}" '
        f'xmlns:mc="{_MC_NS}" mc:Ignorable="w14 w15"'
    )
    return (
        f"{head}<w:comments {namespaces}>{''.join(comments)}</w:comments>",
        f"{head}<w15:commentsEx {namespaces}>{''.join(extended)}</w15:commentsEx>",
    )


def _anchor_comments(writer: _Writer, flat) -> None:
    """Put each comment's range around its clause heading's text (the title's for the
    agreement as a whole, or for a clause in neither version)."""
    by_paragraph: dict[int, list[int]] = {}
    for number, (comment, _parent) in enumerate(flat):
        span = writer.headings.get(comment.clause_key or "") or writer.title_at
        by_paragraph.setdefault(span[0], []).append(number)
    for index, numbers in by_paragraph.items():
        xml = writer.out[index]
        open_at = (
            xml.index(">", xml.index("</w:pPr>") if "</w:pPr>" in xml else xml.index("<w:p")) + 1
        )
        starts = "".join(f'<w:commentRangeStart w:id="{n}"/>' for n in numbers)
        ends = "".join(
            f'<w:commentRangeEnd w:id="{n}"/><w:r><w:commentReference w:id="{n}"/></w:r>'
            for n in numbers
        )
        close_at = xml.rindex("</w:p>")
        writer.out[index] = xml[:open_at] + starts + xml[open_at:close_at] + ends + xml[close_at:]


# --- the package ------------------------------------------------------------------------------


def build_redline(
    earlier: AgreementDocument,
    later: AgreementDocument,
    *,
    author: str,
    when: dt.datetime,
    comments: Sequence[RedlineComment] = (),
    title: str | None = None,
    project_name: str = "",
    version_label: str = "",
) -> bytes:
    """Return a .docx of `later` with every change from `earlier` tracked as made by
    `author` at `when`, and `comments` as Word comments. The page header carries
    ``later.status`` (say which two texts are compared there)."""
    base, _static_zip = _base()
    writer = _Writer(author=author, date=_iso(when))
    _body(writer, earlier, later)
    flat = _flatten(comments)
    if flat:
        _anchor_comments(writer, flat)
    document = base.document_start + "".join(writer.out) + base.document_end
    header = _header(base, replace(later, draft=False))
    core = _core_xml(
        title=title if title is not None else f"{later.title} – {later.subtitle}",
        subject="Social partnerskabsaftale – ændringer",
        author=author,
        version=version_label,
        keywords="; ".join(item for item in ("social partnerskabsaftale", project_name) if item),
        timestamp=when,
    )
    parts = dict(base.static_parts)
    # Word tracks the reader's own edits from here on, as in a negotiation.
    settings = parts[_SETTINGS_PART].decode("utf-8")
    # (in the schema's order: after proofState, before defaultTabStop)
    settings = settings.replace("<w:defaultTabStop", "<w:trackRevisions/><w:defaultTabStop", 1)
    parts[_SETTINGS_PART] = settings.encode("utf-8")
    extra: dict[str, str] = {}
    if flat:
        comments_xml, extended_xml = _comment_parts(flat)
        extra = {"word/comments.xml": comments_xml, "word/commentsExtended.xml": extended_xml}
        rels = (
            parts[_RELS_PART]
            .decode("utf-8")
            .replace(
                "</Relationships>",
                f'<Relationship Id="rIdComments" Type="{_COMMENTS_REL}" Target="comments.xml"/>'
                f'<Relationship Id="rIdCommentsEx" Type="{_COMMENTS_EX_REL}" '
                'Target="commentsExtended.xml"/></Relationships>',
            )
        )
        types = (
            parts[_TYPES_PART]
            .decode("utf-8")
            .replace(
                "</Types>",
                f'<Override PartName="/word/comments.xml" ContentType="{_COMMENTS_TYPE}"/>'
                '<Override PartName="/word/commentsExtended.xml" '
                f'ContentType="{_COMMENTS_EX_TYPE}"/>'
                "</Types>",
            )
        )
        parts[_RELS_PART], parts[_TYPES_PART] = rels.encode("utf-8"), types.encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name in sorted(parts, key=lambda n: n != _TYPES_PART):
            _write(package, name, parts[name])
        _write(package, "word/document.xml", document)
        _write(package, base.header_name, header)
        _write(package, "docProps/core.xml", core)
        for name, xml in extra.items():
            _write(package, name, xml)
    return buffer.getvalue()
