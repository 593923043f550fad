"""Corrections are new versions with a reason; balances carry from statement to statement."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError

from jifen.disclosure import drafting, selectors, services
from jifen.disclosure.lines import parse_yuan, yuan
from jifen.disclosure.models import Item, Kind, Publication
from tests.conftest import World
from tests.disclosure.conftest import NOW, SHANGHAI, published_statement, sign_off
from tests.points import actor


def correct(world: World, publication: Publication, *, fix: str = "2364.50") -> Publication:
    """Version 2: the street-light bill was 2364.50, not 236.45."""
    cadre = actor(world.people["secretary"])
    correction = drafting.start_correction(
        actor=cadre, publication=publication, reason="路灯电费录入错误，应为2364.50元", now=NOW
    )
    line = correction.items.get(title="路灯电费")
    drafting.edit_item(
        actor=cadre,
        item=line,
        title=line.title,
        occurred_on=line.occurred_on,
        direction=line.direction,
        yuan=fix,
        voucher=line.voucher,
    )
    signed = sign_off(world, correction)
    return drafting.publish(actor=cadre, publication=signed, now=NOW)


def test_parse_yuan_uses_decimal_and_refuses_what_is_not_money() -> None:
    assert parse_yuan("1,234.5") == 123450
    assert parse_yuan("0.01") == 1
    assert parse_yuan(" ¥ 236.45 ") == 23645
    assert parse_yuan("0.29") == 29  # a float would give 28
    for text in ["1.234", "0", "-5", "abc", "", "1.0001e3", "NaN", "Infinity"]:
        with pytest.raises(ValidationError):
            parse_yuan(text)
    assert yuan(-123450) == "-1,234.50"


def test_a_correction_is_a_new_version_and_both_stay(world: World) -> None:
    # Given May's statement published as version 1
    first = published_statement(world)
    # When a correction is published with a reason
    second = correct(world, first)
    # Then version 1 is unchanged and superseded (derived); version 2 names it and the reason
    first.refresh_from_db()
    assert first.status == Publication.Status.PUBLISHED
    assert first.items.get(title="路灯电费").amount == 23645
    assert (second.version, second.corrects_id) == (2, first.pk)
    assert second.correction_reason == "路灯电费录入错误，应为2364.50元"
    assert second.items.get(title="路灯电费").amount == 236450
    versions = selectors.versions_of(first.period)
    assert [v.version for v in versions] == [1, 2]
    assert selectors.superseded_by(first, versions) == second
    assert selectors.superseded_by(second, versions) is None
    found = selectors.changes(first, second)
    assert [(c.kind, c.before and c.before.amount, c.after and c.after.amount) for c in found] == [
        ("changed", 23645, 236450)
    ]
    assert second.closing_balance == 5000000 - 180000 - 236450


def test_a_correction_needs_a_reason_and_a_published_version(world: World) -> None:
    first = published_statement(world)
    with pytest.raises(ValidationError) as refused:
        drafting.start_correction(
            actor=actor(world.people["secretary"]), publication=first, reason=" "
        )
    assert refused.value.messages == ["Say why it is corrected."]
    assert Publication.objects.count() == 1


def test_starting_a_correction_twice_finds_the_same_draft(world: World) -> None:
    first = published_statement(world)
    cadre = actor(world.people["secretary"])
    one = drafting.start_correction(actor=cadre, publication=first, reason="更正")
    two = drafting.start_correction(actor=cadre, publication=first, reason="更正")
    assert one.pk == two.pk
    assert Item.objects.filter(publication=one).count() == 3


def test_added_and_removed_lines_show_in_the_changes(world: World) -> None:
    first = published_statement(world)
    cadre = actor(world.people["secretary"])
    correction = drafting.start_correction(actor=cadre, publication=first, reason="漏记")
    drafting.remove_item(actor=cadre, item=correction.items.get(title="保洁员工资"))
    drafting.add_item(
        actor=cadre,
        publication=correction,
        title="办公费",
        occurred_on=date(2026, 5, 30),
        direction="expense",
        yuan="88",
    )
    kinds = sorted(
        (c.kind, item.title)
        for c in selectors.changes(first, correction)
        if (item := c.after or c.before) is not None
    )
    assert kinds == [("added", "办公费"), ("removed", "保洁员工资")]


def test_the_opening_balance_is_carried_from_the_previous_statements_latest_version(
    world: World,
) -> None:
    # Given April's statement, the village's first, opening at 10,000.00 yuan
    april = services.open_period(village=world.village, kind=Kind.FINANCE, day=date(2026, 4, 1))
    april_statement = published_statement(
        world,
        period=april,
        opening=1000000,
        lines=[("2026-04-10", "村集体经营收入", "income", "3000")],
        now=datetime(2026, 5, 10, 9, 0, tzinfo=SHANGHAI),
    )
    assert (april_statement.opening_balance, april_statement.closing_balance) == (
        1000000,
        1300000,
    )
    # When May's statement is published, its opening is April's closing
    may = published_statement(world)
    assert may.opening_balance == 1300000
    assert may.closing_balance == 1300000 + 5000000 - 180000 - 23645
    # And when April is corrected later, June carries from May's latest version, and May's
    # published balances do not move
    correct(world, may)
    june = services.open_period(village=world.village, kind=Kind.FINANCE, day=date(2026, 6, 1))
    june_draft = drafting.start_publication(
        actor=actor(world.people["secretary"]), period=june, title="六月", opening_balance=5
    )
    opening, income, expense, closing = drafting.balances(june_draft)
    assert opening == 1300000 + 5000000 - 180000 - 236450
    assert (income, expense, closing) == (0, 0, opening)
    may.refresh_from_db()
    assert may.closing_balance == 1300000 + 5000000 - 180000 - 23645
