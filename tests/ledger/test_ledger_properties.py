"""Ledger invariants under random use of the points flow, checked with Hypothesis.

The state machine drives declarations, recording (also on a household's behalf), deductions,
reviews (by reviewers who may, and refused ones by the recorder or a reviewer of their own
household), objections and their decisions, the posting job over a simulated clock,
corrections, retried submissions and checkpoints. After every step it checks the ledger
against itself (DOMAIN.md §4, §9) and against a small Python model of what each household
should hold.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role
from jifen.audit.models import AuditEvent
from jifen.core.idempotency import IdempotencyConflict, new_key
from jifen.core.models import IdempotentRequest
from jifen.ledger.encoding import GENESIS_HASH
from jifen.ledger.models import Account, Checkpoint, Entry, Measure, Posting, Standing
from jifen.ledger.selectors import balances
from jifen.ledger.services import create_checkpoint, post_due_records
from jifen.ledger.verify import verify_village
from jifen.places.models import Household, Place
from jifen.records import services
from jifen.records.models import Notice, Objection, Record
from jifen.records.services import period_bounds
from tests import factories
from tests.conftest import World
from tests.points import NOW, TODAY, Items, actor, after_notice, small_rulebook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    # Refusals are matched by their message, whatever the default language becomes.
    with translation.override("en"):
        yield


Status = Record.Status
LIVE = {Status.PENDING, Status.ON_NOTICE, Status.OBJECTED, Status.POSTED}
REVIEWER_ROLES = {Role.SECRETARY, Role.COMMITTEE_MEMBER}
NOTICE_DAYS = 3  # small_rulebook's VillageSettings
keys = itertools.count(1)
EntryRow = tuple[int, int, int, str, int, int, str, str, int | None]
AccountRow = tuple[str, int | None, str, int]


@dataclass(frozen=True)
class Persona:
    actor: Actor
    household_id: int | None

    @property
    def user_id(self) -> int:
        return self.actor.user.pk


@dataclass
class Village:
    place: Place
    households: list[Household]
    people: dict[str, Persona]
    items: Items


def build_village(world: World) -> Village:
    """桂花村 of the ``world`` fixture, with two more households: 张 (the head, and a committee
    member who lives there) and 孙 (an old woman without a phone, recorded for by proxy)."""
    village = world.village
    zhang = factories.household(village, "1-03", "张桂英", members=2)
    sun = factories.household(village, "1-04", "孙奶奶", members=1)
    zhang_child = zhang.residents.exclude(relation="head").get()
    kept = "household_head villager grid_member secretary committee_member supervisor"
    users = {name: world.people[name] for name in kept.split()}
    users["zhang_head"] = factories.account(
        "张桂英", Role.HOUSEHOLD_HEAD, village, resident=zhang.head
    )
    users["zhang_committee"] = factories.account(
        "张委员", Role.COMMITTEE_MEMBER, village, resident=zhang_child
    )
    secretary_home = Household.objects.get(village=village, door_plate="1-02")
    return Village(
        place=village,
        households=[world.home, secretary_home, zhang, sun],
        people={
            name: Persona(actor(user), user.resident.household_id if user.resident else None)
            for name, user in users.items()
        },
        items=small_rulebook(village),
    )


@dataclass
class ModelRecord:
    """What the model expects of one record."""

    pk: int
    household: int
    item: str
    score_only: bool
    points: int
    occurred_on: date
    recorded_by: int
    status: str = Status.PENDING
    closes_at: datetime | None = None
    corrects: int | None = None


@dataclass
class ModelObjection:
    pk: int
    record: int
    raised_by: int
    outcome: str = Objection.Outcome.OPEN


@dataclass(frozen=True)
class Submission:
    """A successful keyed submission, kept so that it can be sent again."""

    operation: Callable[..., Record]
    persona: str
    arguments: dict[str, Any]
    key: str
    record: int


WATCHED = (
    Record,
    Notice,
    Objection,
    Posting,
    Entry,
    Account,
    Checkpoint,
    IdempotentRequest,
    AuditEvent,
)
# One query for every count: a refusal's before-and-after must not cost twenty queries.
TABLES = [model._meta.db_table for model in WATCHED]
COUNTS_SQL = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {t})" for t in TABLES)  # noqa: S608


def snapshot() -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    with connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL)
        counts = cursor.fetchone()
    records = list(
        Record.objects.order_by("pk").values_list(
            "pk", "status", "reviewed_by_id", "notice_id", "posted_at"
        )
    )
    objections = list(Objection.objects.order_by("pk").values_list("pk", "outcome"))
    accounts = list(Account.objects.order_by("pk").values_list("pk", "balance"))
    return counts, records, objections, accounts


@settings(
    max_examples=200,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
class LedgerMachine(RuleBasedStateMachine):
    shared: ClassVar[Village | None] = None

    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint of the test's transaction, rolled back at teardown.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        assert self.shared is not None, "run through TestLedgerInvariants"
        self.world = self.shared
        self.village = self.world.place
        self.items = self.world.items
        self.people = self.world.people
        self.household_ids = [household.pk for household in self.world.households]
        self.households = {household.pk: household for household in self.world.households}
        self.clock = NOW
        self.records: dict[int, ModelRecord] = {}
        self.objections: dict[int, ModelObjection] = {}
        self.submissions: list[Submission] = []
        self.expected = {pk: dict.fromkeys(Measure.values, 0) for pk in self.household_ids}
        self.unchanged = False  # set by a step whose snapshot proved it changed nothing

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # The model ---------------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return timezone.localdate(self.clock)

    def with_status(self, *statuses: str) -> list[int]:
        return sorted(pk for pk, record in self.records.items() if record.status in statuses)

    def may_review(self, name: str, record: ModelRecord) -> bool:
        persona = self.people[name]
        return (
            persona.actor.role in REVIEWER_ROLES
            and persona.user_id != record.recorded_by
            and persona.household_id != record.household
        )

    def labour_used(self, household: int, occurred_on: date) -> int:
        """Points of the capped item the household holds in the month, as the cap must count
        them: a correction takes points back only once it is posted, not while under review."""
        first, last = period_bounds(occurred_on, self.items.labour.cap_period)
        return sum(
            record.points
            for record in self.records.values()
            if record.household == household
            and record.item == self.items.labour.code
            and first <= record.occurred_on <= last
            and record.status in LIVE
            and (record.corrects is None or record.status == Status.POSTED or record.points > 0)
        )

    def refused(self, error: type[Exception], message: str, call: Callable[[], object]) -> None:
        before = snapshot()
        with pytest.raises(error, match=message):
            call()
        assert snapshot() == before
        self.unchanged = True
        event(f"refused: {message}")

    def send(self, sent: Submission, **changes: Any) -> Record:
        """Send a keyed submission (again), with some of its content changed if asked."""
        return sent.operation(
            actor=self.people[sent.persona].actor,
            idempotency_key=sent.key,
            now=self.clock,
            **{**sent.arguments, **changes},
        )

    def submit(self, operation: Callable[..., Record], persona: str, **arguments: Any) -> None:
        """Send a new deed; expect the cap to refuse what would pass it."""
        sent = Submission(operation, persona, arguments, key=f"key-{next(keys)}", record=0)
        household, item = arguments["household"].pk, arguments["item"]
        points, occurred_on = item.points * arguments["quantity"], arguments["occurred_on"]
        if (
            item.cap_points is not None
            and points > 0
            and self.labour_used(household, occurred_on) + points > item.cap_points
        ):
            self.refused(ValidationError, "is capped at", lambda: self.send(sent))
            return
        record = self.send(sent)
        assert (record.household_id, record.points, record.status) == (
            household,
            points,
            Status.PENDING,
        )
        self.records[record.pk] = ModelRecord(
            pk=record.pk,
            household=household,
            item=item.code,
            score_only=item.kind == item.Kind.BASE,
            points=points,
            occurred_on=occurred_on,
            recorded_by=self.people[persona].user_id,
        )
        self.submissions.append(replace(sent, record=record.pk))

    # Recording ---------------------------------------------------------------------------------

    @initialize(data=st.data(), count=st.integers(1, 3), days=st.sampled_from([3, 4, 1, 0]))
    def deeds_under_way(self, data: st.DataObject, count: int, days: int) -> None:
        """Every example starts with a few deeds recorded, most of them approved, and some
        days passed: the posting job has run, or the notices are still open for objections."""
        for _ in range(count):
            self.record_for_household(data, on_behalf=False, quantity=1, days_ago=0)
            if data.draw(st.sampled_from([True, True, False]), label="approved"):
                self.review(data, approve=True)
        self.clock += timedelta(days=days)
        if days >= NOTICE_DAYS:
            self.run_posting_job()

    @initialize(sign=st.booleans())
    def perhaps_a_checkpoint_first(self, sign: bool) -> None:
        """Checkpoints are signed daily, so one may come before anything has been posted."""
        if sign:
            self.checkpoint()

    @rule(
        data=st.data(),
        quantity=st.integers(1, 4),
        days_ago=st.integers(0, 20),
    )
    def declare(self, data: st.DataObject, quantity: int, days_ago: int) -> None:
        name = data.draw(st.sampled_from(["household_head", "villager", "zhang_head"]), label="who")
        household_id = self.people[name].household_id
        assert household_id is not None
        self.submit(
            services.declare_deed,
            name,
            household=self.households[household_id],
            item=self.items.labour,
            occurred_on=self.today - timedelta(days=days_ago),
            quantity=quantity,
        )

    @rule(
        data=st.data(),
        on_behalf=st.booleans(),
        quantity=st.integers(1, 3),
        days_ago=st.integers(0, 20),
    )
    def record_for_household(
        self, data: st.DataObject, on_behalf: bool, quantity: int, days_ago: int
    ) -> None:
        name = data.draw(
            st.sampled_from(["grid_member", "grid_member", "secretary", "zhang_committee"]),
            label="recorder",
        )
        household = data.draw(st.sampled_from(self.household_ids), label="household")
        item = data.draw(
            st.sampled_from(
                [self.items.patrol, self.items.yard, self.items.base, self.items.labour]
            ),
            label="item",
        )
        self.submit(
            services.record_deed,
            name,
            household=self.households[household],
            item=item,
            occurred_on=self.today - timedelta(days=days_ago),
            quantity=quantity,
            on_behalf=on_behalf,
        )

    @rule(data=st.data(), quantity=st.integers(1, 3))
    def deduct(self, data: st.DataObject, quantity: int) -> None:
        name = data.draw(
            st.sampled_from(
                ["secretary", "committee_member", "zhang_committee", "secretary", "grid_member"]
            ),
            label="who",
        )
        household = data.draw(st.sampled_from(self.household_ids), label="household")
        deduction = {
            "household": self.households[household],
            "item": self.items.littering,
            "occurred_on": self.today,
            "quantity": quantity,
        }
        if self.people[name].actor.role in REVIEWER_ROLES:
            self.submit(services.record_deed, name, **deduction)
            return
        sent = Submission(services.record_deed, name, deduction, f"key-{next(keys)}", record=0)
        self.refused(
            PermissionDenied, "Only a village cadre records deductions", lambda: self.send(sent)
        )

    # Review, notice, objection -----------------------------------------------------------------

    def reviewing(self, name: str, record: ModelRecord, *, approve: bool) -> Callable[[], Record]:
        return lambda: services.review_record(
            actor=self.people[name].actor,
            record=Record.objects.get(pk=record.pk),
            approve=approve,
            reason="" if approve else "照片看不清",
            now=self.clock,
        )

    @precondition(lambda self: self.with_status(Status.PENDING))
    @rule(data=st.data(), approve=st.sampled_from([True, True, True, False]))
    def review(self, data: st.DataObject, approve: bool) -> None:
        record = self.records[data.draw(st.sampled_from(self.with_status(Status.PENDING)))]
        # Someone may always review: 陈委员 has no household, and two others can stand in.
        name = data.draw(
            st.sampled_from([name for name in self.people if self.may_review(name, record)]),
            label="reviewer",
        )
        reviewed = self.reviewing(name, record, approve=approve)()
        event("approved" if approve else "rejected")
        assert reviewed.reviewed_by_id == self.people[name].user_id
        if not approve:
            record.status = Status.REJECTED
            return
        record.status = Status.ON_NOTICE
        notice = reviewed.notice
        assert notice is not None
        # Records approved on one day share that day's notice, open at least until now.
        assert timezone.localdate(notice.opened_at) == self.today
        assert notice.closes_at - notice.opened_at == timedelta(days=NOTICE_DAYS)
        assert self.clock - timedelta(days=NOTICE_DAYS) < notice.opened_at <= self.clock
        record.closes_at = notice.closes_at

    @precondition(lambda self: self.with_status(Status.PENDING))
    @rule(data=st.data(), approve=st.booleans())
    def review_by_someone_who_may_not(self, data: st.DataObject, approve: bool) -> None:
        """The recorder, or a cadre of the household the record is about (DOMAIN.md §9)."""
        record = self.records[data.draw(st.sampled_from(self.with_status(Status.PENDING)))]
        forbidden = [
            name
            for name, persona in self.people.items()
            if persona.user_id == record.recorded_by
            or (persona.actor.role in REVIEWER_ROLES and persona.household_id == record.household)
        ]
        name = data.draw(st.sampled_from(forbidden), label="reviewer")
        if self.people[name].user_id == record.recorded_by:
            message = "Nobody reviews a record they entered themselves"
        else:
            message = "Nobody reviews a record about their own household"
        self.refused(PermissionDenied, message, self.reviewing(name, record, approve=approve))

    @precondition(lambda self: self.with_status(Status.ON_NOTICE))
    @rule(data=st.data())
    def object_to_record(self, data: st.DataObject) -> None:
        record = self.records[data.draw(st.sampled_from(self.with_status(Status.ON_NOTICE)))]
        name = data.draw(st.sampled_from(sorted(self.people)), label="objector")
        objector = self.people[name]

        def call() -> Objection:
            return services.object_to_record(
                actor=objector.actor,
                record=Record.objects.get(pk=record.pk),
                reason="那天他不在村里",
                now=self.clock,
            )

        assert record.closes_at is not None
        if objector.user_id == record.recorded_by:
            self.refused(PermissionDenied, "You may not object to this record", call)
        elif record.closes_at <= self.clock:
            self.refused(ValidationError, "not open for objections", call)
        else:
            objection = call()
            event("objected")
            record.status = Status.OBJECTED
            self.objections[objection.pk] = ModelObjection(
                pk=objection.pk, record=record.pk, raised_by=objector.user_id
            )

    def open_objections(self) -> list[int]:
        return sorted(
            pk
            for pk, objection in self.objections.items()
            if objection.outcome == Objection.Outcome.OPEN
        )

    @precondition(lambda self: self.open_objections())
    @rule(data=st.data(), uphold=st.booleans(), legally=st.sampled_from([True, True, False]))
    def decide_objection(self, data: st.DataObject, uphold: bool, legally: bool) -> None:
        objection = self.objections[data.draw(st.sampled_from(self.open_objections()))]
        record = self.records[objection.record]
        allowed = [
            name
            for name in self.people
            if self.may_review(name, record) and self.people[name].user_id != objection.raised_by
        ]
        forbidden = [name for name in self.people if name not in allowed]
        name = data.draw(
            st.sampled_from(allowed if legally and allowed else forbidden), label="decider"
        )

        def call() -> Objection:
            return services.decide_objection(
                actor=self.people[name].actor,
                objection=Objection.objects.get(pk=objection.pk),
                uphold=uphold,
                reason="经核实",
                now=self.clock,
            )

        if name not in allowed:
            self.refused(PermissionDenied, "You may not decide this objection", call)
            return
        call()
        event("objection upheld" if uphold else "objection dismissed")
        objection.outcome = Objection.Outcome.UPHELD if uphold else Objection.Outcome.DISMISSED
        record.status = Status.VOID if uphold else Status.ON_NOTICE

    # Time and posting --------------------------------------------------------------------------

    @rule(days=st.integers(1, 4), run_job=st.sampled_from([True, True, True, False]))
    def advance_time(self, days: int, run_job: bool) -> None:
        """Days pass and the posting job runs (or, leaving closed notices unposted, not yet)."""
        self.clock += timedelta(days=days)
        if run_job:
            self.run_posting_job()
        else:
            self.unchanged = True

    @rule()
    def run_posting_job(self) -> None:
        due = [
            record
            for record in self.records.values()
            if record.status == Status.ON_NOTICE
            and record.closes_at is not None
            and record.closes_at <= self.clock
        ]
        assert post_due_records(now=self.clock) == len(due)
        event("posting job", payload=f"{len(due)} records")
        for record in due:
            record.status = Status.POSTED
            self.expected[record.household][Measure.SCORE] += record.points
            if not record.score_only:
                self.expected[record.household][Measure.SPENDABLE] += record.points
        for pk, household in self.households.items():
            assert balances(household) == self.expected[pk]

    @precondition(lambda self: self.with_status(Status.POSTED))
    @rule(data=st.data(), of_posted=st.booleans())
    def request_correction(self, data: st.DataObject, of_posted: bool) -> None:
        name = data.draw(st.sampled_from(["secretary", "committee_member"]), label="cadre")
        unposted = self.with_status(*(set(Status) - {Status.POSTED}))
        chosen = self.with_status(Status.POSTED) if of_posted or not unposted else unposted
        original = self.records[data.draw(st.sampled_from(chosen), label="record")]
        sent = Submission(
            services.request_correction,
            name,
            {"record": Record.objects.get(pk=original.pk), "reason": "重复登记，冲正"},
            key=f"key-{next(keys)}",
            record=0,
        )

        under_way = any(
            record.corrects == original.pk and record.status in LIVE
            for record in self.records.values()
        )
        # Undoing a correction gives points back: the cap of the period holds for it too.
        passes_cap = (
            original.item == self.items.labour.code
            and original.points < 0
            and self.labour_used(original.household, original.occurred_on) - original.points
            > (self.items.labour.cap_points or 0)
        )
        if original.status != Status.POSTED:
            self.refused(
                ValidationError, "Only a posted record is corrected", lambda: self.send(sent)
            )
        elif under_way:
            self.refused(ValidationError, "already under way", lambda: self.send(sent))
        elif passes_cap:
            self.refused(ValidationError, "is capped at", lambda: self.send(sent))
        else:
            correction = self.send(sent)
            event("correction requested")
            assert (correction.route, correction.corrects_id, correction.points) == (
                Record.Route.CORRECTION,
                original.pk,
                -original.points,
            )
            self.records[correction.pk] = replace(
                original,
                pk=correction.pk,
                points=-original.points,
                recorded_by=self.people[name].user_id,
                status=Status.PENDING,
                closes_at=None,
                corrects=original.pk,
            )
            self.submissions.append(replace(sent, record=correction.pk))

    # Retries -----------------------------------------------------------------------------------

    @precondition(lambda self: self.submissions)
    @rule(data=st.data())
    def retry_submission(self, data: st.DataObject) -> None:
        """A double tap or a retry after a lost answer: the same key, the same content."""
        sent = data.draw(st.sampled_from(self.submissions))
        before = snapshot()
        assert self.send(sent).pk == sent.record
        assert snapshot() == before
        self.unchanged = True

    @precondition(lambda self: self.submissions)
    @rule(data=st.data())
    def reuse_key_for_other_content(self, data: st.DataObject) -> None:
        sent = data.draw(st.sampled_from(self.submissions))
        changes = (
            {"quantity": sent.arguments["quantity"] + 1}
            if "quantity" in sent.arguments
            else {"reason": "另一个理由"}
        )
        self.refused(
            IdempotencyConflict,
            "already sent with different content",
            lambda: self.send(sent, **changes),
        )

    # Checkpoints -------------------------------------------------------------------------------

    @rule()
    def checkpoint(self) -> None:
        size = Entry.objects.filter(village=self.village).count()
        if not size:
            # Signing the empty tree, or refusing to: either will do, if the village verifies.
            with contextlib.suppress(ValidationError, ValueError):
                create_checkpoint(village=self.village, now=self.clock)
            return
        assert create_checkpoint(village=self.village, now=self.clock).tree_size == size

    # Invariants --------------------------------------------------------------------------------

    @invariant()
    def ledger_holds(self) -> None:
        """Every check after every step that wrote, sharing a few queries (200 examples must
        stay fast). A step whose snapshot proved it changed nothing leaves the last checks
        standing."""
        if self.unchanged:
            self.unchanged = False
            return
        entries = list(
            Entry.objects.filter(village=self.village)
            .order_by("seq")
            .values_list(
                "seq",
                "posting_id",
                "account_id",
                "measure",
                "amount",
                "balance_after",
                "previous_hash",
                "entry_hash",
                "record_id",
            )
        )
        accounts = {
            pk: (kind, household, measure, balance)
            for pk, kind, household, measure, balance in Account.objects.values_list(
                "pk", "kind", "household_id", "measure", "balance"
            )
        }
        self.check_chain(entries, accounts)
        self.check_records(entries, accounts)
        self.check_balances(accounts)
        self.check_idempotency()
        report = verify_village(self.village)
        assert report.ok, report.problem

    def check_chain(self, entries: Sequence[EntryRow], accounts: Mapping[int, AccountRow]) -> None:
        """Seqs 1..n, each entry names its predecessor's hash, running balances, zero sums."""
        assert [entry[0] for entry in entries] == list(range(1, len(entries) + 1))
        previous = GENESIS_HASH
        running: dict[int, int] = defaultdict(int)
        posting_sums: dict[tuple[int, str], int] = defaultdict(int)
        for _seq, posting, account, measure, amount, after, previous_hash, digest, _ in entries:
            assert previous_hash == previous
            previous = digest
            running[account] += amount
            assert after == running[account]
            posting_sums[(posting, measure)] += amount
        assert all(total == 0 for total in posting_sums.values()), posting_sums
        for pk, (_kind, _household, _measure, balance) in accounts.items():
            assert balance == running[pk], accounts[pk]

    def check_records(
        self, entries: Sequence[EntryRow], accounts: Mapping[int, AccountRow]
    ) -> None:
        """Records are where the model says; each posted record posted once, as its points."""
        statuses = dict(Record.objects.values_list("pk", "status"))
        assert statuses == {pk: record.status for pk, record in self.records.items()}
        outcomes = dict(Objection.objects.values_list("pk", "outcome"))
        assert outcomes == {pk: objection.outcome for pk, objection in self.objections.items()}
        posted = sorted(pk for pk, status in statuses.items() if status == Status.POSTED)
        assert sorted(Posting.objects.values_list("record_id", flat=True)) == posted
        postings: dict[int, set[int]] = defaultdict(set)
        household_legs: dict[int, list[tuple[str, int | None, int]]] = defaultdict(list)
        for _seq, posting, account, measure, amount, *_hashes, record_id in entries:
            assert record_id is not None
            postings[record_id].add(posting)
            kind, household, _measure, _balance = accounts[account]
            if kind == Account.Kind.HOUSEHOLD:
                household_legs[record_id].append((measure, household, amount))
        assert sorted(postings) == posted
        for pk in posted:
            record = self.records[pk]
            assert len(postings[pk]) == 1
            measures = [Measure.SCORE] if record.score_only else [Measure.SCORE, Measure.SPENDABLE]
            assert sorted(household_legs[pk]) == [
                (measure, record.household, record.points) for measure in sorted(measures)
            ]
        # A capped item never brings a household more than its cap in a period, all routes
        # (corrections included) taken together.
        labour: dict[tuple[int, date], int] = defaultdict(int)
        for record in self.records.values():
            if record.item == self.items.labour.code and record.status == Status.POSTED:
                labour[(record.household, record.occurred_on.replace(day=1))] += record.points
        cap = self.items.labour.cap_points
        assert all(total <= (cap or 0) for total in labour.values()), labour

    def check_balances(self, accounts: Mapping[int, AccountRow]) -> None:
        found = {pk: dict.fromkeys(Measure.values, 0) for pk in self.household_ids}
        for kind, household, measure, balance in accounts.values():
            if kind == Account.Kind.HOUSEHOLD:
                assert household is not None
                found[household][measure] = balance
        assert found == self.expected
        standings = dict(Standing.objects.values_list("household_id", "score"))
        assert standings == {pk: self.expected[pk][Measure.SCORE] for pk in standings}

    def check_idempotency(self) -> None:
        """One record per key, and every record came from exactly one key."""
        made = [
            pk
            for result in IdempotentRequest.objects.values_list("result", flat=True)
            for pk in result["records"]
        ]
        assert sorted(made) == sorted(self.records)


