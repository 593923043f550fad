"""The RFC 9162 Merkle code, against transparency-dev's vectors and against the RFC's definitions.

The reference functions at the top are deliberately naive transcriptions of RFC 9162 §2.1 (MTH,
PATH, PROOF/SUBPROOF over list slices, hashing with hashlib directly) so that the fast code in
jifen.ledger.merkle is checked against the definitions, not against itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jifen.ledger.merkle import (
    checkpoint_message,
    consistency_proof,
    inclusion_proof,
    key_id,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "rfc9162"

# Every happy path is accepted, including equal sizes with short placeholder roots, as
# transparency-dev does.
REJECTED_ALTHOUGH_TRANSPARENCY_DEV_ACCEPTS: set[str] = set()

# The test leaves of RFC 6962's reference code and transparency-dev, and the roots of their
# first 1..8 leaves.
TEST_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
KNOWN_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

EDGE_SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65]


# --- RFC 9162 §2.1, transcribed naively -------------------------------------------------------


def largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_mth(entries: list[bytes]) -> bytes:
    """MTH(D[n]) of §2.1.1, over raw entries."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = largest_power_of_two_below(len(entries))
    return hashlib.sha256(
        b"\x01" + reference_mth(entries[:k]) + reference_mth(entries[k:])
    ).digest()


