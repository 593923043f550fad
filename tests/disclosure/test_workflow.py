"""Drafting, sign-off (required, and by whom), publication, returns, and the audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from jifen.accounts.models import Role
from jifen.audit.models import AuditEvent
from jifen.disclosure import drafting
from jifen.disclosure.models import Kind, Publication
from tests import factories
from tests.conftest import World
from tests.disclosure.conftest import NOW, draft_statement, may_finance, sign_off
from tests.points import actor


def test_a_draft_is_signed_off_by_the_supervisor_and_published_by_a_cadre(world: World) -> None:
    # Given a finance draft of three lines by the secretary
    draft = draft_statement(world)
    # When it is submitted, signed off and published
    drafting.submit(actor=actor(world.people["secretary"]), publication=draft, now=NOW)
    signed = drafting.sign_off(actor=actor(world.people["supervisor"]), publication=draft, now=NOW)
    published = drafting.publish(
        actor=actor(world.people["committee_member"]), publication=signed, now=NOW
    )
    # Then it is published, signed off by the supervisor, with its balances frozen
    published.refresh_from_db()
    assert published.status == Publication.Status.PUBLISHED
    assert published.signed_off_by == world.people["supervisor"]
    assert published.published_by == world.people["committee_member"]
    assert published.published_at == NOW
    assert (published.opening_balance, published.closing_balance) == (0, 5000000 - 180000 - 23645)
    actions = list(
        AuditEvent.objects.filter(action__startswith="disclosure.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "disclosure.drafted",
        "disclosure.item_added",
        "disclosure.item_added",
        "disclosure.item_added",
        "disclosure.submitted",
        "disclosure.signed_off",
        "disclosure.published",
    ]


def test_publishing_without_sign_off_is_refused(world: World) -> None:
    draft = draft_statement(world)
    with pytest.raises(ValidationError) as refused:
        drafting.publish(actor=actor(world.people["secretary"]), publication=draft, now=NOW)
    assert refused.value.messages == [
        "A supervisory committee member must sign it off before it is published."
    ]
    drafting.submit(actor=actor(world.people["secretary"]), publication=draft, now=NOW)
    with pytest.raises(ValidationError):
        drafting.publish(actor=actor(world.people["secretary"]), publication=draft, now=NOW)
    draft.refresh_from_db()
    assert draft.published_at is None and draft.status == Publication.Status.SUBMITTED


def test_the_database_refuses_a_publication_without_sign_off(world: World) -> None:
    draft = draft_statement(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.filter(pk=draft.pk).update(
            status=Publication.Status.PUBLISHED,
            published_at=NOW,
            published_by=world.people["secretary"],
        )
    draft.refresh_from_db()
    assert draft.published_at is None


def test_the_database_refuses_a_sign_off_by_the_drafter(world: World) -> None:
    draft = draft_statement(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.filter(pk=draft.pk).update(
            signed_off_at=NOW, signed_off_by=world.people["secretary"]
        )


@pytest.mark.parametrize(
    "who", ["secretary", "committee_member", "villager", "township_officer", "grid_member"]
)
def test_only_a_supervisor_of_the_village_signs_off(world: World, who: str) -> None:
    draft = draft_statement(world)
    drafting.submit(actor=actor(world.people["secretary"]), publication=draft, now=NOW)
    with pytest.raises(PermissionDenied) as refused:
        drafting.sign_off(actor=actor(world.people[who]), publication=draft, now=NOW)
    assert str(refused.value) == "Only a supervisory committee member of the village signs off."
    draft.refresh_from_db()
    assert draft.status == Publication.Status.SUBMITTED and draft.signed_off_by is None


def test_a_supervisor_of_another_village_may_not_sign_off(world: World) -> None:
    stranger = factories.account("冯监督", Role.SUPERVISOR, world.neighbour_village)
    draft = draft_statement(world)
    drafting.submit(actor=actor(world.people["secretary"]), publication=draft, now=NOW)
    with pytest.raises(PermissionDenied):
        drafting.sign_off(actor=actor(stranger), publication=draft, now=NOW)


def test_the_drafter_may_not_sign_off_even_as_a_supervisor(world: World) -> None:
    # Given the secretary who drafted it also sits on the supervisory committee
    secretary = world.people["secretary"]
    factories.grant(secretary, Role.SUPERVISOR, world.village)
    draft = draft_statement(world)
    drafting.submit(actor=actor(secretary), publication=draft, now=NOW)
    # When they sign it off as supervisor
    with pytest.raises(PermissionDenied) as refused:
        drafting.sign_off(actor=actor(secretary, Role.SUPERVISOR), publication=draft, now=NOW)
    # Then it is refused
    assert str(refused.value) == "You drafted this publication; another member must sign it off."


def test_a_returned_draft_shows_the_reason_and_can_be_edited_again(world: World) -> None:
    draft = draft_statement(world)
    drafting.submit(actor=actor(world.people["secretary"]), publication=draft, now=NOW)
    with pytest.raises(ValidationError) as refused:
        drafting.add_item(
            actor=actor(world.people["secretary"]),
            publication=draft,
            title="办公费",
            occurred_on=NOW.date(),
            direction="expense",
            yuan="12",
        )
    assert refused.value.messages == [
        "This draft is waiting for sign-off; ask the supervisor to return it to change it."
    ]
    returned = drafting.return_for_changes(
        actor=actor(world.people["supervisor"]),
        publication=draft,
        reason="路灯电费缺少发票",
        now=NOW,
    )
    assert returned.status == Publication.Status.DRAFT
    assert returned.return_reason == "路灯电费缺少发票"
    assert returned.returned_by == world.people["supervisor"]
    drafting.add_item(
        actor=actor(world.people["secretary"]),
        publication=draft,
        title="办公费",
        occurred_on=NOW.date(),
        direction="expense",
        yuan="12",
    )
    assert draft.items.count() == 4


def test_a_return_needs_a_reason(world: World) -> None:
    draft = draft_statement(world)
    drafting.submit(actor=actor(world.people["secretary"]), publication=draft, now=NOW)
    with pytest.raises(ValidationError) as refused:
        drafting.return_for_changes(
            actor=actor(world.people["supervisor"]), publication=draft, reason="  "
        )
    assert refused.value.messages == ["Say what should be put right."]


def test_an_empty_draft_cannot_be_sent(world: World) -> None:
    draft = drafting.start_publication(
        actor=actor(world.people["secretary"]), period=may_finance(world), title="五月"
    )
    with pytest.raises(ValidationError) as refused:
        drafting.submit(actor=actor(world.people["secretary"]), publication=draft)
    assert refused.value.messages == ["Add at least one item before sending it for sign-off."]


def test_starting_twice_finds_the_same_draft(world: World) -> None:
    period = may_finance(world)
    cadre = actor(world.people["secretary"])
    first = drafting.start_publication(actor=cadre, period=period, title="五月")
    second = drafting.start_publication(actor=cadre, period=period, title="五月")
    assert first.pk == second.pk and Publication.objects.count() == 1


@pytest.mark.parametrize(
    "who", ["villager", "supervisor", "township_officer", "neighbour_secretary"]
)
def test_only_the_village_cadres_draft(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        drafting.start_publication(
            actor=actor(world.people[who]), period=may_finance(world), title="五月"
        )
    assert Publication.objects.count() == 0


def test_a_finance_line_needs_a_date_a_direction_and_an_amount(world: World) -> None:
    draft = draft_statement(world, lines=[])
    cadre = actor(world.people["secretary"])
    cases: list[tuple[date | None, str, str, str]] = [
        (None, "income", "5", "Give the date of the line."),
        (NOW.date(), "", "5", "Say whether the line is income or expense."),
        (NOW.date(), "income", "5.001", "Enter the amount in yuan with at most two decimals."),
        (NOW.date(), "income", "0", "The amount must be more than zero."),
    ]
    for occurred_on, direction, yuan, message in cases:
        with pytest.raises(ValidationError) as refused:
            drafting.add_item(
                actor=cadre,
                publication=draft,
                title="收入",
                occurred_on=occurred_on,
                direction=direction,
                yuan=yuan,
            )
        assert refused.value.messages == [message]
    assert draft.items.count() == 0


def test_affairs_items_have_a_heading_and_text(world: World) -> None:
    from jifen.disclosure import services

    period = services.open_period(village=world.village, kind=Kind.PARTY, day=NOW.date())
    cadre = actor(world.people["secretary"])
    draft = drafting.start_publication(actor=cadre, period=period, title="二季度党务公开")
    item = drafting.add_item(
        actor=cadre, publication=draft, title="发展党员", text="确定入党积极分子2名。"
    )
    assert (item.direction, item.amount, item.position) == ("", None, 1)


def test_sign_off_twice_is_refused_kindly(world: World) -> None:
    signed = sign_off(world, draft_statement(world))
    with pytest.raises(ValidationError) as refused:
        drafting.sign_off(actor=actor(world.people["supervisor"]), publication=signed)
    assert refused.value.messages == ["This publication is not waiting for sign-off."]
