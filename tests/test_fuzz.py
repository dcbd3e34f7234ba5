"""Bad input: every form, filled the way a browser would and then with hostile values, posted
with a valid session and a valid CSRF token (a second app instance with CSRF on, as in
production). Never a server error; never an unescaped reflection; no NUL or other control
character stored (PostgreSQL refuses NUL, Word and Excel refuse the rest); every generated
document still opens and holds the text literally. And mass assignment: extra fields posted to
the riskiest forms change nothing beyond the form's own fields.

Hypothesis is derandomized and keeps no example database, so CI runs the same examples.
"""

from __future__ import annotations

import io
import json
import re

import docx
import openpyxl
import pytest
from flask_wtf.csrf import CSRFError
from hypothesis import HealthCheck, given, settings
from hypothesis import Phase as HypothesisPhase
from hypothesis import strategies as st
from sqlalchemy import String, Text, select

from app import create_app
from app.access import access_rule_for
from app.agreements.models import AgreementVersion
from app.candidates.models import Candidate
from app.extensions import db
from app.models import Organisation, Phase, Project, User
from app.openings.models import Opening
from app.placements.models import Placement
from app.sanitise import single_line_problem
from tests.factories import Factories
from tests.fuzzing import (
    HOSTILE,
    HOSTILE_DATES,
    HOSTILE_NUMBERS,
    HOSTILE_TIMES,
    HX_ATTR,
    SCRIPT,
    TEXT_KINDS,
    FoundForm,
    csrf_token,
    discover,
    fetch,
    form_fields,
)
from tests.world import build_url, build_world, sign_in

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=200),
    st.lists(st.sampled_from(HOSTILE[:12]), min_size=2, max_size=3).map("".join),
)


@pytest.fixture
def csrf_app(app):
    """A second app on the same database with CSRF protection on, as in production."""
    served = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "fuzz-test",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SERVER_NAME": "localhost",
            "WTF_CSRF_ENABLED": True,
        }
    )
    # A refused token answers 418 here, so the fuzz can tell it from the view's own 400s.
    served.register_error_handler(CSRFError, lambda error: ("CSRF refused", 418))
    yield served
    with served.app_context():
        db.session.remove()
        db.engine.dispose()


POOL = 12  # values drawn per example, before the form is read, so the draws never depend
# on the world (which the posts change)

pools = st.fixed_dictionaries(
    {
        "text": st.lists(st.one_of(st.none(), hostile_text), min_size=POOL, max_size=POOL),
        "date": st.lists(st.sampled_from((None, *HOSTILE_DATES)), min_size=POOL, max_size=POOL),
        "time": st.lists(st.sampled_from((None, *HOSTILE_TIMES)), min_size=POOL, max_size=POOL),
        "number": st.lists(st.sampled_from((None, *HOSTILE_NUMBERS)), min_size=POOL, max_size=POOL),
        "other": st.lists(
            st.one_of(st.none(), st.none(), hostile_text), min_size=POOL, max_size=POOL
        ),
        "htmx": st.booleans(),
    }
)


def hostile_payload(pool: dict, fields: dict, kinds: dict) -> dict:
    """The form's fields, each replaced by the pool's value for its kind and place (None: keep
    what the page gave)."""
    payload = {}
    for index, (name, value) in enumerate(fields.items()):
        kind = kinds.get(name, "hidden")
        if name.endswith("csrf_token") or isinstance(value, list):
            payload[name] = value
            continue
        group = "text" if kind in TEXT_KINDS else kind if kind in pool else "other"
        chosen = pool[group][index % POOL]
        payload[name] = value if chosen is None else chosen
    return payload


def unescaped_reflections(html: str) -> list[str]:
    markers = (SCRIPT, "<img src=x onerror", HX_ATTR, "zq49zq")
    return [marker for marker in markers if marker in html]


