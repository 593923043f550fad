"""The tables behind the dashboard's charts, built once from the figures and used three ways:
shown on the page (the accessible alternative to each chart), drawn as a chart, and exported
as .xlsx. So the export always says what the page says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise
from openpyxl import Workbook
from openpyxl.styles import Font

from jifen.oversight.dashboard import Dashboard, Figures
from jifen.places.models import Place
from jifen.talk.timing import HOUR


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"  # an integer: households, points, records
    PERCENT = "percent"  # a whole per cent as a Decimal, or None
    DECIMAL = "decimal"  # hours or stars to one decimal, or None


@dataclass(frozen=True)
class Column:
    title: StrOrPromise
    kind: Kind = Kind.COUNT


Cell = str | int | Decimal | None


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]

    def column(self, index: int) -> list[Cell]:
        return [row[index] for row in self.rows]

    @property
    def lines(self) -> list[list[tuple[Column, Cell]]]:
        """Each row with its columns, for the page."""
        return [list(zip(self.columns, row, strict=True)) for row in self.rows]


def hours(seconds: int | None) -> Decimal | None:
    """Seconds as hours to one decimal, halves rounded up."""
    if seconds is None:
        return None
    return (Decimal(seconds) / Decimal(HOUR)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"


def _place_title(place: Place) -> str:
    return str(_("Township") if place.kind == Place.Kind.COUNTY else _("Village"))


def participation(board: Dashboard) -> Table:
    """Participation per village (per township on a county's page) in the month."""
    if board.place.kind == Place.Kind.COUNTY:
        named: list[tuple[str, Figures]] = [
            (row.township.name, row.figures) for row in board.townships
        ]
    else:
        named = [(row.village.name, row.figures) for row in board.villages]
    return Table(
        key="participation",
        title=str(_("Participation, %(month)s") % {"month": month_label(board.month)}),
        columns=[
            Column(_place_title(board.place), Kind.TEXT),
            Column(_("Households")),
            Column(_("Households with a posted record")),
            Column(_("Participation"), Kind.PERCENT),
        ],
        rows=[
            [name, figures.households, figures.participating, figures.participation]
            for name, figures in named
        ],
    )


def points(board: Dashboard) -> Table:
    """Points issued (posted) per month by rulebook category, with the total."""
    return Table(
        key="points",
        title=str(_("Points issued by category")),
        columns=[
            Column(_("Month"), Kind.TEXT),
            *(Column(title) for title in board.categories),
            Column(_("Total")),
        ],
        rows=[
            [
                month_label(row.month),
                *(row.points.get(title, 0) for title in board.categories),
                row.points_total,
            ]
            for row in board.trend
        ],
    )


def reviews(board: Dashboard) -> Table:
    return Table(
        key="reviews",
        title=str(_("Records waiting for review at the end of each month")),
        columns=[Column(_("Month"), Kind.TEXT), Column(_("Waiting for review"))],
        rows=[[month_label(row.month), row.awaiting] for row in board.trend],
    )


def replies(board: Dashboard) -> Table:
    return Table(
        key="replies",
        title=str(_("Villagers Talk: first reply to matters raised each month")),
        columns=[
            Column(_("Month"), Kind.TEXT),
            Column(_("Matters raised")),
            Column(_("Replied")),
            Column(_("Median first reply (hours)"), Kind.DECIMAL),
            Column(_("Replied within 24 hours"), Kind.PERCENT),
        ],
        rows=[
            [
                month_label(row.month),
                row.replies.matters,
                row.replies.replied,
                hours(row.replies.median),
                row.replies.share_within_day,
            ]
            for row in board.trend
        ],
    )


def _figure_columns(board: Dashboard) -> list[Column]:
    return [
        Column(_("Households")),
        Column(_("Households with a posted record")),
        Column(_("Participation"), Kind.PERCENT),
        *(Column(title) for title in board.categories),
        Column(_("Points issued")),
        Column(_("Waiting for review now")),
        Column(_("Oldest wait (days)")),
        Column(_("Median wait (days)")),
        Column(_("Objections raised")),
        Column(_("Objections open now")),
        Column(_("Matters raised")),
        Column(_("Median first reply (hours)"), Kind.DECIMAL),
        Column(_("Replied within 24 hours"), Kind.PERCENT),
        Column(_("Average rating"), Kind.DECIMAL),
        Column(_("Ratings")),
        Column(_("Disclosures due")),
        Column(_("On time")),
        Column(_("Late")),
        Column(_("Overdue")),
        Column(_("Unreviewed fairness flags")),
    ]


def _figure_cells(board: Dashboard, figures: Figures) -> list[Cell]:
    return [
        figures.households,
        figures.participating,
        figures.participation,
        *(figures.points.get(title, 0) for title in board.categories),
        figures.points_total,
        figures.awaiting,
        figures.oldest_days,
        figures.median_days,
        figures.objections_raised,
        figures.objections_open,
        figures.replies.matters,
        hours(figures.replies.median),
        figures.replies.share_within_day,
        figures.ratings.average,
        figures.ratings.count,
        figures.timeliness.due,
        figures.timeliness.on_time,
        figures.timeliness.late,
        figures.timeliness.overdue,
        figures.flags,
    ]


def villages(board: Dashboard) -> Table:
    """Every figure per village in the month, with the ledger's latest check."""
    county = board.place.kind == Place.Kind.COUNTY
    leading = [Column(_("Township"), Kind.TEXT)] if county else []
    rows: list[list[Cell]] = []
    for row in board.villages:
        check = row.ledger
        if check is None:
            status = str(_("not checked yet"))
        elif check.ok:
            status = str(_("verifies"))
        else:
            status = str(_("failed: %(problem)s") % {"problem": check.problem})
        township = [row.village.parent.name if row.village.parent else ""] if county else []
        rows.append(
            [
                *township,
                row.village.name,
                *_figure_cells(board, row.figures),
                check.checkpoint_tree_size if check else None,
                _when(check.checkpoint_signed_at) if check else "",
                status,
            ]
        )
    return Table(
        key="villages",
        title=str(_("Villages, %(month)s") % {"month": month_label(board.month)}),
        columns=[
            *leading,
            Column(_("Village"), Kind.TEXT),
            *_figure_columns(board),
            Column(_("Checkpoint size")),
            Column(_("Checkpoint signed at"), Kind.TEXT),
            Column(_("Ledger"), Kind.TEXT),
        ],
        rows=rows,
    )


def townships(board: Dashboard) -> Table:
    return Table(
        key="townships",
        title=str(_("Townships, %(month)s") % {"month": month_label(board.month)}),
        columns=[
            Column(_("Township"), Kind.TEXT),
            Column(_("Villages")),
            *_figure_columns(board),
            Column(_("Ledgers that verify")),
            Column(_("Ledgers that failed")),
            Column(_("Ledgers not checked yet")),
        ],
        rows=[
            [
                row.township.name,
                row.figures.villages,
                *_figure_cells(board, row.figures),
                row.figures.ledgers_ok,
                row.figures.ledgers_failed,
                row.figures.ledgers_unchecked,
            ]
            for row in board.townships
        ],
    )


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def tables_of(board: Dashboard) -> dict[str, Table]:
    found = [participation(board), points(board), reviews(board), replies(board), villages(board)]
    if board.place.kind == Place.Kind.COUNTY:
        found.append(townships(board))
    return {table.key: table for table in found}


# The workbook --------------------------------------------------------------------------------

NUMBER_FORMATS = {Kind.PERCENT: "0%", Kind.DECIMAL: "0.0", Kind.COUNT: "0"}
# Characters Excel refuses in a sheet title.
_NOT_IN_SHEET_TITLES = str.maketrans({c: " " for c in "[]:*?/\\"})


def workbook(table: Table) -> bytes:
    """The table as .xlsx: a header row, numbers as numbers, per cents as numbers with a
    per-cent format (38% is stored as 0.38), empty cells where there is no figure."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.title.translate(_NOT_IN_SHEET_TITLES)[:31]
    sheet.append([str(column.title) for column in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        cells = zip(table.columns, row, strict=True)
        sheet.append([_excel_value(column, value) for column, value in cells])
    for index, column in enumerate(table.columns, start=1):
        number_format = NUMBER_FORMATS.get(column.kind)
        if number_format is None:
            continue
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = number_format
    sheet.freeze_panes = "B2"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _excel_value(column: Column, value: Cell) -> Cell:
    if column.kind == Kind.PERCENT and isinstance(value, Decimal):
        return value / 100
    return value
