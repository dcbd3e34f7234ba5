"""The import file's columns and the Danish words its cells may hold.

The README's section "Import of existing data" documents the same list: change both together.
"""

from __future__ import annotations

import re

from app.models import Rung
from app.placements.models import Outcome

FIRST_NAME = "fornavn"
LAST_NAME = "efternavn"
PHONE = "telefon"
EMAIL = "email"
ASSOCIATION = "boligforening"
AREA = "boligområde"
REFERRAL = "henvist af"
PROJECT = "byggesag"
COMPANY = "virksomhed"
RUNG = "trin"
START = "start"
PLANNED_END = "planlagt slut"
END = "slut"
OUTCOME = "udfald"
CONVERSATIONS = "samtaler før match"

COLUMNS = (
    FIRST_NAME,
    LAST_NAME,
    PHONE,
    EMAIL,
    ASSOCIATION,
    AREA,
    REFERRAL,
    PROJECT,
    COMPANY,
    RUNG,
    START,
    PLANNED_END,
    END,
    OUTCOME,
    CONVERSATIONS,
)
REQUIRED_COLUMNS = (FIRST_NAME, LAST_NAME, ASSOCIATION, PROJECT, COMPANY, RUNG, START)
# Other spellings people use for the same column.
COLUMN_ALIASES = {
    "e-mail": EMAIL,
    "mail": EMAIL,
    "tlf": PHONE,
    "tlf.": PHONE,
    "boligomraade": AREA,
    "boligomrade": AREA,
    "startdato": START,
    "slutdato": END,
    "planlagt slutdato": PLANNED_END,
}

RUNG_NAMES = {
    "praktik": Rung.INTERNSHIP,
    "virksomhedspraktik": Rung.INTERNSHIP,
    "løntilskud": Rung.WAGE_SUBSIDY,
    "ordinær": Rung.ORDINARY,
    "ordinær ansættelse": Rung.ORDINARY,
    "læreplads": Rung.APPRENTICESHIP,
    **{rung.value: rung for rung in Rung},
}
OUTCOME_NAMES = {
    "næste trin": Outcome.NEXT_RUNG,
    "gennemført": Outcome.COMPLETED,
    "stoppet før tid": Outcome.ENDED_EARLY,
    "andet arbejde": Outcome.OTHER_WORK,
    **{outcome.value: outcome for outcome in Outcome},
}
MAX_LENGTHS = {FIRST_NAME: 100, LAST_NAME: 100, PHONE: 40, EMAIL: 254}
MAX_CONVERSATIONS = 50


# The Danish words the README documents for `henvist af`, whatever the catalogs say.
REFERRAL_NAMES = {
    "jobcenter": "job_centre",
    "jobcentret": "job_centre",
    "boligsocial medarbejder": "housing_worker",
    "beboer": "resident",
    "anden beboer": "resident",
    "gadeplansmedarbejder": "street_worker",
    "beboerbestyrelse": "residents_board",
    "afdelingsbestyrelse": "residents_board",
    "sundhedsplejerske": "health_visitor",
    "andet": "other",
    "anden": "other",
}


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0045"):
        digits = digits[4:]
    elif len(digits) == 10 and digits.startswith("45"):
        digits = digits[2:]
    return digits


def canonical_column(name: str) -> str:
    return COLUMN_ALIASES.get(name, name)
