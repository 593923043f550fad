"""Records of June 2026 behind a monthly board, and a confirmed board, for the list tests."""

from __future__ import annotations

from datetime import date, datetime

from jifen.campaigns import services
from jifen.campaigns.models import Board, Entry
from jifen.core.idempotency import new_key
from jifen.ledger.services import post_due_records
from jifen.records import services as records
from tests.campaigns.conftest import SHANGHAI, Drive
from tests.conftest import World
from tests.points import NOW as RECORDED_AT
from tests.points import TODAY as OCCURRED_ON
from tests.points import Items, actor, after_notice, small_rulebook

JULY_2 = datetime(2026, 7, 2, 9, 0, tzinfo=SHANGHAI)


def june_records(world: World, drive: Drive) -> Items:
    """Posted on 2026-06-18: 1-01 +20 and -5 (a deduction), 1-02 +10, 1-03 +5, 2-01 +20."""
    items = small_rulebook(world.village)
    reviewer = actor(world.people["committee_member"])
    cadre = actor(world.people["secretary"])
    plan = [("1-01", items.patrol, 2), ("1-01", items.littering, 1), ("1-02", items.patrol, 1)]
    plan += [("1-03", items.labour, 1), ("2-01", items.patrol, 2)]
    for plate, item, times in plan:
        for _ in range(times):
            record = records.record_deed(
                actor=cadre,
                household=drive.homes[plate],
                item=item,
                occurred_on=OCCURRED_ON,
                idempotency_key=new_key(),
                now=RECORDED_AT,
            )
            records.review_record(actor=reviewer, record=record, approve=True, now=RECORDED_AT)
    post_due_records(now=after_notice(3))
    return items


def june_board(world: World, drive: Drive) -> Board:
    june_records(world, drive)
    return services.prepare_board(
        actor=actor(world.people["secretary"]),
        village=world.village,
        month=date(2026, 6, 1),
        now=JULY_2,
    )


def confirmed_june_board(
    world: World,
    drive: Drive,
    *,
    remedy_by: date = date(2026, 7, 15),
    expires_on: date | None = None,
) -> Board:
    """Black: 1-01 (put right by 7-15, expires after 8-14 by default); red: 2-01, 1-02, 1-03."""
    board = june_board(world, drive)
    secretary = actor(world.people["secretary"])
    black = Entry.objects.get(board=board, colour=Entry.Colour.BLACK)
    services.update_entry(
        actor=secretary,
        entry=black,
        reason=black.reason,
        remedy="清理门前垃圾",
        remedy_by=remedy_by,
        expires_on=expires_on,
        now=JULY_2,
    )
    return services.confirm_board(actor=secretary, board=board, now=JULY_2)
