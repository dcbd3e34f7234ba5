"""Shared by the fuzz tests (tests/test_fuzz.py, tests/test_fuzz_files.py, tests/test_sanitise.py):
the hostile corpus, and finding, reading and fetching the POST forms a user meets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.forms import read_form
from tests.world import build_url, sign_in

SCRIPT = "<script>alert('zq-xss')</script>"
IMG = '"><img src=x onerror=alert(1)>'
HX_ATTR = 'hx-get="/admin/users"'
HOSTILE = (
    SCRIPT,
    IMG,
    f'<div {HX_ATTR} hx-trigger="load">zq</div>',
    "{{7*7}}zq{% raw %}zq{% endraw %}{{ config }}",
    "'; DROP TABLE users;--",
    '</w:t></w:r></w:p><w:p><w:r><w:t xml:space="preserve">zq-injected',
    "\u202eevil\u202c \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \u200f",
    "😀👩‍👩‍👧‍👦🏗️ ÆØÅ æøå",
    '=HYPERLINK("http://evil")',
    "+cmd|' /C calc'!A0",
    "line one\r\nline two\n\n\tline three",
    "nul\x00byte and \x01\x08\x0b\x1f controls",
    "x" * 6000,
    "",
    " ",
)
HOSTILE_DATES = ("0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "31.12.2026", "x", "")
HOSTILE_TIMES = ("25:61", "00:00", "23:59", "8.30", "x", "")
HOSTILE_NUMBERS = ("-1", "0", "99999999999999999999", "1e9", "3.5", "x", "")
TEXT_KINDS = {"text", "textarea", "email", "search", "tel", "url", "password"}


@dataclass
class FoundForm:
    endpoint: str
    page: str
    action: str
    opened_by: str | None = None  # a POST that shows the form (the sensitive notes)


class _FormKinds(HTMLParser):
    """Every POST form on a page: its action and the kind of each named field."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self._current = {}
                self.forms.append((a.get("action") or "", self._current))
            return
        if self._current is None or not a.get("name"):
            return
        if tag == "input":
            self._current[a["name"]] = (a.get("type") or "text").lower()
        elif tag in ("textarea", "select"):
            self._current[a["name"]] = tag

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def post_forms(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _FormKinds()
    parser.feed(html)
    return parser.forms


def form_fields(html: str, action: str):
    """The fields of the form posting to `action`, read with tests/forms.py; None if gone."""
    marked = re.sub(
        rf'<form([^>]*?)action="{re.escape(action)}"',
        r'<form\1 id="fuzz-target" action="' + action + '"',
        html,
        count=1,
    )
    if marked == html:
        return None, {}
    kinds = next((k for a, k in post_forms(html) if a == action), {})
    return read_form(marked, "fuzz-target"), kinds


def csrf_token(html: str) -> str:
    match = re.search(r'"X-CSRFToken": "([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', html
    )
    return match.group(1) if match else ""


def endpoint_of(app, path: str, method: str = "POST") -> str | None:
    try:
        endpoint, _args = app.url_map.bind("localhost").match(path, method=method)
    except (NotFound, MethodNotAllowed):
        return None
    return endpoint


def discover(app, client, user, ids: dict, extra_pages=()) -> dict[str, FoundForm]:
    """The POST forms this user meets on the pages it may open, one per endpoint."""
    pages = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in rule.methods and rule.endpoint != "static":
            pages.append(build_url(rule, ids))
            if "number" in rule.arguments:  # the later draft has the approve button
                pages.append(build_url(rule, {**ids, "number": 2}))
    found: dict[str, FoundForm] = {}
    for page, opened_by in [(p, None) for p in [*pages, *extra_pages]] + [
        (f"/candidates/{ids['candidate_id']}", f"/candidates/{ids['candidate_id']}/sensitive")
    ]:
        html = fetch(client, user, page, opened_by)
        if html is None:
            continue
        for action, _kinds in post_forms(html):
            endpoint = endpoint_of(app, action)
            if endpoint and endpoint not in found:
                found[endpoint] = FoundForm(endpoint, page, action, opened_by)
    return found


def fetch(client, user, page: str, opened_by: str | None = None) -> str | None:
    """The page's HTML as `user` sees it (after the opening POST, if any); None if refused."""
    sign_in(client, user)
    response = client.get(page)
    if opened_by and response.status_code == 200:
        token = csrf_token(response.get_data(as_text=True))
        response = client.post(opened_by, headers={"X-CSRFToken": token})
    if response.status_code != 200 or response.mimetype != "text/html":
        return None
    return response.get_data(as_text=True)
