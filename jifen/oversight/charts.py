"""The charts of the dashboard: what each draws, from which table, and its figures in words.

The page hands each chart's data to ``static/js/charts.js`` through ``json_script``; the
canvas's ``aria-label`` states the same figures in words, and the table is on the page too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jifen.oversight.tables import Cell, Table


@dataclass(frozen=True)
class Chart:
    key: str
    kind: str  # "bar", "stacked" (stacked bars) or "line"
    title: str
    words: str
    table: Table
    data: dict[str, Any]

    @property
    def data_id(self) -> str:
        return f"chart-data-{self.key}"


def _comma() -> str:
    """Between the figures of a list: "，" in Chinese, ", " in English."""
    return pgettext("list separator", ", ")


def _semicolon() -> str:
    return pgettext("list separator", "; ")


def _number(value: Cell) -> str | int | None:
    # Decimals travel as strings (charts.js reads them with Number): no floats on this side.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, int):
        return value
    return None


def _shown(value: Cell, suffix: str = "") -> str:
    return _("no figure") if value is None else f"{value}{suffix}"


def _series(table: Table, column: int, *, label: str, unit: str = "") -> dict[str, Any]:
    return {
        "labels": [str(row[0]) for row in table.rows],
        "datasets": [{"label": label, "data": [_number(row[column]) for row in table.rows]}],
        "unit": unit,
    }


def participation_chart(table: Table) -> Chart:
    parts = [f"{row[0]} {_shown(row[3], '%')}" for row in table.rows]
    return Chart(
        key=table.key,
        kind="bar",
        title=table.title,
        words=_("%(title)s: %(figures)s.")
        % {"title": table.title, "figures": _comma().join(parts) or _("no villages")},
        table=table,
        data={
            **_series(table, 3, label=str(_("Participation")), unit="%"),
            "max": 100,
            "whole": True,
        },
    )


def points_chart(table: Table) -> Chart:
    titles = [str(column.title) for column in table.columns[1:-1]]
    months = []
    for row in table.rows:
        if row[-1]:
            by_category = _comma().join(
                f"{title} {value}" for title, value in zip(titles, row[1:-1], strict=True) if value
            )
            months.append(
                _("%(month)s: %(total)s in all (%(categories)s)")
                % {"month": row[0], "total": row[-1], "categories": by_category}
            )
    return Chart(
        key=table.key,
        kind="stacked",
        title=table.title,
        words=_("%(title)s: %(figures)s.")
        % {"title": table.title, "figures": _semicolon().join(months) or _("none in these months")},
        table=table,
        data={
            "labels": [str(row[0]) for row in table.rows],
            "datasets": [
                {"label": title, "data": [_number(row[index]) for row in table.rows]}
                for index, title in enumerate(titles, start=1)
            ],
            "unit": "",
            "whole": True,
        },
    )


def reviews_chart(table: Table) -> Chart:
    parts = [f"{row[0]} {row[1]}" for row in table.rows]
    return Chart(
        key=table.key,
        kind="bar",
        title=table.title,
        words=_("%(title)s: %(figures)s.")
        % {"title": table.title, "figures": _comma().join(parts)},
        table=table,
        data={**_series(table, 1, label=str(_("Waiting for review"))), "whole": True},
    )


def replies_chart(table: Table) -> Chart:
    hours_word = _("h")
    parts = [f"{row[0]} {_shown(row[3], ' ' + hours_word)}" for row in table.rows]
    return Chart(
        key=table.key,
        kind="line",
        title=table.title,
        words=_("%(title)s, median in hours: %(figures)s.")
        % {"title": table.title, "figures": _comma().join(parts)},
        table=table,
        data=_series(table, 3, label=str(_("Median first reply (hours)")), unit=str(hours_word)),
    )


def charts_of(tables: dict[str, Table]) -> list[Chart]:
    return [
        participation_chart(tables["participation"]),
        points_chart(tables["points"]),
        reviews_chart(tables["reviews"]),
        replies_chart(tables["replies"]),
    ]