def reference_path(m: int, entries: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of §2.1.3.1."""
    if len(entries) == 1:
        return []
    k = largest_power_of_two_below(len(entries))
    if m < k:
        return [*reference_path(m, entries[:k]), reference_mth(entries[k:])]
    return [*reference_path(m - k, entries[k:]), reference_mth(entries[:k])]


def reference_sides(m: int, n: int) -> tuple[bool, ...]:
    """For PATH(m, D[n]), whether each element (leaf upwards) is the left sibling."""
    if n == 1:
        return ()
    k = largest_power_of_two_below(n)
    if m < k:
        return (*reference_sides(m, k), False)
    return (*reference_sides(m - k, n - k), True)


def reference_subproof(m: int, entries: list[bytes], complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of §2.1.4.1."""
    n = len(entries)
    if m == n:
        return [] if complete else [reference_mth(entries)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return [*reference_subproof(m, entries[:k], complete), reference_mth(entries[k:])]
    return [*reference_subproof(m - k, entries[k:], False), reference_mth(entries[:k])]


def reference_proof(m: int, entries: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of §2.1.4.1."""
    return reference_subproof(m, entries, True)


def entries_of(size: int) -> list[bytes]:
    return [f"entry {number}".encode() for number in range(size)]


def flip_bit(value: bytes, bit: int = 0) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


# --- transparency-dev's vectors ---------------------------------------------------------------


def vector_cases() -> list[Any]:
    if not VECTORS_DIR.is_dir():
        return [pytest.param(None, id="vectors-folder-missing")]
    return [
        pytest.param(path, id=path.relative_to(VECTORS_DIR).as_posix())
        for path in sorted(VECTORS_DIR.rglob("*.json"))
    ]


def decode(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


@pytest.mark.parametrize("path", vector_cases())
def test_vector(path: Path | None) -> None:
    if path is None:
        pytest.fail(
            f"the RFC 9162 test vectors are missing: expected them in {VECTORS_DIR} "
            "(shared/testdata/rfc9162 beside the repository)"
        )
    vector = json.loads(path.read_text())
    proof = [decode(element) for element in vector["proof"] or []]
    relative_path = path.relative_to(VECTORS_DIR).as_posix()

    if relative_path.startswith("inclusion/"):
        accepted = verify_inclusion(
            decode(vector["leafHash"]),
            vector["leafIdx"],
            vector["treeSize"],
            proof,
            decode(vector["root"]),
        )
    else:
        accepted = verify_consistency(
            vector["size1"],
            vector["size2"],
            decode(vector["root1"]),
            decode(vector["root2"]),
            proof,
        )

    expected = (
        not vector["wantErr"] and relative_path not in REJECTED_ALTHOUGH_TRANSPARENCY_DEV_ACCEPTS
    )
    assert accepted is expected


def test_vector_folder_holds_the_expected_vectors() -> None:
    paths = sorted(VECTORS_DIR.rglob("*.json"))
    assert paths, f"the RFC 9162 test vectors are missing: expected them in {VECTORS_DIR}"
    vectors = {
        path.relative_to(VECTORS_DIR).as_posix(): json.loads(path.read_text()) for path in paths
    }
    accepted = sorted(name for name, vector in vectors.items() if not vector["wantErr"])

    assert sum(name.startswith("inclusion/") for name in vectors) == 98
    assert sum(name.startswith("consistency/") for name in vectors) == 98
    assert accepted == [
        "consistency/0/happy-path.json",
        "consistency/1/happy-path.json",
        "consistency/2/happy-path.json",
        "consistency/3/happy-path.json",
        "consistency/4/happy-path.json",
        "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json",
        "inclusion/0/happy-path.json",
        "inclusion/1/happy-path.json",
        "inclusion/2/happy-path.json",
        "inclusion/3/happy-path.json",
        "inclusion/4/happy-path.json",
        "inclusion/single-entry/matching-root-and-leaf.json",
    ]


def test_equal_sizes_with_equal_32_byte_roots_and_empty_proof_is_consistent() -> None:
    root = reference_mth([b"only entry"])

    assert verify_consistency(1, 1, root, root, []) is True
    # Equal trees compare their roots as given, as transparency-dev does (one vector relies on it)
    assert verify_consistency(1, 1, root[:12], root[:12], []) is True
    assert verify_consistency(1, 1, root, root[:12], []) is False
    assert verify_consistency(1, 1, root, root, [root]) is False


# --- hashing and roots ------------------------------------------------------------------------


def test_leaf_and_node_hashes_use_the_rfc_prefixes() -> None:
    assert leaf_hash(b"").hex() == KNOWN_ROOTS[1]
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert (
        node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    )


def test_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert root_hash([]).hex() == EMPTY_ROOT


@pytest.mark.parametrize("size", sorted(KNOWN_ROOTS))
def test_root_of_the_test_leaves(size: int) -> None:
    leaves = TEST_LEAVES[:size]

    assert root_hash([leaf_hash(leaf) for leaf in leaves]).hex() == KNOWN_ROOTS[size]
    assert reference_mth(leaves).hex() == KNOWN_ROOTS[size]


def test_root_matches_the_reference_for_sizes_0_to_70() -> None:
    entries = entries_of(70)
    leaf_hashes = [leaf_hash(entry) for entry in entries]

    for size in range(71):
        assert root_hash(leaf_hashes[:size]) == reference_mth(entries[:size]), size


def test_root_of_200000_leaves_completes() -> None:
    leaf_hashes = [leaf_hash(number.to_bytes(4, "big")) for number in range(200_000)]

    # Computed once with reference_mth.
    assert (
        root_hash(leaf_hashes).hex()
        == "ec9bebe0d39fdeb3e10e682fc956d3f491f313ad024758713a021dedc717dfe9"
    )


# --- inclusion proofs -------------------------------------------------------------------------


@pytest.mark.parametrize("size", EDGE_SIZES)
def test_inclusion_proofs_verify_and_tampering_fails(size: int) -> None:
    entries = entries_of(size)
    leaf_hashes = [leaf_hash(entry) for entry in entries]
    root = root_hash(leaf_hashes)
    other_hash = leaf_hash(b"not in the tree")

    for index in range(size):
        leaf = leaf_hashes[index]
        proof = inclusion_proof(leaf_hashes, index)

        assert proof == reference_path(index, entries)
        assert verify_inclusion(leaf, index, size, proof, root) is True

        assert verify_inclusion(flip_bit(leaf), index, size, proof, root) is False
        assert verify_inclusion(leaf, index, size, proof, flip_bit(root, 255)) is False
        for position in range(len(proof)):
            for bit in (0, 133, 255):
                tampered = list(proof)
                tampered[position] = flip_bit(tampered[position], bit)
                assert verify_inclusion(leaf, index, size, tampered, root) is False

        for wrong_index in {index - 1, index + 1, size, -1} - {index}:
            assert verify_inclusion(leaf, wrong_index, size, proof, root) is False

        # A path does not commit to the tree size: a size whose tree puts the leaf on the same
        # sides of its ancestors is accepted (the signed checkpoint binds size and root).
        for wrong_size in {index, size - 1, size + 1, 2 * size, 0} - {size}:
            same_shape = wrong_size > index and reference_sides(index, wrong_size) == (
                reference_sides(index, size)
            )
            assert verify_inclusion(leaf, index, wrong_size, proof, root) is same_shape

        if proof:
            assert verify_inclusion(leaf, index, size, proof[:-1], root) is False
            assert verify_inclusion(leaf, index, size, proof[1:], root) is False
        assert verify_inclusion(leaf, index, size, [*proof, other_hash], root) is False
        assert verify_inclusion(leaf, index, size, [other_hash, *proof], root) is False


def test_inclusion_path_sides_catch_a_wrong_size_that_changes_the_shape() -> None:
    # Leaf 4 of 5 is the lone right child of the root; in a tree of 6 it has a sibling.
    leaf_hashes = [leaf_hash(entry) for entry in entries_of(5)]
    proof = inclusion_proof(leaf_hashes, 4)

    assert verify_inclusion(leaf_hashes[4], 4, 5, proof, root_hash(leaf_hashes)) is True
    assert verify_inclusion(leaf_hashes[4], 4, 6, proof, root_hash(leaf_hashes)) is False


@pytest.mark.parametrize("index", [-1, 3])
def test_inclusion_proof_of_a_missing_leaf_is_an_error(index: int) -> None:
    leaf_hashes = [leaf_hash(entry) for entry in entries_of(3)]

    with pytest.raises(ValueError, match=f"leaf index {index} is outside a tree of 3 leaves"):
        inclusion_proof(leaf_hashes, index)


# --- consistency proofs -----------------------------------------------------------------------


@pytest.mark.parametrize("new_size", EDGE_SIZES)
def test_consistency_proofs_verify_and_tampering_fails(new_size: int) -> None:
    entries = entries_of(new_size)
    leaf_hashes = [leaf_hash(entry) for entry in entries]
    new_root = root_hash(leaf_hashes)
    other_hash = leaf_hash(b"not in the tree")

    for old_size in range(1, new_size + 1):
        old_root = root_hash(leaf_hashes[:old_size])
        proof = consistency_proof(leaf_hashes, old_size)

        assert proof == reference_proof(old_size, entries)
        assert verify_consistency(old_size, new_size, old_root, new_root, proof) is True

        assert verify_consistency(old_size, new_size, flip_bit(old_root), new_root, proof) is False
        assert verify_consistency(old_size, new_size, old_root, flip_bit(new_root), proof) is False
        for position in range(len(proof)):
            for bit in (0, 133, 255):
                tampered = list(proof)
                tampered[position] = flip_bit(tampered[position], bit)
                assert verify_consistency(old_size, new_size, old_root, new_root, tampered) is False

        if proof:
            assert verify_consistency(old_size, new_size, old_root, new_root, proof[:-1]) is False
            assert verify_consistency(old_size, new_size, old_root, new_root, proof[1:]) is False
        extended = [*proof, other_hash]
        assert verify_consistency(old_size, new_size, old_root, new_root, extended) is False
        extended = [other_hash, *proof]
        assert verify_consistency(old_size, new_size, old_root, new_root, extended) is False

        if old_size < new_size:
            assert verify_consistency(old_size, new_size, new_root, old_root, proof) is False
            assert verify_consistency(new_size, old_size, new_root, old_root, proof) is False
        assert verify_consistency(0, new_size, old_root, new_root, proof) is False


def test_consistency_proof_between_equal_sizes_is_empty() -> None:
    leaf_hashes = [leaf_hash(entry) for entry in entries_of(5)]

    assert consistency_proof(leaf_hashes, 5) == []


@pytest.mark.parametrize("old_size", [0, -1, 6])
def test_consistency_proof_from_an_impossible_size_is_an_error(old_size: int) -> None:
    leaf_hashes = [leaf_hash(entry) for entry in entries_of(5)]

    with pytest.raises(
        ValueError, match=f"old size {old_size} is not between 1 and the tree size 5"
    ):
        consistency_proof(leaf_hashes, old_size)


def test_consistency_from_the_empty_tree_is_rejected() -> None:
    empty_root = bytes.fromhex(EMPTY_ROOT)

    assert verify_consistency(0, 0, empty_root, empty_root, []) is False
    assert verify_consistency(0, 1, empty_root, leaf_hash(b""), []) is False


# --- malformed input never raises -------------------------------------------------------------

GOOD_HASH = leaf_hash(b"")
MALFORMED_INCLUSION: list[tuple[Any, ...]] = [
    (GOOD_HASH[:31], 0, 1, [], GOOD_HASH),
    (GOOD_HASH + b"\x00", 0, 1, [], GOOD_HASH),
    (GOOD_HASH, 0, 1, [], GOOD_HASH[:31]),
    (bytearray(GOOD_HASH), 0, 1, [], GOOD_HASH),
    (GOOD_HASH.hex(), 0, 1, [], GOOD_HASH),
    (GOOD_HASH, 0, 2, [GOOD_HASH[:16]], GOOD_HASH),
    (GOOD_HASH, 0, 2, [None], GOOD_HASH),
    (GOOD_HASH, 0, 1, None, GOOD_HASH),
    (GOOD_HASH, 0, 1, "", GOOD_HASH),
    (GOOD_HASH, 0, 1, b"", GOOD_HASH),
    (GOOD_HASH, -1, 1, [], GOOD_HASH),
    (GOOD_HASH, 0, -1, [], GOOD_HASH),
    (GOOD_HASH, "0", 1, [], GOOD_HASH),
    (GOOD_HASH, 0, 1.0, [], GOOD_HASH),
    (GOOD_HASH, False, True, [], GOOD_HASH),
    (GOOD_HASH, 0, 2**200, [GOOD_HASH] * 300, GOOD_HASH),
]
MALFORMED_CONSISTENCY: list[tuple[Any, ...]] = [
    (1, 1, GOOD_HASH[:31], GOOD_HASH, []),
    (1, 2, GOOD_HASH, GOOD_HASH, [b""]),
    (1, 2, GOOD_HASH, GOOD_HASH, None),
    (1, 2, GOOD_HASH, GOOD_HASH, GOOD_HASH),
    (1, 2, GOOD_HASH.hex(), GOOD_HASH, [GOOD_HASH]),
    (-1, 2, GOOD_HASH, GOOD_HASH, [GOOD_HASH]),
    (1, "2", GOOD_HASH, GOOD_HASH, [GOOD_HASH]),
    (True, True, GOOD_HASH, GOOD_HASH, []),
    (1, 2**200, GOOD_HASH, GOOD_HASH, [GOOD_HASH] * 300),
]


@pytest.mark.parametrize("arguments", MALFORMED_INCLUSION)
def test_malformed_inclusion_input_is_rejected_without_raising(arguments: tuple[Any, ...]) -> None:
    assert verify_inclusion(*arguments) is False


@pytest.mark.parametrize("arguments", MALFORMED_CONSISTENCY)
def test_malformed_consistency_input_is_rejected_without_raising(
    arguments: tuple[Any, ...],
) -> None:
    assert verify_consistency(*arguments) is False


# --- properties -------------------------------------------------------------------------------


# Hypothesis favours short lists; drawing the size first spreads it over 1..200.
entry_lists = st.integers(min_value=1, max_value=200).flatmap(
    lambda size: st.lists(st.binary(max_size=8), min_size=size, max_size=size)
)


@settings(max_examples=50, deadline=None)
@given(entries=entry_lists, data=st.data())
def test_every_inclusion_and_sampled_consistency_proof_verifies(
    entries: list[bytes], data: st.DataObject
) -> None:
    leaf_hashes = [leaf_hash(entry) for entry in entries]
    size = len(leaf_hashes)
    root = root_hash(leaf_hashes)

    assert root == reference_mth(entries)
    for index in range(size):
        proof = inclusion_proof(leaf_hashes, index)
        assert verify_inclusion(leaf_hashes[index], index, size, proof, root)

    old_sizes = data.draw(st.lists(st.integers(1, size), min_size=1, max_size=5), label="old sizes")
    for old_size in old_sizes:
        proof = consistency_proof(leaf_hashes, old_size)
        old_root = root_hash(leaf_hashes[:old_size])
        assert verify_consistency(old_size, size, old_root, root, proof)


# --- checkpoints ------------------------------------------------------------------------------


def test_checkpoint_message_is_exactly_the_documented_text() -> None:
    root = bytes(range(32))

    message = checkpoint_message("510681101201", 230, root, "2026-11-22T16:00:00+08:00")

    assert message == (
        b"jifen-checkpoint/1\n"
        b"510681101201\n"
        b"230\n"
        b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
        b"2026-11-22T16:00:00+08:00\n"
    )


@pytest.mark.parametrize(
    ("village", "tree_size", "root", "signed_at", "message"),
    [
        ("", 1, GOOD_HASH, "2026-11-22T16:00:00+08:00", "the village code must be non-empty"),
        ("5106\n81", 1, GOOD_HASH, "2026-11-22T16:00:00+08:00", "the village code must be"),
        ("510681101201", -1, GOOD_HASH, "2026-11-22T16:00:00+08:00", "the tree size must be"),
        ("510681101201", 1, GOOD_HASH[:31], "2026-11-22T16:00:00+08:00", "the root must be 32"),
        ("510681101201", 1, GOOD_HASH, "", "signed_at must be non-empty"),
        ("510681101201", 1, GOOD_HASH, "2026-11-22\nT16", "signed_at must be non-empty"),
    ],
)
def test_checkpoint_message_refuses_ambiguous_fields(
    village: str, tree_size: int, root: bytes, signed_at: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        checkpoint_message(village, tree_size, root, signed_at)


def test_key_id_is_the_start_of_the_public_key_hash() -> None:
    public_key = bytes(32)

    assert key_id(public_key) == hashlib.sha256(public_key).hexdigest()[:16]
    assert key_id(public_key) == "66687aadf862bd77"
