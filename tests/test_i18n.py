"""Every user-facing string has a Danish translation, with the same placeholders."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "N_": None,
    "lazy_gettext": None,
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _extracted() -> set[str]:
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog():
    with open(ROOT / "app/translations/da/LC_MESSAGES/messages.po", "rb") as f:
        return read_po(f)


def test_every_string_in_the_code_has_a_danish_translation():
    catalog = _catalog()
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and all(m.string if isinstance(m.string, tuple) else [m.string]) and not m.fuzzy
    }
    missing = sorted(_extracted() - translated)
    assert missing == [], f"run `make translations` and translate: {missing}"


def test_translations_keep_their_placeholders():
    wrong = []
    for m in _catalog():
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        expected = set(PLACEHOLDER.findall(" ".join(ids)))
        for s in strings:
            if s and set(PLACEHOLDER.findall(s)) != expected:
                wrong.append(m.id)
    assert wrong == []


def test_the_templates_translations_are_made_once_per_language_and_stay_right(app):
    """`_()` keeps what it made per language (app/templating.py): the same message in two
    languages in one process, with and without variables, escaped, and "%%" as Jinja's own."""
    from flask import render_template_string
    from flask_babel import force_locale

    source = (
        "{{ _('Sign in') }}|{{ _('Sign in') }}|{{ _('100%%') }}|"
        "{{ _('Hello %(name)s', name='<b>') }}"
    )
    with app.test_request_context():
        with force_locale("da"):
            danish = render_template_string(source)
        with force_locale("en"):
            english = render_template_string(source)
        with force_locale("da"):
            again = render_template_string(source)
    assert danish == again == "Log ind|Log ind|100%|Hello &lt;b&gt;"
    assert english == "Sign in|Sign in|100%|Hello &lt;b&gt;"


def test_a_macro_imported_without_context_speaks_the_language_in_force(app):
    """A macro imported without context (the error summary) does not see the render's
    locale: it reads the locale in force itself, force_locale included, for `_()`, and so do
    the phase badge and `|date`, whichever language came first in the process."""
    from datetime import datetime

    from flask import render_template_string
    from flask_babel import force_locale

    from app.enums import Phase

    source = (
        '{% from "_macros.html" import error_summary_items %}'
        '{{ error_summary_items([("f", "x")]) }}'
        "{{ phase|phase_badge }}|{{ 'execution'|phase_badge }}|"
        "{% macro bare(moment) %}{{ _('Sign in') }}·{{ moment|date('long') }}{% endmacro %}"
        "{{ bare(moment) }}"
    )
    moment = datetime(2027, 3, 31, 23, 30)  # UTC: 1 April in Copenhagen
    with app.test_request_context():
        for first, second in (("en", "da"), ("da", "en")):
            found = {}
            for language in (first, second, first):
                with force_locale(language):
                    html = render_template_string(source, phase=Phase.EXECUTION, moment=moment)
                assert found.setdefault(language, html) == html
            assert found["da"].count(">Udførelse<") == 2 and "Log ind·1. april 2027" in found["da"]
            assert found["en"].count(">Execution<") == 2 and "Sign in·1 April 2027" in found["en"]
            assert "Der er et problem" in found["da"] and "There is a problem" in found["en"]


def test_link_for_builds_the_same_urls_as_url_for(app):
    """A list's links built once per endpoint and filled per row are url_for's own, with a
    path argument, a query argument and fixed values, under an application root; what is
    not a plain id is left to url_for."""
    from flask import url_for

    from app.templating import link_for

    with app.test_request_context("/", base_url="http://intranet.example/app"):
        cases = (
            ("projects.detail", "project_id", {}),
            ("candidates.detail", "candidate_id", {}),
            ("placements.new", "opening_id", {}),
            ("placements.progress", "project_id", {"page": 3}),
        )
        for endpoint, name, fixed in cases:
            link = link_for(endpoint, name, **fixed)
            for value in (0, 7, 918_273_645, 10**12, -1, "7"):
                assert link[value] == url_for(endpoint, **fixed, **{name: value}), value
        assert link_for("projects.detail", "project_id")[7] == "/app/projects/7"
