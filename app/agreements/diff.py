"""Word-level inline diff between two agreement texts, as escaped HTML with <ins> and <del>."""

from __future__ import annotations

import difflib
import re

from markupsafe import Markup, escape

_TOKEN = re.compile(r"\s+|[^\s]+")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def inline_diff(old: str, new: str) -> tuple[Markup, int, int]:
    """Return (html, words added, words removed); whitespace changes alone are not marked."""
    a, b = _tokens(old), _tokens(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    parts: list[str] = []
    added = removed = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(str(escape("".join(b[j1:j2]))))
            continue
        if op in ("delete", "replace"):
            chunk = "".join(a[i1:i2])
            if chunk.strip():
                removed += sum(1 for t in a[i1:i2] if t.strip())
                parts.append(f"<del>{escape(chunk)}</del>")
        if op in ("insert", "replace"):
            chunk = "".join(b[j1:j2])
            if chunk.strip():
                added += sum(1 for t in b[j1:j2] if t.strip())
                parts.append(f"<ins>{escape(chunk)}</ins>")
            else:
                parts.append(str(escape(chunk)))
    return Markup("".join(parts)), added, removed
