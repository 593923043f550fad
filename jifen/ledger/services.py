"""Posting records to the ledger, and signing checkpoints.

Appends to one village are serialised by locking its ``ChainHead`` row; then the household's
accounts are locked in primary-key order. A record is posted at most once: its status is
checked under the lock, and ``Posting.record`` is unique in the database.
"""

from __future__ import annotations

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
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from jifen.ledger.encoding import GENESIS_HASH, EntryFacts, encode, entry_hash_of
from jifen.ledger.merkle import checkpoint_message, key_id, root_hash
from jifen.ledger.models import (
    Account,
    ChainHead,
    Checkpoint,
    Entry,
    Measure,
    Posting,
    SigningKey,
    Standing,
)
from jifen.places.models import Household, Place
from jifen.records.models import Objection, Record
from jifen.rules.models import Item


def account_label(account: Account) -> str:
    if account.kind == Account.Kind.HOUSEHOLD:
        return f"household:{account.household_id}"
    return f"village:{account.kind}"


def _lock_chain(village: Place) -> ChainHead:
    ChainHead.objects.get_or_create(village=village, defaults={"last_hash": GENESIS_HASH})
    return ChainHead.objects.select_for_update().get(village=village)


def _accounts(
    village: Place, household: Household | None, kind: str, measures: list[str]
) -> dict[str, Account]:
    """The accounts of one owner for the given measures, created if new, locked in pk order."""
    for measure in measures:
        Account.objects.get_or_create(
            village=village, household=household, kind=kind, measure=measure
        )
    locked = Account.objects.select_for_update().filter(
        village=village, kind=kind, measure__in=measures
    )
    locked = (
        locked.filter(household=household) if household else locked.filter(household__isnull=True)
    )
    return {account.measure: account for account in locked.order_by("pk")}


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: int


