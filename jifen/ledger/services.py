"""Posting records to the ledger, and signing checkpoints.

Appends to one village are serialised by locking its ``ChainHead`` row; then the household's
accounts are locked in primary-key order. A record is posted at most once: its status is
checked under the lock, and ``Posting.record`` is unique in the database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from jifen.accounts.models import VILLAGE_CADRE_ROLES, RoleGrant
from jifen.core import generations
from jifen.core.bulk import insert_rows, update_rows
from jifen.ledger.encoding import GENESIS_HASH, EntryFacts, encode, entry_hash_of
from jifen.ledger.merkle import RootAccumulator, checkpoint_message, key_id
from jifen.ledger.models import (
    Account,
    ChainHead,
    Checkpoint,
    Entry,
    Measure,
    Posting,
    ScoreCount,
    SigningKey,
    Standing,
)
from jifen.ledger.ranking import ScoreKey, add_to_score_counts
from jifen.places.models import Household, Place
from jifen.records.models import Objection, Record
from jifen.rules.models import Item


def account_label(account: Account) -> str:
    if account.kind == Account.Kind.HOUSEHOLD:
        return f"household:{account.household_id}"
    return f"village:{account.kind}"


def _lock_chain(village: Place) -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(village=village).first()
    if head is None:
        # A village's first posting: create the head, or find the one another process made.
        ChainHead.objects.get_or_create(village=village, defaults={"last_hash": GENESIS_HASH})
        head = ChainHead.objects.select_for_update().get(village=village)
    return head


AccountKey = tuple[str, int | None, str]


def _lock_accounts(
    village: Place, household_ids: set[int], system: str = Account.Kind.ISSUED
) -> dict[AccountKey, Account]:
    """The households' accounts and one system account of the village, created if new,
    locked in pk order."""
    wanted: list[AccountKey] = [
        (Account.Kind.HOUSEHOLD, h, m) for h in sorted(household_ids) for m in Measure.values
    ]
    wanted += [(system, None, m) for m in Measure.values]

    def locked() -> dict[AccountKey, Account]:
        accounts = (
            Account.objects.select_for_update()
            .filter(village=village)
            .filter(Q(household_id__in=household_ids) | Q(kind=system))
            .order_by("pk")
        )
        return {(a.kind, a.household_id, a.measure): a for a in accounts}

    found = locked()
    missing = [key for key in wanted if key not in found]
    if missing:
        Account.objects.bulk_create(
            [Account(village=village, kind=k, household_id=h, measure=m) for k, h, m in missing],
            ignore_conflicts=True,
        )
        found = locked()
    return found


# The columns of the entries a posting writes, in the order ``_chain_entries`` gives them.
ENTRY_FIELDS = (
    "village",
    "seq",
    "posting",
    "account",
    "measure",
    "amount",
    "balance_after",
    "posted_at",
    "record",
    "reason",
    "previous_hash",
    "entry_hash",
)


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: int


def _chain_entries(
    *,
    head: ChainHead,
    tree: RootAccumulator,
    village: Place,
    posting: Posting,
    legs: list[Leg],
    record: Record | None,
    reason: str,
) -> list[tuple[object, ...]]:
    """The entries of one posting, appended (in memory) to the village's chain and tree, as
    rows of ``ENTRY_FIELDS``."""
    for measure in Measure.values:
        if sum(leg.amount for leg in legs if leg.account.measure == measure):
            raise ValueError("A posting must sum to zero per measure.")
    entries: list[tuple[object, ...]] = []
    for leg in legs:
        leg.account.balance += leg.amount
        head.last_seq += 1
        facts = EntryFacts(
            village=village.code,
            seq=head.last_seq,
            posting=posting.pk,
            account=account_label(leg.account),
            measure=leg.account.measure,
            amount=leg.amount,
            balance_after=leg.account.balance,
            posted_at=posting.posted_at,
            record=record.pk if record else None,
            rule_version=record.rule_version_id if record else None,
            item=record.item.code if record else None,
            recorded_by=record.recorded_by_id if record else None,
            reviewed_by=record.reviewed_by_id if record else None,
            notice=record.notice_id if record else None,
            reason=reason,
            previous_hash=head.last_hash,
        )
        head.last_hash = entry_hash_of(encode(facts))
        tree.add(bytes.fromhex(head.last_hash))
        entries.append(
            (
                village.pk,
                facts.seq,
                posting.pk,
                leg.account.pk,
                leg.account.measure,
                leg.amount,
                facts.balance_after,
                posting.posted_at,
                record.pk if record else None,
                reason,
                facts.previous_hash,
                head.last_hash,
            )
        )
    return entries


def lock_for_posting(
    village: Place, household_ids: set[int], system: str
) -> tuple[ChainHead, dict[AccountKey, Account]]:
    """Lock the village's chain, then the households' accounts and a system account.

    For services outside the ledger (the supermarket) that check a balance and append a
    posting in one transaction of their own. Lock anything else (goods) after this.
    """
    head = _lock_chain(village)
    return head, _lock_accounts(village, household_ids, system)


def append_posting(
    *, head: ChainHead, village: Place, kind: str, legs: list[Leg], reason: str, now: datetime
) -> Posting:
    """Append one posting of spendable points (no record behind it) to a locked chain."""
    if any(leg.account.measure == Measure.SCORE for leg in legs):
        raise ValueError("Only the points core changes a score.")
    posting = Posting.objects.create(village=village, kind=kind, posted_at=now)
    tree = RootAccumulator([(size, bytes.fromhex(digest)) for size, digest in head.frontier])
    entries = _chain_entries(
        head=head,
        tree=tree,
        village=village,
        posting=posting,
        legs=legs,
        record=None,
        reason=reason,
    )
    insert_rows(Entry, ENTRY_FIELDS, entries)
    update_rows(
        Account,
        ["balance"],
        list({leg.account.pk: (leg.account.pk, leg.account.balance) for leg in legs}.values()),
    )
    head.frontier = [[size, digest.hex()] for size, digest in tree.subtrees]
    head.save(update_fields=["last_seq", "last_hash", "frontier"])
    return posting


def _update_standings(village: Place, changes: dict[int, int], when: datetime) -> None:
    """Add each household's score change to its standing (made on its first posting), and
    move the household in its township's and county's score counts."""
    year = timezone.localtime(when).year
    standings = {
        s.household_id: s
        for s in Standing.objects.select_for_update().filter(household_id__in=changes)
    }
    before = {h: (s.score, s.year, s.year_score) for h, s in standings.items()}
    new_ids = [h for h in changes if h not in standings]
    if new_ids:
        township = village.parent
        assert township is not None and township.parent_id is not None
        cadre_households = set(
            RoleGrant.objects.filter(
                place=village,
                role__in=VILLAGE_CADRE_ROLES,
                revoked_at__isnull=True,
                user__resident__household_id__in=new_ids,
            ).values_list("user__resident__household_id", flat=True)
        )
        away = dict(Household.objects.filter(pk__in=new_ids).values_list("pk", "at_home"))
        Standing.objects.bulk_create(
            [
                Standing(
                    household_id=h,
                    village=village,
                    township=township,
                    county_id=township.parent_id,
                    year=year,
                    is_absent=not away[h],
                    is_cadre=h in cadre_households,
                )
                for h in new_ids
            ],
            ignore_conflicts=True,
        )
        standings = {
            s.household_id: s
            for s in Standing.objects.select_for_update().filter(household_id__in=changes)
        }
    for household_id, change in changes.items():
        standing = standings[household_id]
        if standing.year != year:
            standing.year, standing.year_score = year, 0
        standing.score += change
        standing.year_score += change
    update_rows(
        Standing,
        ["score", "year", "year_score"],
        [(s.pk, s.score, s.year, s.year_score) for s in standings.values()],
    )
    _move_in_score_counts(before, list(standings.values()))


def _move_in_score_counts(
    before: dict[int, tuple[int, int, int]], standings: list[Standing]
) -> None:
    """Move each household from its old score to its new one in the counts of its township
    and county: all time, and in its standing's year. One statement.

    A household's first standing moves it from the 0 it was registered at, and adds it to
    the year's counts. When its standing rolls over into a new year it is added to the new
    year and left in the old one, whose counts describe the old year. (A posting dated before
    the standing's year moves the standing back: then it leaves the later year, so that the
    counts of each year always hold the households whose standing says that year, or said it
    when the year ended.)
    """
    moves: Counter[ScoreKey] = Counter()
    for standing in standings:
        # A new standing: registered at 0, and in no year's counts yet (year 0 is before all).
        old_score, old_year, old_year_score = before.get(standing.household_id, (0, 0, 0))
        for place_id in (standing.township_id, standing.county_id):
            moves[(place_id, ScoreCount.ALL_TIME, old_score)] -= 1
            moves[(place_id, ScoreCount.ALL_TIME, standing.score)] += 1
            if old_year >= standing.year:  # the same year, or a posting dated back
                moves[(place_id, old_year, old_year_score)] -= 1
            moves[(place_id, standing.year, standing.year_score)] += 1
    add_to_score_counts(moves)


def _due(village: Place, record_ids: list[int], now: datetime) -> list[Record]:
    open_objection = Objection.objects.filter(record=OuterRef("pk"), outcome=Objection.Outcome.OPEN)
    return list(
        Record.objects.select_for_update(of=("self",))
        .select_related("item")
        .filter(pk__in=record_ids, village=village, status=Record.Status.ON_NOTICE)
        .filter(notice__closes_at__lte=now)
        .exclude(Exists(open_objection))
        .order_by("pk")
    )


def post_records(*, village: Place, record_ids: list[int], now: datetime) -> list[Posting]:
    """Post those of the records that are due, in one transaction; the others are left alone.

    Safe to call twice, or from two processes at once: under the village's lock, a record
    already posted is no longer due, and ``Posting.record`` is unique in the database.
    """
    with transaction.atomic():
        head = _lock_chain(village)
        records = _due(village, record_ids, now)
        if not records:
            return []
        accounts = _lock_accounts(village, {r.household_id for r in records})
        postings = Posting.objects.bulk_create(
            [
                Posting(
                    village=village,
                    kind=Posting.Kind.CORRECTION
                    if r.route == Record.Route.CORRECTION
                    else Posting.Kind.RECORD,
                    record=r,
                    posted_at=now,
                )
                for r in records
            ]
        )
        tree = RootAccumulator([(size, bytes.fromhex(digest)) for size, digest in head.frontier])
        entries: list[tuple[object, ...]] = []
        changes: dict[int, int] = {}
        for record, posting in zip(records, postings, strict=True):
            # A base score is honour only: it is never spent at the supermarket.
            measures = (
                [Measure.SCORE] if record.item.kind == Item.Kind.BASE else list(Measure.values)
            )
            legs = []
            for measure in measures:
                legs.append(
                    Leg(
                        accounts[(Account.Kind.HOUSEHOLD, record.household_id, measure)],
                        record.points,
                    )
                )
                legs.append(Leg(accounts[(Account.Kind.ISSUED, None, measure)], -record.points))
            reason = record.description if posting.kind == Posting.Kind.CORRECTION else ""
            entries += _chain_entries(
                head=head,
                tree=tree,
                village=village,
                posting=posting,
                legs=legs,
                record=record,
                reason=reason,
            )
            changes[record.household_id] = changes.get(record.household_id, 0) + record.points
        insert_rows(Entry, ENTRY_FIELDS, entries)
        update_rows(Account, ["balance"], [(a.pk, a.balance) for a in accounts.values()])
        head.frontier = [[size, digest.hex()] for size, digest in tree.subtrees]
        head.save(update_fields=["last_seq", "last_hash", "frontier"])
        _update_standings(village, changes, now)
        Record.objects.filter(pk__in=[r.pk for r in records]).update(
            status=Record.Status.POSTED, posted_at=now
        )
        generations.move_on([village.pk])
    return postings


def post_record(*, record_id: int, now: datetime | None = None) -> Posting | None:
    """Post one record whose notice has closed; None if it is not (or no longer) due."""
    record = Record.objects.select_related("village__parent").get(pk=record_id)
    postings = post_records(
        village=record.village, record_ids=[record_id], now=now or timezone.now()
    )
    return postings[0] if postings else None


def due_records(now: datetime, limit: int) -> list[tuple[int, int]]:
    """(village id, record id) of records whose notice closed without an open objection."""
    open_objection = Objection.objects.filter(record=OuterRef("pk"), outcome=Objection.Outcome.OPEN)
    return list(
        Record.objects.filter(status=Record.Status.ON_NOTICE, notice__closes_at__lte=now)
        .exclude(Exists(open_objection))
        .order_by("village_id", "pk")
        .values_list("village_id", "pk")[:limit]
    )


def post_due_records(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """The scheduled job: post every record whose notice window has closed. Returns the count.

    Records post in batches of one village, each batch one transaction: stopped halfway, the
    job leaves every record either posted once or not at all, and the next run posts the rest.
    """
    now = now or timezone.now()
    posted = 0
    villages: dict[int, Place] = {}
    while due := due_records(now, batch_size):
        progressed = 0
        by_village: dict[int, list[int]] = {}
        for village_id, record_id in due:
            by_village.setdefault(village_id, []).append(record_id)
        villages |= Place.objects.select_related("parent").in_bulk(
            [village_id for village_id in by_village if village_id not in villages]
        )
        for village_id, record_ids in by_village.items():
            progressed += len(
                post_records(village=villages[village_id], record_ids=record_ids, now=now)
            )
        posted += progressed
        if not progressed:
            break
    return posted


def signing_key_for(township: Place) -> SigningKey:
    key = SigningKey.objects.filter(township=township, retired_at__isnull=True).first()
    if key is not None:
        return key
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return SigningKey.objects.create(
        township=township,
        key_id=key_id(public),
        public_key=public,
        private_key=private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()),
    )


def leaf_hashes(village: Place, tree_size: int | None = None) -> list[bytes]:
    entries = Entry.objects.filter(village=village).order_by("seq")
    if tree_size is not None:
        entries = entries.filter(seq__lte=tree_size)
    return [bytes.fromhex(h) for h in entries.values_list("entry_hash", flat=True)]


def checkpoint_time_text(moment: datetime) -> str:
    """How a checkpoint's time appears in its signed message: local time, ISO 8601."""
    return timezone.localtime(moment).isoformat()