def bad_values_stored() -> list[str]:
    """Text that SQLite keeps but PostgreSQL would refuse with a 500 (NUL, a value longer
    than its column), or that Word and Excel refuse (other control characters)."""
    bad = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        try:
            rows = db.session.execute(select(*columns)).all()
        except Exception:  # a table another branch has not migrated yet
            db.session.rollback()
            continue
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                if not isinstance(value, str):
                    continue
                if bad.search(value):
                    found.append(f"{table.name}.{column.name}: {value[:60]!r}")
                limit = getattr(column.type, "length", None)
                if limit and len(value) > limit:
                    found.append(f"{table.name}.{column.name}: {len(value)} > {limit} characters")
    return found


class Fuzzer:
    def __init__(self, app, world, examples: int):
        self.app = app
        self.world = world
        self.examples = examples
        self.client = app.test_client()
        self.posts = 0
        self.problems: list[str] = []

    def fuzz(self, identity: str, side: str, skip=(), extra_pages=()) -> set[str]:
        user = self.world.user(identity)
        found = discover(self.app, self.client, user, self.world.sides[side].ids, extra_pages)
        for form in found.values():
            if form.endpoint not in skip:
                self.fuzz_form(user, form)
        return set(found)

    def fuzz_form(self, user, form: FoundForm) -> None:
        client = self.client

        @settings(
            max_examples=self.examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=(HypothesisPhase.generate,),  # problems are collected: nothing to shrink
            suppress_health_check=list(HealthCheck),
        )
        @given(pool=pools)
        def run(pool):
            html = fetch(client, user, form.page, form.opened_by)
            fields, kinds = form_fields(html or "", form.action)
            if fields is None:  # the form is gone (e.g. the opening was withdrawn)
                return
            payload = hostile_payload(pool, fields, kinds)
            headers = {"X-CSRFToken": csrf_token(html)}
            if pool["htmx"]:
                headers["HX-Request"] = "true"
            where = f"{form.endpoint} ({form.action}) as {user.name if user else 'anonymous'}"
            self.posts += 1
            try:
                response = client.post(form.action, data=payload, headers=headers)
            except Exception as error:  # TESTING propagates what would be a 500
                db.session.rollback()
                self.problems.append(f"server error {where}: {error!r} with {payload!r:.300}")
                return
            if response.status_code >= 500:
                self.problems.append(f"{response.status_code} {where} with {payload!r:.300}")
            if response.status_code == 418:
                self.problems.append(f"CSRF refused {where}: the fuzz is not reaching the view")
            if response.mimetype == "text/html":
                for marker in unescaped_reflections(response.get_data(as_text=True)):
                    self.problems.append(f"unescaped {marker!r} reflected by {where}")

        run()


# Endpoints with no form of their own on a page: a button posting hx-vals, a file upload, the
# live preview (it reads the editor's form), signing out (which would end the session).
NOT_A_PAGE_FORM = {
    "agreements.preview": "posts the editor's fields on keystrokes; fuzzed via agreements.draft",
    "agreements.autosave": "posts the editor's fields after a pause (htmx on a status line, not "
    "a form); the same fields as agreements.draft, fuzzed there",
    "auth.logout": "ends the session; its only field is the CSRF token",
    "admin.enable_user": "shown for disabled users only; the same field-less form as disable",
    "imports.confirm": "needs a signed token from a successful dry run; see test_import",
    "meetings.move_question": "htmx buttons with hx-vals (direction)",
    "meetings.mark_discussed": "htmx checkbox with hx-vals",
    "meetings.attendance": "htmx checkbox with hx-vals",
    "meetings.reopen_minutes": "shown on final minutes only; field-less, like mark_final",
    "mail.retry": "shown for failed mails only; field-less, like disable_user",
    "auth.set_password": "opened by a signed link from an e-mail; see test_mail",
}


