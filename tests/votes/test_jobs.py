"""The scheduled job and the close: opening, one reminder, closing and publishing, once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jifen.accounts.actors import Actor
from jifen.audit.models import AuditEvent
from jifen.notify.models import Notification
from jifen.talk.models import Matter
from jifen.votes import ballots, selectors, services
from jifen.votes.models import Vote
from tests.conftest import World
from tests.points import NOW, actor
from tests.votes.conftest import new_vote, option

OPENING = NOW + timedelta(days=1)
CLOSING = OPENING + timedelta(days=5)


def kinds(world: World, who: str) -> list[str]:
    return list(
        world.people[who].notifications.order_by("created_at", "id").values_list("kind", flat=True)
    )


def test_the_job_opens_reminds_once_and_closes(world: World) -> None:
    matter = Matter.objects.create(
        village=world.village,
        raised_by=world.people["grid_member"],
        title="村东水渠漏水",
        text="水渠多处漏水，需要修补。",
        category=Matter.Category.REPAIR,
        raised_at=NOW - timedelta(days=3),
    )
    vote = new_vote(world, opens_at=OPENING, closes_at=CLOSING, matter=matter)
    # Before its time nothing happens
    assert services.run_due(now=OPENING - timedelta(minutes=1)) == services.JobsDone(0, 0, 0)
    assert vote.electors.count() == 0
    # At its time it opens, and both household heads are told
    assert services.run_due(now=OPENING) == services.JobsDone(1, 0, 0)
    vote.refresh_from_db()
    assert (vote.status, vote.opened_at, vote.electorate_size) == ("open", OPENING, 2)
    assert kinds(world, "household_head") == kinds(world, "secretary") == ["vote_open"]
    ballots.cast_ballot(
        actor=actor(world.people["household_head"]),
        vote=vote,
        option=option(vote, "For"),
        now=OPENING + timedelta(hours=1),
    )
    # More than a day before the close: no reminder yet
    assert services.run_due(now=CLOSING - timedelta(days=1, minutes=1)).reminded == 0
    # Within a day: the household that has not voted is reminded, once
    within_a_day = CLOSING - timedelta(hours=20)
    assert services.run_due(now=within_a_day) == services.JobsDone(0, 1, 0)
    assert services.run_due(now=within_a_day + timedelta(hours=2)) == services.JobsDone(0, 0, 0)
    assert kinds(world, "secretary") == ["vote_open", "vote_closing"]
    assert kinds(world, "household_head") == ["vote_open"]
    vote.refresh_from_db()
    assert vote.reminder_sent_at == within_a_day
    # At the close: the result is published, the electors and the matter's raiser are told
    assert services.run_due(now=CLOSING) == services.JobsDone(0, 0, 1)
    vote.refresh_from_db()
    assert (vote.status, vote.closed_at, vote.published_at, vote.closed_by) == (
        "closed",
        CLOSING,
        CLOSING,
        None,
    )
    assert (vote.ballots_cast, vote.quorum_met, vote.passed) == (1, False, False)
    assert kinds(world, "household_head")[-1] == "result"
    assert kinds(world, "grid_member") == ["result"]
    result = world.people["grid_member"].notifications.get()
    assert result.text == "Result of “修村东水渠”: not passed."
    # Nothing more to do, ever
    assert services.run_due(now=CLOSING + timedelta(days=1)) == services.JobsDone(0, 0, 0)


def test_a_scheduled_vote_whose_window_passed_opens_and_closes_in_one_run(world: World) -> None:
    vote = new_vote(world, opens_at=OPENING, closes_at=CLOSING)
    assert services.run_due(now=CLOSING + timedelta(hours=1)) == services.JobsDone(1, 0, 1)
    vote.refresh_from_db()
    assert (vote.status, vote.electorate_size, vote.ballots_cast) == ("closed", 2, 0)


def test_closing_twice_publishes_once(world: World) -> None:
    vote = new_vote(world)
    cadre = actor(world.people["secretary"])
    first = services.close_vote(actor=cadre, vote=vote, now=vote.closes_at)
    again = services.close_vote(actor=cadre, vote=vote, now=vote.closes_at + timedelta(hours=1))
    assert services.run_due(now=vote.closes_at + timedelta(hours=2)).closed == 0
    assert again.closed_at == first.closed_at == vote.closes_at
    assert again.closed_by == world.people["secretary"]
    assert AuditEvent.objects.filter(action="votes.closed").count() == 1
    assert Notification.objects.filter(kind="result").count() == 2


def test_a_vote_is_not_closed_before_its_window_ends(world: World) -> None:
    vote = new_vote(world)
    with pytest.raises(ValidationError, match="The vote is open until 2026-06-20 10:00"):
        services.close_vote(
            actor=actor(world.people["secretary"]),
            vote=vote,
            now=vote.closes_at - timedelta(seconds=1),
        )
    with pytest.raises(PermissionDenied):
        services.close_vote(
            actor=actor(world.people["household_head"]), vote=vote, now=vote.closes_at
        )
    vote.refresh_from_db()
    assert vote.status == "open"


def test_results_are_hidden_until_the_close_unless_the_vote_shows_them(world: World) -> None:
    hidden = new_vote(world)
    shown = new_vote(world, title="公开计票", show_running_results=True)
    for vote in (hidden, shown):
        ballots.cast_ballot(
            actor=actor(world.people["household_head"]),
            vote=vote,
            option=option(vote, "Against"),
            now=NOW,
        )
    assert selectors.may_see_results(hidden) is False
    assert selectors.may_see_results(shown) is True
    running = selectors.results(shown)
    assert (running.final, running.taking_part, running.electorate) == (False, 1, 2)
    assert [row.count for row in running.options] == [0, 1, 0]
    closed = services.close_vote(actor=None, vote=hidden, now=hidden.closes_at)
    final = selectors.results(closed)
    assert selectors.may_see_results(closed)
    assert (final.final, final.taking_part, final.quorum_met, final.passed) == (
        True,
        1,
        False,
        False,
    )
    assert final.quorum_text == (
        "1 of 2 households took part; two thirds or more needed (2): not met."
    )
    assert final.majority_text == (
        "0 of the 1 taking part chose For; more than half needed (1): not reached."
    )


def test_a_failing_vote_does_not_stop_the_job(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = new_vote(world, title="第一项")
    second = new_vote(world, title="第二项")
    real = services._close

    def breaks_on_first(vote: Vote, *, actor: Actor | None, now: datetime) -> None:
        if vote.pk == first.pk:
            raise RuntimeError("boom")
        real(vote, actor=actor, now=now)

    monkeypatch.setattr(services, "_close", breaks_on_first)
    assert services.run_due(now=first.closes_at).closed == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("open", "closed")
