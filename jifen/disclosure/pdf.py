"""The printable notice of one publication version, for the village's physical notice board.

A4, Chinese, drawn with the board's helpers (``jifen.board.pdf``): the font, the canvas, the
paged table, the footer and the QR code. It prints the lines, a statement's totals and carried
balance, who signed it off and when, the version and a correction's reason, and a QR code to
the publication's page (where every version stays). Never a phone or ID number: only names.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from reportlab.lib.units import mm

from jifen.board.pdf import (
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Column,
    _canvas,
    _clipped,
    _day,
    _draw_footer,
    _draw_qr,
    _draw_table,
    _font,
    _moment,
    _paged,
    _place_line,
    _width,
)
from jifen.disclosure.drafting import balances
from jifen.disclosure.lines import yuan
from jifen.disclosure.models import Item, Kind, Publication

KIND_TITLES = {Kind.PARTY: "党务公开", Kind.VILLAGE: "村务公开", Kind.FINANCE: "财务公开"}
FINANCE_COLUMNS = (
    Column("日期", 24 * mm),
    Column("事项", 64 * mm),
    Column("收入（元）", 30 * mm, "right"),
    Column("支出（元）", 30 * mm, "right"),
    Column("凭证号", 32 * mm),
)
AFFAIRS_COLUMNS = (Column("序号", 14 * mm, "centre"), Column("事项与内容", 166 * mm))
QR_SIDE = 32 * mm
FIRST_TOP = PAGE_HEIGHT - MARGIN - 58 * mm
NEXT_TOP = PAGE_HEIGHT - MARGIN - 12 * mm
FOOTER_LINES = [
    "扫码查看网上公开页面：各版本、更正原因和村民提问都在那里。",
    "对任一事项有疑问，可在平台上提问，或向村务监督委员会反映。",
]


def _wrapped(text: str, width: float, size: float = 11) -> list[str]:
    """``text`` cut into lines that fit ``width`` (Chinese has no spaces to break at)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for character in paragraph:
            if _width(line + character, size) > width:
                lines.append(line)
                line = ""
            line += character
        lines.append(line)
    return [line for line in lines if line] or [""]


def _finance_rows(publication: Publication, items: Sequence[Item]) -> list[list[str]]:
    rows = [
        [
            f"{item.occurred_on:%Y-%m-%d}" if item.occurred_on else "",
            item.title,
            yuan(item.amount or 0) if item.direction == Item.Direction.INCOME else "",
            yuan(item.amount or 0) if item.direction == Item.Direction.EXPENSE else "",
            item.voucher,
        ]
        for item in items
    ]
    opening, income, expense, closing = balances(publication)
    return [
        *rows,
        ["", "上期结余（结转）", yuan(opening), "", ""],
        ["", "本期收入合计", yuan(income), "", ""],
        ["", "本期支出合计", "", yuan(expense), ""],
        ["", "本期结余", yuan(closing), "", ""],
    ]


def _affairs_rows(items: Sequence[Item]) -> list[list[str]]:
    rows: list[list[str]] = []
    width = AFFAIRS_COLUMNS[1].width - 4 * mm
    for number, item in enumerate(items, start=1):
        rows.append([str(number), item.title])
        rows += [["", f"　{line}"] for line in _wrapped(item.text, width) if line]
    return rows


def _heading_lines(publication: Publication) -> list[str]:
    period = publication.period
    lines = [f"公开期间：{_day(period.starts_on)} 至 {_day(period.ends_on)}"]
    if period.is_ad_hoc:
        lines = [f"重大事项：{period.title}（{_day(period.starts_on)}）"]
    version = f"第{publication.version}版"
    if publication.corrects is not None:
        version += (
            f"（更正第{publication.corrects.version}版）　更正原因：{publication.correction_reason}"
        )
    lines.append(version)
    signer = publication.signed_off_by
    if signer is not None and publication.signed_off_at is not None:
        lines.append(f"村务监督委员会审核：{signer.name}　{_moment(publication.signed_off_at)}")
    else:
        lines.append("村务监督委员会审核：尚未审核（草稿，不得张贴）")
    if publication.published_at is not None:
        lines.append(f"公布时间：{_moment(publication.published_at)}")
    return lines


def publication_pdf(*, publication: Publication, url: str) -> bytes:
    """The publication version as an A4 notice, with a QR code (and a PDF link) to ``url``."""
    period = publication.period
    village = period.village
    items = list(publication.items.all())
    finance = period.kind == Kind.FINANCE
    columns = FINANCE_COLUMNS if finance else AFFAIRS_COLUMNS
    rows = _finance_rows(publication, items) if finance else _affairs_rows(items)
    pages = _paged(rows, FIRST_TOP, NEXT_TOP)
    buffer = BytesIO()
    canvas = _canvas(buffer, f"{village.name} {publication.title} 第{publication.version}版")
    font = _font()
    text_width = PAGE_WIDTH - 2 * MARGIN - QR_SIDE - 4 * mm
    for number, page in enumerate(pages, start=1):
        top = PAGE_HEIGHT - MARGIN
        if number == 1:
            canvas.setFont(font, 22)
            canvas.drawString(MARGIN, top - 20, _clipped(publication.title, 22, text_width))
            canvas.setFont(font, 13)
            canvas.drawString(
                MARGIN,
                top - 12 * mm,
                f"{_place_line(village)}　{KIND_TITLES[Kind(period.kind)]}",
            )
            canvas.setFont(font, 11)
            for offset, line in enumerate(_heading_lines(publication)):
                canvas.drawString(
                    MARGIN, top - (21 + offset * 6.5) * mm, _clipped(line, 11, text_width)
                )
            qr_x, qr_y = PAGE_WIDTH - MARGIN - QR_SIDE, top - QR_SIDE
            _draw_qr(canvas, url, qr_x, qr_y, QR_SIDE)
            canvas.linkURL(url, (qr_x, qr_y, qr_x + QR_SIDE, qr_y + QR_SIDE), relative=0)
            canvas.setFont(font, 8)
            canvas.drawCentredString(qr_x + QR_SIDE / 2, qr_y - 3 * mm, "扫码查看")
            table_top = FIRST_TOP
        else:
            canvas.setFont(font, 12)
            canvas.drawString(
                MARGIN,
                top - 6 * mm,
                _clipped(
                    f"{village.name}　{publication.title}　第{publication.version}版", 12, 150 * mm
                ),
            )
            table_top = NEXT_TOP
        empty = [["", "本期没有事项", "", "", ""]] if finance else [["", "本期没有事项"]]
        _draw_table(canvas, columns, page or empty, table_top)
        _draw_footer(canvas, FOOTER_LINES, number, len(pages))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
