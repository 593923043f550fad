"""The bulk-loaded ledger of the benchmark county is a ledger like any other: it verifies, and
the posting job carries on from it."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from jifen.demo.generator import DemoSize, build_demo
from jifen.demo.scale import add_ledger_at_scale
from jifen.ledger.models import Checkpoint, Entry
from jifen.ledger.services import post_due_records
from jifen.ledger.verify import verify_village
from jifen.places.models import Place
from jifen.records.models import Record

pytestmark = pytest.mark.django_db

END = date(2026, 10, 31)


def _verified(villages: list[Place]) -> list[int]:
    sizes = []
    for village in villages:
        report = verify_village(village)
        assert report.ok, f"{village.code}: {report.problem}"
        sizes.append(report.entries)
    return sizes


def test_a_bulk_loaded_ledger_verifies_and_the_posting_job_carries_on() -> None:
    county = build_demo(seed=5, size=DemoSize.tiny()).county
    loaded = add_ledger_at_scale(county=county, entries=4_000, end=END, seed=5, due_share=0.02)
    villages = list(Place.objects.filter(kind=Place.Kind.VILLAGE).order_by("code"))

    assert loaded.villages == len(villages) == 2
    assert 3_800 <= loaded.entries <= 4_200
    assert Entry.objects.count() == loaded.entries
    assert Checkpoint.objects.count() == loaded.checkpoints > 300  # one a day per village
    assert Record.objects.filter(status=Record.Status.POSTED).count() == loaded.entries // 4
    assert Record.objects.filter(status=Record.Status.ON_NOTICE).count() == loaded.due > 0
    assert sum(_verified(villages)) == loaded.entries
    assert Record.objects.filter(points__lt=0).exists()  # deductions too
    # Every posted entry traces to a record with its rule version, recorder, reviewer, notice.
    assert not Entry.objects.filter(record__isnull=True).exists()
    assert not Record.objects.filter(reviewed_by__isnull=True).exists()
    assert not Record.objects.filter(notice__isnull=True).exists()

    # The records left on notice are posted by the real job, after the loaded ones.
    night = timezone.make_aware(datetime.combine(END, time(21, 0)))
    assert post_due_records(now=night) == loaded.due
    assert sum(_verified(villages)) == loaded.entries + 4 * loaded.due
    assert not Record.objects.filter(status=Record.Status.ON_NOTICE).exists()