def test_every_form_survives_hostile_input(app, ctx, csrf_app, capsys):
    world = build_world()
    tender = Factories().project(
        db.session.get(Organisation, world.sides["A"].ids["org_id"]), "ZQA-Udbud", Phase.TENDER
    )
    db.session.commit()
    fuzzer = Fuzzer(csrf_app, world, examples=6)
    covered = fuzzer.fuzz("coordinator", "A", extra_pages=[f"/projects/{tender.id}"])
    covered |= fuzzer.fuzz("admin", "B", skip=covered)
    fuzzer.examples = 4
    covered |= fuzzer.fuzz("contractor_a", "A")
    # The approval's confirmation step offers its form for the latest version only, and the
    # coordinator's fuzzing above saved more versions.
    db.session.expire_all()
    project_a = world.sides["A"].ids["project_id"]
    latest = db.session.scalar(
        select(AgreementVersion.number)
        .where(AgreementVersion.project_id == project_a)
        .order_by(AgreementVersion.number.desc())
        .limit(1)
    )
    approve_page = f"/projects/{project_a}/agreement/v{latest}/approve"
    covered |= fuzzer.fuzz("client_a", "A", extra_pages=[approve_page])
    covered |= fuzzer.fuzz("anonymous", "A")

    db.session.expire_all()
    stored = bad_values_stored()
    with capsys.disabled():
        print(f"\nfuzz: {fuzzer.posts} posts, {len(fuzzer.problems)} problems")
    assert fuzzer.problems == [], "\n".join(fuzzer.problems)
    assert stored == [], "values PostgreSQL, Word or Excel would refuse:\n" + "\n".join(stored)

    posts = {
        rule.endpoint
        for rule in csrf_app.url_map.iter_rules()
        if "POST" in rule.methods
        and access_rule_for(csrf_app, rule.endpoint) is not None
        # An old address only redirects to its new one (app/legacy_views.py): no page posts there.
        and not rule.endpoint.startswith("legacy.")
    }
    uncovered = posts - covered - set(NOT_A_PAGE_FORM)
    assert uncovered == set(), f"POST endpoints with no form found on any page: {uncovered}"
    assert fuzzer.posts > 200


# --- query arguments ------------------------------------------------------------------------

QUERY_ARGS = (
    "q", "page", "status", "phase", "client_id", "from", "to", "project", "opening_id",
    "candidate_id", "months", "kind", "next", "action", "user", "since", "until", "project_id",
    "company_id", "association_id", "lang",
)  # fmt: skip
HOSTILE_QUERY = (SCRIPT, "nul\x00byte", "99999999999999999999", "-1", "%_\\' OR 1=1--{{7*7}}zq")


def test_every_page_survives_hostile_query_arguments(app, ctx, capsys):
    world = build_world()
    client = app.test_client()
    problems, n = [], 0
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    for identity, side in (("coordinator", "A"), ("client_a", "A"), ("contractor_a", "A")):
        user = world.user(identity)
        for rule in sorted(rules, key=lambda r: r.rule):
            for value in HOSTILE_QUERY:
                url = build_url(rule, world.sides[side].ids)
                sign_in(client, user)
                n += 1
                try:
                    response = client.get(url, query_string={k: value for k in QUERY_ARGS})
                except Exception as error:  # TESTING propagates what would be a 500
                    db.session.rollback()
                    problems.append(f"server error: {url} as {identity}, {value!r}: {error!r}")
                    continue
                if response.status_code >= 500:
                    problems.append(f"{response.status_code} on {url} with {value!r}")
                elif response.mimetype == "text/html":
                    for marker in unescaped_reflections(response.get_data(as_text=True)):
                        problems.append(f"unescaped {marker!r} reflected by {url}")
    with capsys.disabled():
        print(f"\nfuzz: {n} hostile query strings, {len(problems)} problems")
    assert problems == [], "\n".join(problems)


# --- documents -----------------------------------------------------------------------------

