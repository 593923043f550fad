"""A secret ballot records that someone voted, never what they chose — anywhere.

Villagers cast secret ballots through the pages (sessions, messages and all). Then every row of
every table in the database, the session data decoded, the audit trail and the log output are
searched for anything that puts a voter and a choice together.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection, models
from django.test import Client
from django.urls import reverse

from jifen.accounts.models import Role, User
from jifen.audit.models import AuditEvent
from jifen.places.models import Household, Resident
from jifen.votes import services
from jifen.votes.models import Ballot, Elector, Option, Vote
from tests import factories
from tests.conftest import World, log_in
from tests.votes.conftest import new_vote

# Distinctive labels, so that a label found anywhere is this vote's choice.
LABELS = ["甲方案XQ7", "乙方案ZK4", "丙方案WM9"]


def table_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as column → value."""
    found: dict[str, list[dict[str, Any]]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            found[table] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return found


def row_counts() -> dict[str, int]:
    return {table: len(rows) for table, rows in table_rows().items()}


def text_of(value: object) -> str:
    """A column's value as text, JSON decoded: JSON text escapes Chinese as \\uXXXX."""
    if isinstance(value, bytes | memoryview):
        value = bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    if text[:1] in {"{", "["}:
        try:
            return text + json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return text


@pytest.fixture
def voted(world: World, caplog: pytest.LogCaptureFixture, settings: Any) -> dict[str, Any]:
    """Six households vote by secret ballot through the vote page, two for each option."""
    heads = [world.people["household_head"], world.people["secretary"]]
    for n in range(4):
        home = factories.household(world.village, f"8-{n:02d}", f"投票人{n}号", members=1)
        assert home.head is not None
        heads.append(
            factories.account(
                home.head.name, Role.HOUSEHOLD_HEAD, world.village, resident=home.head
            )
        )
    vote = new_vote(
        world,
        Vote.Body.HOUSEHOLDS,
        kind=Vote.Kind.CHOICE,
        options=LABELS,
        secret=True,
        opens_at=None,
        closes_at=None,
    )
    # Through the pages, with the real clock: the vote opened now
    Vote.objects.filter(pk=vote.pk).update(
        opens_at=vote.opens_at.replace(year=2020), closes_at=vote.closes_at.replace(year=2099)
    )
    vote.refresh_from_db()
    options = list(vote.options.order_by("position"))
    # Each voter on their own phone, signed in before the voting starts
    phones = [log_in(Client(), head) for head in heads]
    for phone in phones:
        phone.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    before = row_counts()
    caplog.set_level(logging.DEBUG)
    choices: dict[int, Option] = {}
    for n, (head, client) in enumerate(zip(heads, phones, strict=True)):
        chosen = options[n % 3]
        response = client.post(reverse("votes_vote", args=[vote.pk]), {"option": chosen.pk})
        assert response.status_code == 302
        # The message says it was recorded, never what was chosen
        page = client.get(response["Location"]).content.decode()
        assert "Your vote was recorded." in page
        assert not any(label in page for label in LABELS)
        choices[head.pk] = chosen
    return {"vote": vote, "heads": heads, "choices": choices, "before": before}


def test_the_counts_are_exact_and_the_ballots_hold_no_choice(voted: dict[str, Any]) -> None:
    vote = voted["vote"]
    assert [o.count for o in vote.options.order_by("position")] == [2, 2, 2]
    ballots = Ballot.objects.filter(vote=vote)
    assert ballots.count() == 6
    assert set(ballots.values_list("option", flat=True)) == {None}
    assert set(ballots.values_list("secret", flat=True)) == {True}


def test_casting_wrote_only_ballots_audit_events_and_sessions(voted: dict[str, Any]) -> None:
    after = row_counts()
    grown = {table for table, count in after.items() if count != voted["before"][table]}
    assert grown == {"votes_ballot", "audit_auditevent"}
    assert after["votes_ballot"] - voted["before"]["votes_ballot"] == 6
    # No idempotency record (its fingerprint would hash the choice with the voter's account)
    assert after["core_idempotentrequest"] == voted["before"]["core_idempotentrequest"]


def links(vote: Vote, heads: list[User]) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """Rows that name one of the voters and one of the vote's options, and the rows read."""
    option_ids = set(vote.options.values_list("pk", flat=True))
    # Everything that names a voter: accounts, residents, households, electors, ballots, and
    # the voters' names and phone numbers as text
    voter_ids: dict[Any, set[Any]] = {
        User: {head.pk for head in heads},
        Resident: {head.resident_id for head in heads},
        Household: {head.resident.household_id for head in heads if head.resident},
        Elector: set(Elector.objects.filter(vote=vote).values_list("pk", flat=True)),
        Ballot: set(Ballot.objects.filter(vote=vote).values_list("pk", flat=True)),
    }
    voter_texts = {head.name for head in heads} | {head.phone for head in heads}
    voter_fks: dict[str, list[tuple[str, set[Any]]]] = {}
    option_fks: dict[str, list[str]] = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            table = model._meta.db_table
            if field.related_model in voter_ids:
                voter_fks.setdefault(table, []).append(
                    (field.column, voter_ids[field.related_model])
                )
            if field.related_model is Option:
                option_fks.setdefault(table, []).append(field.column)
    assert option_fks["votes_ballot"] == ["option_id"]
    found, read = [], 0
    for table, rows in table_rows().items():
        for row in rows:
            read += 1
            text = " ".join(text_of(value) for value in row.values())
            if table == "django_session":
                text += str(SessionStore().decode(row["session_data"]))
            names_a_voter = any(t in text for t in voter_texts) or any(
                row[column] in ids for column, ids in voter_fks.get(table, [])
            )
            # A row that names every option (the vote itself, its totals) singles none out
            named = {label for label in LABELS if label in text} | {
                row[column] for column in option_fks.get(table, []) if row[column] in option_ids
            }
            names_a_choice = bool(named) and len(named) < len(LABELS)
            if names_a_voter and names_a_choice:
                found.append((table, row))
    return found, read


def test_no_row_in_any_table_links_a_voter_to_a_choice(voted: dict[str, Any]) -> None:
    found, read = links(voted["vote"], voted["heads"])
    assert found == []
    assert read > 100
    assert Session.objects.count() >= 6


def test_the_search_would_find_a_link(voted: dict[str, Any]) -> None:
    # The search above is not blind: a choice written beside its voter anywhere is found
    vote, heads = voted["vote"], voted["heads"]
    AuditEvent.objects.create(
        at=vote.opens_at,
        actor=heads[0],
        action="planted",
        object_type="votes.ballot",
        object_id="1",
        after={"choice": LABELS[0]},
    )
    found, _read = links(vote, heads)
    assert [table for table, _row in found] == ["audit_auditevent"]


def test_the_audit_trail_says_voted_and_nothing_more(voted: dict[str, Any]) -> None:
    vote: Vote = voted["vote"]
    events = AuditEvent.objects.filter(action="votes.voted")
    assert events.count() == 6
    for event in events:
        assert event.after == {"vote": vote.pk, "channel": "app"}
        assert event.before is None
        assert event.object_label.startswith("ballot ")
    for event in AuditEvent.objects.exclude(action__in=["votes.created", "votes.closed"]):
        assert not any(label in str(event.after) + str(event.before) for label in LABELS)


def test_the_log_says_nothing_of_choices(
    voted: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    assert not any(label in caplog.text for label in LABELS)
    assert not any(
        str(o.pk) in record.getMessage() and "option" in record.getMessage()
        for o in voted["vote"].options.all()
        for record in caplog.records
    )


def test_after_the_close_only_the_totals_are_known(voted: dict[str, Any]) -> None:
    vote: Vote = voted["vote"]
    closed = services.close_vote(actor=None, vote=vote, now=vote.closes_at)
    assert (closed.ballots_cast, closed.passed) == (6, False)  # 2-2-2: no option won
    assert set(Ballot.objects.filter(vote=vote).values_list("option", flat=True)) == {None}
    closing = AuditEvent.objects.get(action="votes.closed").after
    assert closing is not None
    assert closing["counts"] == dict.fromkeys(LABELS, 2)
