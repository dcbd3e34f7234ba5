"""The Word redline: real tracked changes that accept to the later text and reject to the
earlier one, comments, LibreOffice reading it, and who may download it.

``accept`` and ``reject`` below apply the markup in code the way Word does: accepting drops
deletions, keeps insertions and removes a paragraph (or table row) whose mark is deleted;
rejecting does the opposite. What is left is compared, paragraph by paragraph (style,
numbering, properties, bold and text) and table by table, with the Word file the ordinary
writer makes of that version.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from app.agreements import service
from app.agreements.document import default_draft, render
from app.agreements.document_model import (
    AgreementDocument,
    Bullets,
    LadderTable,
    Paragraph,
    Section,
    SignatureParty,
    Signatures,
    SubHeading,
    Table,
)
from app.agreements.docx_writer import to_docx
from app.agreements.library import load_library
from app.agreements.redline import RedlineComment, build_redline
from app.extensions import db
from app.models import Phase, ProjectCompany, Role
from tests.agreement_checker import soffice
from tests.querycount import measure

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W15 = "{http://schemas.microsoft.com/office/word/2012/wordml}"
WHEN = dt.datetime(2026, 11, 30, 9, 15, tzinfo=dt.UTC)
LIBRARY = load_library()


# --- applying the markup in code --------------------------------------------------------------


def _document(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return etree.fromstring(package.read("word/document.xml"))


def _mark(paragraph, kind: str) -> bool:
    return paragraph.find(f"{W}pPr/{W}rPr/{W}{kind}") is not None


def _resolve(root, keep: str) -> etree._Element:
    """Accept (keep="ins") or reject (keep="del") every change in a copy of the body."""
    drop = "del" if keep == "ins" else "ins"
    root = etree.fromstring(etree.tostring(root))
    body = root.find(f"{W}body")
    for row in list(body.iter(f"{W}tr")):
        if row.find(f"{W}trPr/{W}{drop}") is not None:
            row.getparent().remove(row)
    for table in list(body.iter(f"{W}tbl")):  # a table whose every row went, goes
        if table.find(f"{W}tr") is None:
            table.getparent().remove(table)
    for element in list(body.iter(f"{W}{drop}", f"{W}move{'From' if drop == 'del' else 'To'}")):
        if element.getparent() is not None and element.getparent().tag != f"{W}rPr":
            element.getparent().remove(element)
    for element in list(body.iter(f"{W}{keep}", f"{W}move{'To' if keep == 'ins' else 'From'}")):
        parent = element.getparent()
        if parent.tag in (f"{W}rPr", f"{W}trPr"):
            continue
        index = parent.index(element)
        for child in reversed(list(element)):
            parent.insert(index, child)
        parent.remove(element)
    for text in body.iter(f"{W}delText"):
        text.tag = f"{W}t"
    # A paragraph whose mark goes joins the next paragraph (its remaining runs move there).
    for paragraph in list(body.iter(f"{W}p")):
        if not _mark(paragraph, drop):
            continue
        following = paragraph.getnext()
        runs = [child for child in paragraph if child.tag != f"{W}pPr"]
        if following is not None and following.tag == f"{W}p":
            at = 1 if following.find(f"{W}pPr") is not None else 0
            for run in reversed(runs):
                following.insert(at, run)
        else:
            assert not "".join(paragraph.itertext()), "a removed mark with nowhere to go"
        paragraph.getparent().remove(paragraph)
    for marker in list(body.iter(f"{W}ins", f"{W}del")):  # the kept marks' own revision marks
        marker.getparent().remove(marker)
    for rpr in list(body.iter(f"{W}rPr")):
        if rpr.getparent().tag == f"{W}pPr" and len(rpr) == 0:
            ppr = rpr.getparent()
            ppr.remove(rpr)
            if len(ppr) == 0:
                ppr.getparent().remove(ppr)
    return root


def accept(data: bytes):
    return _resolve(_document(data), "ins")


def reject(data: bytes):
    return _resolve(_document(data), "del")


def _xml(element) -> str:
    return "" if element is None else etree.tostring(element, encoding="unicode")


def _paragraph(paragraph) -> tuple:
    pieces: list[list] = []
    for run in paragraph.iter(f"{W}r"):
        if run.find(f"{W}instrText") is not None:
            continue
        bold = run.find(f"{W}rPr/{W}b") is not None
        text = "".join(
            "\t" if child.tag == f"{W}tab" else (child.text or "")
            for child in run
            if child.tag in (f"{W}t", f"{W}tab")
        )
        if not text:
            continue
        if pieces and pieces[-1][0] == bold:
            pieces[-1][1] += text
        else:
            pieces.append([bold, text])
    return ("p", _xml(paragraph.find(f"{W}pPr")), tuple(map(tuple, pieces)))


def content(root) -> list[tuple]:
    """The body as the reader sees it: paragraphs (properties, bold and text) and tables."""
    out = []
    for child in root.find(f"{W}body"):
        if child.tag == f"{W}p":
            item = _paragraph(child)
            if item[2]:  # the empty structural paragraph after a table holds nothing
                out.append(item)
        elif child.tag == f"{W}tbl":
            rows = []
            for row in child.iter(f"{W}tr"):
                cells = tuple(
                    (_xml(cell.find(f"{W}tcPr")), tuple(map(_paragraph, cell.iter(f"{W}p"))))
                    for cell in row.iter(f"{W}tc")
                )
                rows.append((_xml(row.find(f"{W}trPr")), cells))
            head = _xml(child.find(f"{W}tblPr")) + _xml(child.find(f"{W}tblGrid"))
            out.append(("table", head, tuple(rows)))
    return out


def text_of(doc: AgreementDocument) -> list[tuple]:
    return content(_document(to_docx(doc)))


def redline(earlier, later, **kw) -> bytes:
    return build_redline(earlier, later, author="Rita Redaktør", when=WHEN, **kw)


def assert_round_trip(earlier: AgreementDocument, later: AgreementDocument) -> bytes:
    data = redline(earlier, later)
    assert content(accept(data)) == text_of(later)
    assert content(reject(data)) == text_of(earlier)
    return data


def changes(data: bytes) -> dict[str, int]:
    xml = _xml(_document(data))
    return {
        tag: len(re.findall(f"<w:{tag}\\b", xml))
        for tag in ("ins", "del", "delText", "moveFrom", "moveTo")
    }


# --- agreements from the clause library -------------------------------------------------------


def draft():
    return default_draft(
        LIBRARY,
        project_name="Helhedsplan Gellerup",
        client_name="Boligforeningen Vestbo",
        main_contractor_name="Byggefirma A/S",
        housing_areas=["Gellerupparken"],
    )


def with_clauses(base, change):
    clauses = [replace(c) for c in base.clauses]
    change(clauses)
    return replace(base, clauses=clauses)


def test_an_edit_inside_a_clause_is_tracked_word_by_word():
    base = draft()
    earlier = render(LIBRARY, base)
    purpose = next(s for s in earlier.sections if s.key == "purpose")
    wording = service.blocks_as_markup(purpose.blocks)
    edited = wording.replace("lokale", "flere lokale", 1).replace("ledige", "", 1)
    assert edited != wording
    later = render(
        LIBRARY,
        with_clauses(
            base,
            lambda cs: [c.__setattr__("override", edited) for c in cs if c.key == "purpose"],
        ),
    )
    data = assert_round_trip(earlier, later)
    count = changes(data)
    assert count["ins"] >= 1 and count["del"] >= 1 and count["delText"] >= 1
    xml = _xml(_document(data))
    assert 'w:author="Rita Redaktør"' in xml and 'w:date="2026-11-30T09:15:00Z"' in xml
    # Word level: the inserted word alone, not the whole paragraph.
    assert re.search(
        r'<w:ins [^>]*><w:r><w:t xml:space="preserve"> ?flere ?</w:t></w:r></w:ins>', xml
    )


def test_clauses_switched_on_and_off_take_their_paragraphs_with_them():
    base = draft()
    earlier = render(LIBRARY, base)

    def toggle(clauses):
        for clause in clauses:
            if clause.key in ("statutory", "aarsvaerk", "target_group", "example", "signatures"):
                clause.enabled = not clause.enabled

    later = render(LIBRARY, with_clauses(base, toggle))
    data = assert_round_trip(earlier, later)
    root = _document(data)
    marks = {kind: sum(1 for p in root.iter(f"{W}p") if _mark(p, kind)) for kind in ("ins", "del")}
    assert marks["ins"] > 3 and marks["del"] > 3  # whole paragraphs, marks included


def test_a_moved_clause_is_deleted_where_it_stood_and_inserted_where_it_stands():
    base = draft()
    earlier = render(LIBRARY, base)
    moved = base
    for _ in range(3):
        moved = service.move_clause(moved, "consequences", "up")
    later = render(LIBRARY, moved)
    assert [s.key for s in later.sections] != [s.key for s in earlier.sections]
    data = assert_round_trip(earlier, later)
    assert changes(data)["moveFrom"] == 0  # see redline.py: a plain deletion and insertion


def test_values_tables_and_signatures_change_in_their_cells():
    base = draft()
    earlier = render(LIBRARY, base)
    values = {
        **base.values,
        "internship_weeks_min": 3,
        "apprenticeships_min": 5,
        "client_name": "Boligselskabet Nord",
    }
    later = render(LIBRARY, replace(base, values=values))
    data = assert_round_trip(earlier, later)
    tables = list(_document(data).iter(f"{W}tbl"))
    assert any(t.find(f".//{W}del") is not None for t in tables)


def _doc(*sections: Section, title="Aftale") -> AgreementDocument:
    return AgreementDocument(title, "Undertitel", "Sidehoved", tuple(sections))


def test_a_table_row_added_removed_and_a_column_added():
    table = Table(("Post", "Beløb"), (("Husleje", "100"), ("Varme", "20")), ("I alt", "120"))
    ladder = LadderTable(("Trin", "Forløb"), (("1", "Praktik"), ("2", "Løntilskud")))
    earlier = _doc(Section(1, "a", "Tal", (Paragraph("Før tabellen.", "1.1"), table, ladder)))
    changed = Table(
        ("Post", "Beløb"), (("Husleje", "110"), ("El", "5"), ("Vand", "7")), ("I alt", "122")
    )
    wider = LadderTable(("Trin", "Forløb", "Varighed"), (("1", "Praktik", "4 uger"),))
    later = _doc(Section(1, "a", "Tal", (Paragraph("Før tabellen.", "1.1"), changed, wider)))
    data = assert_round_trip(earlier, later)
    root = _document(data)
    assert root.find(f".//{W}trPr/{W}ins") is not None
    assert root.find(f".//{W}trPr/{W}del") is not None


def test_headings_numbering_lists_and_tables_stay_as_the_writer_makes_them():
    earlier = render(LIBRARY, draft())
    data = redline(earlier, earlier)
    assert changes(data) == dict.fromkeys(("ins", "del", "delText", "moveFrom", "moveTo"), 0)
    assert content(_document(data)) == text_of(earlier)


# --- random word edits ------------------------------------------------------------------------

WORDS = st.sampled_from(
    "og i at det en til er som på de med han af for ikke der var mig sig men et har om vi "
    "min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal "
    "aftale lærepladser beboere praktik".split()
)
TEXT = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)


@st.composite
def documents(draw):
    sections = []
    for number, key in enumerate(
        draw(st.lists(st.sampled_from("abcdefg"), unique=True, max_size=5))
    ):
        blocks = []
        for kind in draw(st.lists(st.sampled_from("pnsbt"), max_size=4)):
            if kind == "p":
                blocks.append(Paragraph(draw(TEXT)))
            elif kind == "n":
                blocks.append(Paragraph(draw(TEXT), f"{number + 1}.{len(blocks) + 1}"))
            elif kind == "s":
                blocks.append(SubHeading(draw(TEXT)))
            elif kind == "b":
                blocks.append(Bullets(tuple(draw(st.lists(TEXT, min_size=1, max_size=3)))))
            else:
                rows = draw(st.lists(st.tuples(TEXT, TEXT), max_size=3))
                blocks.append(LadderTable(("Trin", "Forløb"), tuple(rows)))
        sections.append(Section(number + 1, key, draw(TEXT), tuple(blocks)))
    if draw(st.booleans()):
        party = SignatureParty("Bygherre", draw(TEXT))
        sections.append(
            Section(len(sections) + 1, "sign", "Underskrifter", (Signatures((party,), ("Dato",)),))
        )
    return _doc(*sections, title=draw(TEXT))


def _edit_text(draw, text: str) -> str:
    words = text.split(" ")
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(words)))
        action = draw(st.sampled_from(("insert", "delete", "replace")))
        if action == "insert" or not words:
            words.insert(at, draw(WORDS))
        elif action == "delete" and len(words) > 1:
            del words[min(at, len(words) - 1)]
        else:
            words[min(at, len(words) - 1)] = draw(WORDS)
    return " ".join(words)


@st.composite
def edited(draw, doc: AgreementDocument):
    sections = []
    for section in doc.sections:
        if draw(st.integers(0, 9)) == 0:
            continue  # switched off
        blocks = []
        for block in section.blocks:
            if isinstance(block, Paragraph):
                blocks.append(replace(block, text=_edit_text(draw, block.text)))
            elif isinstance(block, SubHeading):
                blocks.append(SubHeading(_edit_text(draw, block.text)))
            elif isinstance(block, Bullets):
                items = [_edit_text(draw, item) for item in block.items]
                if draw(st.booleans()):
                    items.insert(draw(st.integers(0, len(items))), draw(TEXT))
                blocks.append(Bullets(tuple(items)))
            elif isinstance(block, LadderTable):
                rows = [tuple(_edit_text(draw, c) for c in row) for row in block.rows]
                if draw(st.booleans()) and rows:
                    del rows[draw(st.integers(0, len(rows) - 1))]
                blocks.append(replace(block, rows=tuple(rows)))
            elif isinstance(block, Signatures):
                party = block.parties[0]
                blocks.append(replace(block, parties=(replace(party, name=draw(TEXT)),)))
        if draw(st.integers(0, 5)) == 0:
            blocks.insert(draw(st.integers(0, len(blocks))), Paragraph(draw(TEXT)))
        sections.append(
            replace(section, title=_edit_text(draw, section.title), blocks=tuple(blocks))
        )
    if sections and draw(st.booleans()):  # move a clause
        moved = sections.pop(draw(st.integers(0, len(sections) - 1)))
        sections.insert(draw(st.integers(0, len(sections))), moved)
    if draw(st.integers(0, 4)) == 0:
        sections.append(Section(0, "new", draw(TEXT), (Paragraph(draw(TEXT)),)))
    return replace(doc, title=_edit_text(draw, doc.title), sections=tuple(sections))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_word_edits_accept_to_the_later_and_reject_to_the_earlier_text(data):
    earlier = data.draw(documents())
    later = data.draw(edited(earlier))
    assert_round_trip(earlier, later)
    assert_round_trip(later, earlier)


# --- comments ---------------------------------------------------------------------------------


def test_comments_sit_on_their_clause_with_threads_and_the_note_on_the_title():
    earlier = render(LIBRARY, draft())
    later = replace(earlier, title="Social partnerskabsaftale (revideret)")
    reply = RedlineComment("targets", "Bo Bygherre", WHEN, "Enig, 8 er for mange.")
    thread = RedlineComment(
        "targets", "Karen Koordinator", WHEN, "Skal måltallet ned?", replies=(reply,)
    )
    done = RedlineComment("ladder", "Karen Koordinator", WHEN, "Løst.", resolved=True)
    note = RedlineComment(None, "Rita Redaktør", WHEN, "Titlen er rettet.\nSe pkt. 5.")
    data = redline(earlier, later, comments=[note, thread, done])
    assert content(accept(data)) == text_of(later)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        comments = etree.fromstring(package.read("word/comments.xml"))
        extended = etree.fromstring(package.read("word/commentsExtended.xml"))
        assert "word/comments.xml" in package.read("[Content_Types].xml").decode()
        assert "comments.xml" in package.read("word/_rels/document.xml.rels").decode()
    by_id = {c.get(f"{W}id"): c for c in comments}
    assert ["".join(c.itertext()) for c in comments] == [
        "Titlen er rettet.Se pkt. 5.",
        "Skal måltallet ned?",
        "Enig, 8 er for mange.",
        "Løst.",
    ]
    assert by_id["2"].get(f"{W}author") == "Bo Bygherre"
    entries = list(extended)
    assert entries[2].get(f"{W15}paraIdParent") == entries[1].get(f"{W15}paraId")
    assert [e.get(f"{W15}done") for e in entries] == ["0", "0", "0", "1"]
    root = _document(data)
    for paragraph in root.iter(f"{W}p"):
        starts = [s.get(f"{W}id") for s in paragraph.iter(f"{W}commentRangeStart")]
        if "1" in starts:
            assert _paragraph(paragraph)[2][0][1] == "Måltal"  # the clause's heading
            assert starts == ["1", "2"]
            assert len(list(paragraph.iter(f"{W}commentReference"))) == 2
        if "0" in starts:
            assert "Social partnerskabsaftale" in "".join(paragraph.itertext())


# --- LibreOffice ------------------------------------------------------------------------------

_SCRIPTS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE library:library PUBLIC '
    '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">\n'
    '<library:library xmlns:library="http://openoffice.org/2000/library" '
    'library:name="Standard" library:readonly="false" library:passwordprotected="false">'
    '<library:element library:name="Resolve"/></library:library>'
)
# Open each file hidden, accept or reject every tracked change as a reader would (the same
# commands as Edit > Track Changes > Accept All / Reject All), and save the text.
_MACRO = """Sub Resolve(jobs As String)
  Dim hidden(0) As New com.sun.star.beans.PropertyValue
  hidden(0).Name = "Hidden"
  hidden(0).Value = True
  Dim none(0) As New com.sun.star.beans.PropertyValue
  Dim text(0) As New com.sun.star.beans.PropertyValue
  text(0).Name = "FilterName"
  text(0).Value = "Text (encoded)"
  helper = createUnoService("com.sun.star.frame.DispatchHelper")
  For Each job In Split(jobs, ";")
    parts = Split(job, "|")
    doc = StarDesktop.loadComponentFromURL(parts(0), "_blank", 0, hidden())
    helper.executeDispatch(doc.getCurrentController().getFrame(), parts(2), "", 0, none())
    doc.storeToURL(parts(1), text())
    doc.close(True)
  Next
