"""The canonical encoding of a ledger entry: the bytes that are hashed, chained and proven.

An entry's encoding is UTF-8 JSON with sorted keys and no whitespace (see
docs/ledger-format.md). Its ``entry_hash`` is the RFC 9162 leaf hash of those bytes,
SHA-256(0x00 || encoding), and the encoding carries the previous entry's hash, so the same
bytes make both the hash chain and the leaves of the village's Merkle tree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from jifen.ledger.merkle import leaf_hash

FORMAT = "jifen-entry/1"
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class EntryFacts:
    """Everything an entry asserts, as plain values."""

    village: str  # 12-digit code
    seq: int
    posting: int
    account: str  # "household:<door-plate household id>" or "village:<kind>"
    measure: str
    amount: int
    balance_after: int
    posted_at: datetime
    record: int | None
    rule_version: int | None
    item: str | None
    recorded_by: int | None
    reviewed_by: int | None
    notice: int | None
    reason: str
    previous_hash: str


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode(facts: EntryFacts) -> bytes:
    document = {
        "format": FORMAT,
        "village": facts.village,
        "seq": facts.seq,
        "posting": facts.posting,
        "account": facts.account,
        "measure": facts.measure,
        "amount": facts.amount,
        "balance_after": facts.balance_after,
        "posted_at": timestamp(facts.posted_at),
        "record": facts.record,
        "rule_version": facts.rule_version,
        "item": facts.item,
        "recorded_by": facts.recorded_by,
        "reviewed_by": facts.reviewed_by,
        "notice": facts.notice,
        "reason": facts.reason,
        "previous_hash": facts.previous_hash,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash_of(encoding: bytes) -> str:
    return leaf_hash(encoding).hex()
