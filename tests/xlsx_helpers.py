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
