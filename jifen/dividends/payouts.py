"""The cashier's payout list of a final round, as .xlsx: one line to sign per household.

Amounts are written as numbers with two decimals, each converted exactly from whole fen; the
totals line is the pool itself, which the lines add up to. No ID or phone numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Border, Font, Side
from openpyxl.worksheet.properties import PageSetupProperties

from jifen.dividends.models import DividendRound, DividendShare

YUAN_FORMAT = "0.00"
POINT_VALUE_FORMAT = "0.0000"
COLUMN_WIDTHS = {"A": 6, "B": 12, "C": 14, "D": 10, "E": 14, "F": 24}


def payout_workbook(dividend_round: DividendRound, shares: Sequence[DividendShare]) -> bytes:
    """The payout list of ``dividend_round`` with one row per share in ``shares``."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Payouts")[:31]
    village = dividend_round.village
    period = f"{dividend_round.period_start:%Y-%m-%d} – {dividend_round.period_end:%Y-%m-%d}"
    sheet.append([f"{village.name} · {dividend_round.title}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Decision"), dividend_round.decision])
    sheet.append([_("Decided on"), f"{dividend_round.decided_on:%Y-%m-%d}"])
    sheet.append([_("Points earned from – to"), period])
    sheet.append([_("Pool (yuan)"), dividend_round.pool_yuan])
    sheet.cell(row=sheet.max_row, column=2).number_format = YUAN_FORMAT
    sheet.append([_("Value of a point (yuan)"), dividend_round.point_value_yuan])
    sheet.cell(row=sheet.max_row, column=2).number_format = POINT_VALUE_FORMAT
    sheet.append([])
    sheet.append(
        [
            _("No."),
            _("Door plate"),
            _("Head of household"),
            _("Points"),
            _("Payout (yuan)"),
            _("Signature of the payee"),
        ]
    )
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    signature_line = Border(bottom=Side(style="thin"))
    for number, share in enumerate(shares, start=1):
        sheet.append(
            [number, share.door_plate, share.head_name, share.points, share.payout_yuan, ""]
        )
        sheet.cell(row=sheet.max_row, column=5).number_format = YUAN_FORMAT
        sheet.cell(row=sheet.max_row, column=6).border = signature_line
    sheet.append(
        ["", _("Total"), "", sum(share.points for share in shares), dividend_round.pool_yuan, ""]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.cell(row=sheet.max_row, column=5).number_format = YUAN_FORMAT
    sheet.append([])
    sheet.append([_("Prepared by"), "", _("Checked by"), "", _("Cashier"), ""])
    for column, width in COLUMN_WIDTHS.items():
        sheet.column_dimensions[column].width = width
    # Printed on several pages, each page repeats the column headings.
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
