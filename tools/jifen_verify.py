#!/usr/bin/env python3
"""Check a jifen ledger proof on your own machine, without trusting the jifen server.

    python jifen_verify.py inclusion PROOF.json [--public-key BASE64]
    python jifen_verify.py consistency PROOF.json [--public-key BASE64]

An inclusion proof shows that one ledger entry is in a village's ledger as of a checkpoint the
township signed; a consistency proof shows that a later checkpoint only added entries to an
earlier one. Pass --public-key (the township's published Ed25519 key, base64) to insist on that
key instead of trusting the key written in the file.

This file stands alone: it needs Python 3.11+ and the `cryptography` package, nothing from
jifen. The formats, the hashing and the signed message are described in docs/ledger-proofs.md.
The Merkle functions are copies of jifen/ledger/merkle.py (RFC 9162 §2.1); jifen's tests check
that the copies agree. Exit status: 0 when the proof holds, 1 when it does not (the first
failure is printed), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

INCLUSION_FORMAT = "jifen-inclusion-proof/1"
CONSISTENCY_FORMAT = "jifen-consistency-proof/1"
CHECKPOINT_FORMAT = "jifen-checkpoint/1"
HASH_SIZE = 32
PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64


class VerificationError(Exception):
    """The proof does not hold; the message says which check failed."""


# --- RFC 9162 §2.1, copied from jifen/ledger/merkle.py ----------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """Hash one leaf: SHA-256(0x00 || data) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash an interior node: SHA-256(0x01 || left || right) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check an audit path with the algorithm of RFC 9162 §2.1.3.2, step by step."""
    if not (_is_size(index) and _is_size(tree_size)):
        return False
    if not (_is_hash(leaf_hash) and _is_hash(root) and _is_proof(proof)):
        return False
    if index >= tree_size:
        return False
    fn, sn = index, tree_size - 1
    r = leaf_hash
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
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check a consistency proof with the algorithm of RFC 9162 §2.1.4.2, step by step.

    An old size of 0 is rejected; equal sizes need an empty proof and equal roots.
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
    if len(proof) == 0:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
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
    return sn == 0 and fr == old_root and sr == new_root


def checkpoint_message(village_code: str, tree_size: int, root: bytes, signed_at: str) -> bytes:
    """Return the exact bytes a checkpoint's Ed25519 signature covers."""
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


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_proof(value: object) -> bool:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes | bytearray):
        return False
    return all(_is_hash(element) for element in value)


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# --- reading the files ------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint whose signature has been checked."""

    village: str
    tree_size: int
    root: bytes
    signed_at: str
    key_id: str
    is_key_pinned: bool

    def describe(self, name: str) -> list[str]:
        trust = "pinned with --public-key" if self.is_key_pinned else "as given in the file"
        return [
            f"{name}: tree size {self.tree_size}, signed at {self.signed_at}",
            f"  root {base64.b64encode(self.root).decode('ascii')}",
            f"  signer key {self.key_id} ({trust})",
        ]


def read_checkpoint(fields: dict[str, Any], where: str, pinned_key: bytes | None) -> Checkpoint:
    """Parse a checkpoint object and check its key and signature, or raise VerificationError."""
    village = _text(fields, "village", where)
    tree_size = _size(fields, "tree_size", where)
    root = _base64(fields, "root", where, HASH_SIZE)
    signed_at = _text(fields, "signed_at", where)
    claimed_key_id = _text(fields, "key_id", where)
    public_key = _base64(fields, "public_key", where, PUBLIC_KEY_SIZE)
    signature = _base64(fields, "signature", where, SIGNATURE_SIZE)

    try:
        timestamp: datetime | None = datetime.fromisoformat(signed_at)
    except ValueError:
        timestamp = None
    if timestamp is None or timestamp.tzinfo is None:
        raise VerificationError(
            f"{where}.signed_at is not an ISO 8601 time with a UTC offset: {signed_at!r}"
        )
    if pinned_key is not None and public_key != pinned_key:
        raise VerificationError(
            f"{where} was signed with key {key_id(public_key)}, "
            f"not with the key given by --public-key ({key_id(pinned_key)})"
        )
    if claimed_key_id != key_id(public_key):
        raise VerificationError(
            f"{where}.key_id {claimed_key_id!r} does not match its public key "
            f"(expected {key_id(public_key)!r})"
        )
    try:
        message = checkpoint_message(village, tree_size, root, signed_at)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise VerificationError(
            f"{where} signature is not valid: its village, tree size, root or signing time "
            "differ from what the key signed"
        ) from None
    return Checkpoint(
        village=village,
        tree_size=tree_size,
        root=root,
        signed_at=signed_at,
        key_id=claimed_key_id,
        is_key_pinned=pinned_key is not None,
    )


def verify_inclusion_document(document: dict[str, Any], pinned_key: bytes | None) -> list[str]:
    """Check an inclusion proof file; return the report lines or raise VerificationError."""
    _expect_format(document, INCLUSION_FORMAT)
    village = _text(document, "village", "proof")
    entry = _object(document, "entry", "proof")
    seq = _size(entry, "seq", "entry")
    encoding = _base64(entry, "encoding", "entry", None)
    leaf_index = _size(document, "leaf_index", "proof")
    tree_size = _size(document, "tree_size", "proof")
    proof = _hash_list(document, "proof", "proof")
    checkpoint = read_checkpoint(_object(document, "checkpoint", "proof"), "checkpoint", pinned_key)

    if checkpoint.village != village:
        raise VerificationError(
            f"the proof is for village {village} but the checkpoint is for {checkpoint.village}"
        )
    if tree_size != checkpoint.tree_size:
        raise VerificationError(
            f"the proof is for a tree of {tree_size} entries but the checkpoint signs "
            f"{checkpoint.tree_size}"
        )
    if leaf_index != seq - 1:
        raise VerificationError(
            f"entry seq {seq} must be at leaf_index {seq - 1}, not {leaf_index}"
        )
    if not verify_inclusion(leaf_hash(encoding), leaf_index, tree_size, proof, checkpoint.root):
        raise VerificationError(
            f"inclusion proof failed: entry seq {seq} and its proof do not lead to the "
            "checkpoint's root"
        )
    return [
        f"village {village}",
        f"entry seq {seq} (leaf {leaf_index}) is in the ledger",
        *checkpoint.describe("checkpoint"),
    ]


