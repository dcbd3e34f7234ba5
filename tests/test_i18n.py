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
