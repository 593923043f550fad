"""The schedule, the periods the job opens, and the overdue notices with time frozen."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from jifen.disclosure import services
from jifen.disclosure.models import Kind, OverdueNotice, Period
from jifen.notify.models import Notification
from tests.conftest import World
from tests.disclosure.conftest import NOW, SHANGHAI, published_statement
from tests.points import actor


def test_default_schedule_quarterly_affairs_by_the_20th_and_monthly_finance_by_the_15th(
    world: World,
) -> None:
    party = services.open_period(village=world.village, kind=Kind.PARTY, day=date(2026, 5, 10))
    finance = services.open_period(village=world.village, kind=Kind.FINANCE, day=date(2026, 12, 31))
    assert (party.starts_on, party.ends_on, party.due_on) == (
        date(2026, 4, 1),
        date(2026, 6, 30),
        date(2026, 7, 20),
    )
    assert (finance.starts_on, finance.ends_on, finance.due_on) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
        date(2027, 1, 15),
    )


def test_a_cadre_sets_the_schedule_and_new_periods_follow_it(world: World) -> None:
    services.set_schedule(
        actor=actor(world.people["secretary"]),
        village=world.village,
        kind=Kind.VILLAGE,
        cadence="monthly",
        due_day=10,
        now=NOW,
    )
    period = services.open_period(village=world.village, kind=Kind.VILLAGE, day=date(2026, 2, 14))
    assert (period.starts_on, period.ends_on, period.due_on) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
        date(2026, 3, 10),
    )


@pytest.mark.parametrize(
    ("kind", "cadence", "day", "message"),
    [
        (Kind.FINANCE, "yearly", 15, "Finances are published at least every quarter."),
        (Kind.PARTY, "quarterly", 31, "The due day is a day from 1 to 28."),
        ("other", "quarterly", 5, "Choose a kind and how often it is published."),
    ],
)
def test_a_bad_schedule_is_refused(
    world: World, kind: str, cadence: str, day: int, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.set_schedule(
            actor=actor(world.people["secretary"]),
            village=world.village,
            kind=kind,
            cadence=cadence,
            due_day=day,
        )
    assert refused.value.messages == [message]
    assert services.schedule_of(world.village) == {
        "party": ("quarterly", 20),
        "village": ("quarterly", 20),
        "finance": ("monthly", 15),
    }


def test_only_cadres_set_the_schedule(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.set_schedule(
            actor=actor(world.people["supervisor"]),
            village=world.village,
            kind=Kind.PARTY,
            cadence="monthly",
            due_day=5,
        )


def test_open_periods_opens_the_current_and_previous_periods_once(world: World) -> None:
    # Three villages, three kinds, the current period and the one before
    assert services.open_periods(today=date(2026, 6, 3)) == 18
    assert services.open_periods(today=date(2026, 6, 3)) == 0
    starts = set(Period.objects.filter(village=world.village).values_list("kind", "starts_on"))
    assert starts == {
        ("finance", date(2026, 6, 1)),
        ("finance", date(2026, 5, 1)),
        ("party", date(2026, 4, 1)),
        ("party", date(2026, 1, 1)),
        ("village", date(2026, 4, 1)),
        ("village", date(2026, 1, 1)),
    }
    # A month on, only the new finance periods open
    assert services.open_periods(today=date(2026, 7, 1)) == 3 + 6


def test_a_major_item_is_opened_at_once_due_within_days(world: World) -> None:
    cadre = actor(world.people["secretary"])
    period = services.open_ad_hoc_period(
        actor=cadre,
        village=world.village,
        kind=Kind.VILLAGE,
        title="村道硬化工程招标结果",
        due_in_days=3,
        idempotency_key="k1",
        now=NOW,
    )
    again = services.open_ad_hoc_period(
        actor=cadre,
        village=world.village,
        kind=Kind.VILLAGE,
        title="村道硬化工程招标结果",
        due_in_days=3,
        idempotency_key="k1",
        now=NOW,
    )
    assert period.pk == again.pk and Period.objects.count() == 1
    assert (period.starts_on, period.due_on, period.is_ad_hoc) == (
        date(2026, 6, 3),
        date(2026, 6, 6),
        True,
    )
    with pytest.raises(ValidationError) as refused:
        services.open_ad_hoc_period(
            actor=cadre,
            village=world.village,
            kind=Kind.VILLAGE,
            title="x",
            due_in_days=30,
            idempotency_key="k2",
        )
    assert refused.value.messages == ["A major item is published within 7 days."]


def test_overdue_periods_are_notified_once_to_cadres_and_township(world: World) -> None:
    # Given April's and May's finance periods of 桂花村; April's is published
    published_statement(
        world,
        period=services.open_period(village=world.village, kind=Kind.FINANCE, day=date(2026, 4, 1)),
    )
    may = services.open_period(village=world.village, kind=Kind.FINANCE, day=date(2026, 5, 1))
    # When the job runs on the 15th (due day: not overdue yet), then on the 16th, twice
    with time_machine.travel(datetime(2026, 6, 15, 20, 0, tzinfo=SHANGHAI), tick=False):
        assert services.notify_overdue() == 0
    with time_machine.travel(datetime(2026, 6, 16, 8, 0, tzinfo=SHANGHAI), tick=False):
        assert services.notify_overdue() == 1
        assert services.notify_overdue() == 0
    # Then the village's cadres and the township's officers were told once
    told = set(Notification.objects.values_list("user__name", flat=True))
    assert told == {"李书记", "陈委员", "刘包村", "杨镇管"}
    assert Notification.objects.count() == 4
    assert OverdueNotice.objects.get().period == may
    text = Notification.objects.first()
    assert text is not None
    assert text.text == "桂花村: the Finance disclosure for 2026-05 was due on 2026-06-15."
