"""Import files for the tests of the import (tests/test_import.py) and of what reads imported
data (the candidate search, the sanitiser): the columns, a row, a CSV or XLSX file of rows, an
upload form, and the project the rows name."""

from __future__ import annotations

import io

from openpyxl import Workbook

from app.models import Phase, Project

HEADER = [
    "Fornavn",
    "Efternavn",
    "Telefon",
    "Email",
    "Boligforening",
    "Boligområde",
    "Henvist af",
    "Byggesag",
    "Virksomhed",
    "Trin",
    "Start",
    "Planlagt slut",
    "Slut",
    "Udfald",
    "Samtaler før match",
]


def import_site(make) -> Project:
    """A project in execution with a main contractor and a subcontractor, and one company that
    is not on it: the names the rows below use."""
    association = make.association("Brabrand Boligforening", areas=("Gellerupparken", "Toveshøj"))
    main = make.company("Nordbyg A/S")
    sub = make.company("Jysk Murer ApS")
    make.company("Fremmed Byg A/S")
    return make.project(association, "Helhedsplan Gellerup", Phase.EXECUTION, main=main, subs=[sub])


def row(**values) -> dict:
    """One clean row (Amira Hassan, an internship at Nordbyg), with `values` changed."""
    result = {
        "Fornavn": "Amira",
        "Efternavn": "Hassan",
        "Telefon": "20 30 40 50",
        "Email": "",
        "Boligforening": "Brabrand Boligforening",
        "Boligområde": "Gellerupparken",
        "Henvist af": "Jobcenter",
        "Byggesag": "Helhedsplan Gellerup",
        "Virksomhed": "Nordbyg A/S",
        "Trin": "praktik",
        "Start": "02.03.2026",
        "Planlagt slut": "",
        "Slut": "",
        "Udfald": "",
        "Samtaler før match": "",
    }
    result.update(values)
    return result


def csv_file(*rows: dict, sep: str = ";", bom: bool = True, header=HEADER) -> bytes:
    lines = [sep.join(header)] + [sep.join(str(r.get(h, "")) for h in header) for r in rows]
    return ("\ufeff" if bom else "").encode() + "\r\n".join(lines).encode("utf-8")


def xlsx_file(*rows: dict) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for values in rows:
        sheet.append([values.get(h) for h in HEADER])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(data: bytes, name: str = "data.csv", **fields) -> dict:
    """The form data of the upload page."""
    return {"file": (io.BytesIO(data), name), **fields}


# A clean file: two people, three placements; Amira climbs from internship to wage subsidy.
CLEAN_ROWS = (
    row(Slut="12.04.2026", Udfald="næste trin"),
    row(Trin="løntilskud", Start="13.04.2026", Virksomhed="Jysk Murer ApS"),
    row(
        Fornavn="Jonas",
        Efternavn="Berg",
        Telefon="",
        Email="jonas@example.dk",
        Boligområde="Toveshøj",
        Trin="Ordinær ansættelse",
        Start="2026-05-01",
        **{"Samtaler før match": "3", "Henvist af": "street_worker"},
    ),
)