End Sub
"""


def _add_macro(profile: Path) -> None:
    """Put the Resolve macro into a LibreOffice user profile (after LibreOffice made it: on
    its first start it writes its own Standard library)."""
    standard = profile / "user" / "basic" / "Standard"
    (standard / "script.xlb").write_text(_SCRIPTS, encoding="utf-8")
    module = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC '
        '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
        '<script:module xmlns:script="http://openoffice.org/2000/script" '
        'script:name="Resolve" script:language="StarBasic">'
        f"{html.escape(_MACRO, quote=True)}</script:module>"
    )
    (standard / "Resolve.xba").write_text(module, encoding="utf-8")


def _soffice(profile: str, *args: str) -> None:
    subprocess.run(
        [soffice(), f"-env:UserInstallation={profile}", "--headless", *args],
        check=True,
        capture_output=True,
        timeout=300,
    )


def _lines(path: Path) -> list[str]:
    """LibreOffice's text of a file, line by line, without blank lines."""
    return [
        line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()
    ]


_LABEL = re.compile(r"^(\d+(\.\d+)*\.?|•)\s*")
# LibreOffice 7.4 joins paragraphs its own way: when Accept All removes a clause that ends in a
# list (or Reject All one that was added), the paragraph after it takes the list's bullet or
# number (Word keeps the following paragraph's own, as the markup says). The words are right
# in every case; the labels too in these.
EXACT_IN_LIBREOFFICE = {"edit", "edit-back", "table", "table-back", "toggle"}


