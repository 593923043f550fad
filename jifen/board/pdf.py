"""Printouts for people without phones: door plates, passbooks (积分存折) and notices (公示).

They are drawn on A4 with reportlab, in Chinese, with the PDF reader's built-in Song font
(STSong-Light), so there is no font file to ship. QR codes are vector squares. Scores change
every day, so a door plate prints none: its QR code opens the household's live page, and a
plate faked with stickers cannot lie about it. Nothing here ever prints an ID number or a
phone number (DOMAIN.md §9).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from io import BytesIO
from typing import Any

import segno
from django.db.models import QuerySet
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from jifen.ledger.models import Account, Checkpoint, Entry, Measure, Posting
from jifen.ledger.ranking import Position
from jifen.places.models import Household, Place, VillagerGroup
from jifen.records.models import Notice, Record

FONT = "STSong-Light"
PAGE_WIDTH, PAGE_HEIGHT = A4
SCAN_LINE = "扫码查看本户积分（实时）"
OBJECTION_LINE = "如有异议，请在公示期内向村委会或通过积分平台提出"


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _canvas(buffer: BytesIO, title: str) -> Any:
    # invariant: no creation time or random document id, so the same input prints the same bytes.
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setTitle(title)
    canvas.setAuthor("jifen")
    return canvas


def _width(text: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, _font(), size))


def _fitted_size(text: str, size: float, width: float, smallest: float = 8) -> float:
    """The largest size up to ``size`` at which ``text`` fits in ``width`` (not below smallest)."""
    while size > smallest and _width(text, size) > width:
        size -= 1
    return size


def _clipped(text: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis until it fits in ``width``."""
    if _width(text, size) <= width:
        return text
    while text and _width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _moment(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{_day(local.date())} {local:%H:%M}"


def _signed(points: int) -> str:
    return f"{points:+d}" if points else ""


def _page_label(number: int, total: int) -> str:
    return f"第{number}页 共{total}页"


def _place_line(village: Place) -> str:
    township = village.parent
    return f"{township.name} {village.name}" if township else village.name


# Door plates ------------------------------------------------------------------------------

PLATE_COLUMNS, PLATE_ROWS = 2, 4
PLATE_MARGIN = 10 * mm
PLATE_WIDTH = (PAGE_WIDTH - 2 * PLATE_MARGIN) / PLATE_COLUMNS  # 95 mm
PLATE_HEIGHT = (PAGE_HEIGHT - 2 * PLATE_MARGIN) / PLATE_ROWS  # 69 mm
PLATE_PADDING = 5 * mm
# The QR code with its quiet zone of four modules: the code itself is 32 to 37 mm wide,
# large enough for an old phone's camera at arm's length.
QR_BOX = 44 * mm
QR_QUIET_MODULES = 4


def door_plate_households(
    village: Place, group: VillagerGroup | None = None
) -> QuerySet[Household]:
    """The households to print plates for, in the order a grid member walks them."""
    households = Household.objects.filter(village=village)
    if group is not None:
        households = households.filter(group=group)
    return households.select_related("village__parent", "group", "head").order_by(
        "group__number", "door_plate", "pk"
    )


def _draw_qr(canvas: Any, url: str, x: float, y: float, side: float) -> None:
    """A QR code for ``url`` in the square at (x, y), quiet zone included, as vector squares."""
    matrix = segno.make(url, error="m").matrix
    modules = len(matrix)
    module = side / (modules + 2 * QR_QUIET_MODULES)
    left = x + QR_QUIET_MODULES * module
    top = y + side - QR_QUIET_MODULES * module
    canvas.setFillGray(0)
    for row, bits in enumerate(matrix):
        # One rectangle per run of dark modules: fewer shapes, and no seams inside a run.
        column = 0
        while column < modules:
            if not bits[column]:
                column += 1
                continue
            start = column
            while column < modules and bits[column]:
                column += 1
            canvas.rect(
                left + start * module,
                top - (row + 1) * module,
                (column - start) * module,
                module,
                stroke=0,
                fill=1,
            )


def _draw_plate(canvas: Any, household: Household, url: str, x: float, y: float) -> None:
    font = _font()
    canvas.saveState()
    # A dashed border is the cut line.
    canvas.setStrokeGray(0.6)
    canvas.setLineWidth(0.5)
    canvas.setDash(3, 2)
    canvas.rect(x, y, PLATE_WIDTH, PLATE_HEIGHT, stroke=1, fill=0)
    canvas.restoreState()

    inner = PLATE_WIDTH - 2 * PLATE_PADDING
    left, top = x + PLATE_PADDING, y + PLATE_HEIGHT - PLATE_PADDING
    heading = f"{household.village.name}　{household.group.name}"
    canvas.setFont(font, 13)
    canvas.drawString(left, top - 11, _clipped(heading, 13, inner))
    canvas.setStrokeGray(0.3)
    canvas.setLineWidth(0.6)
    canvas.line(left, top - 7 * mm, left + inner, top - 7 * mm)

    qr_x = x + PLATE_WIDTH - PLATE_PADDING - QR_BOX + 4 * mm  # the quiet zone may reach the edge
    qr_y = y + 8 * mm
    _draw_qr(canvas, url, qr_x, qr_y, QR_BOX)
    canvas.linkURL(url, (qr_x, qr_y, qr_x + QR_BOX, qr_y + QR_BOX), relative=0, thickness=0)
    canvas.setFont(font, 10)
    canvas.drawCentredString(qr_x + QR_BOX / 2, y + 4 * mm, SCAN_LINE)

    column = qr_x - left - 2 * mm
    canvas.setFont(font, 10)
    canvas.drawString(left, top - 14 * mm, "门牌号")
    plate = household.door_plate
    size = _fitted_size(plate, 34, column, smallest=12)
    canvas.setFont(font, size)
    canvas.drawString(left, top - 14 * mm - size - 2, _clipped(plate, size, column))
    canvas.setFont(font, 10)
    canvas.drawString(left, top - 37 * mm, "户主")
    head = household.head.name if household.head else "—"
    size = _fitted_size(head, 20, column, smallest=10)
    canvas.setFont(font, size)
    canvas.drawString(left, top - 37 * mm - size - 2, _clipped(head, size, column))


def door_plates_pdf(
    *, village: Place, households: Sequence[Household], url_for: Callable[[Household], str]
) -> bytes:
    """Door plates, eight to an A4 page, each with a QR code (and a PDF link) to ``url_for``."""
    buffer = BytesIO()
    canvas = _canvas(buffer, f"{village.name} 门牌")
    per_page = PLATE_COLUMNS * PLATE_ROWS
    if not households:
        canvas.setFont(_font(), 14)
        canvas.drawString(PLATE_MARGIN, PAGE_HEIGHT - 2 * PLATE_MARGIN, "没有要打印的住户。")
    for index, household in enumerate(households):
        slot = index % per_page
        if index and not slot:
            canvas.showPage()
        x = PLATE_MARGIN + (slot % PLATE_COLUMNS) * PLATE_WIDTH
        y = PAGE_HEIGHT - PLATE_MARGIN - (slot // PLATE_COLUMNS + 1) * PLATE_HEIGHT
        _draw_plate(canvas, household, url_for(household), x, y)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# Tables over pages ------------------------------------------------------------------------

MARGIN = 15 * mm
# Tables stop above the footer: two lines of small print and the page number.
FOOTER = 28 * mm
ROW_HEIGHT = 7.5 * mm
TABLE_FONT_SIZE = 11


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    align: str = "left"  # "left", "right" or "centre"


def _draw_cells(
    canvas: Any, columns: Sequence[Column], cells: Sequence[str], y: float, size: float
) -> None:
    x = MARGIN
    canvas.setFont(_font(), size)
    baseline = y + (ROW_HEIGHT - size * 0.7) / 2
    for column, cell in zip(columns, cells, strict=True):
        text = _clipped(cell, size, column.width - 3 * mm)
        if column.align == "right":
            canvas.drawRightString(x + column.width - 1.5 * mm, baseline, text)
        elif column.align == "centre":
            canvas.drawCentredString(x + column.width / 2, baseline, text)
        else:
            canvas.drawString(x + 1.5 * mm, baseline, text)
        x += column.width


def _draw_table(
    canvas: Any, columns: Sequence[Column], rows: Sequence[Sequence[str]], top: float
) -> None:
    """A header row and ``rows`` below ``top``, light stripes on every other row."""
    width = sum(column.width for column in columns)
    y = top - ROW_HEIGHT
    canvas.setFillGray(0.85)
    canvas.rect(MARGIN, y, width, ROW_HEIGHT, stroke=0, fill=1)
    canvas.setFillGray(0)
    _draw_cells(canvas, columns, [column.title for column in columns], y, TABLE_FONT_SIZE)
    for index, cells in enumerate(rows):
        y -= ROW_HEIGHT
        if index % 2:
            canvas.setFillGray(0.94)
            canvas.rect(MARGIN, y, width, ROW_HEIGHT, stroke=0, fill=1)
            canvas.setFillGray(0)
        _draw_cells(canvas, columns, cells, y, TABLE_FONT_SIZE)
    canvas.setStrokeGray(0.4)
    canvas.setLineWidth(0.5)
    canvas.rect(MARGIN, y, width, top - y, stroke=1, fill=0)


def _rows_fitting(top: float) -> int:
    """How many rows fit under a table header that starts at ``top``, above the footer."""
    return int((top - ROW_HEIGHT - FOOTER) // ROW_HEIGHT)


def _paged(
    rows: Sequence[Sequence[str]], first_top: float, next_top: float
) -> list[Sequence[Sequence[str]]]:
    """Rows cut into pages: fewer on the first page, under its heading."""
    first, rest = _rows_fitting(first_top), _rows_fitting(next_top)
    pages = [rows[:first]]
    pages += [rows[start : start + rest] for start in range(first, len(rows), rest)]
    return pages


def _draw_footer(canvas: Any, lines: Sequence[str], number: int, total: int) -> None:
    canvas.setFillGray(0)
    canvas.setFont(_font(), 12)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 4 * mm, _page_label(number, total))
    canvas.setFont(_font(), 9)
    width = PAGE_WIDTH - 2 * MARGIN - 30 * mm
    for offset, line in enumerate(lines):
        canvas.drawString(MARGIN, MARGIN + 6 * mm - offset * 4.5 * mm, _clipped(line, 9, width))


# Passbook ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PassbookRow:
    """One posting of the household: what changed and what stood after it, for each measure."""

    posted_on: date
    title: str
    score_change: int
    score_after: int
    spendable_change: int
    spendable_after: int
    # The posting's last entry: a row past the latest checkpoint is not signed yet.
    seq: int


# How postings without a record read in the passbook (printed in Chinese, like the notices).
PASSBOOK_PREFIXES: dict[str, str] = {
    Posting.Kind.REDEMPTION: "积分超市兑换",
    Posting.Kind.CANCELLATION: "兑换撤销，退回积分",
    Posting.Kind.LAPSE: "年度未兑换积分清零",
}


def _title_of(entry: Entry) -> str:
    record = entry.record
    if record is None:
        prefix = PASSBOOK_PREFIXES.get(entry.posting.kind, "调整")
        return f"{prefix}：{entry.reason}" if entry.reason else prefix
    title = record.item.title
    if record.quantity > 1:
        title += f" ×{record.quantity}"
    if record.route == Record.Route.CORRECTION:
        return f"更正：{title}（{entry.reason}）" if entry.reason else f"更正：{title}"
    return title


def passbook_rows(household: Household) -> list[PassbookRow]:
    """Every posting of the household's own accounts, both measures, in ledger order."""
    entries = (
        Entry.objects.filter(account__household=household, account__kind=Account.Kind.HOUSEHOLD)
        .select_related("posting", "record__item")
        .order_by("seq")
    )
    postings: dict[int, list[Entry]] = {}
    for entry in entries:
        postings.setdefault(entry.posting_id, []).append(entry)
    rows = []
    score = spendable = 0
    for legs in postings.values():
        changes = {Measure.SCORE: 0, Measure.SPENDABLE: 0}
        for leg in legs:
            changes[Measure(leg.measure)] += leg.amount
            if leg.measure == Measure.SCORE:
                score = leg.balance_after
            else:
                spendable = leg.balance_after
        rows.append(
            PassbookRow(
                posted_on=timezone.localdate(legs[0].posted_at),
                title=_title_of(legs[0]),
                score_change=changes[Measure.SCORE],
                score_after=score,
                spendable_change=changes[Measure.SPENDABLE],
                spendable_after=spendable,
                seq=legs[-1].seq,
            )
        )
    return rows


PASSBOOK_COLUMNS = (
    Column("日期", 25 * mm),
    Column("项目 / 事由", 59 * mm),
    Column("积分变化", 23 * mm, "right"),
    Column("积分结余", 24 * mm, "right"),
    Column("可用变化", 23 * mm, "right"),
    Column("可用结余", 24 * mm, "right"),
)
PASSBOOK_FIRST_TOP = PAGE_HEIGHT - MARGIN - 56 * mm
PASSBOOK_NEXT_TOP = PAGE_HEIGHT - MARGIN - 12 * mm


def _stars_text(stars: int) -> str:
    return f"{'★' * stars} {stars}星" if stars else "暂无星级"


def _passbook_heading(
    canvas: Any,
    *,
    household: Household,
    balances: dict[str, int],
    position: Position,
    stars: int,
) -> None:
    font = _font()
    top = PAGE_HEIGHT - MARGIN
    canvas.setFont(font, 24)
    canvas.drawCentredString(PAGE_WIDTH / 2, top - 22, "积分存折")
    canvas.setFont(font, 13)
    canvas.drawCentredString(PAGE_WIDTH / 2, top - 12 * mm - 6, _place_line(household.village))
    head = household.head.name if household.head else "—"
    facts = [
        (f"门牌号：{household.door_plate}", f"户主：{head}"),
        (f"当前积分：{balances[Measure.SCORE]}", f"可用积分：{balances[Measure.SPENDABLE]}"),
        (f"村内排名：第{position.rank}名 / {position.of}户", f"星级：{_stars_text(stars)}"),
    ]
    canvas.setFont(font, 15)
    for index, (left, right) in enumerate(facts):
        y = top - 25 * mm - index * 9 * mm
        canvas.drawString(MARGIN + 2 * mm, y, _clipped(left, 15, 85 * mm))
        canvas.drawString(MARGIN + 92 * mm, y, _clipped(right, 15, 85 * mm))


def _checkpoint_line(checkpoint: Checkpoint | None) -> str:
    if checkpoint is None:
        return "校验：本村账本尚无签名校验点。"
    return (
        f"校验点：本村账本前{checkpoint.tree_size}条，根哈希 {checkpoint.root_hash[:16]}，"
        f"签于{_moment(checkpoint.signed_at)}"
    )


def passbook_pdf(
    *,
    household: Household,
    rows: Sequence[PassbookRow],
    balances: dict[str, int],
    position: Position,
    stars: int,
    printed_at: datetime,
    checkpoint: Checkpoint | None,
) -> bytes:
    """A household's statement: its standing, then every posting, page-numbered.

    The footer names the latest checkpoint, so the rows can be checked against the signed
    ledger; rows posted after it carry a *.
    """
    signed_up_to = checkpoint.tree_size if checkpoint else None
    cells = [
        [
            f"{row.posted_on:%Y-%m-%d}",
            row.title + (" *" if signed_up_to is not None and row.seq > signed_up_to else ""),
            _signed(row.score_change),
            str(row.score_after),
            _signed(row.spendable_change),
            str(row.spendable_after),
        ]
        for row in rows
    ]
    pages = _paged(cells, PASSBOOK_FIRST_TOP, PASSBOOK_NEXT_TOP)
    head = household.head.name if household.head else "—"
    footer = [_checkpoint_line(checkpoint), f"打印于{_moment(printed_at)}。"]
    if checkpoint is not None:
        footer[1] += "标 * 的行记于该校验点之后，尚待下次签名。"
    buffer = BytesIO()
    canvas = _canvas(buffer, f"积分存折 {household.door_plate}")
    for number, page in enumerate(pages, start=1):
        if number == 1:
            _passbook_heading(
                canvas, household=household, balances=balances, position=position, stars=stars
            )
            top = PASSBOOK_FIRST_TOP
        else:
            canvas.setFont(_font(), 12)
            canvas.drawString(
                MARGIN,
                PAGE_HEIGHT - MARGIN - 6 * mm,
                f"积分存折　{household.village.name}　门牌号 {household.door_plate}　户主 {head}",
            )
            top = PASSBOOK_NEXT_TOP
        _draw_table(canvas, PASSBOOK_COLUMNS, page or [["", "暂无记账", "", "", "", ""]], top)
        _draw_footer(canvas, footer, number, len(pages))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# Public notice ----------------------------------------------------------------------------

NOTICE_COLUMNS = (
    Column("门牌号", 28 * mm),
    Column("户主", 28 * mm),
    Column("项目", 74 * mm),
    Column("分值", 20 * mm, "right"),
    Column("事发日期", 28 * mm, "centre"),
)
NOTICE_FIRST_TOP = PAGE_HEIGHT - MARGIN - 36 * mm
NOTICE_NEXT_TOP = PAGE_HEIGHT - MARGIN - 12 * mm


def notice_records(notice: Notice) -> list[Record]:
    """The records on the notice, by door plate; a record voided by an objection is gone."""
    return list(
        notice.records.exclude(status=Record.Status.VOID)
        .select_related("household__head", "item")
        .order_by("household__door_plate", "occurred_on", "pk")
    )


def _record_title(record: Record) -> str:
    title = record.item.title
    if record.quantity > 1:
        title += f" ×{record.quantity}"
    return f"更正：{title}" if record.route == Record.Route.CORRECTION else title


def notice_pdf(*, notice: Notice, records: Sequence[Record]) -> bytes:
    """The notice for the village board: the records, the window, and how to object."""
    village = notice.village
    cells = [
        [
            record.household.door_plate,
            record.household.head.name if record.household.head else "",
            _record_title(record),
            f"{record.points:+d}",
            f"{record.occurred_on:%Y-%m-%d}",
        ]
        for record in records
    ]
    pages = _paged(cells, NOTICE_FIRST_TOP, NOTICE_NEXT_TOP)
    window = f"公示期：{_moment(notice.opened_at)} 至 {_moment(notice.closes_at)}"
    footer = [f"{OBJECTION_LINE}。", f"公示截止：{_moment(notice.closes_at)}"]
    buffer = BytesIO()
    canvas = _canvas(buffer, f"{village.name} 积分公示")
    font = _font()
    for number, page in enumerate(pages, start=1):
        top = PAGE_HEIGHT - MARGIN
        if number == 1:
            canvas.setFont(font, 26)
            canvas.drawCentredString(PAGE_WIDTH / 2, top - 24, "积分公示")
            canvas.setFont(font, 14)
            canvas.drawCentredString(PAGE_WIDTH / 2, top - 14 * mm - 4, _place_line(village))
            canvas.setFont(font, 13)
            canvas.drawString(MARGIN, top - 26 * mm, window)
            table_top = NOTICE_FIRST_TOP
        else:
            canvas.setFont(font, 12)
            canvas.drawString(MARGIN, top - 6 * mm, f"积分公示　{village.name}　{window}")
            table_top = NOTICE_NEXT_TOP
        _draw_table(
            canvas, NOTICE_COLUMNS, page or [["", "", "本期没有公示的记录", "", ""]], table_top
        )
        _draw_footer(canvas, footer, number, len(pages))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
