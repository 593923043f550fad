"""Recompute a village's ledger from its rows and compare it with what was stored and signed.

Checks, in order: sequence numbers without gaps; each entry's encoding re-hashed equals its
stored hash, and names the previous entry's hash (the chain); balance-after values follow from
the amounts, per account; every posting sums to zero per measure; account balances, the chain
head and household standings equal what the entries add up to; every checkpoint's root equals
the Merkle root of that many entries, and its Ed25519 signature verifies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jifen.ledger.encoding import GENESIS_HASH, encode, entry_hash_of
from jifen.ledger.merkle import RootAccumulator
from jifen.ledger.models import Account, ChainHead, Checkpoint, Measure, Standing
from jifen.ledger.selectors import entry_rows, signed_message
from jifen.ledger.services import account_label
from jifen.places.models import Place


@dataclass(frozen=True)
class VillageReport:
    village: Place
    entries: int
    checkpoints: int
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_village(village: Place) -> VillageReport:
    """Verify one village; stops at the first discrepancy and describes it."""
    checkpoints = sorted(
        Checkpoint.objects.filter(village=village).select_related("key", "village"),
        key=lambda c: c.tree_size,
    )
    pending = list(checkpoints)
    running: dict[int, int] = defaultdict(int)
    posting_sums: dict[tuple[int, str], int] = defaultdict(int)
    accumulator = RootAccumulator()
    previous = GENESIS_HASH
    count = 0

    def report(problem: str | None) -> VillageReport:
        return VillageReport(
            village=village, entries=count, checkpoints=len(checkpoints), problem=problem
        )

    while pending and pending[0].tree_size == 0:
        problem = _check_checkpoint(pending.pop(0), accumulator.root())
        if problem:
            return report(problem)
    accounts = {
        account.pk: (account_label(account), account.measure)
        for account in Account.objects.filter(village=village)
    }
    for entry in entry_rows(village):
        count += 1
        where = f"entry #{entry.seq}"
        if entry.seq != count:
            return report(f"{where}: expected sequence number {count} (an entry is missing)")
        if entry.previous_hash != previous:
            return report(
                f"{where}: does not follow the hash of entry #{count - 1} (the chain is broken)"
            )
        label, account_measure = accounts[entry.account_id]
        digest = entry_hash_of(encode(entry.facts(village.code, label)))
        if digest != entry.entry_hash:
            return report(
                f"{where}: its contents do not match its hash (it was changed after posting)"
            )
        running[entry.account_id] += entry.amount
        if running[entry.account_id] != entry.balance_after:
            return report(
                f"{where}: balance after is {entry.balance_after}, "
                f"the amounts add up to {running[entry.account_id]}"
            )
        if entry.measure != account_measure:
            return report(f"{where}: measure differs from its account's")
        posting_sums[(entry.posting_id, entry.measure)] += entry.amount
        previous = digest
        accumulator.add(bytes.fromhex(digest))
        while pending and pending[0].tree_size == count:
            problem = _check_checkpoint(pending.pop(0), accumulator.root())
            if problem:
                return report(problem)

    if pending:
        return report(
            f"checkpoint of size {pending[0].tree_size} is larger than the ledger "
            f"({count} entries): entries were removed"
        )
    unbalanced = [posting for (posting, _measure), total in posting_sums.items() if total != 0]
    if unbalanced:
        return report(f"posting {min(unbalanced)} does not sum to zero")
    for account in Account.objects.filter(village=village):
        if account.balance != running.get(account.pk, 0):
            return report(
                f"account {account}: balance {account.balance}, "
                f"entries add up to {running.get(account.pk, 0)}"
            )
    head = ChainHead.objects.filter(village=village).first()
    if (head.last_seq if head else 0) != count or (
        head.last_hash if head else GENESIS_HASH
    ) != previous:
        return report("the chain head does not point at the last entry")
    score_accounts = Account.objects.filter(
        village=village, kind=Account.Kind.HOUSEHOLD, measure=Measure.SCORE
    )
    scores = {a.household_id: running.get(a.pk, 0) for a in score_accounts}
    for standing in Standing.objects.filter(village=village):
        if standing.score != scores.get(standing.household_id, 0):
            return report(
                f"household {standing.household_id}: standing {standing.score}, "
                f"ledger {scores.get(standing.household_id, 0)}"
            )
    return report(None)


def _check_checkpoint(checkpoint: Checkpoint, root: bytes) -> str | None:
    if root.hex() != checkpoint.root_hash:
        return (
            f"checkpoint of size {checkpoint.tree_size} signed {checkpoint.signed_at_text}: "
            "its root does not match the entries"
        )
    try:
        Ed25519PublicKey.from_public_bytes(bytes(checkpoint.key.public_key)).verify(
            bytes(checkpoint.signature), signed_message(checkpoint)
        )
    except InvalidSignature:
        return (
            f"checkpoint of size {checkpoint.tree_size}: "
            f"its signature does not verify with key {checkpoint.key.key_id}"
        )
    return None