def _words(lines: list[str]) -> list[str]:
    """The lines without their bullet or number (and without lines left empty)."""
    return [rest for line in lines if (rest := _LABEL.sub("", line))]


def _cases() -> tuple[AgreementDocument, dict[str, AgreementDocument]]:
    base = draft()
    earlier = render(LIBRARY, base)
    return earlier, {
        "edit": render(
            LIBRARY,
            with_clauses(
                base,
                lambda cs: [
                    c.__setattr__("override", "Formålet er nu et andet.\n\n- ét punkt")
                    for c in cs
                    if c.key == "purpose"
                ],
            ),
        ),
        "toggle": render(
            LIBRARY,
            with_clauses(
                base,
                lambda cs: [
                    c.__setattr__("enabled", not c.enabled)
                    for c in cs
                    if c.key in ("statutory", "target_group", "signatures")
                ],
            ),
        ),
        "move": render(LIBRARY, service.move_clause(base, "targets", "down")),
        "table": render(
            LIBRARY,
            replace(
                base,
                values={**base.values, "internship_weeks_min": 3, "client_name": "Nord A/S"},
            ),
        ),
    }


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_libreoffice_shows_the_changes_and_accepts_and_rejects_them(tmp_path: Path):
    """LibreOffice opens each redline, lists its tracked changes, and its own Accept All and
    Reject All give the text it reads from the later and the earlier version's Word file."""
    earlier, laters = _cases()
    # Each change both ways: a clause switched off is, the other way, one switched on.
    cases = {name: (earlier, later) for name, later in laters.items()}
    cases |= {f"{name}-back": (later, earlier) for name, later in laters.items()}
    note = RedlineComment(None, "Rita Redaktør", WHEN, "Versionens note")
    files = {}
    for name, (old, new) in cases.items():
        files[name] = redline(old, new, comments=[note])
        files[f"{name}-later"] = to_docx(new)
        files[f"{name}-earlier"] = to_docx(old)
    for name, data in files.items():
        (tmp_path / f"{name}.docx").write_bytes(data)
    profile = (tmp_path / "profile").as_uri()
    out = tmp_path / "out"
    _soffice(
        profile,
        "--convert-to",
        "odt",
        "--outdir",
        str(out),
        *(str(tmp_path / f"{name}.docx") for name in cases),
    )
    _add_macro(tmp_path / "profile")
    jobs = []
    for name in files:
        source = (tmp_path / f"{name}.docx").as_uri()
        if name in cases:
            for verb in ("Accept", "Reject"):
                target = (out / f"{name}-{verb.lower()}.txt").as_uri()
                jobs.append(f"{source}|{target}|.uno:{verb}AllTrackedChanges")
        else:  # the plain versions, read the same way (there is nothing to accept)
            target = (out / f"{name}.txt").as_uri()
            jobs.append(f"{source}|{target}|.uno:AcceptAllTrackedChanges")
    _soffice(profile, f'macro:///Standard.Resolve.Resolve("{";".join(jobs)}")')

    assert "Parter og projekt" in " ".join(_lines(out / "edit-earlier.txt"))
    for name in cases:
        with zipfile.ZipFile(out / f"{name}.odt") as odt:
            xml = odt.read("content.xml").decode("utf-8")
        assert "<text:tracked-changes" in xml, name
        assert re.findall(r"<text:changed-region\b", xml), name
        assert "Versionens note" in xml, name  # the note, as a comment (office:annotation)
        accepted, rejected = _lines(out / f"{name}-accept.txt"), _lines(out / f"{name}-reject.txt")
        later, earlier_ = _lines(out / f"{name}-later.txt"), _lines(out / f"{name}-earlier.txt")
        assert _words(accepted) == _words(later), name
        assert _words(rejected) == _words(earlier_), name
        if name in EXACT_IN_LIBREOFFICE:  # the numbers and bullets too
            assert (accepted, rejected) == (later, earlier_), name
    moved = zipfile.ZipFile(out / "move.odt").read("content.xml").decode("utf-8")
    assert "<text:deletion>" in moved and "<text:insertion>" in moved


