"""Write an AgreementDocument as a Word (.docx) file, fast.

The base package (styles, numbering, header, footer) is built once per process by
docx_base.py and zipped once. Each agreement then copies those zipped bytes and appends only
the three parts that change: word/document.xml, the page header and docProps/core.xml. The
body XML is written directly as text with every drafter-supplied string escaped, which is why
text such as ``<w:p>`` or ``]]>`` in a value arrives in Word literally.

A document with pictures (a report's chart) also needs its images in word/media and their
relationships and content type: the base's parts with those added are zipped once per process
for each set of images (`_media_base`), and the images are stored as they are (a PNG is
compressed already).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import struct
import threading
import zipfile
import zlib
from dataclasses import dataclass, field

from app.agreements.document_model import (
    AgreementDocument,
    Block,
    Bullets,
    LadderTable,
    Paragraph,
    Picture,
    Signatures,
    SubHeading,
    Table,
    signature_line,
)
from app.agreements.docx_base import (
    HEADER_PLACEHOLDER,
    HEADING_NUM_ID,
    LANGUAGE,
    Base,
    build_base_docx,
    split_base,
)
from app.sanitise import xml_text

_LADDER_WIDTHS = (950, 2450, 2570, 3100)
_SIGNATURE_WIDTH = 4535
_TEXT_WIDTH = 9070  # twips between the margins
_EMU_PER_CM = 360_000
_RELS_PART = "word/_rels/document.xml.rels"
_TYPES_PART = "[Content_Types].xml"
_IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
_lock = threading.Lock()
_cache: tuple[Base, bytes] | None = None
# Every zip entry gets this time, so the same document gives the same bytes (an approved
# version downloads byte-identically; its core properties carry the approval time).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Marks the one paragraph Word needs after a table that ends the document (or sits right
# before another table); it holds nothing and takes no height. Not used for spacing.
STRUCTURAL_PARAGRAPH = (
    '<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
    '<w:rPr><w:sz w:val="2"/></w:rPr></w:pPr></w:p>'
)
_WATERMARK = (
    '<w:r><w:pict><v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" '
    'adj="10800" path="m@7,l@8,m@5,21600l@6,21600e"><v:formulas>'
    '<v:f eqn="sum #0 0 10800"/><v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/>'
    '<v:f eqn="sum 0 0 @2"/><v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/>'
    '<v:f eqn="if @0 21600 @1"/><v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/>'
    '<v:f eqn="mid @5 @6"/><v:f eqn="mid @8 @5"/><v:f eqn="mid @7 @8"/><v:f eqn="mid @6 @7"/>'
    '<v:f eqn="sum @6 0 @5"/></v:formulas><v:path textpathok="t" o:connecttype="custom" '
    'o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0"/>'
    '<v:textpath on="t" fitshape="t"/><o:lock v:ext="edit" text="t" shapetype="t"/>'
    '</v:shapetype><v:shape id="PowerPlusWaterMarkObject1" o:spid="_x0000_s1025" '
    'type="#_x0000_t136" style="position:absolute;margin-left:0;margin-top:0;width:440pt;'
    "height:110pt;rotation:315;z-index:-251657216;mso-position-horizontal:center;"
    "mso-position-horizontal-relative:margin;mso-position-vertical:center;"
    'mso-position-vertical-relative:margin" o:allowincell="f" fillcolor="#d9d9d9" '
    'stroked="f"><v:fill opacity=".5"/><v:textpath style="font-family:&quot;Calibri&quot;;'
    'font-size:1pt" string="UDKAST"/></v:shape></w:pict></w:r>'
)


def _base() -> tuple[Base, bytes]:
    """Return the split base and a zip holding its static parts (built once per process)."""
    global _cache
    with _lock:
        if _cache is None:
            base = split_base(build_base_docx())
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
                # [Content_Types].xml first, as Office writes it.
                for name in sorted(base.static_parts, key=lambda n: n != "[Content_Types].xml"):
                    _write(package, name, base.static_parts[name], level=6)
            _cache = (base, buffer.getvalue())
        return _cache


def _write(
    package: zipfile.ZipFile, name: str, data: str | bytes, level: int = 1, stored: bool = False
) -> None:
    """Add a part; `stored` for data that is compressed already (a PNG): deflating it again
    costs time and saves nothing."""
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    package.writestr(info, data, compresslevel=level)


def to_docx(
    doc: AgreementDocument,
    *,
    title: str | None = None,
    subject: str = "Social partnerskabsaftale",
    author: str = "Byg Op",
    version_label: str = "",
    project_name: str = "",
    timestamp: dt.datetime | None = None,
) -> bytes:
    """Return the agreement as .docx bytes; metadata goes into the file's core properties.

    ``timestamp`` is the created and modified time in the core properties (a saved version's
    own time, so the same version gives the same bytes); the current time when not given.
    """
    base, static_zip = _base()
    media = _Media()
    body = [base.document_start]
    body.append(_paragraph(doc.title, "Title"))
    body.append(_paragraph(doc.subtitle, "Subtitle"))
    blocks: list[tuple[Block | None, str]] = []
    for section in doc.sections:
        # The number comes from the Heading 2 numbering, so Word renumbers if clauses move.
        blocks.append((None, _heading(section.title, section.anchor)))
        for index, block in enumerate(section.blocks):
            following = section.blocks[index + 1] if index + 1 < len(section.blocks) else None
            blocks.append(
                (
                    block,
                    _block(
                        block,
                        media,
                        keep_next=following is not None and isinstance(following, Signatures),
                    ),
                )
            )
    previous_table = False
    for block, xml in blocks:
        table = isinstance(block, _TABLES)
        if table and previous_table:
            body.append(STRUCTURAL_PARAGRAPH)
        body.append(xml)
        previous_table = table
    if previous_table:
        body.append(STRUCTURAL_PARAGRAPH)
    body.append(base.document_end)
    header = _header(base, doc)
    core = _core_xml(
        title=title if title is not None else f"{doc.title} – {doc.subtitle}",
        subject=subject,
        author=author,
        version=version_label,
        keywords="; ".join(item for item in ("social partnerskabsaftale", project_name) if item),
        timestamp=timestamp,
    )
    if media.images:
        return _package_with_media(base, media, "".join(body), header, core)
    buffer = io.BytesIO(static_zip)
    buffer.seek(0, io.SEEK_END)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as package:
        _write(package, "word/document.xml", "".join(body))
        _write(package, base.header_name, header)
        _write(package, "docProps/core.xml", core)
    return buffer.getvalue()


def _header(base: Base, doc: AgreementDocument) -> str:
    """The page header: the agreement's name, then the version mark (and a watermark on a
    draft) on every page."""
    watermark = _WATERMARK if doc.draft else ""
    header = base.header_template.replace(
        f"{HEADER_PLACEHOLDER}</w:t></w:r>", f"{_escape(doc.header)}</w:t></w:r>{watermark}", 1
    )
    if doc.status:
        end = header.index("</w:p>", header.index("<w:p")) + len("</w:p>")
        status = (
            '<w:p><w:pPr><w:pStyle w:val="Header"/><w:jc w:val="right"/></w:pPr>'
            f"{_runs(doc.status, bold=doc.draft)}</w:p>"
        )
        header = header[:end] + status + header[end:]
    return header


def _heading(title: str, anchor: str) -> str:
    return (
        f'<w:p><w:pPr><w:pStyle w:val="Heading2"/></w:pPr>{_bookmarked(_runs(title), anchor)}</w:p>'
    )


def _bookmarked(runs: str, anchor: str) -> str:
    if not anchor:
        return runs
    number = zlib.crc32(anchor.encode("utf-8")) % 100_000_000  # stable: same bytes every time
    return (
        f'<w:bookmarkStart w:id="{number}" w:name="{_escape(anchor)}"/>{runs}'
        f'<w:bookmarkEnd w:id="{number}"/>'
    )


def _ref_field(anchor: str, shown: str) -> str:
    """A Word cross-reference to a numbered paragraph: REF <bookmark> \\r \\h shows its number."""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve">'
        f" REF {_escape(anchor)} \\r \\h </w:instrText></w:r>"
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f'<w:r><w:t>{_escape(shown)}</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def _numbered(paragraph: Paragraph, keep_next: bool = False) -> str:
    """A numbered agreement paragraph (level 2 of the clause numbering: "6.2")."""
    runs, position = [], 0
    for start, end, anchor in paragraph.refs:
        runs.append(_runs(paragraph.text[position:start]))
        runs.append(_ref_field(anchor, paragraph.text[start:end]))
        position = end
    runs.append(_runs(paragraph.text[position:]))
    keep = "<w:keepNext/>" if keep_next else ""
    ppr = (
        f'<w:pPr>{keep}<w:numPr><w:ilvl w:val="1"/><w:numId w:val="{HEADING_NUM_ID}"/>'
        "</w:numPr></w:pPr>"
    )
    return f"<w:p>{ppr}{_bookmarked(''.join(runs), paragraph.anchor)}</w:p>"


@dataclass
class _Media:
    """The images a document embeds, in order: (relationship id, part name, bytes)."""

    images: list[tuple[str, str, bytes]] = field(default_factory=list)

    def add(self, png: bytes) -> tuple[str, int]:
        number = len(self.images) + 1
        rel_id = f"rIdImage{number}"
        self.images.append((rel_id, f"media/image{number}.png", png))
        return rel_id, number


def _package_with_media(base: Base, media: _Media, body: str, header: str, core: str) -> bytes:
    buffer = io.BytesIO(_media_base(tuple((rel_id, target) for rel_id, target, _ in media.images)))
    buffer.seek(0, io.SEEK_END)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as package:
        _write(package, "word/document.xml", body)
        _write(package, base.header_name, header)
        _write(package, "docProps/core.xml", core)
        for _, target, png in media.images:
            _write(package, f"word/{target}", png, stored=True)
    return buffer.getvalue()


@functools.lru_cache(maxsize=8)
def _media_base(images: tuple[tuple[str, str], ...]) -> bytes:
    """The zipped static parts for a document with these images (relationship id, part
    name): the base's parts with the images' relationships and the PNG content type added,
    zipped once per process for each such set (a report always has the same one)."""
    base, _ = _base()
    rels = base.static_parts[_RELS_PART].decode("utf-8")
    extra = "".join(
        f'<Relationship Id="{rel_id}" Type="{_IMAGE_REL}" Target="{target}"/>'
        for rel_id, target in images
    )
    rels = rels.replace("</Relationships>", extra + "</Relationships>")
    types = base.static_parts[_TYPES_PART].decode("utf-8")
    if 'Extension="png"' not in types:
        types = types.replace(
            '<Default Extension="rels"',
            '<Default Extension="png" ContentType="image/png"/><Default Extension="rels"',
        )
    changed = {_RELS_PART: rels.encode("utf-8"), _TYPES_PART: types.encode("utf-8")}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name in sorted(base.static_parts, key=lambda n: n != _TYPES_PART):
            _write(package, name, changed.get(name, base.static_parts[name]), level=6)
    return buffer.getvalue()


# Every character `_escape` or `_runs` must act on; most table cells hold none of them.
_NEEDS_WORK = re.compile('[&<>"\t\x00-\x1f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]')


def _escape(text: str) -> str:
    if not _NEEDS_WORK.search(text):
        return text
    text = xml_text(text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _runs(text: str, bold: bool = False) -> str:
    if not text:
        return ""
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    pieces = _escape(text).split("\t")
    inner = f'</w:t></w:r><w:r>{rpr}<w:tab/><w:t xml:space="preserve">'.join(pieces)
    return f'<w:r>{rpr}<w:t xml:space="preserve">{inner}</w:t></w:r>'


def _paragraph(text: str, style: str | None = None, *, bold=False, extra_ppr: str = "") -> str:
    style_xml = f'<w:pStyle w:val="{style}"/>' if style else ""
    ppr = f"<w:pPr>{style_xml}{extra_ppr}</w:pPr>" if style_xml or extra_ppr else ""
    return f"<w:p>{ppr}{_runs(text, bold)}</w:p>"


_TABLES = (LadderTable, Signatures, Table)


def _block(block: Block, media: _Media, keep_next: bool = False) -> str:
    if isinstance(block, Paragraph):
        if block.number:
            return _numbered(block, keep_next)
        return _paragraph(block.text, extra_ppr="<w:keepNext/>" if keep_next else "")
    if isinstance(block, SubHeading):
        return _paragraph(block.text, "Heading3")
    if isinstance(block, Bullets):
        return "".join(_paragraph(item, "ListBullet") for item in block.items)
    if isinstance(block, LadderTable):
        return _ladder(block)
    if isinstance(block, Signatures):
        return _signatures(block)
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Picture):
        return _picture(block, media)
    raise TypeError(f"unknown block {block!r}")


def _cell(content: str, width: int, fill: str = "") -> str:
    shading = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shading}</w:tcPr>{content}</w:tc>'


_CELL_PPR = '<w:spacing w:before="40" w:after="40"/>'


def _ladder(table: LadderTable) -> str:
    widths = _LADDER_WIDTHS if len(table.header) == len(_LADDER_WIDTHS) else None
    if widths is None:
        widths = (9070 // max(1, len(table.header)),) * len(table.header)
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    head = "".join(
        _cell(_paragraph(text, bold=True, extra_ppr=_CELL_PPR), w, "D9E2F3")
        for text, w in zip(table.header, widths, strict=False)
    )
    rows = [f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{head}</w:tr>"]
    for row in table.rows:
        cells = "".join(
            _cell(_paragraph(text, extra_ppr=_CELL_PPR), w)
            for text, w in zip(row, widths, strict=False)
        )
        rows.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells}</w:tr>")
    return (
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def _table(table: Table) -> str:
    columns = len(table.header)
    widths = table.widths if table.widths and len(table.widths) == columns else None
    widths = widths or (_TEXT_WIDTH // max(1, columns),) * columns

    def ppr(index: int) -> str:
        return _CELL_PPR + ('<w:jc w:val="right"/>' if index in table.numeric else "")

    def row(cells, *, bold=False, fill="") -> str:
        return "".join(
            _cell(_paragraph(text, bold=bold, extra_ppr=ppr(i)), w, fill)
            for i, (text, w) in enumerate(zip(cells, widths, strict=False))
        )

    # A body cell is its column's opening, the text's runs and a fixed close: the openings
    # are built once per table rather than once per cell (a report's placement table has
    # about 1,800 cells).
    openings = [
        _cell(f"<w:p><w:pPr>{ppr(i)}</w:pPr>", w).removesuffix("</w:tc>")
        for i, w in enumerate(widths)
    ]

    def body_row(cells) -> str:
        return "".join(
            f"{opening}{_runs(text)}</w:p></w:tc>"
            for opening, text in zip(openings, cells, strict=False)
        )

    rows = [
        "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
        f"{row(table.header, bold=True, fill='D9E2F3')}</w:tr>"
    ]
    rows += [
        f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{body_row(cells)}</w:tr>" for cells in table.rows
    ]
    if table.total:
        rows.append(
            f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{row(table.total, bold=True, fill='F2F2F2')}"
            "</w:tr>"
        )
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    last_row = "1" if table.total else "0"
    return (
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/>'
        f'<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="{last_row}" w:firstColumn="0" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, read from the PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return struct.unpack(">II", png[16:24])


def _picture(picture: Picture, media: _Media) -> str:
    width_px, height_px = png_size(picture.png)
    rel_id, number = media.add(picture.png)
    cx = int(picture.width_cm * _EMU_PER_CM)
    cy = int(cx * height_px / max(width_px, 1))
    alt = _escape(picture.description)
    graphic = (
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:nvPicPr><pic:cNvPr id="{number}" name="image{number}.png" descr="{alt}"/>'
        "<pic:cNvPicPr/></pic:nvPicPr>"
        f'<pic:blipFill><a:blip r:embed="{rel_id}"/><a:stretch><a:fillRect/></a:stretch>'
        "</pic:blipFill>"
        f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
        "</pic:pic></a:graphicData></a:graphic>"
    )
    drawing = (
        '<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{number}" name="Billede {number}" descr="{alt}"/>'
        "<wp:cNvGraphicFramePr>"
        '<a:graphicFrameLocks xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'noChangeAspect="1"/></wp:cNvGraphicFramePr>'
        f"{graphic}</wp:inline></w:drawing></w:r>"
    )
    out = f'<w:p><w:pPr><w:keepNext/><w:spacing w:before="120"/></w:pPr>{drawing}</w:p>'
    if picture.caption:
        out += _paragraph(picture.caption, "Caption")
    return out


def _signatures(block: Signatures) -> str:
    cells = []
    for party in block.parties:
        content = _paragraph(party.role, bold=True, extra_ppr="<w:keepNext/>")
        content += _paragraph(party.name, extra_ppr="<w:keepNext/>")
        for label in block.lines:
            content += _paragraph(
                signature_line(label), extra_ppr='<w:keepNext/><w:spacing w:before="480"/>'
            )
        cells.append(_cell(content, _SIGNATURE_WIDTH))
    grid = f'<w:gridCol w:w="{_SIGNATURE_WIDTH}"/>' * len(block.parties)
    return (
        '<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:tblBorders>'
        '<w:top w:val="nil"/><w:left w:val="nil"/><w:bottom w:val="nil"/><w:right w:val="nil"/>'
        '<w:insideH w:val="nil"/><w:insideV w:val="nil"/></w:tblBorders>'
        '<w:tblLook w:val="0000"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>"
        f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{''.join(cells)}</w:tr></w:tbl>"
    )


def _core_xml(
    *,
    title: str,
    subject: str,
    author: str,
    version: str,
    keywords: str,
    timestamp: dt.datetime | None = None,
) -> str:
    moment = timestamp or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:  # SQLite hands back naive UTC times
        moment = moment.replace(tzinfo=dt.UTC)
    now = moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_escape(title)}</dc:title>"
        f"<dc:subject>{_escape(subject)}</dc:subject>"
        f"<dc:creator>{_escape(author)}</dc:creator>"
        f"<cp:keywords>{_escape(keywords)}</cp:keywords>"
        f"<dc:language>{LANGUAGE}</dc:language>"
        f"<cp:lastModifiedBy>{_escape(author)}</cp:lastModifiedBy>"
        "<cp:revision>1</cp:revision>"
        f"<cp:version>{_escape(version)}</cp:version>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
        "</cp:coreProperties>"
    )
