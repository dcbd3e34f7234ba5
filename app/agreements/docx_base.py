"""Build the Word base document (styles, numbering, header, footer, page setup) in code.

Nothing binary is committed: the writer builds this base once per process, in memory, and
agreement_templates/build_base.py writes the same bytes to a file for review in Word.
The base is made with python-docx from its default template, then trimmed of parts an
agreement does not need (the python-docx thumbnail, stylesWithEffects, customXml).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

LANGUAGE = "da-DK"
HEADER_PLACEHOLDER = "@@HEADER@@"
HEADING_NUM_ID = 90  # clause headings "1.", "2.", ... (level 0) and paragraphs "1.1" (level 1)
BULLET_NUM_ID = 91  # the List Bullet style's bullets
TEXT_WIDTH = 9070  # twips between the 2.5 cm margins on A4
_DROPPED_PARTS = ("docProps/thumbnail.jpeg", "word/stylesWithEffects.xml", "customXml/")
_LANG_STYLES = (
    "Normal",
    "Title",
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "Subtitle",
    "List Bullet",
    "Header",
    "Footer",
)
_ACCENT = RGBColor(0x1F, 0x4E, 0x79)


@dataclass(frozen=True)
class Base:
    """The base package split into what every agreement reuses and what it fills in."""

    static_parts: dict[str, bytes]  # zip name -> bytes, copied unchanged
    document_start: str  # document.xml up to and including <w:body>
    document_end: str  # the body's sectPr and the closing tags
    header_name: str  # zip name of the header part
    header_template: str  # header XML with HEADER_PLACEHOLDER where the text goes


def build_base_docx() -> bytes:
    """Return the base .docx: A4, Danish language, numbered headings, bullets, header, footer."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    section.header_distance = section.footer_distance = Cm(1.2)

    _style_text(document)
    _add_numbering(document)
    _set_language(document)

    header = section.header.paragraphs[0]
    header.style = document.styles["Header"]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.add_run(HEADER_PLACEHOLDER)
    footer = section.footer.paragraphs[0]
    footer.style = document.styles["Footer"]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Side ")
    _add_field(footer, "PAGE")
    footer.add_run(" af ")
    _add_field(footer, "NUMPAGES")

    core = document.core_properties
    core.language = LANGUAGE
    core.author = core.last_modified_by = "Byg Op"
    core.comments = ""

    buffer = io.BytesIO()
    document.save(buffer)
    return _trim(buffer.getvalue())


# Our own extended properties: python-docx's template says "Microsoft Macintosh Word" and one
# page. No page, word or line counts: they would be stale for every agreement.
APP_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>Byg Op intranet</Application><DocSecurity>0</DocSecurity>"
    "<ScaleCrop>false</ScaleCrop><Company>Byg Op</Company><LinksUpToDate>false</LinksUpToDate>"
    "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged></Properties>"
)
FONT = "Calibri"  # LibreOffice lays it out with Carlito, which has the same metrics
_THEME_FONT_ATTRS = re.compile(r'\sw:(?:ascii|hAnsi|eastAsia|cs)Theme="[^"]*"|\sw:cstheme="[^"]*"')


def _fonts(name: str, content: bytes) -> bytes:
    """Name Calibri everywhere instead of the theme's fonts (whose minor font is Cambria)."""
    if name == "word/styles.xml":
        text = _THEME_FONT_ATTRS.sub("", content.decode("utf-8"))
        text = text.replace(
            "<w:rFonts/>", f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}"/>', 1
        )
        return text.encode("utf-8")
    if name == "word/theme/theme1.xml":
        return content.replace(b'typeface="Cambria"', f'typeface="{FONT}"'.encode())
    if name == "docProps/app.xml":
        return APP_XML.encode("utf-8")
    return content


def _style_text(document) -> None:
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    title = styles["Title"]
    title.font.name = "Calibri"
    title.font.size = Pt(24)
    title.font.bold = True
    title.font.color.rgb = _ACCENT
    title.paragraph_format.space_before = Pt(0)
    title.paragraph_format.space_after = Pt(4)
    title.paragraph_format.keep_with_next = True
    borders = title.element.get_or_add_pPr().find(qn("w:pBdr"))
    if borders is not None:
        borders.getparent().remove(borders)
    for name, size, before, after in (
        ("Heading 1", 20, 0, 4),
        ("Heading 2", 13, 14, 4),
        ("Heading 3", 11, 8, 2),
    ):
        style = styles[name]
        style.font.name = "Calibri"
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = _ACCENT
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
        style.paragraph_format.keep_with_next = True
    subtitle = styles["Subtitle"]
    subtitle.font.size = Pt(14)
    subtitle.font.italic = False
    subtitle.font.color.rgb = _ACCENT
    subtitle.paragraph_format.space_after = Pt(18)
    styles["List Bullet"].paragraph_format.space_after = Pt(3)
    for name in ("Header", "Footer"):
        styles[name].font.size = Pt(9)


