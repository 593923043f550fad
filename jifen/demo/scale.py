"""A county's ledger at scale, for benchmarks: a year of posted records, written in bulk.

``add_activity`` walks a year through the services, which is right for a demo of twelve villages
and far too slow for three hundred. Here each village's year is computed in memory — notices,
records, postings, entries with their canonical encoding, hash chain and Merkle frontier,
balances, standings and a signed checkpoint per day — exactly as the posting service would
have written them, and then written with COPY on PostgreSQL (``executemany`` on SQLite).
``verify_ledger`` checks the result like any other ledger.

Records are all by the village's committee member and reviewed by its secretary; each day's
records of a village share one notice, and are posted when it closes. A share of them is left on
a notice that has closed but not yet been posted: the posting job's work for a benchmark.
"""

from __future__ import annotations

import multiprocessing
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection, models, transaction
from django.utils import timezone

from jifen.accounts.models import VILLAGE_CADRE_ROLES, Role, RoleGrant
from jifen.core.bulk import columns_of, insert_rows
from jifen.ledger.encoding import GENESIS_HASH, EntryFacts, encode, entry_hash_of
from jifen.ledger.merkle import RootAccumulator, checkpoint_message
from jifen.ledger.models import Account, ChainHead, Checkpoint, Entry, Measure, Posting, Standing
from jifen.ledger.ranking import rebuild_score_counts
from jifen.ledger.services import ENTRY_FIELDS, checkpoint_time_text, signing_key_for
from jifen.places.models import Household, Place
from jifen.records.models import Notice, Record
from jifen.rules import services as rules
from jifen.rules.catalogue import GENERAL, INDUSTRY
from jifen.rules.models import Item, RulebookVersion, VillageSettings

# Each record of a normal item posts four entries: score and spendable, household and village.
ENTRIES_PER_RECORD = 4
NOTICE_DAYS = 3
DEDUCTION_SHARE = 0.08


@dataclass
class ScaleSummary:
    villages: int = 0
    records: int = 0
    entries: int = 0
    checkpoints: int = 0
    due: int = 0  # records whose notice has closed, left for the posting job


def add_ledger_at_scale(
    *,
    county: Place,
    entries: int,
    end: date,
    seed: int,
    due_share: float = 0.01,
    progress: Callable[[str], None] = lambda _: None,
) -> ScaleSummary:
    """About ``entries`` ledger entries over the year up to ``end``, spread over the county.

    The villages' rows are computed by two worker processes while this one writes them.
    """
    started = monotonic()

    def say(text: str) -> None:
        progress(f"ledger, {monotonic() - started:.0f} s: {text}")

    start = end - timedelta(days=364)
    villages = list(
        Place.objects.filter(kind=Place.Kind.VILLAGE, path__startswith=county.path)
        .select_related("parent")
        .order_by("code")
    )
    templates = [
        rules.publish_template(actor=None, owner=county, title=GENERAL.title, catalogue=GENERAL),
        rules.publish_template(actor=None, owner=county, title=INDUSTRY.title, catalogue=INDUSTRY),
    ]
    # Records left due are not posted: draw enough that the posted entries make ``entries``.
    per_village = max(1, round(entries / ENTRIES_PER_RECORD / len(villages) / (1 - due_share)))
    ids = _IdBlocks(per_village=per_village, days=(end - start).days + 1)
    plans = []
    for number, village in enumerate(villages):
        with transaction.atomic():
            version = _adopt(village, templates[number % 2], start, absent_pool=number % 2 == 0)
        plans.append(
            _Village.of(
                village, version, ids, number, per_village, start, end, due_share, seed + number
            )
        )
        if number % 50 == 49:
            say(f"rulebooks adopted in {number + 1}/{len(villages)} villages …")
    summary = ScaleSummary()
    with _indexes_built_after(LOADED):
        # The workers never use the database connection they inherit, and leave through
        # os._exit, which does not close it under this process.
        with multiprocessing.get_context("fork").Pool(2) as pool:
            for number, rows in enumerate(pool.imap(_drawn, plans)):
                with transaction.atomic():
                    _write(rows)
                summary.villages += 1
                summary.records += rows.counts[Record]
                summary.entries += rows.counts[Entry]
                summary.checkpoints += rows.counts[Checkpoint]
                summary.due += rows.due
                if number % 10 == 9 or number == len(villages) - 1:
                    say(f"{number + 1}/{len(villages)} villages, {summary.entries:,} entries …")
        say("building indexes and checking constraints …")
    # The standings were written directly: count the households of each township and county
    # at their scores again (the generator counted them all at 0).
    rebuild_score_counts()
    if connection.vendor == "postgresql":
        _advance_sequences()
        say("vacuum and analyze …")
        with connection.cursor() as cursor:
            # Fresh statistics and visibility maps: the planner and index-only scans need them.
            # (VACUUM cannot run inside a transaction, as in a test: statistics alone then.)
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return summary