def verify_consistency_document(document: dict[str, Any], pinned_key: bytes | None) -> list[str]:
    """Check a consistency proof file; return the report lines or raise VerificationError."""
    _expect_format(document, CONSISTENCY_FORMAT)
    village = _text(document, "village", "proof")
    proof = _hash_list(document, "proof", "proof")
    old = read_checkpoint(_object(document, "old", "proof"), "old checkpoint", pinned_key)
    new = read_checkpoint(_object(document, "new", "proof"), "new checkpoint", pinned_key)

    if not old.village == new.village == village:
        raise VerificationError(
            f"the checkpoints are not all of village {village}: old is of {old.village}, "
            f"new is of {new.village}"
        )
    if old.tree_size > new.tree_size:
        raise VerificationError(
            f"the old checkpoint has more entries ({old.tree_size}) than the new one "
            f"({new.tree_size})"
        )
    if old.tree_size == 0:
        raise VerificationError("the old checkpoint is of an empty ledger: nothing to compare")
    if not verify_consistency(old.tree_size, new.tree_size, old.root, new.root, proof):
        raise VerificationError(
            f"consistency proof failed: the new tree of {new.tree_size} entries does not extend "
            f"the old tree of {old.tree_size} entries"
        )
    return [
        f"village {village}",
        *old.describe("old checkpoint"),
        *new.describe("new checkpoint"),
        f"the first {old.tree_size} entries are unchanged in the new checkpoint",
    ]


def _expect_format(document: dict[str, Any], expected: str) -> None:
    found = document.get("format")
    if found != expected:
        raise VerificationError(f"format is {found!r}, expected {expected!r}")


def _object(fields: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    value = _field(fields, name, where)
    if not isinstance(value, dict):
        raise VerificationError(f"{where}.{name} must be an object")
    return value


def _text(fields: dict[str, Any], name: str, where: str) -> str:
    value = _field(fields, name, where)
    if not isinstance(value, str) or not value or "\n" in value:
        raise VerificationError(f"{where}.{name} must be a non-empty string on one line")
    return value


def _size(fields: dict[str, Any], name: str, where: str) -> int:
    value = _field(fields, name, where)
    if not _is_size(value):
        raise VerificationError(f"{where}.{name} must be a non-negative integer")
    return int(value)


def _base64(fields: dict[str, Any], name: str, where: str, length: int | None) -> bytes:
    return _decode(_field(fields, name, where), f"{where}.{name}", length)


def _hash_list(fields: dict[str, Any], name: str, where: str) -> list[bytes]:
    value = _field(fields, name, where)
    if not isinstance(value, list):
        raise VerificationError(f"{where}.{name} must be a list of base64 hashes")
    return [
        _decode(element, f"{where}.{name}[{position}]", HASH_SIZE)
        for position, element in enumerate(value)
    ]


def _field(fields: dict[str, Any], name: str, where: str) -> Any:
    if name not in fields:
        raise VerificationError(f"{where}.{name} is missing")
    return fields[name]


def _decode(value: Any, what: str, length: int | None) -> bytes:
    if not isinstance(value, str):
        raise VerificationError(f"{what} must be a base64 string")
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError(f"{what} is not valid base64") from None
    if length is not None and len(decoded) != length:
        raise VerificationError(f"{what} must be {length} bytes, not {len(decoded)}")
    return decoded


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A second "root" or "proof" later in the file must not silently replace the first.
    fields: dict[str, Any] = {}
    for name, value in pairs:
        if name in fields:
            raise VerificationError(f"the field {name!r} appears twice")
        fields[name] = value
    return fields


def _load(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_bytes(), object_pairs_hook=_reject_duplicate_keys)
    except OSError as error:
        raise VerificationError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:  # json.JSONDecodeError and UnicodeDecodeError
        raise VerificationError(f"{path} is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise VerificationError(f"{path} must hold a JSON object")
    return document


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="jifen_verify.py", description="Check a jifen ledger proof (docs/ledger-proofs.md)."
    )
    commands = parser.add_subparsers(dest="kind", required=True)
    for kind, help_text in [
        ("inclusion", "an entry is in a village's ledger at a signed checkpoint"),
        ("consistency", "a later signed checkpoint only added entries to an earlier one"),
    ]:
        command = commands.add_parser(kind, help=help_text)
        command.add_argument("proof_file", metavar="PROOF.json", type=Path)
        command.add_argument(
            "--public-key",
            metavar="BASE64",
            help="the township's raw 32-byte Ed25519 public key; the checkpoints must use it",
        )
    arguments = parser.parse_args(argv)

    try:
        pinned_key = None
        if arguments.public_key is not None:
            pinned_key = _decode(arguments.public_key, "--public-key", PUBLIC_KEY_SIZE)
        document = _load(arguments.proof_file)
        if arguments.kind == "inclusion":
            report = verify_inclusion_document(document, pinned_key)
        else:
            report = verify_consistency_document(document, pinned_key)
    except VerificationError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    print("\n".join(report))
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