single_line = st.one_of(
    # What a one-line field accepts: no control characters, no bidi override (app.forms).
    st.sampled_from(
        [h for h in HOSTILE if h.strip() and not single_line_problem(h) and len(h) < 200]
    ),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=60,
    ),
).map(lambda s: "zq " + s + " zq")


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def expected(text: str) -> str:
    """What a document should show: control characters dropped, as the app stores it."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text).strip()


def test_documents_hold_hostile_text_literally(app, ctx, csrf_app):
    world = build_world()
    ids = world.sides["A"].ids
    p, m = ids["project_id"], ids["meeting_id"]
    client = csrf_app.test_client()
    checked = []

    def post_form(page: str, action: str, changes: dict):
        sign_in(client, world.coordinator)
        html = client.get(page).get_data(as_text=True)
        fields, _kinds = form_fields(html, action)
        assert fields is not None, f"no form for {action} on {page}"
        fields.update(changes)
        response = client.post(action, data=fields, headers={"X-CSRFToken": csrf_token(html)})
        assert response.status_code in (200, 303), (action, response.status_code, changes)

    def download(url: str) -> bytes:
        response = client.get(url)
        assert response.status_code == 200, url
        return response.data

    @settings(max_examples=8, deadline=None, derandomize=True, database=None)
    @given(text=single_line)
    def documents(text):
        want = expected(text)
        # The agreement: a new version whose project name is hostile.
        post_form(
            f"/projects/{p}/agreement/draft",
            f"/projects/{p}/agreement/draft",
            {"v_project_name": text},
        )
        latest = db.session.scalar(
            select(AgreementVersion.number)
            .where(AgreementVersion.project_id == p)
            .order_by(AgreementVersion.number.desc())
        )
        assert want in docx_text(download(f"/projects/{p}/agreement/v{latest}.docx"))
        # The monthly minutes.
        page = f"/projects/{p}/meetings/{m}"
        post_form(page, f"{page}/minutes", {"minutes": text})
        assert want in docx_text(download(f"{page}/minutes.docx"))
        # The coordinator's comment in the client's report (Word and Excel).
        page = f"/projects/{p}/report"
        post_form(page, f"{page}/narrative", {"text": text})
        assert want in docx_text(download(f"{page}.docx"))
        book = openpyxl.load_workbook(io.BytesIO(download(f"{page}.xlsx")))
        cells = [c.value for s in book.worksheets for row in s.iter_rows() for c in row]
        assert want in cells
        # The kickoff: a hostile place and agenda; the briefing still opens.
        page = f"/projects/{p}/kickoff"
        post_form(page, page, {"place": text, "agenda": text})
        assert want in docx_text(download(f"{page}/briefing.docx"))
        checked.append(text)

    documents()
    assert len(checked) >= 8


# --- mass assignment ----------------------------------------------------------------------------

EXTRA = {
    "role": "admin",
    "organisation_id": "1",
    "owner": "1",
    "created_by_id": "1",
    "author_id": "1",
    "reported_by_id": "1",
    "session_version": "99",
    "active": "y",
    "approved_by_id": "1",
    "approved_at": "2020-01-01",
    "status": "matched",
    "anonymised_at": "2020-01-01",
    "client_id": "1",
    "company_id": "1",
    "project_id": "1",
    "candidate_id": "1",
    "id": "1",
    "version": "1",
    "kind": "company",
    "password_hash": "x",
    "email": "owned@example.dk",
}


def snapshot(obj, columns) -> dict:
    db.session.expire_all()
    fresh = db.session.get(type(obj), obj.id)
    return {c: getattr(fresh, c) for c in columns}


def test_extra_fields_change_nothing_beyond_the_form(app, ctx, csrf_app):
    world = build_world()
    a, b = world.sides["A"].ids, world.sides["B"].ids
    client = csrf_app.test_client()
    bo = db.session.get(Organisation, b["org_id"])

    def post(user, page, action, changes, extra):
        sign_in(client, user)
        html = client.get(page).get_data(as_text=True)
        fields, _kinds = form_fields(html, action)
        assert fields is not None, f"no form for {action} on {page}"
        data = {**extra, **fields, **changes}  # the form's own fields win, as in a browser
        response = client.post(action, data=data, headers={"X-CSRFToken": csrf_token(html)})
        assert response.status_code < 500, (action, response.status_code)
        assert response.status_code != 418, f"CSRF refused on {action}"
        return response

    hostile_extra = {k: v for k, v in EXTRA.items() if k != "version"}
    hostile_extra.update(organisation_id=str(bo.id), client_id=str(bo.id))

    # A new user: role and organisation come from the form; the rest is the server's.
    company = db.session.scalar(select(Organisation).where(Organisation.name == "ZQA-Firma"))
    post(
        world.admin,
        "/admin/users/new",
        "/admin/users/new",
        {
            "email": "ny@example.dk",
            "name": "Ny Bruger",
            "role": "contractor",
            "organisation_id": str(company.id),
        },
        {**hostile_extra, "email": "owned@example.dk"},
    )
    created = db.session.scalar(select(User).where(User.email == "ny@example.dk"))
    assert created is not None, "the user was not created"
    assert created.role == "contractor" and created.organisation_id == company.id
    assert created.session_version == 1 and created.password_hash != "x" and created.active
    assert db.session.scalar(select(User).where(User.email == "owned@example.dk")) is None

    # A candidate's edit: never the creator, the anonymisation or the version.
    candidate = db.session.get(Candidate, a["candidate_id"])
    columns = ("created_by_id", "anonymised_at", "created_at")
    before = snapshot(candidate, columns)
    page = f"/candidates/{candidate.id}/edit"
    post(world.coordinator, page, page, {"first_name": "Nyt"}, hostile_extra)
    assert snapshot(candidate, columns) == before
    assert snapshot(candidate, ("first_name",)) == {"first_name": "Nyt"}

    # A project's edit: the client comes from the form's own select, never from a stray field.
    project = db.session.get(Project, a["project_id"])
    columns = ("client_id", "created_at")
    before = snapshot(project, columns)
    page = f"/projects/{project.id}/edit"
    post(world.coordinator, page, page, {"name": "ZQA-Nyt navn"}, {"owner": "1", "id": "99"})
    assert snapshot(project, columns) == before
    assert snapshot(project, ("name",)) == {"name": "ZQA-Nyt navn"}

    # An opening reported by a contractor: its own user and an open status, whatever is posted.
    contractor = world.user("contractor_a")
    page = f"/projects/{a['project_id']}/openings"
    post(
        contractor,
        page,
        page,
        {
            "expected_start": "2030-01-01",
            "note": "ZQA-Masse",
            "function": "site_labourer",
            "company_id": str(company.id),
        },
        {**hostile_extra, "status": "matched", "reported_by_id": str(world.admin.id)},
    )
    opening = db.session.scalar(select(Opening).where(Opening.note == "ZQA-Masse"))
    assert opening is not None, "the opening was not reported"
    assert opening.status == "open" and opening.reported_by_id == contractor.id
    assert opening.project_id == a["project_id"]

    # A placement ended: not moved to another candidate, project or company.
    placement = db.session.get(Placement, a["placement_id"])
    columns = ("candidate_id", "project_id", "company_id", "created_by_id", "rung")
    before = snapshot(placement, columns)
    page = f"/candidates/{placement.candidate_id}"
    post(
        world.coordinator,
        page,
        f"/placements/{placement.id}/end",
        {"outcome": "completed"},
        {**hostile_extra, "candidate_id": str(b["candidate_id"]), "rung": "ordinary"},
    )
    assert snapshot(placement, columns) == before
    assert snapshot(placement, ("outcome",)) == {"outcome": "completed"}, "not ended"

    # An agreement draft saved: a new, unapproved version by the coordinator.
    page = f"/projects/{a['project_id']}/agreement/draft"
    post(world.coordinator, page, page, {}, hostile_extra)
    latest = db.session.scalar(
        select(AgreementVersion)
        .where(AgreementVersion.project_id == a["project_id"])
        .order_by(AgreementVersion.number.desc())
    )
    assert latest.number == 3, "the draft was not saved"
    assert latest.approved_at is None and latest.approved_by_id is None
    assert latest.author_id == world.coordinator.id

    # An organisation edited: its kind never changes.
    org = db.session.get(Organisation, a["org_id"])
    page = f"/admin/organisations/{org.id}"
    post(world.admin, page, page, {}, {**hostile_extra, "kind": "company"})
    assert snapshot(org, ("kind",)) == {"kind": "association"}

    # The JSON the agreement stores holds only the editor's own values.
    content = json.dumps(latest.content)
    assert "owned@example.dk" not in content and "session_version" not in content