# --- downloads and who may have them ----------------------------------------------------------


@pytest.fixture
def project(make):
    assoc = make.association("Boligforeningen Vestbo", areas=["Gellerupparken"])
    project = make.project(assoc, "Helhedsplan Gellerup", Phase.AWARDED)
    project.areas = list(assoc.areas)
    db.session.commit()
    return project


@pytest.fixture
def versions(project, make):
    """v1 approved by the client; v2 a draft with fewer courses and a note."""
    drafter = make.user(Role.COORDINATOR, name="Karen Koordinator")
    first = service.draft_for_editing(project)
    v1 = service.save_version(project, first, drafter, 0, "Første udkast")
    service.approve(v1, make.user(Role.CLIENT, project.client, name="Birgitte Bygherre"))
    second = service.draft_for_editing(project)
    second.values["courses_min"] = 11
    second = with_clauses(
        second, lambda cs: [c.__setattr__("enabled", False) for c in cs if c.key == "target_group"]
    )
    service.save_version(project, second, drafter, 1, "Flere forløb")
    return project


def _url(project, endpoint: str, number: int, **args) -> str:
    from urllib.parse import urlsplit

    from flask import url_for

    url = urlsplit(url_for(endpoint, project_id=project.id, number=number, **args))
    return f"{url.path}?{url.query}" if url.query else url.path


