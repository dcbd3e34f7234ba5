"""The agreement as a Word file: structure, styles, metadata, hostile text, LibreOffice."""

import io
import os
import re
import shutil
import subprocess
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from app.agreements.document import default_draft, render
from app.agreements.docx_writer import to_docx
from app.agreements.library import load_library
from app.agreements.samples import DEMO_VALUES, HOSTILE_TEXTS, hostile_values


@pytest.fixture(scope="module")
def library():
    return load_library()


def make_docx(library, *, enable_all=False, **values):
    draft = default_draft(library, **(DEMO_VALUES | values))
    if enable_all:
        for choice in draft.clauses:
            choice.enabled = True
    doc = render(library, draft)
    data = to_docx(
        doc,
        title="Partnerskabsaftale – Skovparken",
        subject="Social partnerskabsaftale",
        author="Byg Op",
        version_label="Version 3",
        project_name=draft.values["project_name"],
    )
    return doc, data, docx.Document(io.BytesIO(data))


@pytest.fixture(scope="module")
def demo(library):
    return make_docx(library)


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts += [p.text for p in cell.paragraphs]
    parts += [p.text for p in document.sections[0].header.paragraphs]
    return "\n".join(parts)


def numbering_level(document, num_id: int):
    numbering = document.part.numbering_part.element
    num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == str(num_id))
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = next(
        a
        for a in numbering.findall(qn("w:abstractNum"))
        if a.get(qn("w:abstractNumId")) == abstract_id
    )
    return abstract.find(qn("w:lvl"))


def style_num_id(style) -> int:
    num_pr = style.element.pPr.find(qn("w:numPr"))
    return int(num_pr.find(qn("w:numId")).get(qn("w:val")))


def test_package_is_a_clean_zip(demo):
    _, data, _ = demo
    package = zipfile.ZipFile(io.BytesIO(data))
    names = package.namelist()
    assert package.testzip() is None
    assert len(names) == len(set(names))
    assert "docProps/thumbnail.jpeg" not in names  # no python-docx logo in file browsers


