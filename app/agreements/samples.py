"""Demo and hostile values for agreements: used by tests, the benchmark and demo data."""

from __future__ import annotations

import datetime as dt
from typing import Any

# A realistic, fictional project with the handbook's example targets (2 apprenticeships,
# 8 courses).
DEMO_VALUES: dict[str, Any] = {
    "project_name": "Renovering af Skovparken, etape 2",
    "project_address": "Skovparken 1-40, 8000 Aarhus C",
    "client_name": "Boligforeningen Skovparken",
    "main_contractor_name": "",
    "housing_areas": ["Skovparken", "Søndergården"],
    "apprenticeships_min": 2,
    "courses_min": 8,
    "internship_weeks_min": 4,
    "internship_weeks_max": 6,
    "wage_subsidy_months": 3,
    "ordinary_months_min": 4,
    "count_rule": "started",
    "coordinator_name": "Byg Op",
    "coordinator_contact": "Koordinator, tlf. 12 34 56 78",
    "execution_start": dt.date(2027, 3, 1),
    "execution_end": dt.date(2028, 9, 30),
    "apprentice_aarsvaerk": 2,
}

# Text that must reach Word, text and HTML literally: markup, template syntax, entities,
# right-to-left script, emoji and sheer length.
HOSTILE_TEXTS: tuple[str, ...] = (
    "<w:p><w:r><w:t>injected</w:t></w:r></w:p> & \"quotes\" 'single'",
    "]]> <![CDATA[x]]> &amp; &lt;tag&gt; <script>alert(1)</script>",
    "{{ 7*7 }} {% if true %}yes{% endif %} {# note #} [[signatures]] ${x} %(name)s",
    "مشروع البناء – עברית \u200f RTL – 🏗️👷‍♀️ Ærø Å",
    "- not a bullet ### not a heading",
    "Lang tekst " + "ÆØÅ æøå 🧱 " * 120 + "slut",
)


def hostile_values() -> dict[str, Any]:
    """Return DEMO_VALUES with every text and area value replaced by hostile text."""
    values = dict(DEMO_VALUES)
    texts = iter(HOSTILE_TEXTS * 3)
    for name in (
        "project_name",
        "project_address",
        "client_name",
        "main_contractor_name",
        "coordinator_name",
        "coordinator_contact",
    ):
        values[name] = next(texts)
    values["housing_areas"] = list(HOSTILE_TEXTS)
    return values
