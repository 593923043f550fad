"""A confirmed red and black board (红黑榜) on A4, for the village's notice board.

Drawn with the helpers of jifen/board/pdf.py (reportlab, the built-in Song font). Households are
named by door plate and head's name only: never a phone or ID number (DOMAIN.md §9). Black-list
entries past their expiry date and withdrawn entries are not printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from io import BytesIO

from reportlab.lib.units import mm

from jifen.board.pdf import (
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Column,
    _canvas,
    _day,
    _draw_footer,
    _draw_table,
    _font,
    _paged,
    _place_line,
)
from jifen.campaigns.models import Board, Entry

BOARD_COLUMNS = (
    Column("榜", 14 * mm, "centre"),
    Column("门牌号", 20 * mm),
    Column("户主", 22 * mm),
    Column("事由", 62 * mm),
    Column("整改要求及期限", 40 * mm),
    Column("有效期至", 20 * mm, "centre"),
)
FIRST_TOP = PAGE_HEIGHT - MARGIN - 36 * mm
NEXT_TOP = PAGE_HEIGHT - MARGIN - 12 * mm


def _cells(entry: Entry) -> list[str]:
    household = entry.household
    head = household.head.name if household.head else ""
    if entry.colour == Entry.Colour.RED:
        return ["红榜", household.door_plate, head, entry.reason, "", ""]
    remedy = f"{entry.remedy}（{entry.remedy_by:%m-%d}前）" if entry.remedy_by else entry.remedy
    expires = f"{entry.expires_on:%m-%d}" if entry.expires_on else ""
    return ["黑榜", household.door_plate, head, entry.reason, remedy, expires]


def board_pdf(*, board: Board, title: str, entries: Sequence[Entry], today: date) -> bytes:
    village = board.village
    rows = [_cells(entry) for entry in entries]
    pages = _paged(rows, FIRST_TOP, NEXT_TOP)
    confirmed = _day(board.confirmed_at.date()) if board.confirmed_at else ""
    footer = [
        "黑榜条目到期后自动撤下；整改完成请向村委会说明。",
        f"村委会确认：{confirmed}　打印：{_day(today)}",
    ]
    buffer = BytesIO()
    canvas = _canvas(buffer, f"{village.name} {title}")
    font = _font()
    for number, page in enumerate(pages, start=1):
        top = PAGE_HEIGHT - MARGIN
        if number == 1:
            canvas.setFont(font, 26)
            canvas.drawCentredString(PAGE_WIDTH / 2, top - 24, "红黑榜")
            canvas.setFont(font, 14)
            canvas.drawCentredString(PAGE_WIDTH / 2, top - 14 * mm - 4, _place_line(village))
            canvas.setFont(font, 13)
            canvas.drawString(MARGIN, top - 26 * mm, title)
            table_top = FIRST_TOP
        else:
            canvas.setFont(font, 12)
            canvas.drawString(MARGIN, top - 6 * mm, f"红黑榜　{village.name}　{title}")
            table_top = NEXT_TOP
        _draw_table(
            canvas, BOARD_COLUMNS, page or [["", "", "", "本榜暂无条目", "", ""]], table_top
        )
        _draw_footer(canvas, footer, number, len(pages))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