def test_title_and_clause_headings_are_real_word_headings(demo):
    doc, _, document = demo
    assert (document.paragraphs[0].style.name, document.paragraphs[0].text) == (
        "Title",
        "Social partnerskabsaftale",
    )
    headings = [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    assert headings == [("Heading 2", s.title) for s in doc.sections]


def test_clause_headings_are_numbered_by_word(demo):
    _, _, document = demo
    heading = document.styles["Heading 2"]
    level = numbering_level(document, style_num_id(heading))
    assert level.find(qn("w:numFmt")).get(qn("w:val")) == "decimal"
    assert level.find(qn("w:lvlText")).get(qn("w:val")) == "%1."
    assert level.find(qn("w:start")).get(qn("w:val")) == "1"


def test_bullets_use_the_list_style_with_bullet_numbering(demo):
    doc, _, document = demo
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    expected = [
        item for s in doc.sections for b in s.blocks if hasattr(b, "items") for item in b.items
    ]
    assert bullets == expected and len(bullets) >= 15
    level = numbering_level(document, style_num_id(document.styles["List Bullet"]))
    assert level.find(qn("w:numFmt")).get(qn("w:val")) == "bullet"


def test_ladder_is_a_table_with_header_row_and_durations_from_values(library):
    _, _, document = make_docx(
        library,
        internship_weeks_min=2,
        internship_weeks_max=8,
        wage_subsidy_months=5,
        ordinary_months_min=7,
    )
    ladder = document.tables[0]
    rows = [[cell.text for cell in row.cells] for row in ladder.rows]
    assert len(rows) == 5
    assert rows[0] == ["Trin", "Forløb", "Vejledende varighed", "Tæller som"]
    assert ladder.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeats on a new page
    assert [row[1] for row in rows[1:]] == [
        "Virksomhedspraktik",
        "Løntilskud",
        "Ordinær ansættelse",
        "Læreplads",
    ]
    assert [row[2] for row in rows[1:]] == [
        "2–8 uger",
        "5 måneder",
        "Mindst 7 måneder",
        "Mindst en delaftale",
    ]


def test_signature_block_has_both_parties_and_lines(demo):
    _, _, document = demo
    signatures = document.tables[-1]
    left, right = signatures.rows[0].cells
    assert left.paragraphs[0].text == "For bygherren"
    assert left.paragraphs[1].text == "Boligforeningen Skovparken"
    assert right.paragraphs[0].text == "For hovedentreprenøren"
    assert right.paragraphs[1].text == "Den vindende hovedentreprenør"
    for cell in (left, right):
        labels = [p.text.split(":")[0] for p in cell.paragraphs[2:]]
        assert labels == ["Sted og dato", "Navn", "Underskrift"]


def test_header_shows_project_and_footer_counts_pages(demo):
    _, _, document = demo
    section = document.sections[0]
    assert "Renovering af Skovparken, etape 2" in section.header.paragraphs[0].text
    footer_xml = section.footer._element.xml
    instructions = [t.strip() for t in re.findall(r"<w:instrText[^>]*>([^<]*)<", footer_xml)]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert section.footer.paragraphs[0].text.startswith("Side ")
    assert " af " in section.footer.paragraphs[0].text


def test_page_is_a4_with_margins(demo):
    _, _, document = demo
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert round(section.left_margin.cm, 1) == 2.5 and round(section.right_margin.cm, 1) == 2.5


def test_language_is_danish_for_spell_checking(demo):
    _, _, document = demo
    styles = document.styles.element
    default_lang = styles.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert default_lang.get(qn("w:val")) == "da-DK"
    for name in ("Normal", "Heading 2", "List Bullet"):
        lang = document.styles[name].element.rPr.find(qn("w:lang"))
        assert lang.get(qn("w:val")) == "da-DK", name
    assert document.core_properties.language == "da-DK"


def test_core_properties(demo):
    _, _, document = demo
    core = document.core_properties
    assert core.title == "Partnerskabsaftale – Skovparken"
    assert core.subject == "Social partnerskabsaftale"
    assert core.author == "Byg Op"
    assert core.version == "Version 3"
    assert "Renovering af Skovparken, etape 2" in core.keywords
    assert core.created is not None


def test_body_text_matches_the_rendered_document(demo):
    doc, _, document = demo
    text = all_text(document)
    for section in doc.sections:
        for block in section.blocks:
            if hasattr(block, "text"):
                assert block.text in text


def test_hostile_values_appear_literally(library):
    plain_doc, _, plain = make_docx(library, enable_all=True)
    doc, data, document = make_docx(library, enable_all=True, **hostile_values())
    text = all_text(document)
    for hostile in HOSTILE_TEXTS:
        assert hostile in text
    assert "49" not in text
    # Markup in a value did not add paragraphs or tables to the document.
    assert len(document.paragraphs) == len(plain.paragraphs)
    assert len(document.tables) == len(plain.tables)
    assert b"injected</w:t>" not in zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")


def _soffice():
    return shutil.which("soffice") or shutil.which("libreoffice")


def test_libreoffice_converts_it_to_a_sensible_pdf(library, tmp_path):
    binary = _soffice()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required when CI is set")
        pytest.skip("LibreOffice (soffice) is not installed; apt install libreoffice-writer-nogui")
    doc, data, _ = make_docx(library, enable_all=True, **hostile_values())
    source = tmp_path / "aftale.docx"
    source.write_bytes(data)

    def convert(target: str) -> None:
        result = subprocess.run(
            [
                binary,
                f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(tmp_path),
                str(source),
            ],
            capture_output=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stderr

    convert("pdf")
    pdf = tmp_path / "aftale.pdf"
    assert pdf.exists()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert 2 <= pages <= 12

    # A real word processor shows Word's own clause numbers and bullets.
    convert("txt:Text (encoded):UTF8")
    text = (tmp_path / "aftale.txt").read_text(encoding="utf-8-sig")
    for section in doc.sections:
        assert f"{section.number}. {section.title}" in text
    assert "• virksomhedspraktik" in text