class TestLedgerInvariants(LedgerMachine.TestCase):  # type: ignore[misc,valid-type]
    @pytest.fixture(autouse=True)
    def village(self, world: World) -> Iterator[None]:
        # One village for all examples; each example's changes are rolled back.
        LedgerMachine.shared = build_village(world)
        yield
        LedgerMachine.shared = None


# What the machine found, pinned down ------------------------------------------------------------


@pytest.fixture
def items(world: World) -> Items:
    return small_rulebook(world.village)


def approved_and_posted(record: Record, reviewer: Actor, now: datetime) -> datetime:
    """Approve the record at ``now`` and run the posting job when its notice has closed."""
    services.review_record(actor=reviewer, record=record, approve=True, now=now)
    posted_at = now + timedelta(days=NOTICE_DAYS, minutes=1)
    post_due_records(now=posted_at)
    record.refresh_from_db()
    assert record.status == Status.POSTED
    return posted_at


def test_a_checkpoint_of_an_empty_ledger_does_not_break_verification(
    world: World, items: Items
) -> None:
    # Refusing to sign an empty tree would be as good as signing it.
    with contextlib.suppress(ValidationError, ValueError):
        create_checkpoint(village=world.village, now=NOW)
    assert verify_village(world.village).problem is None
    record = services.record_deed(
        actor=actor(world.people["grid_member"]),
        household=world.home,
        item=items.patrol,
        occurred_on=TODAY,
        idempotency_key=new_key(),
        now=NOW,
    )
    approved_and_posted(record, actor(world.people["secretary"]), NOW)
    create_checkpoint(village=world.village, now=after_notice())
    assert verify_village(world.village).problem is None


