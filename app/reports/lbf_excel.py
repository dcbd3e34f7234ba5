"""The yearly report to Landsbyggefonden as an Excel workbook, in Danish.

The first sheet has one row per project, its fields in the order of LBF's form (apprentice
årsværk, other trainee årsværk, the trades budget, the build phase's start and end), so the
housing organisation can copy it field by field; the second sheet lists the placements behind
every figure; the third states the sources and the method.
"""

from __future__ import annotations

from datetime import date

from app.reports import aarsvaerk as method
from app.reports.excel import (
    DATE_FORMAT,
    KR_FORMAT,
    _append,
    _formats,
    _header,
    _note,
    _save,
    _title,
    _total,
    _widths,
    _workbook,
)
from app.reports.lbf import OrganisationBlock, deadline
from app.reports.word import danish_label

FORM_COLUMNS = [
    "Boligorganisation",
    "Byggesag",
    "Lærlinge (årsværk)",
    "Øvrige personer i oplæring (årsværk)",
    "Håndværkerudgifter i alt (kr.)",
    "Byggeperiode, start",
    "Byggeperiode, slut",
    "LBF-støttet",
]
METHOD = (
    "Årsværk er beregnet ud fra forløbenes datoer i året, ikke fra timesedler: timer = "
    f"kalenderdage i året × timer pr. uge / 7 (fuld tid {method.HOURS_PER_WEEK} timer); "
    f"1 årsværk = {method.HOURS_PER_AARSVAERK:,} timer.".replace(",", ".")
)
SOURCES = (
    "Lærlinge: forløb på læreplads-trinnet (en læreplads er altid oplæring, EUD).",
    "Øvrige personer i oplæring: forløb, som koordinatoren har markeret som oplæring med "
    "ordningen angivet (EUD, FGU, AMU, IGU eller anden oplæring). Oplæring er den oplæring, der "
    "skal til for at kunne udføre arbejdet selvstændigt bagefter, ikke kun sikkerhedsinstruktion.",
    "Håndværkerudgifter og byggeperiode: byggesagens oplysninger i intranettet (Skema B: "
    "håndværkerudgifter inkl. byggepladsudgifter og moms, støttet og ustøttet del).",
    "Samme person på samme byggesag tælles én gang pr. dag i hver gruppe.",
    "Et forløb, der stadig er i gang, tælles til og med i dag.",
)


def lbf_workbook(blocks: list[OrganisationBlock], year: int, today: date) -> bytes:
    book = _workbook(f"Lærlingeindberetning {year}", "Lærlingeindberetning til Landsbyggefonden")
    sheet = book.active
    sheet.title = "Indberetning"
    _title(
        sheet,
        f"Lærlingeindberetning til Landsbyggefonden – {year}",
        today,
        ("Frist for indberetning", deadline(year)),
    )
    _note(sheet, METHOD)
    _append(sheet)
    first = _header(sheet, FORM_COLUMNS)
    for block in blocks:
        for line in block.lines:
            project = line.project
            _append(
                sheet,
                [
                    block.organisation.name,
                    project.name,
                    round(line.apprentice_aarsvaerk, 2),
                    round(line.other_aarsvaerk, 2),
                    project.trades_budget,
                    project.execution_start,
                    project.execution_end,
                    "Ja" if project.lbf_supported else "Nej",
                ],
            )
        if len(block.lines) > 1:
            _append(
                sheet,
                [
                    f"{block.organisation.name} i alt",
                    "",
                    round(block.apprentice_aarsvaerk, 2),
                    round(block.other_aarsvaerk, 2),
                ],
            )
            _total(sheet)
    if not blocks:
        _note(sheet, "Ingen byggesager med byggeperiode eller personer i oplæring i året.")
    _formats(sheet, first + 1, {3: "0.00", 4: "0.00", 5: KR_FORMAT, 6: DATE_FORMAT, 7: DATE_FORMAT})
    _widths(sheet, (30, 32, 14, 18, 20, 14, 14, 10))

    basis = book.create_sheet("Grundlag")
    header = [
        "Boligorganisation",
        "Byggesag",
        "Gruppe",
        "Person (initialer)",
        "Trin",
        "Ordning",
        "Virksomhed",
        "Start",
        "Slut",
        "Dage i året",
        "Timer pr. uge",
        "Timer",
        "Årsværk",
    ]
    first = _header(basis, header)
    for block in blocks:
        for line in block.lines:
            for group, rows in (("Lærling", line.apprentices), ("Øvrig oplæring", line.others)):
                for row in rows:
                    period = row.share.period
                    _append(
                        basis,
                        [
                            block.organisation.name,
                            line.project.name,
                            group,
                            row.initials,
                            danish_label(row.rung),
                            danish_label(row.scheme) if row.scheme else "EUD",
                            row.company,
                            period.start,
                            period.end,
                            row.share.days,
                            period.hours_per_week,
                            round(row.share.hours, 1),
                            round(row.share.aarsvaerk, 4),
                        ],
                    )
    _formats(basis, first + 1, {8: DATE_FORMAT, 9: DATE_FORMAT, 12: "#,##0.0", 13: "0.0000"})
    _widths(basis, (28, 28, 14, 10, 18, 24, 24, 12, 12, 10, 10, 10, 10))

    sources = book.create_sheet("Kilder")
    _append(sources, ["Kilder og metode"])
    for text in (METHOD, *SOURCES):
        _note(sources, text)
    _widths(sources, (120,))
    return _save(book)
