"""Links from other apps' pages to votes: the vote that put a rulebook version in force."""

from __future__ import annotations

from django import template

from jifen.rules.models import RulebookVersion
from jifen.votes.models import Vote

register = template.Library()


@register.simple_tag
def adopting_vote(version: RulebookVersion) -> Vote | None:
    """The closed, passed vote that adopted ``version``, if a vote did."""
    return Vote.objects.filter(rule_change=version, status=Vote.Status.CLOSED, passed=True).first()


@register.simple_tag
def carrying_vote(version: RulebookVersion) -> Vote | None:
    """The scheduled or open vote that carries the draft ``version``: it cannot change now."""
    return Vote.objects.filter(
        rule_change=version, status__in=[Vote.Status.SCHEDULED, Vote.Status.OPEN]
    ).first()