def test_a_correction_under_review_does_not_free_the_cap(world: World, items: Items) -> None:
    """+20 of labour (the monthly cap) posted; a correction of it is asked for but not yet
    reviewed. Were more labour accepted now and the correction then rejected, the household
    would keep 25 points of a 20-point cap."""
    villager = actor(world.people["villager"])
    full = services.declare_deed(
        actor=villager,
        household=world.home,
        item=items.labour,
        occurred_on=TODAY,
        quantity=4,
        idempotency_key=new_key(),
        now=NOW,
    )
    approved_and_posted(full, actor(world.people["secretary"]), NOW)
    services.request_correction(
        actor=actor(world.people["secretary"]),
        record=full,
        reason="重复登记",
        idempotency_key=new_key(),
        now=after_notice(),
    )
    with pytest.raises(ValidationError, match="is capped at"):
        services.declare_deed(
            actor=villager,
            household=world.home,
            item=items.labour,
            occurred_on=TODAY,
            idempotency_key=new_key(),
            now=after_notice(),
        )
    assert Record.objects.filter(item=items.labour, route=Record.Route.DECLARED).count() == 1


def test_undoing_a_correction_does_not_pass_the_cap(world: World, items: Items) -> None:
    """+20 of labour posted and corrected to 0; +20 more declared and posted; then the
    correction itself is corrected (+20). The household would hold 40 points of a 20-point
    cap: the undoing must be refused, or never post."""
    villager = actor(world.people["villager"])
    secretary, committee = actor(world.people["secretary"]), actor(world.people["committee_member"])

    def labour(now: datetime) -> Record:
        return services.declare_deed(
            actor=villager,
            household=world.home,
            item=items.labour,
            occurred_on=TODAY,
            quantity=4,
            idempotency_key=new_key(),
            now=now,
        )

    def correct(record: Record, now: datetime) -> Record:
        return services.request_correction(
            actor=secretary, record=record, reason="登记有误", idempotency_key=new_key(), now=now
        )

    now = approved_and_posted(labour(NOW), secretary, NOW)
    correction = correct(Record.objects.get(route=Record.Route.DECLARED), now)
    now = approved_and_posted(correction, committee, now)
    now = approved_and_posted(labour(now), secretary, now)
    with contextlib.suppress(ValidationError):
        approved_and_posted(correct(correction, now), committee, now)
    posted = Record.objects.filter(household=world.home, item=items.labour, status=Status.POSTED)
    assert sum(posted.values_list("points", flat=True)) <= 20
    assert balances(world.home)[Measure.SCORE] <= 20