# The tables the loader fills with COPY.
LOADED = (Account, Notice, Record, Posting, Entry, Checkpoint)


@contextmanager
def _indexes_built_after(loaded: Sequence[type[models.Model]]) -> Iterator[None]:
    """On PostgreSQL, load the tables without their indexes and foreign keys, then restore them.

    As pg_restore does: building an index once and validating a constraint in one pass is much
    faster than maintaining and checking them row by row. Each is restored from its own
    definition, so the tables end exactly as the migrations made them, and every unique and
    foreign-key constraint is checked against everything loaded.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in loaded]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u')",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        # Rows written earlier in this transaction (a caller's, or a test's) may have foreign-key
        # checks pending, and a table with pending checks cannot be altered: run them now.
        in_transaction = connection.in_atomic_block
        if in_transaction:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in constraints:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            if in_transaction:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _adopt(
    village: Place, template: RulebookVersion, start: date, absent_pool: bool
) -> RulebookVersion:
    """The village's rulebook, and its settings: scores public, so that the door plates show
    score, rank and stars (the page's whole work); every other village ranks absent households
    apart."""
    rules.update_village_settings(
        actor=None,
        village=village,
        notice_days=NOTICE_DAYS,
        score_visibility=VillageSettings.Visibility.PUBLIC,
        separate_cadre_pool=False,
        separate_absent_pool=absent_pool,
    )
    draft = rules.copy_template(actor=None, village=village, template_version=template)
    return rules.adopt_version(
        actor=None,
        version=draft,
        meeting=f"{start.year}年1月村民会议",
        adopted_on=start,
        vote_result="应到 312 户，实到 268 户；同意 251，反对 9，弃权 8",
    )


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


class _IdBlocks:
    """Primary keys chosen here, a block per village, so that the villages' rows can be computed
    apart and point at each other before they are written.

    Each village's block is as large as it could need; ids skip what it did not use. The loader
    is the only writer while it runs (it builds a benchmark county), and the sequences are moved
    past the ids used at the end (``_advance_sequences``).
    """

    def __init__(self, *, per_village: int, days: int) -> None:
        self.first: dict[type[models.Model], int] = {
            model: (model.objects.aggregate(highest=models.Max("pk"))["highest"] or 0) + 1
            for model in LOADED
        }
        self.sizes: dict[type[models.Model], int] = {
            Notice: days,
            Checkpoint: days,
            Record: per_village,
            Posting: per_village,
            Entry: per_village * ENTRIES_PER_RECORD,
        }

    def block(self, model: type[models.Model], number: int) -> int:
        """The first id of the ``number``-th village's block."""
        return self.first[model] + number * self.sizes[model]

    def accounts(self, count: int) -> int:
        """The first of ``count`` account ids (villages differ in households)."""
        first = self.first[Account]
        self.first[Account] += count
        return first


@dataclass(frozen=True)
class _Village:
    """What the workers need to draw one village's year: plain values, no database."""

    village_id: int
    code: str
    township_id: int
    county_id: int
    version_id: int
    recorder: int
    reviewer: int
    households: list[tuple[int, bool]]  # id, at home
    cadre_households: frozenset[int]
    positive: list[tuple[int, str, int]]  # id, code, points
    deductions: list[tuple[int, str, int]]
    key_id: int
    private_key: bytes
    first_ids: dict[str, int]
    count: int
    start: date
    end: date
    due_share: float
    seed: int

    @classmethod
    def of(
        cls,
        village: Place,
        version: RulebookVersion,
        ids: _IdBlocks,
        number: int,
        count: int,
        start: date,
        end: date,
        due_share: float,
        seed: int,
    ) -> _Village:
        township = village.parent
        assert township is not None and township.parent_id is not None
        recorder, reviewer = _cadres(village)
        households = list(
            Household.objects.filter(village=village).order_by("pk").values_list("pk", "at_home")
        )
        cadre_households = frozenset(
            RoleGrant.objects.filter(
                place=village, role__in=VILLAGE_CADRE_ROLES, revoked_at__isnull=True
            ).values_list("user__resident__household_id", flat=True)
        )
        items = [
            (item.pk, item.code, item.points)
            for item in version.items.order_by("pk")
            if item.kind == Item.Kind.NORMAL and item.scope == Item.Scope.HOUSEHOLD
        ]
        positive = [item for item in items if item[2] > 0]
        key = signing_key_for(township)
        first_ids = {model.__name__: ids.block(model, number) for model in ids.sizes}
        first_ids["Account"] = ids.accounts(len(households) * len(Measure.values) + 2)
        return cls(
            village_id=village.pk,
            code=village.code,
            township_id=township.pk,
            county_id=township.parent_id,
            version_id=version.pk,
            recorder=recorder,
            reviewer=reviewer,
            households=households,
            cadre_households=cadre_households,
            positive=positive,
            deductions=[item for item in items if item[2] < 0] or positive,
            key_id=key.pk,
            private_key=bytes(key.private_key),
            first_ids=first_ids,
            count=count,
            start=start,
            end=end,
            due_share=due_share,
            seed=seed,
        )


@dataclass
class _Rows:
    """Every row of one village's year, in the order the posting service would write them."""

    village_id: int
    accounts: list[tuple[Any, ...]] = field(default_factory=list)
    notices: list[tuple[Any, ...]] = field(default_factory=list)
    records: list[tuple[Any, ...]] = field(default_factory=list)
    postings: list[tuple[Any, ...]] = field(default_factory=list)
    entries: list[tuple[Any, ...]] = field(default_factory=list)
    checkpoints: list[tuple[Any, ...]] = field(default_factory=list)
    standings: list[tuple[Any, ...]] = field(default_factory=list)
    head: tuple[int, str, list[list[Any]]] = (0, GENESIS_HASH, [])
    due: int = 0
    counts: dict[type[models.Model], int] = field(default_factory=dict)
    # On PostgreSQL, each table's rows as COPY text, made in the worker.
    copy_text: dict[type[models.Model], bytes] = field(default_factory=dict)

    def tables(self) -> list[tuple[type[models.Model], tuple[str, ...], list[tuple[Any, ...]]]]:
        """Each table's columns and rows, in an order that satisfies the foreign keys."""
        return [
            (Account, ACCOUNT_COLUMNS, self.accounts),
            (Notice, NOTICE_COLUMNS, self.notices),
            (Record, RECORD_COLUMNS, self.records),
            (Posting, POSTING_COLUMNS, self.postings),
            (Entry, ENTRY_COLUMNS, self.entries),
            (Checkpoint, CHECKPOINT_COLUMNS, self.checkpoints),
            (Standing, STANDING_COLUMNS, self.standings),
        ]


def _drawn(plan: _Village) -> _Rows:
    """One village's year, ready to write: on PostgreSQL the worker also formats the rows for
    COPY, which would otherwise be the writing process's work and its bottleneck."""
    rows = _draw(plan)
    for model, _columns, table in rows.tables():
        rows.counts[model] = len(table)
        if connection.vendor == "postgresql":
            rows.copy_text[model] = _copy_text(table)
            table.clear()
    return rows


def _copy_text(rows: list[tuple[Any, ...]]) -> bytes:
    """Rows in COPY's text format: tab-separated, \\N for NULL."""
    return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows).encode()


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    if isinstance(value, date):  # and datetime: ISO 8601, with the offset
        return value.isoformat()
    text = str(value)
    if any(character in text for character in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _draw(plan: _Village) -> _Rows:
    """One village's year, computed in a worker process from plain values."""
    rng = random.Random(plan.seed)
    rows = _Rows(village_id=plan.village_id)
    next_id = dict(plan.first_ids)

    def new_id(model: str) -> int:
        next_id[model] += 1
        return next_id[model] - 1

    # Some households take part much more than others.
    activity = [rng.paretovariate(2.0) for _ in plan.households]
    days = (plan.end - plan.start).days + 1
    by_day: dict[int, list[tuple[int, tuple[int, str, int]]]] = {}
    for index in rng.choices(range(len(plan.households)), activity, k=plan.count):
        items = plan.deductions if rng.random() < DEDUCTION_SHARE else plan.positive
        on = rng.randrange(days - NOTICE_DAYS)
        by_day.setdefault(on, []).append((plan.households[index][0], rng.choice(items)))
    # The last days' records wait on notices that have closed: the posting job's backlog.
    due_from = days - NOTICE_DAYS - round(plan.due_share * days)

    # [id, balance] per (household or None for the village's issued account, measure)
    accounts: dict[tuple[int | None, str], list[int]] = {
        (household, measure): [new_id("Account"), 0]
        for household in [pk for pk, _at_home in plan.households] + [None]
        for measure in Measure.values
    }
    seq, last_hash = 0, GENESIS_HASH
    tree = RootAccumulator()
    private = Ed25519PrivateKey.from_private_bytes(plan.private_key)
    scores: dict[int, int] = {}
    year_scores: dict[int, tuple[int, int]] = {}
    for day_index in sorted(by_day):
        day = plan.start + timedelta(days=day_index)
        notice_id = new_id("Notice")
        rows.notices.append(
            (notice_id, plan.village_id, _at(day, 15), _at(day + timedelta(days=NOTICE_DAYS), 15))
        )
        posted = day_index < due_from
        posted_at = _at(day + timedelta(days=NOTICE_DAYS), 20)
        posted_year = timezone.localdate(posted_at).year
        for household_id, (item_id, item_code, points) in by_day[day_index]:
            record_id = new_id("Record")
            rows.records.append(
                (
                    record_id,
                    plan.village_id,
                    household_id,
                    item_id,
                    plan.version_id,
                    1,
                    points,
                    "",
                    day,
                    Record.Route.RECORDED.value,
                    (Record.Status.POSTED if posted else Record.Status.ON_NOTICE).value,
                    plan.recorder,
                    Role.COMMITTEE_MEMBER.value,
                    _at(day, 9),
                    plan.reviewer,
                    _at(day, 14),
                    "",
                    notice_id,
                    posted_at if posted else None,
                )
            )
            if not posted:
                rows.due += 1
                continue
            posting_id = new_id("Posting")
            rows.postings.append(
                (posting_id, plan.village_id, Posting.Kind.RECORD.value, record_id, posted_at)
            )
            for measure in Measure.values:
                for holder, amount in ((household_id, points), (None, -points)):
                    account = accounts[(holder, measure)]
                    account[1] += amount
                    seq += 1
                    facts = EntryFacts(
                        village=plan.code,
                        seq=seq,
                        posting=posting_id,
                        account=f"household:{holder}" if holder else "village:issued",
                        measure=measure,
                        amount=amount,
                        balance_after=account[1],
                        posted_at=posted_at,
                        record=record_id,
                        rule_version=plan.version_id,
                        item=item_code,
                        recorded_by=plan.recorder,
                        reviewed_by=plan.reviewer,
                        notice=notice_id,
                        reason="",
                        previous_hash=last_hash,
                    )
                    entry_hash = entry_hash_of(encode(facts))
                    tree.add(bytes.fromhex(entry_hash))
                    rows.entries.append(
                        (
                            new_id("Entry"),
                            plan.village_id,
                            seq,
                            posting_id,
                            account[0],
                            measure,
                            amount,
                            account[1],
                            posted_at,
                            record_id,
                            "",
                            last_hash,
                            entry_hash,
                        )
                    )
                    last_hash = entry_hash
            scores[household_id] = scores.get(household_id, 0) + points
            year, year_score = year_scores.get(household_id, (posted_year, 0))
            if year != posted_year:
                year, year_score = posted_year, 0
            year_scores[household_id] = (year, year_score + points)
        if posted:
            # The night's checkpoint, as create_due_checkpoints signs it.
            signed_at = _at(day + timedelta(days=NOTICE_DAYS), 23)
            text = checkpoint_time_text(signed_at)
            root = tree.root()
            message = checkpoint_message(plan.code, tree.size, root, text)
            rows.checkpoints.append(
                (
                    new_id("Checkpoint"),
                    plan.village_id,
                    tree.size,
                    root.hex(),
                    signed_at,
                    text,
                    plan.key_id,
                    private.sign(message),
                )
            )
    rows.head = (seq, last_hash, [[size, digest.hex()] for size, digest in tree.subtrees])
    rows.accounts = [
        (
            account_id,
            plan.village_id,
            holder,
            Account.Kind.HOUSEHOLD.value if holder else Account.Kind.ISSUED.value,
            measure,
            balance,
        )
        for (holder, measure), (account_id, balance) in accounts.items()
    ]
    at_home = dict(plan.households)
    rows.standings = [
        (
            household_id,
            plan.village_id,
            plan.township_id,
            plan.county_id,
            score,
            year_scores[household_id][0],
            year_scores[household_id][1],
            household_id in plan.cadre_households,
            not at_home[household_id],
        )
        for household_id, score in scores.items()
    ]
    return rows


def _cadres(village: Place) -> tuple[int, int]:
    """The user ids of the village's committee member (recorder) and secretary (reviewer)."""
    users = dict(
        RoleGrant.objects.filter(
            place=village,
            role__in=[Role.COMMITTEE_MEMBER, Role.SECRETARY],
            revoked_at__isnull=True,
        ).values_list("role", "user_id")
    )
    return users[Role.COMMITTEE_MEMBER], users[Role.SECRETARY]


NOTICE_COLUMNS = ("id", "village_id", "opened_at", "closes_at")
RECORD_COLUMNS = (
    "id",
    "village_id",
    "household_id",
    "item_id",
    "rule_version_id",
    "quantity",
    "points",
    "description",
    "occurred_on",
    "route",
    "status",
    "recorded_by_id",
    "recorded_as",
    "recorded_at",
    "reviewed_by_id",
    "reviewed_at",
    "review_reason",
    "notice_id",
    "posted_at",
)
POSTING_COLUMNS = ("id", "village_id", "kind", "record_id", "posted_at")
ENTRY_COLUMNS = ("id", *ENTRY_FIELDS)  # the posting service's rows, with the id chosen here
CHECKPOINT_COLUMNS = (
    "id",
    "village_id",
    "tree_size",
    "root_hash",
    "signed_at",
    "signed_at_text",
    "key_id",
    "signature",
)
ACCOUNT_COLUMNS = ("id", "village_id", "household_id", "kind", "measure", "balance")


STANDING_COLUMNS = (
    "household_id",
    "village_id",
    "township_id",
    "county_id",
    "score",
    "year",
    "year_score",
    "is_cadre",
    "is_absent",
)


def _write(rows: _Rows) -> None:
    for model, columns, table in rows.tables():
        _copy(model, columns, rows.copy_text.get(model, table))
    last_seq, last_hash, frontier = rows.head
    ChainHead.objects.update_or_create(
        village_id=rows.village_id,
        defaults={"last_seq": last_seq, "last_hash": last_hash, "frontier": frontier},
    )


def _copy(
    model: type[models.Model], columns: Sequence[str], rows: bytes | Sequence[Sequence[Any]]
) -> None:
    """Insert rows fast: on PostgreSQL the COPY text the workers made, elsewhere with
    ``insert_rows``. ``columns`` are field names or column names."""
    if not isinstance(rows, bytes):
        insert_rows(model, columns, rows)
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in columns_of(model, columns))
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        copy.write(rows)


def _advance_sequences() -> None:
    """Move each table's id sequence past the ids the loader chose itself."""
    with connection.cursor() as cursor:
        for model in LOADED:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608 - our own table
                f"(SELECT COALESCE(MAX(id), 1) FROM {connection.ops.quote_name(table)}))",
                [table],
            )