def test_drafters_download_the_redline_between_two_versions(client, versions, login, make):
    project = versions
    login(make.user(Role.CLIENT, project.client))
    statements, response = measure(client, _url(project, "agreements.redline", 2, **{"from": 1}))
    assert len(statements) <= 5  # the user, the project, the two versions, the comments
    assert response.mimetype.endswith("wordprocessingml.document")
    assert (
        "filename*=UTF-8''Partnerskabsaftale%20-%20Helhedsplan%20Gellerup%20-%20%C3%A6ndringer"
        "%20v1-v2.docx" in response.headers["Content-Disposition"]
    )
    data = response.data
    v1, v2 = service.get_version(project, 1), service.get_version(project, 2)
    assert content(accept(data)) == text_of(service.stored_document(v2))
    assert content(reject(data)) == text_of(service.stored_document(v1))
    xml = _xml(_document(data))
    assert "<w:ins " in xml and "<w:del " in xml and 'w:author="Karen Koordinator"' in xml
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert "Flere forløb" in package.read("word/comments.xml").decode()
        header = next(n for n in package.namelist() if n.startswith("word/header"))
        assert "Ændringer fra version 1 til version 2" in package.read(header).decode()
        # The reader's own edits are tracked too.
        assert "<w:trackRevisions/>" in package.read("word/settings.xml").decode()
    # Without `from`: the version before.
    assert client.get(_url(project, "agreements.redline", 2)).data == data


