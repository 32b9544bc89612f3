"""A sheet of a statistics workbook (XLSX) whose cells carry their types, so figures stay
numbers, rates show as percentages and codes stay text when an office reopens the file."""

from __future__ import annotations

from collections.abc import Sequence, Set
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

PERCENT = "0.0%"


class ReportSheet:
    """A write-only sheet typing every cell: numbers, percentages, text."""

    def __init__(self, wb: Workbook, title: str) -> None:
        self.ws = wb.create_sheet(title)
        self.bold = Font(bold=True)

    def row(
        self, values: Sequence[Any], *, header: bool = False, percent: Set[int] = frozenset()
    ) -> None:
        cells = []
        for i, value in enumerate(values):
            cell = WriteOnlyCell(self.ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            if i in percent and isinstance(value, float):
                cell.number_format = PERCENT
            if header:
                cell.font = self.bold
            cells.append(cell)
        self.ws.append(cells)
