"""Reads of the ledger: entry facts, balances, ranks and stars, proofs."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

from jifen.ledger.encoding import EntryFacts, encode
from jifen.ledger.merkle import checkpoint_message, consistency_proof, inclusion_proof
from jifen.ledger.models import Account, Checkpoint, Entry, Measure
from jifen.ledger.services import account_label, leaf_hashes
from jifen.places.models import Household, Place


def facts_of(entry: Entry) -> EntryFacts:
    """The facts an entry asserts, from the rows it points to (what verify_ledger re-encodes)."""
    record = entry.record
    return EntryFacts(
        village=entry.village.code,
        seq=entry.seq,
        posting=entry.posting_id,
        account=account_label(entry.account),
        measure=entry.measure,
        amount=entry.amount,
        balance_after=entry.balance_after,
        posted_at=entry.posted_at,
        record=record.pk if record else None,
        rule_version=record.rule_version_id if record else None,
        item=record.item.code if record else None,
        recorded_by=record.recorded_by_id if record else None,
        reviewed_by=record.reviewed_by_id if record else None,
        notice=record.notice_id if record else None,
        reason=entry.reason,
        previous_hash=entry.previous_hash,
    )


class EntryRow(NamedTuple):
    """An entry and what its record says, as plain values: reading millions of entries to
    verify them, model instances would cost more than the hashing."""

    seq: int
    posting_id: int
    account_id: int
    measure: str
    amount: int
    balance_after: int
    posted_at: datetime
    record_id: int | None
    reason: str
    previous_hash: str
    entry_hash: str
    rule_version_id: int | None
    item_code: str | None
    recorded_by_id: int | None
    reviewed_by_id: int | None
    notice_id: int | None

    def facts(self, village_code: str, account: str) -> EntryFacts:
        """The facts the entry asserts; ``account`` is its account's label."""
        return EntryFacts(
            village=village_code,
            seq=self.seq,
            posting=self.posting_id,
            account=account,
            measure=self.measure,
            amount=self.amount,
            balance_after=self.balance_after,
            posted_at=self.posted_at,
            record=self.record_id,
            rule_version=self.rule_version_id,
            item=self.item_code,
            recorded_by=self.recorded_by_id,
            reviewed_by=self.reviewed_by_id,
            notice=self.notice_id,
            reason=self.reason,
            previous_hash=self.previous_hash,
        )


def entry_rows(village: Place) -> Iterator[EntryRow]:
    """The village's entries in chain order, streamed."""
    rows = (
        Entry.objects.filter(village=village)
        .order_by("seq")
        .values_list(
            "seq",
            "posting_id",
            "account_id",
            "measure",
            "amount",
            "balance_after",
            "posted_at",
            "record_id",
            "reason",
            "previous_hash",
            "entry_hash",
            "record__rule_version_id",
            "record__item__code",
            "record__recorded_by_id",
            "record__reviewed_by_id",
            "record__notice_id",
        )
    )
    return (EntryRow(*row) for row in rows.iterator(chunk_size=5000))


def balances(household: Household) -> dict[str, int]:
    """The household's score and spendable balance (0 before anything was posted)."""
    found = dict(
        Account.objects.filter(household=household, kind=Account.Kind.HOUSEHOLD).values_list(
            "measure", "balance"
        )
    )
    return {measure: found.get(measure, 0) for measure in Measure.values}


def latest_checkpoint(village: Place) -> Checkpoint | None:
    return (
        Checkpoint.objects.filter(village=village)
        .select_related("key")
        .order_by("-tree_size", "-signed_at")
        .first()
    )


def checkpoint_document(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "village": checkpoint.village.code,
        "tree_size": checkpoint.tree_size,
        "root": base64.b64encode(bytes.fromhex(checkpoint.root_hash)).decode(),
        "signed_at": checkpoint.signed_at_text,
        "key_id": checkpoint.key.key_id,
        "public_key": base64.b64encode(bytes(checkpoint.key.public_key)).decode(),
        "signature": base64.b64encode(bytes(checkpoint.signature)).decode(),
    }


def signed_message(checkpoint: Checkpoint) -> bytes:
    return checkpoint_message(
        checkpoint.village.code,
        checkpoint.tree_size,
        bytes.fromhex(checkpoint.root_hash),
        checkpoint.signed_at_text,
    )


def inclusion_document(entry: Entry, checkpoint: Checkpoint) -> dict[str, Any]:
    """The proof that ``entry`` is in the tree ``checkpoint`` signed (docs/ledger-proofs.md)."""
    if entry.seq > checkpoint.tree_size or entry.village_id != checkpoint.village_id:
        raise ValueError("The checkpoint does not cover this entry.")
    hashes = leaf_hashes(checkpoint.village, checkpoint.tree_size)
    proof = inclusion_proof(hashes, entry.seq - 1)
    return {
        "format": "jifen-inclusion-proof/1",
        "village": checkpoint.village.code,
        "entry": {"seq": entry.seq, "encoding": base64.b64encode(encode(facts_of(entry))).decode()},
        "leaf_index": entry.seq - 1,
        "tree_size": checkpoint.tree_size,
        "proof": [base64.b64encode(h).decode() for h in proof],
        "checkpoint": checkpoint_document(checkpoint),
    }


def consistency_document(old: Checkpoint, new: Checkpoint) -> dict[str, Any]:
    if old.village_id != new.village_id or old.tree_size > new.tree_size or old.tree_size == 0:
        raise ValueError("These checkpoints cannot be compared.")
    hashes = leaf_hashes(new.village, new.tree_size)
    return {
        "format": "jifen-consistency-proof/1",
        "village": new.village.code,
        "old": checkpoint_document(old),
        "new": checkpoint_document(new),
        "proof": [base64.b64encode(h).decode() for h in consistency_proof(hashes, old.tree_size)],
    }
