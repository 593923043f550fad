"""The demo's disclosure: a year of publications in every village, one overdue statement, one
corrected, a question about a line, and balances that carry from month to month."""

from __future__ import annotations

import random
from datetime import date
from itertools import pairwise

import pytest
from django.db.models import Count

from jifen.demo.disclosure import CORRECTION_REASON, add_disclosure
from jifen.demo.generator import DemoSize, build_demo
from jifen.disclosure.models import Kind, Period, Publication, Question
from jifen.disclosure.selectors import timeliness
from jifen.places.models import Place
from jifen.talk.models import Matter

END = date(2026, 11, 20)


@pytest.mark.django_db
def test_a_tiny_demo_has_a_year_of_disclosure() -> None:
    summary = build_demo(seed=11, size=DemoSize.tiny())
    add_disclosure(summary.county, rng=random.Random(11), end=END)
    villages = list(Place.objects.filter(kind=Place.Kind.VILLAGE).order_by("code"))
    showcase = villages[0]
    # Every village: 13 monthly finance periods (Nov 2025 to Nov 2026), 5 quarters of each
    # affairs kind; everything due before 20 November is published, except one statement
    for village in villages:
        kinds = dict(
            Period.objects.filter(village=village).values_list("kind").annotate(n=Count("pk"))
        )
        assert kinds == {Kind.FINANCE: 13, Kind.PARTY: 5, Kind.VILLAGE: 5}
    unpublished_due = Period.objects.filter(due_on__lt=END).exclude(
        publications__published_at__isnull=False
    )
    assert list(unpublished_due.values_list("village", "kind", "starts_on")) == [
        (showcase.pk, Kind.FINANCE, date(2026, 10, 1))
    ]
    # Finance statements have realistic lines with vouchers, and balances carry over
    statements = list(
        Publication.objects.filter(
            period__village=villages[1], period__kind=Kind.FINANCE, published_at__isnull=False
        ).order_by("period__starts_on")
    )
    assert len(statements) == 12
    for previous, current in pairwise(statements):
        assert current.opening_balance == previous.closing_balance
    line = statements[0].items.order_by("position").first()
    assert line is not None and line.voucher.startswith("记-2025-11-") and line.amount
    # The showcase: one statement corrected with a reason; a question about a line
    correction = Publication.objects.get(version=2)
    assert correction.period.village == showcase
    assert correction.correction_reason == CORRECTION_REASON
    assert correction.published_at is not None and correction.corrects is not None
    question = Question.objects.get()
    assert question.item.title == "路灯电费"
    assert question.matter.category == Matter.Category.QUESTION
    # timeliness sees the overdue one
    found = timeliness(
        [showcase.pk], first_month=date(2026, 11, 1), last_month=date(2026, 11, 1), today=END
    )
    assert found[(showcase.pk, date(2026, 11, 1))].overdue == 1
