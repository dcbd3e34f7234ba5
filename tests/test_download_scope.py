"""Every file applies the scope of its page: per role and per download (the progress report as
Word and Excel, the portfolio, the årsværk, the placements CSV, the GDPR export, the kickoff's
calendar file), the file holds no resident, company or value that the role's pages do not show.

The world (tests/world.py) has two associations, A and B; each project has a main contractor
and a subcontractor, a resident placed at each ("...Ali" at the main contractor, "...Bo" at the
subcontractor) and one waiting ("...Cai"). The files asked for are side A's. Two checks per
file: the role's own rules (below), and every planted string in the file also appears on a page
the role may open (the union of its pages' text), so a file never shows more than the pages.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.world import CANARIES, SECRET_MARK, TODAY, build_url, build_world, sign_in

PLANTED = re.compile(r"ZQ[AB]?-[A-Za-z0-9ÆØÅæøå-]+")
ROLES = (
    "coordinator",
    "admin",
    "client_a",  # a client user of the project's association
    "client_b",  # a client user of another association
    "contractor_a",  # the project's main contractor
    "spare_a",  # the project's subcontractor
    "contractor_b",  # a contractor on another project only
)
DOWNLOADS = (
    "report_docx",
    "report_xlsx",
    "portfolio_xlsx",
    "aarsvaerk_xlsx",
    "lbf_xlsx",
    "placements_csv",
    "placements_csv_project",
    "gdpr_json",
    "gdpr_docx",
    "kickoff_ics",
)


def _urls(world) -> dict[str, str]:
    a = world.sides["A"].ids
    return {
        "report_docx": f"/projects/{a['project_id']}/report.docx",
        "report_xlsx": f"/projects/{a['project_id']}/report.xlsx",
        "portfolio_xlsx": "/reports/portfolio.xlsx",
        "aarsvaerk_xlsx": "/reports/aarsvaerk.xlsx",
        # This year's report: the world's placements run around today.
        "lbf_xlsx": f"/reports/lbf.xlsx?year={TODAY.year}",
        "placements_csv": "/reports/placements.csv",
        "placements_csv_project": f"/reports/placements.csv?project={a['project_id']}",
        "gdpr_json": f"/gdpr/candidates/{a['candidate_id']}/export.json",
        "gdpr_docx": f"/gdpr/candidates/{a['candidate_id']}/export.docx",
        "kickoff_ics": f"/projects/{a['project_id']}/kickoff.ics",
    }


# What each role may download of side A's files; anything else is refused (403 or 404).
STAFF = set(DOWNLOADS)
ALLOWED = {
    "coordinator": STAFF,
    "admin": STAFF,
    "client_a": set(DOWNLOADS) - {"gdpr_json", "gdpr_docx"},
    "client_b": {"portfolio_xlsx", "aarsvaerk_xlsx", "lbf_xlsx", "placements_csv"},
    "contractor_a": {"placements_csv", "placements_csv_project", "kickoff_ics"},
    "spare_a": {"placements_csv", "placements_csv_project", "kickoff_ics"},
    "contractor_b": {"placements_csv"},
}


def _user(world, role: str):
    if role in ("coordinator", "admin"):
        return getattr(world, role)
    kind, side = role.rsplit("_", 1)
    return world.sides[side.upper()].users[kind]


def file_text(body: bytes, mimetype: str) -> str:
    """The text a person reads in the file: parsed, not the raw bytes."""
    if "wordprocessingml" in mimetype:
        document = Document(io.BytesIO(body))
        parts = [p.text for p in document.paragraphs]
        parts += [cell.text for t in document.tables for row in t.rows for cell in row.cells]
        for section in document.sections:
            parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
        with zipfile.ZipFile(io.BytesIO(body)) as archive:  # and the document's properties
            parts.append(archive.read("docProps/core.xml").decode())
        return "\n".join(parts)
    if "spreadsheetml" in mimetype:
        workbook = load_workbook(io.BytesIO(body))
        parts = [sheet.title for sheet in workbook.worksheets]
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                parts += [str(value) for value in row if value is not None]
        return "\n".join(parts)
    if mimetype.startswith("text/calendar"):
        return body.decode("utf-8").replace("\r\n ", "").replace("\\n", "\n").replace("\\,", ",")
    return body.decode("utf-8-sig")


def forbidden(world, role: str) -> list[str]:
    """Strings the role must never get, whatever the file."""
    if role in ("coordinator", "admin"):
        return []
    kind, side = role.rsplit("_", 1)
    own = world.sides[side.upper()]
    tokens = [f"ZQ{'B' if side == 'a' else 'A'}-", SECRET_MARK, *CANARIES]
    for placed_at, (first, last) in own.names.items():
        if kind == "client":
            tokens += [first, last]  # clients see initials only
        elif {"contractor": "main", "spare": "sub"}[kind] != placed_at:
            tokens += [first, last]  # a contractor sees its own company's residents only
    return tokens


def page_tokens(app, client, world) -> set[str]:
    """Every planted string on the HTML pages the signed-in user may open, for both sides."""
    found: set[str] = set()
    for side in world.sides.values():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            if re.search(r"\.(docx|xlsx|csv|ics|json)$", rule.rule):
                continue
            if set(rule.arguments) - {"project_id", "meeting_id", "candidate_id"}:
                continue
            url = build_url(rule, side.ids)
            response = client.get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                found |= set(PLANTED.findall(response.get_data(as_text=True)))
        # The sensitive notes open with a POST (it is logged), for staff only.
        response = client.post(f"/candidates/{side.ids['candidate_id']}/sensitive")
        if response.status_code == 200:
            found |= set(PLANTED.findall(response.get_data(as_text=True)))
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_download_keeps_to_the_scope_of_the_role(app, ctx, role):
    world = build_world()
    client = app.test_client()
    sign_in(client, _user(world, role))
    visible = page_tokens(app, client, world)
    assert len(visible) > 5, "the pages show nothing?"
    problems = []
    for name, url in _urls(world).items():
        response = client.get(url)
        if name not in ALLOWED[role]:
            if response.status_code not in (403, 404):
                problems.append(f"{name}: {response.status_code}, expected a refusal")
            continue
        if response.status_code != 200:
            problems.append(f"{name}: {response.status_code}, expected the file")
            continue
        text = file_text(response.get_data(), response.mimetype)
        for token in forbidden(world, role):
            if token.lower() in text.lower():
                problems.append(f"{name} holds {token!r}")
        for token in sorted(set(PLANTED.findall(text)) - visible):
            problems.append(f"{name} holds {token!r}, which no page shows this role")
    assert problems == [], "\n".join(problems)


def test_the_files_hold_the_role_s_own_residents(app, ctx):
    """The checks above are not vacuous: the files do carry what the role may see."""
    world = build_world()
    client = app.test_client()
    urls = _urls(world)
    a = world.sides["A"]

    def text_of(role: str, name: str) -> str:
        sign_in(client, _user(world, role))
        response = client.get(urls[name])
        assert response.status_code == 200, (role, name)
        return file_text(response.get_data(), response.mimetype)

    main_first, main_last = a.names["main"]
    sub_first, sub_last = a.names["sub"]
    assert f"{main_first} {main_last}" in text_of("coordinator", "placements_csv")
    assert f"{main_first} {main_last}" in text_of("contractor_a", "placements_csv")
    assert f"{sub_first} {sub_last}" in text_of("spare_a", "placements_csv")
    assert "ZQA-Firma" in text_of("client_a", "placements_csv")
    assert "ZQA-Projekt" in text_of("client_a", "report_docx")
    assert "ZQA-Kommentar" in text_of("client_a", "report_docx")
    assert "ZQA-Projekt" in text_of("client_a", "portfolio_xlsx")
    assert "ZQA-Dagsorden" in text_of("contractor_a", "kickoff_ics")
    assert main_last in text_of("admin", "gdpr_json")
    assert main_last in text_of("admin", "gdpr_docx")


def test_the_scope_checks_find_a_planted_leak(app, ctx):
    """A subcontractor's resident in the main contractor's file, and a string no page shows
    the role, are both caught."""
    world = build_world()
    sub_first, _ = world.sides["A"].names["sub"]
    csv_for_main = f"Byggesag;Navn;Trin\r\nZQA-Projekt;{sub_first} X;Praktik\r\n"
    assert any(t.lower() in csv_for_main.lower() for t in forbidden(world, "contractor_a"))
    assert sub_first not in " ".join(forbidden(world, "spare_a"))
    client = app.test_client()
    sign_in(client, world.sides["A"].users["client"])
    visible = page_tokens(app, client, world)
    assert "ZQA-Projekt" in visible
    assert "ZQA-HEMMELIG-HelbredAli" not in visible
    assert not any(token.startswith("ZQB-") for token in visible)
