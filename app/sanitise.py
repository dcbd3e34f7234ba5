"""Text made safe for the files we write: one place for every writer, and no Flask.

The forms refuse control characters in single-line fields (app.forms), but rows saved before
that rule, rows from other paths and the multi-line fields still reach the writers; a writer
must never fail on what the database holds. So every writer passes its text through here:

- xml_text(): Word (.docx) and Excel (.xlsx) cells and properties. XML 1.0 cannot hold C0
  control characters other than tab, line feed and carriage return, nor lone surrogates or
  U+FFFE/U+FFFF; those are dropped. Vertical tab and form feed (Word's own line and page
  break, pasted from Word) become a line break.
- one_line(): a value that must stay on one line (a CSV cell, a calendar summary or place, a
  name in a header): every line break and control character becomes one space.
- ical_text(): a calendar description: line breaks kept (icalendar escapes them), other
  control characters dropped (RFC 5545 allows none but tab).
- filename(): a download's file name: one line, no bidi controls (which make
  "rapport<U+202E>xcod.exe" look like "rapportexe.docx"), no path separators or characters Windows
  refuses, at most MAX_FILENAME characters, never empty.
- json_bytes(): JSON that keeps control characters (escaped, as JSON does) but never fails on
  a lone surrogate.

The same character classes back the form validators, so what a form refuses and what a
writer drops agree.
"""

from __future__ import annotations

import json
import re
import unicodedata

# C0 controls XML 1.0 refuses (tab, LF and CR are allowed), plus what UTF-8 or XML cannot
# encode: lone surrogates, the two noncharacters U+FFFE/U+FFFF, and the noncharacters the
# agreement renderer reserves for itself (U+FDD0-U+FDEF).
XML_ILLEGAL = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
# Vertical tab and form feed: Word's manual line break and page break when text is pasted.
WORD_BREAKS = re.compile("[\x0b\x0c]")
# Every character that ends a line or is a control character (Unicode category Cc, which
# includes tab, LF, CR, DEL and the C1 range), plus the line and paragraph separators.
LINE_OR_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Bidirectional formatting characters: embeddings and overrides (U+202A-U+202E), isolates
# (U+2066-U+2069) and the implicit marks (U+200E LRM, U+200F RLM, U+061C ALM).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# Only the overrides and isolates can disguise text; the marks are ordinary in Arabic/Hebrew.
BIDI_OVERRIDES = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Characters a file name cannot hold on Windows or in a path.
SURROGATES = re.compile("[\ud800-\udfff]")
FILENAME_ILLEGAL = re.compile(r'[\\/:*?"<>|]')
MAX_FILENAME = 150


def xml_text(text: str | None) -> str:
    """`text` as XML 1.0 can hold it: tab and line breaks kept, other control characters
    dropped (vertical tab and form feed become a line break)."""
    if not text:
        return ""
    return XML_ILLEGAL.sub("", WORD_BREAKS.sub("\n", str(text)))


def one_line(text: str | None) -> str:
    """`text` on one line: each run of line breaks and control characters becomes a space."""
    if not text:
        return ""
    return XML_ILLEGAL.sub("", LINE_OR_CONTROL.sub(" ", str(text)))


def ical_text(text: str | None) -> str:
    """Multi-line calendar text: line breaks as LF, other control characters dropped."""
    if not text:
        return ""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    text = WORD_BREAKS.sub("\n", text)
    return re.sub("[\x00-\x08\x0e-\x1f\x7f]", "", XML_ILLEGAL.sub("", text))


def filename(name: str | None, default: str = "download") -> str:
    """A file name safe in a Content-Disposition header and on any file system."""
    text = BIDI_CONTROLS.sub("", one_line(name))
    text = FILENAME_ILLEGAL.sub("", text)
    text = unicodedata.normalize("NFC", re.sub(" {2,}", " ", text)).strip(" .")
    if len(text) > MAX_FILENAME:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= 8:
            text = stem[: MAX_FILENAME - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            text = text[:MAX_FILENAME].rstrip(" .")
    return text or default


def json_bytes(data, **options) -> bytes:
    """`data` as UTF-8 JSON; a lone surrogate (which UTF-8 cannot encode) becomes U+FFFD."""
    body = json.dumps(data, ensure_ascii=False, **options) + "\n"
    return SURROGATES.sub("\ufffd", body).encode("utf-8")


# --- what the forms and the import refuse --------------------------------------------------


def single_line_problem(text: str | None) -> bool:
    """True when a single-line value holds a control character or a bidi override."""
    return bool(text) and bool(LINE_OR_CONTROL.search(text) or BIDI_OVERRIDES.search(text))


def multi_line_clean(text: str | None) -> str | None:
    """A multi-line value as we store it: tab and line breaks kept, vertical tab and form feed
    (Word's line and page break) as a line break, every other control character dropped."""
    return xml_text(text) if isinstance(text, str) else text