def test_the_redline_against_the_standard_text(client, versions, coordinator):
    project = versions
    # Version 1 has nothing before it: its redline is against the standard text.
    first = client.get(_url(project, "agreements.redline", 1))
    assert first.status_code == 303
    assert first.headers["Location"].endswith(_url(project, "agreements.redline_standard", 1))
    response = client.get(_url(project, "agreements.redline_standard", 2))
    assert response.status_code == 200
    assert "standardtekst-v2.docx" in response.headers["Content-Disposition"]
    v2 = service.get_version(project, 2)
    standard = render(
        service.library(),
        replace(
            service.Draft.from_dict(v2.content),
            clauses=[
                replace(c, override=None) for c in service.Draft.from_dict(v2.content).clauses
            ],
        ),
    )
    assert content(accept(response.data)) == text_of(service.stored_document(v2))
    assert content(reject(response.data)) == text_of(standard)


def test_contractors_get_only_the_approved_versions_redline(client, versions, login, make):
    project = versions
    firm = make.company()
    db.session.add(ProjectCompany(project_id=project.id, company_id=firm.id, role="main"))
    db.session.commit()
    login(make.user(Role.CONTRACTOR, firm))
    assert client.get(_url(project, "agreements.redline_standard", 1)).status_code == 200
    assert client.get(_url(project, "agreements.redline", 1)).status_code == 303
    for url in (
        _url(project, "agreements.redline", 2),
        _url(project, "agreements.redline", 2, **{"from": 1}),
        _url(project, "agreements.redline", 1, **{"from": 2}),
        _url(project, "agreements.redline_standard", 2),
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN, Role.CLIENT])
def test_staff_and_the_client_get_every_redline(client, versions, login, make, role):
    project = versions
    login(make.user(role, project.client if role == Role.CLIENT else None))
    for url in (
        _url(project, "agreements.redline", 2, **{"from": 1}),
        _url(project, "agreements.redline", 1, **{"from": 2}),
        _url(project, "agreements.redline_standard", 1),
        _url(project, "agreements.redline_standard", 2),
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(_url(project, "agreements.redline", 2, **{"from": 9})).status_code == 404


def test_others_and_anonymous_get_no_redline(client, versions, login, make):
    project = versions
    urls = (
        _url(project, "agreements.redline", 2, **{"from": 1}),
        _url(project, "agreements.redline_standard", 1),
    )
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    for user in (make.user(Role.CLIENT), make.user(Role.CONTRACTOR)):
        login(user)
        for url in urls:
            assert client.get(url).status_code == 404, url


def test_the_version_page_links_to_its_redlines(client, versions, coordinator):
    project = versions
    html = client.get(_url(project, "agreements.version", 2)).get_data(as_text=True)
    assert _url(project, "agreements.redline", 2, **{"from": 1}).replace("&", "&amp;") in html
    assert _url(project, "agreements.redline_standard", 2) in html
    compare = client.get(f"/projects/{project.id}/agreement/compare?from=1&to=2").get_data(
        as_text=True
    )
    assert _url(project, "agreements.redline", 2, **{"from": 1}) in compare


def test_a_standard_text_the_library_cannot_make_is_said_not_a_500(client, project, coordinator):
    """Switched off a clause that the library's wording of another cites, and adapted that one:
    the version renders, its standard text cannot."""

    def change(clauses):
        for clause in clauses:
            if clause.key == "followup":
                clause.enabled = False
            if clause.key in ("changes", "consequences"):
                clause.override = "Parterne aftaler ændringer skriftligt."

    draft_ = with_clauses(service.draft_for_editing(project), change)
    service.save_version(project, draft_, coordinator, 0)
    response = client.get(_url(project, "agreements.redline_standard", 1))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Standardteksten kunne ikke dannes ud fra klausulbiblioteket." in page


def test_clause_comment_threads_go_into_the_drafters_redline_and_never_the_contractors(
    client, versions, login, make
):
    from app.agreements import comments

    project = versions
    v1, v2 = service.get_version(project, 1), service.get_version(project, 2)
    client_user = make.user(Role.CLIENT, project.client, name="Bente Bygherre")
    coordinator = make.user(Role.COORDINATOR, name="Kim Koordinator")
    thread = comments.add(db.session, v2, "purpose", client_user, "Kan formålet blive kortere?")
    db.session.flush()
    comments.reply(db.session, thread, coordinator, "Ja, vi strammer det op.")
    comments.add(db.session, v1, "purpose", client_user, "Kun til den godkendte version")
    db.session.commit()

    login(client_user)
    data = client.get(_url(project, "agreements.redline", 2, **{"from": 1})).data
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        notes = package.read("word/comments.xml").decode()
    assert "Kan formålet blive kortere?" in notes and "Ja, vi strammer det op." in notes
    assert 'w:author="Bente Bygherre"' in notes and 'w:author="Kim Koordinator"' in notes
    assert "Flere forløb" in notes  # the version note stays

    # A contractor downloads the approved version's redline: the negotiation stays out of it.
    firm = make.company()
    db.session.add(ProjectCompany(project_id=project.id, company_id=firm.id, role="main"))
    db.session.commit()
    login(make.user(Role.CONTRACTOR, firm))
    data = client.get(_url(project, "agreements.redline_standard", 1)).data
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        everything = " ".join(
            package.read(name).decode() for name in package.namelist() if name.endswith(".xml")
        )
    assert "Kun til den godkendte version" not in everything
    assert "Kan formålet blive kortere?" not in everything
