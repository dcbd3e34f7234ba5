"""Reading the workbooks the app writes: a totals row holds SUBTOTAL formulas, which openpyxl
does not evaluate; `value_of` sums the range the formula names (and fails on any other
formula), so a test checks both the formula and the figure it gives."""

from __future__ import annotations

import re

_SUBTOTAL = re.compile(r"=SUBTOTAL\(109,([A-Z]+\d+:[A-Z]+\d+)\)")


def value_of(sheet, cell):
    """The cell's value, or the sum a SUBTOTAL(109, range) totals formula gives."""
    value = cell.value
    if isinstance(value, str) and value.startswith("="):
        assert cell.data_type == "f", f"{value} is stored as text, not as a formula"
        match = _SUBTOTAL.fullmatch(value)
        assert match, f"unexpected formula {value}"
        return sum(c.value or 0 for row in sheet[match.group(1)] for c in row)
    return value


def row_values(sheet, row_number: int) -> tuple:
    return tuple(value_of(sheet, cell) for cell in sheet[row_number])


DANISH_DATE = "dd-mm-yyyy"
DANISH_DATETIME = "dd-mm-yyyy hh:mm"
_DATE_AS_TEXT = re.compile(r"\b\d{1,2}[-./]\d{1,2}[-./]\d{4}\b|\b\d{4}-\d{2}-\d{2}\b")


def date_cells(book) -> list:
    """Every date cell in the workbook, after checking that each is a real date shown the
    Danish way (dd-mm-yyyy, or dd-mm-yyyy hh:mm with a time of day) and that no text cell
    holds a date written out as text."""
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.is_date:
                    assert cell.number_format in (DANISH_DATE, DANISH_DATETIME), (
                        f"{sheet.title}!{cell.coordinate} shows {cell.number_format}"
                    )
                    found.append(cell)
                elif isinstance(cell.value, str):
                    assert not _DATE_AS_TEXT.search(cell.value), (
                        f"{sheet.title}!{cell.coordinate} holds a date as text: {cell.value}"
                    )
    return found