def _signed_checkpoint(head: ChainHead, key: SigningKey, now: datetime) -> Checkpoint:
    """An unsaved checkpoint of the chain as its (locked) head describes it."""
    village = head.village
    tree = RootAccumulator([(size, bytes.fromhex(digest)) for size, digest in head.frontier])
    if tree.size != head.last_seq:
        raise RuntimeError(f"{village.code}: the Merkle frontier does not cover the chain")
    root = tree.root()
    signed_at = checkpoint_time_text(now)
    private = Ed25519PrivateKey.from_private_bytes(bytes(key.private_key))
    return Checkpoint(
        village=village,
        tree_size=tree.size,
        root_hash=root.hex(),
        signed_at=now,
        signed_at_text=signed_at,
        key=key,
        signature=private.sign(checkpoint_message(village.code, tree.size, root, signed_at)),
    )


def create_checkpoint(*, village: Place, now: datetime | None = None) -> Checkpoint:
    """Sign the Merkle root over all of the village's entries with its township's key."""
    township = village.parent
    assert township is not None
    with transaction.atomic():
        head = _lock_chain(village)
        head.village = village
        checkpoint = _signed_checkpoint(head, signing_key_for(township), now or timezone.now())
        checkpoint.save()
    return checkpoint


def villages_needing_checkpoint(now: datetime) -> list[Place]:
    """Villages whose chain grew since their latest checkpoint, signed before today."""
    newest = Checkpoint.objects.filter(village=OuterRef("village")).order_by("-tree_size")
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    heads = (
        ChainHead.objects.filter(last_seq__gt=0)
        .annotate(
            checkpointed=Subquery(newest.values("tree_size")[:1]),
            checkpointed_at=Subquery(newest.values("signed_at")[:1]),
        )
        .filter(
            Q(checkpointed__isnull=True)
            | Q(checkpointed__lt=F("last_seq"), checkpointed_at__lt=today_start)
        )
        .select_related("village__parent")
        .order_by("village__code")
    )
    return [head.village for head in heads]


def create_due_checkpoints(*, now: datetime | None = None) -> int:
    """The daily job: a checkpoint for each village whose ledger grew since yesterday's."""
    now = now or timezone.now()
    due = [village.pk for village in villages_needing_checkpoint(now)]
    if not due:
        return 0
    with transaction.atomic():
        heads = (
            ChainHead.objects.select_for_update(of=("self",))
            .select_related("village__parent")
            .filter(village_id__in=due)
            .order_by("village_id")
        )
        keys: dict[int, SigningKey] = {}
        checkpoints = []
        for head in heads:
            township = head.village.parent
            assert township is not None
            if township.pk not in keys:
                keys[township.pk] = signing_key_for(township)
            checkpoints.append(_signed_checkpoint(head, keys[township.pk], now))
        Checkpoint.objects.bulk_create(checkpoints)
    return len(checkpoints)
