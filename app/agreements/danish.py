"""Danish formatting for agreement texts: dates, numbers, lists and number words.

Small and dependency-free on purpose: the agreement is always Danish, whatever language the
drafter's browser speaks, so this does not go through the Flask-Babel locale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)

# Number words used in running text ("to beboere"); larger numbers stay as digits.
_WORDS = ("nul", "én", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve")
_WORDS_12 = "tolv"


def format_date(value: dt.date) -> str:
    """Return a date the way a Danish contract writes it: '1. marts 2027'."""
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def format_number(value: int) -> str:
    """Return a whole number with Danish thousands separators: 1924 -> '1.924'."""
    return f"{value:,}".replace(",", ".")


def number_words(value: int) -> str:
    """Return 0..12 in words ('to', 'tolv'); larger numbers as Danish-formatted digits."""
    if 0 <= value < len(_WORDS):
        return _WORDS[value]
    if value == 12:
        return _WORDS_12
    return format_number(value)


def join_and(items: Iterable[str]) -> str:
    """Join names the Danish way: 'A', 'A og B', 'A, B og C'."""
    items = [str(item) for item in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]
