"""The product's words: one Danish term per concept, on pages, in Word and in Excel.

Each entry names a concept, the one Danish term the product uses for it, and the variants it
must not use (regular expressions, case-insensitive, matched on word boundaries where written).
``tests/test_glossary.py`` scans the Danish catalog, the templates, the clause library, the
kickoff texts and the Danish text in the Python code for the forbidden variants. No Flask here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    concept: str
    term: str
    forbidden: tuple[str, ...]

    def variants_in(self, text: str) -> list[str]:
        """The forbidden variants found in the text, as written there."""
        return [
            match.group(0)
            for pattern in self.forbidden
            for match in re.finditer(pattern, text, flags=re.IGNORECASE)
        ]


GLOSSARY: tuple[Term, ...] = (
    Term(
        "a course or rung has started (counted from its first day)",
        "startet / starter",
        (r"\bpåbegynd\w*", r"\bnår det begynder\b", r"\bfra det begynder\b", r"\bbegyndt på\b"),
    ),
    Term(
        "where a resident enters the ladder",
        "starte på et trin",
        (r"\bbegynde på det trin\b", r"\bforløb begynder\b"),
    ),
    Term("the report of a project's progress", "fremdriftsrapport", (r"statusrapport",)),
    # The upper-case document mark "UDKAST" in a draft agreement's header and watermark is the
    # tender convention (issue 14); everywhere else the product says "kladde".
    Term("an unapproved agreement version", "kladde", (r"\b(?!(?-i:UDKAST)\b)udkast\w*",)),
    Term("the first meeting after the award", "opstartsmøde", (r"startmøde", r"opstartmøde")),
    Term("the monthly meeting", "opfølgningsmøde", (r"statusmøde",)),
    Term("an apprenticeship", "læreplads", (r"lærlingeplads", r"\belevplads")),
    Term("an employment course", "beskæftigelsesforløb", (r"\bjobforløb",)),
)


def forbidden_variants(text: str) -> list[tuple[Term, str]]:
    """Every (term, variant as written) in the text that the glossary forbids."""
    return [(term, found) for term in GLOSSARY for found in term.variants_in(text)]
