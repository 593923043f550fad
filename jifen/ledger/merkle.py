"""RFC 9162 Merkle trees over a village's ledger entries, and the checkpoint message we sign.

Everything here is pure and works on hashes, not on Django models: the ledger builds the list of
leaf hashes (one per entry, in chain order) and calls these functions. Section numbers refer to
RFC 9162 (Certificate Transparency Version 2.0), whose §2.1 defines the tree, the audit path
(inclusion proof) and the consistency proof, with SHA-256 as the hash.

The verifiers never raise on malformed input: a proof that is too short, too long, has elements
of the wrong length or sizes out of range is simply not a valid proof, so they return False.
tools/jifen_verify.py carries a copy of the verifiers and of `checkpoint_message` so that it can
run alone; tests/ledger/test_standalone_verifier.py checks that the copies agree.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
"""Length in bytes of every hash: leaf hashes, node hashes, roots and proof elements."""

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
CHECKPOINT_FORMAT = "jifen-checkpoint/1"


def leaf_hash(data: bytes) -> bytes:
    """Hash one leaf: SHA-256(0x00 || data) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash an interior node: SHA-256(0x01 || left || right) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return MTH(D[n]), the Merkle Tree Hash of the leaves (RFC 9162 §2.1.1).

    `leaf_hashes` are already hashed with `leaf_hash`. The empty tree's root is SHA-256 of the
    empty string; a one-leaf tree's root is that leaf hash. Runs in O(n) time.
    """
    return _subtree_root(leaf_hashes, 0, len(leaf_hashes))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Return PATH(index, D[n]), the audit path of leaf `index` (RFC 9162 §2.1.3.1).

    The path runs from the leaf's sibling up to the child of the root. Runs in O(n) time.
    Raises ValueError if `index` is not the index of a leaf.
    """
    tree_size = len(leaf_hashes)
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf index {index} is outside a tree of {tree_size} leaves")
    # PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) or PATH(m - k, D[k:n]) : MTH(D[0:k]):
    # walk down from the root collecting the other half at each level, then reverse so the
    # path starts at the leaf.
    path: list[bytes] = []
    start, end = 0, tree_size
    while end - start > 1:
        split = start + _largest_power_of_two_below(end - start)
        if index < split:
            path.append(_subtree_root(leaf_hashes, split, end))
            end = split
        else:
            path.append(_subtree_root(leaf_hashes, start, split))
            start = split
    path.reverse()
    return path


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Return PROOF(old_size, D[n]) between the first `old_size` leaves and all of them.

    RFC 9162 §2.1.4.1 (PROOF and SUBPROOF). The proof for old_size == n is empty. Runs in O(n)
    time. Raises ValueError if old_size is 0 (nothing to be consistent with: transparency-dev
    rejects it too) or larger than the tree.
    """
    tree_size = len(leaf_hashes)
    if not 0 < old_size <= tree_size:
        raise ValueError(f"old size {old_size} is not between 1 and the tree size {tree_size}")
    # SUBPROOF(m, D[start:end], b), unrolled: each step keeps the half that holds the boundary
    # between old and new leaves and records the root of the other half.
    proof: list[bytes] = []
    start, end = 0, tree_size
    remaining = old_size
    is_complete_old_tree = True
    while remaining != end - start:
        split_size = _largest_power_of_two_below(end - start)
        if remaining <= split_size:
            proof.append(_subtree_root(leaf_hashes, start + split_size, end))
            end = start + split_size
        else:
            proof.append(_subtree_root(leaf_hashes, start, start + split_size))
            start += split_size
            remaining -= split_size
            is_complete_old_tree = False
    if not is_complete_old_tree:
        # SUBPROOF(m, D[m], false) = {MTH(D[m])}; with b true the verifier already knows it.
        proof.append(_subtree_root(leaf_hashes, start, end))
    proof.reverse()
    return proof


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check an audit path with the algorithm of RFC 9162 §2.1.3.2, step by step.

    Returns False, never raises, for anything that is not a valid proof: index out of range,
    a path too short or too long, or any hash (leaf, root, path element) not 32 bytes long.
    """
    if not (_is_size(index) and _is_size(tree_size)):
        return False
    if not (_is_hash(leaf_hash) and _is_hash(root) and _is_proof(proof)):
        return False
    # 1. Compare leaf_index against tree_size.
    if index >= tree_size:
        return False
    # 2.-3.
    fn, sn = index, tree_size - 1
    r = leaf_hash
    # 4.
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    # 5.
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check a consistency proof with the algorithm of RFC 9162 §2.1.4.2, step by step.

    Equal sizes need an empty proof and equal roots. An old size of 0 is rejected (as
    transparency-dev does: every tree extends the empty one, so such a proof proves nothing),
    as is an old size larger than the new one. Returns False, never raises, for anything that is
    not a valid proof, including any hash that is not 32 bytes long.
    """
    if not (_is_size(old_size) and _is_size(new_size)):
        return False
    if old_size == 0 or old_size > new_size:
        return False
    if old_size == new_size:
        # As transparency-dev: equal trees need an empty proof and equal roots, whatever their
        # length (one RFC 9162 vector uses short placeholder roots here).
        return (
            isinstance(old_root, bytes)
            and isinstance(proof, list | tuple)
            and not proof
            and old_root == new_root
        )
    if not (_is_hash(old_root) and _is_hash(new_root) and _is_proof(proof)):
        return False
    # 1.
    if len(proof) == 0:
        return False
    # 2.
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # 3.-4.
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # 7.
    return sn == 0 and fr == old_root and sr == new_root


def checkpoint_message(village_code: str, tree_size: int, root: bytes, signed_at: str) -> bytes:
    """Return the exact bytes a checkpoint's Ed25519 signature covers (docs/ledger-proofs.md).

    UTF-8 of "jifen-checkpoint/1\\n" + village + "\\n" + decimal tree size + "\\n" +
    base64(root) + "\\n" + signed_at + "\\n". Raises ValueError for a field that would make the
    message ambiguous: an empty field, a line feed inside one, a negative size or a root that is
    not 32 bytes.
    """
    if not village_code or "\n" in village_code:
        raise ValueError("the village code must be non-empty and on one line")
    if not signed_at or "\n" in signed_at:
        raise ValueError("signed_at must be non-empty and on one line")
    if not _is_size(tree_size):
        raise ValueError("the tree size must be a non-negative integer")
    if not _is_hash(root):
        raise ValueError(f"the root must be {HASH_SIZE} bytes")
    encoded_root = base64.b64encode(root).decode("ascii")
    text = f"{CHECKPOINT_FORMAT}\n{village_code}\n{tree_size}\n{encoded_root}\n{signed_at}\n"
    return text.encode("utf-8")


def key_id(public_key: bytes) -> str:
    """Return a signer's key id: the first 16 hex digits of SHA-256 of the raw public key."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def _subtree_root(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) in O(end - start) time, without copying the sequence.

    Keeps a stack of complete subtrees of strictly decreasing size, merging equal neighbours as
    leaves arrive; what is left is the right edge of the tree, folded from the right, which is
    exactly the largest-power-of-two split of §2.1.1.
    """
    if start == end:
        return hashlib.sha256(b"").digest()
    hashes: list[bytes] = []
    sizes: list[int] = []
    for position in range(start, end):
        hashes.append(leaf_hashes[position])
        sizes.append(1)
        while len(sizes) >= 2 and sizes[-1] == sizes[-2]:
            right = hashes.pop()
            sizes.pop()
            hashes[-1] = node_hash(hashes[-1], right)
            sizes[-1] *= 2
    root = hashes.pop()
    while hashes:
        root = node_hash(hashes.pop(), root)
    return root


def _largest_power_of_two_below(size: int) -> int:
    """The k of §2.1.1: the largest power of two smaller than `size` (which must be > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_proof(value: object) -> bool:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes | bytearray):
        return False
    return all(_is_hash(element) for element in value)


def _is_size(value: object) -> bool:
    # bool is an int subclass; True is no tree size.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class RootAccumulator:
    """The Merkle root of a growing list of leaves, O(log n) per leaf and per root.

    Keeps the roots of the perfect subtrees of the left-balanced RFC 9162 tree, largest first;
    the root of all leaves so far folds them from the smallest (rightmost) to the largest.
    """

    def __init__(self, subtrees: Sequence[tuple[int, bytes]] = ()) -> None:
        self.subtrees: list[tuple[int, bytes]] = list(subtrees)
        self.size = sum(size for size, _ in self.subtrees)

    def add(self, leaf: bytes) -> None:
        """Append a leaf hash (not the leaf's data)."""
        self.size += 1
        size, digest = 1, leaf
        while self.subtrees and self.subtrees[-1][0] == size:
            left_size, left = self.subtrees.pop()
            size, digest = left_size + size, node_hash(left, digest)
        self.subtrees.append((size, digest))

    def root(self) -> bytes:
        if not self.subtrees:
            return hashlib.sha256(b"").digest()
        digest = self.subtrees[-1][1]
        for _size, left in reversed(self.subtrees[:-1]):
            digest = node_hash(left, digest)
        return digest
