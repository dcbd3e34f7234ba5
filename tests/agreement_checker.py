"""Open a generated agreement .docx and check what a tender lawyer and a printer would notice.

A plain helper module (no fixtures): `check_agreement(data, doc)` asserts on the Word file
itself (parsed with python-docx and the raw XML parts), `pdf_pages(...)` converts with
LibreOffice and returns the text per page.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
from docx.oxml.ns import qn

from app.agreements.document_model import AgreementDocument, Paragraph, Signatures, to_html, to_text
from app.agreements.docx_base import HEADING_NUM_ID
from app.agreements.docx_writer import ZIP_TIME

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def body_elements(document):
    """The body's paragraphs and tables, in order, as python-docx objects."""
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            yield docx.text.paragraph.Paragraph(child, document)
        elif child.tag == qn("w:tbl"):
            yield docx.table.Table(child, document)


def _num(paragraph) -> tuple[int, int] | None:
    ppr = paragraph._p.pPr
    num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
    if num_pr is None:
        return None
    return (
        int(num_pr.find(qn("w:ilvl")).get(qn("w:val"))),
        int(num_pr.find(qn("w:numId")).get(qn("w:val"))),
    )


def _has(paragraph, tag: str) -> bool:
    ppr = paragraph._p.pPr
    return ppr is not None and ppr.find(qn(tag)) is not None


def words(text: str) -> list[str]:
    return re.sub(r"[•|]", " ", text).split()


def check_agreement(data: bytes, doc: AgreementDocument) -> docx.Document:
    """Assert the form of one agreement file; return the parsed document for more checks."""
    package = zipfile.ZipFile(io.BytesIO(data))
    assert package.testzip() is None
    assert {info.date_time for info in package.infolist()} == {ZIP_TIME}
    document = docx.Document(io.BytesIO(data))

    # Document properties are ours and carry no stale counts.
    app_xml = package.read("docProps/app.xml").decode("utf-8")
    assert "<Application>Byg Op intranet</Application>" in app_xml
    assert "Microsoft" not in app_xml and "<Pages>" not in app_xml

    # Fonts: Calibri named everywhere (Carlito in LibreOffice), never a theme font.
    styles = package.read("word/styles.xml").decode("utf-8")
    assert "Theme=" not in styles and "cstheme" not in styles
    fonts = set(re.findall(r'w:ascii="([^"]+)"', styles)) - {"Courier"}
    assert fonts == {"Calibri"}, fonts
    assert b"Cambria" not in package.read("word/theme/theme1.xml")

    elements = list(body_elements(document))
    first = elements[0]
    assert (first.style.name, first.text) == ("Title", doc.title)

    # Headings and numbered paragraphs in the model's order, numbered by Word's list.
    headings = [e for e in elements if hasattr(e, "style") and e.style.name == "Heading 2"]
    assert [h.text for h in headings] == [s.title for s in doc.sections]
    numbered = [e for e in elements if hasattr(e, "_p") and _num(e) == (1, HEADING_NUM_ID)]
    paragraphs = [b for s in doc.sections for b in s.blocks if isinstance(b, Paragraph)]
    assert [p.text for p in numbered] == [p.text for p in paragraphs]
    expected, clause, count = [], 0, 0
    for element in elements:
        if element in headings:
            clause, count = clause + 1, 0
        elif element in numbered:
            count += 1
            expected.append(f"{clause}.{count}")
    assert expected == [p.number for p in paragraphs]

    # Cross-references are REF fields to bookmarks that exist, showing the cited number.
    body_xml = package.read("word/document.xml").decode("utf-8")
    bookmarks = set(re.findall(r'<w:bookmarkStart w:id="\d+" w:name="([^"]+)"/>', body_xml))
    refs = re.findall(
        r" REF (\S+) \\r \\h </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/>"
        r"</w:r><w:r><w:t>([^<]+)</w:t>",
        body_xml,
    )
    cited = [(anchor, p.text[s:e]) for p in paragraphs for s, e, anchor in p.refs]
    assert cited and refs == cited
    by_anchor = {p.anchor: p.number for p in paragraphs if p.anchor}
    for anchor, shown in refs:
        assert anchor in bookmarks
        assert by_anchor[anchor] == shown

    # No empty paragraph for spacing; the only empty one is Word's after a final table.
    for index, element in enumerate(elements):
        if hasattr(element, "_p") and not element.text.strip():
            assert index == len(elements) - 1 and hasattr(elements[index - 1], "rows"), index
    for table in document.tables:
        for cell in (c for row in table.rows for c in row.cells):
            assert all(p.text.strip() for p in cell.paragraphs)

    # The signature block is a table held to the last clause: the paragraph before it keeps
    # with it, its row cannot split.
    signature_index = next(
        i for i, e in enumerate(elements) if hasattr(e, "rows") and "Underskrift" in _cells(e)
    )
    before = elements[signature_index - 1]
    assert _has(before, "w:keepNext") and before.text
    row = elements[signature_index].rows[0]._tr
    assert row.trPr is not None and row.trPr.find(qn("w:cantSplit")) is not None
    assert any(isinstance(b, Signatures) for b in doc.sections[-1].blocks)

    # The version mark in the header; a watermark on a draft only.
    header_xml = "".join(
        package.read(name).decode("utf-8")
        for name in package.namelist()
        if name.startswith("word/header")
    )
    header_text = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    if doc.status:
        assert doc.status in header_text
    assert ('string="UDKAST"' in header_xml) == doc.draft

    # The text and HTML forms carry the same words as the Word file.
    word_words = []
    for element in elements:
        if hasattr(element, "rows"):
            for row in element.rows:
                for cell in row.cells:
                    word_words += words(cell.text)
        else:
            number = paragraphs[numbered.index(element)].number if element in numbered else ""
            word_words += words(f"{number} {element.text}")
    text_words = words(to_text(doc))
    if doc.status:
        assert text_words[: len(words(doc.status))] == words(doc.status)
        text_words = text_words[len(words(doc.status)) :]
    headings_words = [w for s in doc.sections for w in words(f"{s.number}.")]
    assert [w for w in text_words if w not in headings_words] == [
        w for w in word_words if w not in headings_words
    ]
    html_text = html.unescape(re.sub(r"<[^>]+>", " ", to_html(doc)))
    assert words(html_text) == words(to_text(doc))
    return document


def _cells(table) -> str:
    return " ".join(cell.text for row in table.rows for cell in row.cells)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(paths: list[Path], outdir: Path) -> None:
    """Convert .docx files to PDF with LibreOffice, in one run."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "profile"
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext), in reading order."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[: page_count(pdf)]


def pdf_fonts(pdf: Path) -> str:
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
