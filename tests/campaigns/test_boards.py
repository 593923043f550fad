"""Boards: drawn up from candidates, edited by the committee, confirmed (households told),
withdrawn entry by entry; black-list entries expire by themselves and are told once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jifen.audit.models import AuditEvent
from jifen.campaigns import selectors, services
from jifen.campaigns.models import Board, Entry
from jifen.notify.models import Notification, SmsMessage
from tests.campaigns.builders import JULY_2, confirmed_june_board, june_board, june_records
from tests.campaigns.conftest import SHANGHAI, Drive
from tests.conftest import World
from tests.points import actor


def _entries(board: Board) -> list[tuple[str, str]]:
    return sorted(board.entries.values_list("colour", "household__door_plate"))


def test_a_month_board_is_drawn_up_from_the_candidates(world: World, drive: Drive) -> None:
    board = june_board(world, drive)
    assert (board.kind, board.month, board.status) == ("month", date(2026, 6, 1), "draft")
    assert _entries(board) == [("black", "1-01"), ("red", "1-02"), ("red", "1-03"), ("red", "2-01")]
    black = board.entries.get(colour="black")
    assert [r.points for r in black.records.all()] == [-5]
    event = AuditEvent.objects.get(action="lists.drafted")
    assert event.after is not None and (event.after["red"], event.after["black"]) == (3, 1)


def test_one_board_a_month(world: World, drive: Drive) -> None:
    june_board(world, drive)
    with pytest.raises(ValidationError, match=r"There is a board for this already."):
        services.prepare_board(
            actor=actor(world.people["committee_member"]),
            village=world.village,
            month=date(2026, 6, 1),
            now=JULY_2,
        )
    assert Board.objects.count() == 1


def test_a_month_not_begun_has_no_board(world: World, drive: Drive) -> None:
    with pytest.raises(
        ValidationError, match=r"A month's board is drawn up once the month has begun."
    ):
        services.prepare_board(
            actor=actor(world.people["secretary"]),
            village=world.village,
            month=date(2026, 8, 1),
            now=JULY_2,
        )
    assert Board.objects.count() == 0


@pytest.mark.parametrize(
    "who", ["villager", "grid_member", "supervisor", "township_admin", "neighbour_secretary"]
)
def test_only_the_committee_draws_up_boards(world: World, drive: Drive, who: str) -> None:
    with pytest.raises(
        PermissionDenied, match=r"Only the village committee edits the red and black lists."
    ):
        services.prepare_board(
            actor=actor(world.people[who]), village=world.village, month=date(2026, 6, 1)
        )
    assert Board.objects.count() == 0


def test_the_committee_adds_and_removes_entries_on_a_draft(world: World, drive: Drive) -> None:
    board = june_board(world, drive)
    secretary = actor(world.people["secretary"])
    entry = services.add_entry(
        actor=secretary, board=board, household=drive.homes["2-02"], colour="red", reason="见义勇为"
    )
    assert entry.added_by_hand
    with pytest.raises(ValidationError, match=r"That household is on this board already."):
        services.add_entry(
            actor=secretary, board=board, household=drive.homes["2-02"], colour="black", reason="x"
        )
    with pytest.raises(ValidationError, match=r"That household belongs to another village."):
        services.add_entry(
            actor=secretary, board=board, household=world.neighbour_home, colour="red", reason="x"
        )
    services.remove_entry(actor=secretary, entry=board.entries.get(household__door_plate="1-03"))
    assert _entries(board) == [("black", "1-01"), ("red", "1-02"), ("red", "2-01"), ("red", "2-02")]
    assert (
        AuditEvent.objects.filter(action__in=["lists.entry_added", "lists.entry_removed"]).count()
        == 2
    )


def test_a_black_entry_expires_thirty_days_after_its_remedy_date_by_default(
    world: World, drive: Drive
) -> None:
    board = june_board(world, drive)
    black = board.entries.get(colour="black")
    services.update_entry(
        actor=actor(world.people["secretary"]),
        entry=black,
        reason="乱扔垃圾被扣分",
        remedy="清理门前垃圾",
        remedy_by=date(2026, 7, 15),
        now=JULY_2,
    )
    black.refresh_from_db()
    assert (black.reason, black.remedy, black.remedy_by, black.expires_on) == (
        "乱扔垃圾被扣分",
        "清理门前垃圾",
        date(2026, 7, 15),
        date(2026, 8, 14),
    )


@pytest.mark.parametrize(
    ("remedy", "remedy_by", "expires_on", "message"),
    [
        ("", date(2026, 7, 15), None, "Say what must be put right and by when."),
        ("清理", None, None, "Say what must be put right and by when."),
        ("清理", date(2026, 7, 1), None, "The date to put it right by has passed."),
        (
            "清理",
            date(2026, 7, 15),
            date(2026, 7, 15),
            "The entry expires after the date to put it right by.",
        ),
    ],
)
def test_a_bad_remedy_is_refused_and_nothing_changes(
    world: World,
    drive: Drive,
    remedy: str,
    remedy_by: date | None,
    expires_on: date | None,
    message: str,
) -> None:
    board = june_board(world, drive)
    black = board.entries.get(colour="black")
    with pytest.raises(ValidationError) as error:
        services.update_entry(
            actor=actor(world.people["secretary"]),
            entry=black,
            reason="x",
            remedy=remedy,
            remedy_by=remedy_by,
            expires_on=expires_on,
            now=JULY_2,
        )
    assert error.value.messages == [message]
    black.refresh_from_db()
    assert (black.remedy, black.remedy_by, black.expires_on) == ("", None, None)


def test_a_red_entry_has_nothing_to_put_right(world: World, drive: Drive) -> None:
    board = june_board(world, drive)
    red = board.entries.filter(colour="red").first()
    assert red is not None
    with pytest.raises(ValidationError, match=r"A red-list entry has nothing to put right."):
        services.update_entry(
            actor=actor(world.people["secretary"]), entry=red, reason="x", remedy="y", now=JULY_2
        )


def test_a_board_is_not_confirmed_before_every_black_entry_says_what_to_put_right(
    world: World, drive: Drive
) -> None:
    board = june_board(world, drive)
    with pytest.raises(ValidationError) as error:
        services.confirm_board(actor=actor(world.people["secretary"]), board=board, now=JULY_2)
    assert error.value.messages == [
        "Say what must be put right, and by when, for every black-list entry: 1-01"
    ]
    board.refresh_from_db()
    assert board.status == "draft"
    assert Notification.objects.count() == 0


def test_confirming_tells_each_household_on_the_board(world: World, drive: Drive) -> None:
    board = confirmed_june_board(world, drive)
    assert (board.status, board.confirmed_at, board.confirmed_by) == (
        "confirmed",
        JULY_2,
        world.people["secretary"],
    )
    told = {n.user.name: n.text for n in Notification.objects.select_related("user")}
    # 1-01: the head and the villager of the household; 1-02: the secretary, its head.
    black = (
        "桂花村 Red and black list of 2026-06: your household is on the black list: "
        "Points deducted in 2026-06: 乱扔垃圾 -5 (06-15). Put right: 清理门前垃圾, by 2026-07-15. "
        "The entry expires after 2026-08-14."
    )
    assert told[world.people["household_head"].name] == black[:200]
    assert told[world.people["villager"].name] == black[:200]
    assert told["李书记"] == (
        "桂花村 Red and black list of 2026-06: your household is honoured on the red list: "
        "Earned 10 points in 2026-06."
    )
    assert len(told) == 3
    assert SmsMessage.objects.count() == 3
    assert AuditEvent.objects.filter(action="lists.confirmed").count() == 1


def test_a_confirmed_board_is_never_edited(world: World, drive: Drive) -> None:
    board = confirmed_june_board(world, drive)
    secretary = actor(world.people["secretary"])
    entry = board.entries.get(colour="black")
    refused = "This board is confirmed: it is not changed any more."
    attempts: list[Callable[[], object]] = [
        lambda: services.add_entry(
            actor=secretary, board=board, household=drive.homes["2-02"], colour="red", reason="x"
        ),
        lambda: services.remove_entry(actor=secretary, entry=entry),
        lambda: services.update_entry(
            actor=secretary,
            entry=entry,
            reason="x",
            remedy="y",
            remedy_by=date(2026, 7, 20),
            now=JULY_2,
        ),
        lambda: services.confirm_board(actor=secretary, board=board, now=JULY_2),
        lambda: services.discard_board(actor=secretary, board=board),
    ]
    before = list(Entry.objects.values())
    for attempt in attempts:
        with pytest.raises(ValidationError, match=refused):
            attempt()
    assert list(Entry.objects.values()) == before


def test_one_entry_is_withdrawn_with_a_reason(world: World, drive: Drive) -> None:
    board = confirmed_june_board(world, drive)
    secretary = actor(world.people["secretary"])
    entry = board.entries.get(colour="black")
    with pytest.raises(ValidationError, match=r"Say why the entry is withdrawn."):
        services.withdraw_entry(actor=secretary, entry=entry, reason=" ")
    withdrawn_at = datetime(2026, 7, 3, 9, 0, tzinfo=SHANGHAI)
    services.withdraw_entry(actor=secretary, entry=entry, reason="扣分记录已更正", now=withdrawn_at)
    entry.refresh_from_db()
    assert (entry.withdrawn_at, entry.withdrawal_reason) == (withdrawn_at, "扣分记录已更正")
    assert selectors.black_list_now(world.village, date(2026, 7, 3)) == []
    assert AuditEvent.objects.filter(action="lists.entry_withdrawn").count() == 1
    assert Notification.objects.filter(
        user=world.people["household_head"],
        text="桂花村 Red and black list of 2026-06: "
        "the entry of your household was withdrawn: 扣分记录已更正",
    ).exists()
    with pytest.raises(ValidationError, match=r"This entry was withdrawn already."):
        services.withdraw_entry(actor=secretary, entry=entry, reason="again", now=withdrawn_at)


@pytest.mark.parametrize(
    ("today", "shown"),
    [(date(2026, 8, 13), True), (date(2026, 8, 14), True), (date(2026, 8, 15), False)],
)
def test_a_black_entry_shows_until_its_expiry_date_and_not_after(
    world: World, drive: Drive, today: date, shown: bool
) -> None:
    board = confirmed_june_board(world, drive)  # expires after 2026-08-14
    black = [e.household.door_plate for e in selectors.black_list_now(world.village, today)]
    assert black == (["1-01"] if shown else [])
    on_board = [e.household.door_plate for e in selectors.board_entries(board, today)]
    assert ("1-01" in on_board) is shown
    assert len(on_board) == (4 if shown else 3)


def test_tell_expired_tells_the_household_once_the_day_after_expiry(
    world: World, drive: Drive
) -> None:
    confirmed_june_board(world, drive)  # expires after 2026-08-14
    on_expiry_day = datetime(2026, 8, 14, 20, 0, tzinfo=SHANGHAI)
    assert services.tell_expired(now=on_expiry_day) == 0
    day_after = on_expiry_day + timedelta(hours=5)
    assert services.tell_expired(now=day_after) == 1
    assert services.tell_expired(now=day_after + timedelta(days=1)) == 0
    told = Notification.objects.filter(
        text__endswith="the black-list entry of your household has expired."
    )
    assert sorted(n.user.name for n in told) == sorted(
        [world.people["household_head"].name, world.people["villager"].name]
    )
    assert AuditEvent.objects.filter(action="lists.entry_expired").count() == 1


def test_tell_expired_skips_withdrawn_entries(world: World, drive: Drive) -> None:
    board = confirmed_june_board(world, drive)
    services.withdraw_entry(
        actor=actor(world.people["secretary"]),
        entry=board.entries.get(colour="black"),
        reason="更正",
        now=JULY_2,
    )
    assert services.tell_expired(now=datetime(2026, 9, 1, tzinfo=SHANGHAI)) == 0


def test_a_campaign_board_is_drawn_from_the_inspections(world: World, drive: Drive) -> None:
    from tests.campaigns.conftest import inspect

    inspect(world, drive, "1-01", 1, passed=True)
    inspect(world, drive, "1-02", 1, passed=False, failed=(1,))
    board = services.prepare_board(
        actor=actor(world.people["secretary"]),
        village=world.village,
        campaign=drive.campaign,
        now=datetime(2026, 6, 8, tzinfo=SHANGHAI),
    )
    assert board.kind == "campaign"
    assert _entries(board) == [("black", "1-02"), ("red", "1-01")]
    assert selectors.board_title(board) == "Red and black list of 夏季灭蚊行动"
    with pytest.raises(ValidationError, match=r"There is a board for this already."):
        services.prepare_board(
            actor=actor(world.people["secretary"]), village=world.village, campaign=drive.campaign
        )


def test_june_records_alone_make_no_campaign_board_entries(world: World, drive: Drive) -> None:
    june_records(world, drive)
    board = services.prepare_board(
        actor=actor(world.people["secretary"]),
        village=world.village,
        campaign=drive.campaign,
        now=JULY_2,
    )
    assert _entries(board) == []
