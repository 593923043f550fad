"""How the dashboard writes its figures: a dash where there is no figure, per cents with %."""

from __future__ import annotations

from django import template

from jifen.oversight.tables import Cell, Column, Kind

register = template.Library()

NO_FIGURE = "—"


@register.filter
def cell(value: Cell, column: Column) -> str:
    if value is None or value == "":
        return NO_FIGURE
    if column.kind == Kind.PERCENT:
        return f"{value}%"
    return str(value)


@register.filter
def figure(value: object, suffix: str = "") -> str:
    return NO_FIGURE if value is None else f"{value}{suffix}"


@register.filter
def is_number(column: Column) -> bool:
    return column.kind != Kind.TEXT


@register.filter
def points_of(points: dict[str, int], title: str) -> int:
    return points.get(title, 0)
