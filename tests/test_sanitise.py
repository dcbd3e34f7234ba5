"""Issue 13: one sanitiser for every file writer (app/sanitise.py), one-line fields that refuse
control characters, and the findings it closes:

2. a line break in a project name made its downloads fail (500) for every role, and a
   right-to-left override reached the download's file name;
3. a line break in an imported name (Alt+Enter in Excel) broke that person's GDPR export;
4. control characters (\\x0b, \\x01, \\x1f) in stored text broke the Excel files.
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import unquote

import docx
import openpyxl
import pytest
from icalendar import Calendar
from sqlalchemy import select

from app import sanitise
from app.auth.sessions import mark_signed_in
from app.candidates.models import Candidate
from app.extensions import db
from app.imports import importer
from app.meetings.models import Meeting
from app.models import Organisation, Project, Role
from app.reports.models import ReportNarrative
from tests import import_files
from tests.fuzzing import form_fields
from tests.world import build_world, sign_in

RLO = "\u202e"
CONTROLS = "\x0b\x01\x1f"

# --- the pure module ----------------------------------------------------------------------------


def test_xml_text_keeps_tab_and_line_breaks_and_drops_what_xml_refuses():
    assert sanitise.xml_text("a\tb\nc\r\nd") == "a\tb\nc\r\nd"
    assert sanitise.xml_text("a\x00b\x01c\x1fd\ud800e\uffff") == "abcde"
    assert sanitise.xml_text("linje\x0bside\x0cslut") == "linje\nside\nslut"
    assert sanitise.xml_text(None) == ""


def test_one_line_turns_every_break_and_control_into_one_space():
    assert sanitise.one_line("Blok 4\r\nØst\tB\x0b\x01C\u2028D") == "Blok 4 Øst B C D"


def test_filename_has_no_line_break_bidi_control_or_path_character():
    name = sanitise.filename(f"Rapport\n{RLO}xcod.exe\u2066 ../..\\etc/passwd:.docx")
    assert name == "Rapport xcod.exe ....etcpasswd.docx"
    assert sanitise.filename("\n\u202e /") == "download"
    long = sanitise.filename("x" * 5000 + ".xlsx")
    assert len(long) == sanitise.MAX_FILENAME and long.endswith(".xlsx")


def test_json_bytes_keep_control_characters_escaped_and_survive_a_lone_surrogate():
    body = sanitise.json_bytes({"navn": "Anna\nMarie\x0b", "x": "\ud800"})
    assert json.loads(body) == {"navn": "Anna\nMarie\x0b", "x": "\ufffd"}


# --- every download of a world whose stored text is hostile --------------------------------------

DOWNLOADS = (
    "/projects/{p}/agreement/v1.docx",
    "/projects/{p}/agreement/v1.txt",
    "/projects/{p}/kickoff/briefing.docx",
    "/projects/{p}/kickoff.ics",
    "/projects/{p}/meetings/{m}.ics",
    "/projects/{p}/meetings/series.ics",
    "/projects/{p}/meetings/{m}/minutes.docx",
    "/projects/{p}/report.docx",
    "/projects/{p}/report.xlsx",
    "/reports/portfolio.xlsx",
    "/reports/aarsvaerk.xlsx",
    "/reports/placements.csv",
    "/gdpr/candidates/{c}/export.json",
    "/gdpr/candidates/{c}/export.docx",
)
ROLES = ("coordinator", "admin", "client_a", "contractor_a")


def strings(value) -> list[str]:
    """Every string in a JSON value, at any depth."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def parse(url: str, data: bytes) -> str:
    """The file parsed by the library its format calls for; its text, for the checks."""
    if url.endswith(".docx"):
        document = docx.Document(io.BytesIO(data))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if url.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(data))
        return "\n".join(
            str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row if c.value
        )
    if url.endswith(".ics"):
        calendar = Calendar.from_ical(data)
        return "\n".join(str(e.get("summary", "")) for e in calendar.walk("VEVENT"))
    if url.endswith(".csv"):
        return "\n".join(";".join(r) for r in csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    if url.endswith(".json"):
        return "\n".join(strings(json.loads(data)))
    return data.decode("utf-8")


def fetch_every_download(app, world) -> dict[tuple[str, str], str]:
    """Every download as every role; the parsed text of each 200 (keyed by role and url)."""
    ids = world.sides["A"].ids
    client = app.test_client()
    got = {}
    for role in ROLES:
        for pattern in DOWNLOADS:
            url = pattern.format(p=ids["project_id"], m=ids["meeting_id"], c=ids["candidate_id"])
            sign_in(client, world.user(role))
            response = client.get(url)
            assert response.status_code < 500, (role, url)
            if response.status_code != 200:
                continue
            disposition = response.headers["Content-Disposition"]
            assert "\n" not in disposition and "\r" not in disposition
            assert RLO not in unquote(disposition), (url, disposition)
            got[role, url] = parse(url, response.data)
    return got


def _store_hostile(world, name: str, text: str) -> None:
    """Rows already stored with such characters (before the forms refused them)."""
    ids = world.sides["A"].ids
    project = db.session.get(Project, ids["project_id"])
    project.rename(name, project.address)
    candidate = db.session.get(Candidate, ids["candidate_id"])
    candidate.first_name = f"Anna{text}Marie"
    candidate.phone, candidate.address = f"20{text}30", f"Vej{text}1"
    narrative = db.session.scalar(
        select(ReportNarrative).where(ReportNarrative.project_id == project.id)
    )
    narrative.text = f"Kommentar{text}slut"
    for meeting in db.session.scalars(select(Meeting).where(Meeting.project_id == project.id)):
        meeting.minutes, meeting.agenda = f"Referat{text}slut", f"Punkt{text}to"
        meeting.place = f"Skur{text}vogn"
    db.session.commit()


def test_a_line_break_and_an_rlo_in_a_project_name_download_for_every_role(app, ctx):
    """Finding 2: the briefing, the report .docx and .xlsx (and every other file) answer 200 for
    every role that may see them; no line break in the header, no RLO in the file name."""
    world = build_world()
    _store_hostile(world, f"Blok\n4 {RLO}xcod.exe", "\n")
    got = fetch_every_download(app, world)
    p = world.sides["A"].ids["project_id"]
    for role in ("coordinator", "client_a", "contractor_a"):
        assert (role, f"/projects/{p}/kickoff/briefing.docx") in got, role
    for role in ("coordinator", "client_a"):
        assert (role, f"/projects/{p}/report.docx") in got, role
        assert (role, f"/projects/{p}/report.xlsx") in got, role
    assert len(got) >= 2 * len(DOWNLOADS)


def test_a_line_break_in_a_name_keeps_the_gdpr_export_working(app, ctx):
    """Finding 3: the person's export (JSON and Word) answers 200; the JSON holds the name as
    stored, line break included (the right of access is to the data as held)."""
    world = build_world()
    _store_hostile(world, "ZQA-Projekt", "\n")
    got = fetch_every_download(app, world)
    c = world.sides["A"].ids["candidate_id"]
    exported = got["coordinator", f"/gdpr/candidates/{c}/export.json"]
    assert "Anna\nMarie" in exported
    assert "Anna" in got["coordinator", f"/gdpr/candidates/{c}/export.docx"]


@pytest.mark.parametrize("control", list(CONTROLS))
def test_control_characters_in_stored_text_keep_every_file_opening(app, ctx, control):
    """Finding 4: \\x0b, \\x01 or \\x1f in the project name, report comment, minutes, agenda and
    candidate fields: project and portfolio .xlsx, .docx, .csv and .ics are 200 and parse."""
    world = build_world()
    _store_hostile(world, f"Blok{control}4", control)
    got = fetch_every_download(app, world)
    p = world.sides["A"].ids["project_id"]
    xlsx = got["coordinator", f"/projects/{p}/report.xlsx"]
    assert "Kommentar" in xlsx and control not in xlsx
    for role in ("coordinator", "client_a"):
        assert (role, "/reports/portfolio.xlsx") in got
    kinds = {url.rsplit(".", 1)[1] for _role, url in got}
    assert kinds >= {"docx", "xlsx", "csv", "ics", "json", "txt"}


# --- the forms refuse what the writers would have to repair --------------------------------------


def _post(client, page: str, action: str, changes: dict):
    html = client.get(page).get_data(as_text=True)
    fields, _kinds = form_fields(html, action)
    assert fields is not None, f"no form for {action} on {page}"
    return client.post(action, data={**fields, **changes})


@pytest.mark.parametrize(
    "value", ["Blok\n4", "Blok\r\n4", "Blok\t4", "Blok\x0b4", "Blok\x014", f"Blok {RLO}4"]
)
def test_one_line_fields_refuse_control_characters_beside_the_field(app, ctx, value):
    world = build_world()
    ids = world.sides["A"].ids
    p, c = ids["project_id"], ids["candidate_id"]
    client = app.test_client()
    sign_in(client, world.coordinator)
    message = "Skriv det på én linje uden linjeskift eller kontroltegn."
    for page, action, field in (
        (f"/projects/{p}/edit", f"/projects/{p}/edit", "name"),
        (f"/projects/{p}/edit", f"/projects/{p}/edit", "address"),
        (f"/candidates/{c}/edit", f"/candidates/{c}/edit", "first_name"),
        (f"/candidates/{c}/edit", f"/candidates/{c}/edit", "phone"),
        (f"/projects/{p}/kickoff", f"/projects/{p}/kickoff", "place"),
    ):
        response = _post(client, page, action, {field: value})
        assert response.status_code == 422, (action, field)
        assert message in response.get_data(as_text=True), (action, field)
    db.session.expire_all()
    assert db.session.get(Project, p).name == "ZQA-Projekt"
    assert db.session.get(Candidate, c).first_name == "ZQA-FornavnAli"


def test_text_areas_keep_tabs_and_line_breaks_and_drop_other_controls(app, ctx):
    world = build_world()
    p, m = world.sides["A"].ids["project_id"], world.sides["A"].ids["meeting_id"]
    client = app.test_client()
    sign_in(client, world.coordinator)
    page = f"/projects/{p}/meetings/{m}"
    response = _post(client, page, f"{page}/minutes", {"minutes": "a\tb\nc\x0bd\x01e\x1ff"})
    assert response.status_code in (200, 303)
    page = f"/projects/{p}/report"
    assert _post(client, page, f"{page}/narrative", {"text": "x\x01y"}).status_code in (200, 303)
    db.session.expire_all()
    assert db.session.get(Meeting, m).minutes == "a\tb\nc\ndef"
    narrative = db.session.scalar(select(ReportNarrative).where(ReportNarrative.project_id == p))
    assert narrative.text == "xy"


def test_the_import_refuses_an_alt_enter_line_break_beside_the_row(
    app,
    ctx,
    make,
    login,
):
    import_files.import_site(make)
    data = import_files.xlsx_file(
        import_files.row(Fornavn="Anna\nMarie"), import_files.row(Fornavn="Bo", Telefon="20\t30")
    )
    report = importer.check(data, "personer.xlsx")
    errors = {row.number: row.errors for row in report.rows}
    message = "Contains a line break or a control character; write it on one line."
    assert [m.msgid for m in errors[2]["fornavn"]] == [message]
    assert message in [m.msgid for m in errors[3]["telefon"]]
    assert not report.ok and report.rows_with_errors == 2

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = make.user(Role.COORDINATOR).get_id()
        mark_signed_in(session)
    html = client.post("/imports/", data=import_files.upload(data, "personer.xlsx")).get_data(
        as_text=True
    )
    assert html.count("Indeholder et linjeskift eller et kontroltegn") == 2
    assert db.session.scalar(select(Candidate).where(Candidate.first_name.like("Anna%"))) is None


def test_a_new_subcontractor_named_like_a_company_in_capitals_is_that_company(app, ctx):
    """Found by the data-following fuzz: SQLite's lower() folds ASCII only, so "ÆØÅ BYG" was
    not found by its own name, inserted again and refused by the unique name (a 500)."""
    world = build_world()
    p = world.sides["A"].ids["project_id"]
    existing = Organisation(kind="company", name="ÆØÅ BYG")
    db.session.add(existing)
    db.session.commit()
    client = app.test_client()
    sign_in(client, world.coordinator)
    page = f"/projects/{p}"
    response = _post(client, page, f"{page}/subcontractors", {"sub-new_company": "ÆØÅ BYG"})
    assert response.status_code in (200, 303)
    project = db.session.get(Project, p)
    db.session.refresh(project)
    assert existing.id in {pc.company_id for pc in project.companies}
