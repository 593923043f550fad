from __future__ import annotations

from django import template

from jifen.disclosure import lines

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Fen as yuan with two decimals: 123450 reads 1,234.50."""
    return "" if fen is None else lines.yuan(fen)
