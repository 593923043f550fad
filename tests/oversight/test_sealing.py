"""seal_months: finished months added up once; the dashboards read the same figures from
them as they count live."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jifen.oversight.dashboard import dashboard
from jifen.oversight.models import MonthlyFigures
from jifen.oversight.queries import month_start
from jifen.oversight.services import seal_months
from tests.oversight.conftest import JUNE, MAY, NOW, June

pytestmark = pytest.mark.django_db


def test_sealing_adds_up_each_finished_month_of_every_village(june: June) -> None:
    # When the job runs on June 20
    written = seal_months(now=NOW)
    # Then June 2025 to May 2026 are sealed for the three villages: 36 rows
    assert written == 36
    assert MonthlyFigures.objects.count() == 36
    assert not MonthlyFigures.objects.filter(month=JUNE).exists()
    # 桂花村's May: 1-01 took part, 公共事务 +10, the May 28 patrol waiting at the month's end
    may = MonthlyFigures.objects.get(village=june.world.village, month=MAY)
    assert (may.participating, may.points, may.awaiting_at_end) == (1, {"公共事务": 10}, 1)
    quiet = MonthlyFigures.objects.get(village=june.world.neighbour_village, month=MAY)
    assert (quiet.participating, quiet.points, quiet.awaiting_at_end) == (0, {}, 0)


def test_sealing_twice_writes_nothing_more(june: June) -> None:
    seal_months(now=NOW)
    assert seal_months(now=NOW + timedelta(hours=1)) == 0
    assert MonthlyFigures.objects.count() == 36


def test_a_month_is_sealed_an_hour_after_it_ends(june: June) -> None:
    # At 00:30 on July 1 June is not sealed yet; at 01:00 it is
    july = month_start(date(2026, 7, 1))
    seal_months(now=july + timedelta(minutes=30))
    assert not MonthlyFigures.objects.filter(month=JUNE).exists()
    seal_months(now=july + timedelta(hours=1))
    assert MonthlyFigures.objects.filter(month=JUNE).count() == 3


@pytest.mark.parametrize("month", [JUNE, MAY])
def test_the_dashboard_reads_the_same_figures_from_sealed_months(june: June, month: date) -> None:
    # Given the figures counted live
    live = dashboard(june.world.county, month, now=NOW)
    # When the finished months are sealed
    seal_months(now=NOW)
    sealed = dashboard(june.world.county, month, now=NOW)
    # Then every figure is the same
    assert sealed.villages == live.villages
    assert sealed.townships == live.townships
    assert sealed.total == live.total
    assert sealed.trend == live.trend
    assert sealed.categories == live.categories