def _append(
    *,
    head: ChainHead,
    posting: Posting,
    legs: list[Leg],
    record: Record | None,
    reason: str,
) -> list[Entry]:
    """Write the entries of one posting at the end of the village's chain."""
    if any(sum(leg.amount for leg in legs if leg.account.measure == m) for m in Measure.values):
        raise ValueError("A posting must sum to zero per measure.")
    entries = []
    for leg in legs:
        leg.account.balance += leg.amount
        head.last_seq += 1
        facts = EntryFacts(
            village=posting.village.code,
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
        entries.append(
            Entry(
                village=posting.village,
                seq=facts.seq,
                posting=posting,
                account=leg.account,
                measure=leg.account.measure,
                amount=leg.amount,
                balance_after=facts.balance_after,
                posted_at=posting.posted_at,
                record=record,
                reason=reason,
                previous_hash=facts.previous_hash,
                entry_hash=head.last_hash,
            )
        )
    Entry.objects.bulk_create(entries)
    for leg in legs:
        Account.objects.filter(pk=leg.account.pk).update(balance=leg.account.balance)
    head.save(update_fields=["last_seq", "last_hash"])
    return entries


def _update_standing(household: Household, score_change: int, when: datetime) -> None:
    year = timezone.localtime(when).year
    village = household.village
    township = village.parent
    assert township is not None and township.parent_id is not None
    standing, _created = Standing.objects.select_for_update().get_or_create(
        household=household,
        defaults={
            "village": village,
            "township": township,
            "county_id": township.parent_id,
            "year": year,
            "is_absent": not household.at_home,
        },
    )
    if standing.year != year:
        standing.year, standing.year_score = year, 0
    standing.score += score_change
    standing.year_score += score_change
    standing.save(update_fields=["score", "year", "year_score"])


def is_due(record: Record, now: datetime) -> bool:
    return (
        record.status == Record.Status.ON_NOTICE
        and record.notice is not None
        and record.notice.closes_at <= now
        and not record.objections.filter(outcome=Objection.Outcome.OPEN).exists()
    )


def post_record(*, record_id: int, now: datetime | None = None) -> Posting | None:
    """Post one record whose notice has closed; None if it is not (or no longer) due.

    Safe to call twice, or from two processes at once: the second finds the record posted.
    """
    now = now or timezone.now()
    with transaction.atomic():
        record = Record.objects.select_related(
            "village", "household__village__parent", "item", "notice"
        ).get(pk=record_id)
        head = _lock_chain(record.village)
        # Re-read under the village lock: another worker may have posted it meanwhile.
        record = (
            Record.objects.select_for_update(of=("self",))
            .select_related("village", "household__village__parent", "item", "notice")
            .get(pk=record_id)
        )
        if not is_due(record, now):
            return None
        village, household = record.village, record.household
        measures = (
            [Measure.SCORE]
            if record.item.kind == Item.Kind.BASE
            else [Measure.SCORE, Measure.SPENDABLE]
        )
        own = _accounts(village, household, Account.Kind.HOUSEHOLD, measures)
        issued = _accounts(village, None, Account.Kind.ISSUED, measures)
        kind = (
            Posting.Kind.CORRECTION
            if record.route == Record.Route.CORRECTION
            else Posting.Kind.RECORD
        )
        posting = Posting.objects.create(village=village, kind=kind, record=record, posted_at=now)
        legs = []
        for measure in measures:
            legs += [Leg(own[measure], record.points), Leg(issued[measure], -record.points)]
        reason = record.description if kind == Posting.Kind.CORRECTION else ""
        _append(head=head, posting=posting, legs=legs, record=record, reason=reason)
        _update_standing(household, record.points, now)
        record.status = Record.Status.POSTED
        record.posted_at = now
        record.save(update_fields=["status", "posted_at"])
    return posting


def due_record_ids(now: datetime, limit: int = 1000) -> list[int]:
    return list(
        Record.objects.filter(status=Record.Status.ON_NOTICE, notice__closes_at__lte=now)
        .exclude(objections__outcome=Objection.Outcome.OPEN)
        .order_by("notice__closes_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def post_due_records(*, now: datetime | None = None) -> int:
    """The scheduled job: post every record whose notice window has closed. Returns the count.

    Each record posts in its own transaction: stopped halfway, the job leaves every record
    either posted once or not at all, and the next run posts the rest.
    """
    now = now or timezone.now()
    posted = 0
    while ids := due_record_ids(now):
        progressed = 0
        for record_id in ids:
            if post_record(record_id=record_id, now=now) is not None:
                posted += 1
                progressed += 1
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


def create_checkpoint(*, village: Place, now: datetime | None = None) -> Checkpoint:
    """Sign the Merkle root over all of the village's entries with its township's key."""
    now = now or timezone.now()
    township = village.parent
    assert township is not None
    with transaction.atomic():
        head = _lock_chain(village)
        hashes = leaf_hashes(village)
        if len(hashes) != head.last_seq:
            raise RuntimeError(
                f"{village.code}: chain head says {head.last_seq}, found {len(hashes)}"
            )
        key = signing_key_for(township)
        root = root_hash(hashes)
        signed_at = checkpoint_time_text(now)
        private = Ed25519PrivateKey.from_private_bytes(bytes(key.private_key))
        signature = private.sign(checkpoint_message(village.code, len(hashes), root, signed_at))
        return Checkpoint.objects.create(
            village=village,
            tree_size=len(hashes),
            root_hash=root.hex(),
            signed_at=now,
            key=key,
            signature=signature,
        )


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
        .filter(Q(checkpointed__isnull=True) | Q(checkpointed__lt=F("last_seq"), checkpointed_at__lt=today_start))
        .select_related("village__parent")
        .order_by("village__code")
    )
    return [head.village for head in heads]


def create_due_checkpoints(*, now: datetime | None = None) -> int:
    """The daily job: a checkpoint for each village whose ledger grew since yesterday's."""
    now = now or timezone.now()
    villages = villages_needing_checkpoint(now)
    for village in villages:
        create_checkpoint(village=village, now=now)
    return len(villages)
