"""Filters of the Talk pages: answer times and stages in words."""

from __future__ import annotations

from django import template
from django.utils import timezone

from jifen.talk import selectors, timing
from jifen.talk.models import Matter

register = template.Library()


@register.filter
def reply_note(matter: Matter) -> str:
    """ "replied after 3 h 20 min", or "waiting 2 days"."""
    return timing.reply_note(matter, timezone.now())


@register.filter
def duration(seconds: int | None) -> str:
    return "" if seconds is None else timing.duration_text(seconds)


@register.filter
def stage_label(stage: str) -> str:
    return selectors.stage_label(stage)


@register.filter
def stars(count: int) -> str:
    """Five stars, ``count`` of them filled: ★★★★☆."""
    return "★" * count + "☆" * (5 - count)