def _add_numbering(document) -> None:
    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{HEADING_NUM_ID}">'
        '<w:multiLevelType w:val="multilevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        '<w:numFmt w:val="decimal"/><w:pStyle w:val="Heading2"/><w:lvlText w:val="%1."/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="567" w:hanging="567"/></w:pPr>'
        '</w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="%1.%2"/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:ind w:left="567" w:hanging="567"/></w:pPr></w:lvl></w:abstractNum>'
    )
    bullet = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{BULLET_NUM_ID}">'
        '<w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        '<w:numFmt w:val="bullet"/><w:pStyle w:val="ListBullet"/><w:lvlText w:val="\u2022"/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="851" w:hanging="284"/></w:pPr>'
        '<w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri"/></w:rPr></w:lvl></w:abstractNum>'
    )
    first_num = numbering.find(qn("w:num"))
    first_num.addprevious(abstract)
    first_num.addprevious(bullet)
    for num_id in (HEADING_NUM_ID, BULLET_NUM_ID):
        numbering.append(
            parse_xml(
                f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/>'
                "</w:num>"
            )
        )
    for style_name, num_id in (("Heading 2", HEADING_NUM_ID), ("List Bullet", BULLET_NUM_ID)):
        num_pr = document.styles[style_name].element.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = 0
        num_pr.get_or_add_numId().val = num_id


def _set_language(document) -> None:
    styles = document.styles.element
    for lang in styles.iter(qn("w:lang")):
        lang.set(qn("w:val"), LANGUAGE)
    for name in _LANG_STYLES:
        rpr = document.styles[name].element.get_or_add_rPr()
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = parse_xml(f"<w:lang {nsdecls('w')}/>")
            rpr.append(lang)
        lang.set(qn("w:val"), LANGUAGE)
    settings = document.settings.element
    for name, value in (("w:decimalSymbol", ","), ("w:listSeparator", ";")):
        element = settings.find(qn(name))
        if element is not None:
            element.set(qn("w:val"), value)
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), LANGUAGE)


def _add_field(paragraph, instruction: str) -> None:
    """Append a Word field (PAGE, NUMPAGES) that Word and LibreOffice update on display."""
    run = paragraph.add_run()
    run._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="begin"/>'))
    run = paragraph.add_run()
    run._r.append(
        parse_xml(f'<w:instrText {nsdecls("w")} xml:space="preserve"> {instruction} </w:instrText>')
    )
    run = paragraph.add_run()
    run._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="separate"/>'))
    paragraph.add_run("1")
    run = paragraph.add_run()
    run._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="end"/>'))


def _trim(data: bytes) -> bytes:
    """Drop parts the agreement does not use, with their relationships and content types."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            name = info.filename
            if name.startswith(_DROPPED_PARTS):
                continue
            content = _fonts(name, source.read(name))
            if name.endswith(".rels") or name == "[Content_Types].xml":
                text = content.decode("utf-8")
                for dropped in _DROPPED_PARTS:
                    stem = dropped.rstrip("/").rsplit("/", 1)[-1]
                    text = re.sub(
                        rf"<(Relationship|Override)\b[^>]*{re.escape(stem)}[^>]*/>", "", text
                    )
                content = text.encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()


def split_base(data: bytes) -> Base:
    """Split base bytes into the static parts and the templates the writer fills in."""
    package = zipfile.ZipFile(io.BytesIO(data))
    parts = {name: package.read(name) for name in package.namelist()}
    document = parts.pop("word/document.xml").decode("utf-8")
    body = document.index("<w:body>") + len("<w:body>")
    sect = document.index("<w:sectPr", body)
    header_name = next(
        name
        for name, content in parts.items()
        if name.startswith("word/header") and HEADER_PLACEHOLDER.encode() in content
    )
    header = parts.pop(header_name).decode("utf-8")
    parts.pop("docProps/core.xml")
    return Base(
        static_parts=parts,
        document_start=document[:body],
        document_end=document[sect:],
        header_name=header_name,
        header_template=header,
    )
