"""tools/jifen_verify.py, run as a household would run it, on proofs built the way the server will.

The server side here is jifen.ledger.merkle plus a fresh Ed25519 key; the script is run in a
subprocess and must say OK, or name the first check that failed.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from jifen.ledger import merkle

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tools" / "jifen_verify.py"
VECTORS_DIR = REPO.parent / "shared" / "testdata" / "rfc9162"
VILLAGE = "510681101201"
OTHER_VILLAGE = "510681101202"
SIGNED_AT = "2026-11-22T16:00:00+08:00"
LATER = "2026-11-29T16:00:00+08:00"
# Random bytes (seeded, so a failure can be replayed) stand in for the canonical entry encoding.
ENTRIES = [random.Random(number).randbytes(40 + number) for number in range(11)]

Document = dict[str, Any]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("jifen_verify", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up in sys.modules while the class is being built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def raw_public_key(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def sign_checkpoint(
    key: Ed25519PrivateKey,
    entries: list[bytes],
    *,
    village: str = VILLAGE,
    signed_at: str = SIGNED_AT,
    root: bytes | None = None,
) -> Document:
    if root is None:
        root = merkle.root_hash([merkle.leaf_hash(entry) for entry in entries])
    public_key = raw_public_key(key)
    message = merkle.checkpoint_message(village, len(entries), root, signed_at)
    return {
        "village": village,
        "tree_size": len(entries),
        "root": b64(root),
        "signed_at": signed_at,
        "key_id": merkle.key_id(public_key),
        "public_key": b64(public_key),
        "signature": b64(key.sign(message)),
    }


def inclusion_document(key: Ed25519PrivateKey, seq: int) -> Document:
    leaf_hashes = [merkle.leaf_hash(entry) for entry in ENTRIES]
    return {
        "format": "jifen-inclusion-proof/1",
        "village": VILLAGE,
        "entry": {"seq": seq, "encoding": b64(ENTRIES[seq - 1])},
        "leaf_index": seq - 1,
        "tree_size": len(ENTRIES),
        "proof": [b64(node) for node in merkle.inclusion_proof(leaf_hashes, seq - 1)],
        "checkpoint": sign_checkpoint(key, ENTRIES),
    }


def consistency_document(key: Ed25519PrivateKey, old_size: int) -> Document:
    leaf_hashes = [merkle.leaf_hash(entry) for entry in ENTRIES]
    return {
        "format": "jifen-consistency-proof/1",
        "village": VILLAGE,
        "old": sign_checkpoint(key, ENTRIES[:old_size]),
        "new": sign_checkpoint(key, ENTRIES, signed_at=LATER),
        "proof": [b64(node) for node in merkle.consistency_proof(leaf_hashes, old_size)],
    }


def run(
    kind: str, document: Document | str, tmp_path: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    proof_file = tmp_path / f"{kind}.json"
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    proof_file.write_text(text)
    return subprocess.run(
        [sys.executable, str(SCRIPT), kind, str(proof_file), *options],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )


def flip_bytes(value: bytes) -> bytes:
    return bytes([value[0] ^ 0x01]) + value[1:]


def flip_base64(value: str) -> str:
    return b64(flip_bytes(base64.b64decode(value)))


@pytest.fixture(scope="module")
def township_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def stranger_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


# --- inclusion --------------------------------------------------------------------------------


def test_inclusion_proof_verifies(township_key: Ed25519PrivateKey, tmp_path: Path) -> None:
    document = inclusion_document(township_key, seq=3)
    checkpoint = document["checkpoint"]

    result = run("inclusion", document, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == (
        f"village {VILLAGE}\n"
        "entry seq 3 (leaf 2) is in the ledger\n"
        f"checkpoint: tree size 11, signed at {SIGNED_AT}\n"
        f"  root {checkpoint['root']}\n"
        f"  signer key {checkpoint['key_id']} (as given in the file)\n"
        "OK\n"
    )


@pytest.mark.parametrize("seq", [1, 8, 11])
def test_inclusion_proof_verifies_with_the_pinned_township_key(
    township_key: Ed25519PrivateKey, tmp_path: Path, seq: int
) -> None:
    document = inclusion_document(township_key, seq=seq)
    pinned = b64(raw_public_key(township_key))

    result = run("inclusion", document, tmp_path, "--public-key", pinned)

    assert result.returncode == 0, result.stderr
    assert f"entry seq {seq} (leaf {seq - 1}) is in the ledger\n" in result.stdout
    assert "(pinned with --public-key)\nOK\n" in result.stdout


def tamper_entry(document: Document, key: Ed25519PrivateKey) -> None:
    document["entry"]["encoding"] = flip_base64(document["entry"]["encoding"])


def tamper_proof_element(document: Document, key: Ed25519PrivateKey) -> None:
    document["proof"][1] = flip_base64(document["proof"][1])


def tamper_root(document: Document, key: Ed25519PrivateKey) -> None:
    document["checkpoint"]["root"] = flip_base64(document["checkpoint"]["root"])


def sign_a_wrong_root(document: Document, key: Ed25519PrivateKey) -> None:
    document["checkpoint"] = sign_checkpoint(key, ENTRIES, root=bytes(32))


def tamper_signature(document: Document, key: Ed25519PrivateKey) -> None:
    document["checkpoint"]["signature"] = flip_base64(document["checkpoint"]["signature"])


def tamper_key_id(document: Document, key: Ed25519PrivateKey) -> None:
    document["checkpoint"]["key_id"] = "0000000000000000"


def move_the_entry(document: Document, key: Ed25519PrivateKey) -> None:
    document["entry"]["seq"] = 4


def shrink_the_tree(document: Document, key: Ed25519PrivateKey) -> None:
    document["tree_size"] = 10


def claim_another_village(document: Document, key: Ed25519PrivateKey) -> None:
    document["village"] = OTHER_VILLAGE


def shorten_a_proof_element(document: Document, key: Ed25519PrivateKey) -> None:
    document["proof"][0] = b64(bytes(31))


def drop_the_signature(document: Document, key: Ed25519PrivateKey) -> None:
    del document["checkpoint"]["signature"]


def change_the_format(document: Document, key: Ed25519PrivateKey) -> None:
    document["format"] = "jifen-inclusion-proof/2"


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (
            tamper_entry,
            "FAILED: inclusion proof failed: entry seq 3 and its proof do not lead to the "
            "checkpoint's root\n",
        ),
        (
            tamper_proof_element,
            "FAILED: inclusion proof failed: entry seq 3 and its proof do not lead to the "
            "checkpoint's root\n",
        ),
        (
            tamper_root,
            "FAILED: checkpoint signature is not valid: its village, tree size, root or signing "
            "time differ from what the key signed\n",
        ),
        (
            sign_a_wrong_root,
            "FAILED: inclusion proof failed: entry seq 3 and its proof do not lead to the "
            "checkpoint's root\n",
        ),
        (
            tamper_signature,
            "FAILED: checkpoint signature is not valid: its village, tree size, root or signing "
            "time differ from what the key signed\n",
        ),
        (tamper_key_id, "FAILED: checkpoint.key_id '0000000000000000' does not match"),
        (move_the_entry, "FAILED: entry seq 4 must be at leaf_index 3, not 2\n"),
        (
            shrink_the_tree,
            "FAILED: the proof is for a tree of 10 entries but the checkpoint signs 11\n",
        ),
        (
            claim_another_village,
            f"FAILED: the proof is for village {OTHER_VILLAGE} but the checkpoint is for "
            f"{VILLAGE}\n",
        ),
        (shorten_a_proof_element, "FAILED: proof.proof[0] must be 32 bytes, not 31\n"),
        (drop_the_signature, "FAILED: checkpoint.signature is missing\n"),
        (
            change_the_format,
            "FAILED: format is 'jifen-inclusion-proof/2', expected 'jifen-inclusion-proof/1'\n",
        ),
    ],
)
def test_tampered_inclusion_proof_fails(
    township_key: Ed25519PrivateKey,
    tmp_path: Path,
    tamper: Callable[[Document, Ed25519PrivateKey], None],
    message: str,
) -> None:
    document = inclusion_document(township_key, seq=3)
    tamper(document, township_key)

    result = run("inclusion", document, tmp_path)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(message)


def test_inclusion_proof_signed_by_another_key_fails_when_the_key_is_pinned(
    township_key: Ed25519PrivateKey, stranger_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    document = inclusion_document(stranger_key, seq=3)
    pinned = b64(raw_public_key(township_key))

    result = run("inclusion", document, tmp_path, "--public-key", pinned)

    assert result.returncode == 1
    assert result.stderr == (
        f"FAILED: checkpoint was signed with key {merkle.key_id(raw_public_key(stranger_key))}, "
        f"not with the key given by --public-key ({merkle.key_id(raw_public_key(township_key))})\n"
    )


def test_a_pinned_key_must_be_a_raw_ed25519_key(
    township_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    document = inclusion_document(township_key, seq=3)

    result = run("inclusion", document, tmp_path, "--public-key", b64(bytes(31)))

    assert result.returncode == 1
    assert result.stderr == "FAILED: --public-key must be 32 bytes, not 31\n"


def test_a_repeated_field_fails(township_key: Ed25519PrivateKey, tmp_path: Path) -> None:
    document = inclusion_document(township_key, seq=3)
    text = json.dumps(document)[:-1] + ', "tree_size": 10}'

    result = run("inclusion", text, tmp_path)

    assert result.returncode == 1
    assert result.stderr == "FAILED: the field 'tree_size' appears twice\n"


def test_a_file_that_is_not_json_fails(tmp_path: Path) -> None:
    result = run("inclusion", "not json", tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith(f"FAILED: {tmp_path / 'inclusion.json'} is not JSON: ")


# --- consistency ------------------------------------------------------------------------------


@pytest.mark.parametrize("old_size", [1, 4, 7, 11])
def test_consistency_proof_verifies(
    township_key: Ed25519PrivateKey, tmp_path: Path, old_size: int
) -> None:
    document = consistency_document(township_key, old_size)
    pinned = b64(raw_public_key(township_key))

    result = run("consistency", document, tmp_path, "--public-key", pinned)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"village {VILLAGE}\nold checkpoint: tree size {old_size}, ")
    assert result.stdout.count("(pinned with --public-key)\n") == 2
    assert result.stdout.endswith(
        f"the first {old_size} entries are unchanged in the new checkpoint\nOK\n"
    )


def rewrite_history(document: Document, key: Ed25519PrivateKey) -> None:
    # The township signs a new tree in which entry 2 was changed.
    rewritten = [*ENTRIES[:1], b"changed", *ENTRIES[2:]]
    document["new"] = sign_checkpoint(key, rewritten, signed_at=LATER)


def tamper_consistency_element(document: Document, key: Ed25519PrivateKey) -> None:
    document["proof"][0] = flip_base64(document["proof"][0])


def tamper_old_root(document: Document, key: Ed25519PrivateKey) -> None:
    document["old"]["root"] = flip_base64(document["old"]["root"])


def tamper_new_signature(document: Document, key: Ed25519PrivateKey) -> None:
    document["new"]["signature"] = flip_base64(document["new"]["signature"])


def swap_the_checkpoints(document: Document, key: Ed25519PrivateKey) -> None:
    document["old"], document["new"] = document["new"], document["old"]


def use_another_villages_checkpoint(document: Document, key: Ed25519PrivateKey) -> None:
    document["new"] = sign_checkpoint(key, ENTRIES, village=OTHER_VILLAGE, signed_at=LATER)


def drop_the_proof(document: Document, key: Ed25519PrivateKey) -> None:
    document["proof"] = []


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (
            rewrite_history,
            "FAILED: consistency proof failed: the new tree of 11 entries does not extend the "
            "old tree of 4 entries\n",
        ),
        (
            tamper_consistency_element,
            "FAILED: consistency proof failed: the new tree of 11 entries does not extend the "
            "old tree of 4 entries\n",
        ),
        (
            drop_the_proof,
            "FAILED: consistency proof failed: the new tree of 11 entries does not extend the "
            "old tree of 4 entries\n",
        ),
        (
            tamper_old_root,
            "FAILED: old checkpoint signature is not valid: its village, tree size, root or "
            "signing time differ from what the key signed\n",
        ),
        (
            tamper_new_signature,
            "FAILED: new checkpoint signature is not valid: its village, tree size, root or "
            "signing time differ from what the key signed\n",
        ),
        (
            swap_the_checkpoints,
            "FAILED: the old checkpoint has more entries (11) than the new one (4)\n",
        ),
        (
            use_another_villages_checkpoint,
            f"FAILED: the checkpoints are not all of village {VILLAGE}: old is of {VILLAGE}, "
            f"new is of {OTHER_VILLAGE}\n",
        ),
    ],
)
def test_tampered_consistency_proof_fails(
    township_key: Ed25519PrivateKey,
    tmp_path: Path,
    tamper: Callable[[Document, Ed25519PrivateKey], None],
    message: str,
) -> None:
    document = consistency_document(township_key, old_size=4)
    tamper(document, township_key)

    result = run("consistency", document, tmp_path)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == message


def test_consistency_proof_signed_by_another_key_fails_when_the_key_is_pinned(
    township_key: Ed25519PrivateKey, stranger_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    document = consistency_document(township_key, old_size=4)
    document["new"] = sign_checkpoint(stranger_key, ENTRIES, signed_at=LATER)
    pinned = b64(raw_public_key(township_key))

    result = run("consistency", document, tmp_path, "--public-key", pinned)

    assert result.returncode == 1
    assert result.stderr.startswith("FAILED: new checkpoint was signed with key ")


# --- the script's copies agree with jifen.ledger.merkle ----------------------------------------


@pytest.mark.parametrize(
    ("village", "tree_size", "root", "signed_at"),
    [
        (VILLAGE, 230, bytes(range(32)), SIGNED_AT),
        ("桂花村", 0, merkle.root_hash([]), "2026-01-01T00:00:00Z"),
        (OTHER_VILLAGE, 10**9, b"\xff" * 32, "2026-11-22T08:00:00+00:00"),
    ],
)
def test_the_script_signs_the_same_checkpoint_message(
    village: str, tree_size: int, root: bytes, signed_at: str
) -> None:
    script = load_script()

    assert script.checkpoint_message(village, tree_size, root, signed_at) == (
        merkle.checkpoint_message(village, tree_size, root, signed_at)
    )
    assert script.key_id(root) == merkle.key_id(root)


def test_the_script_refuses_the_same_ambiguous_checkpoint_fields() -> None:
    script = load_script()

    for arguments in [("", 1, bytes(32), SIGNED_AT), (VILLAGE, 1, bytes(31), SIGNED_AT)]:
        with pytest.raises(ValueError):
            merkle.checkpoint_message(*arguments)
        with pytest.raises(ValueError):
            script.checkpoint_message(*arguments)


def test_the_script_verifies_proofs_exactly_as_jifen_does() -> None:
    script = load_script()
    leaf_hashes = [merkle.leaf_hash(entry) for entry in ENTRIES]
    size = len(ENTRIES)
    root = merkle.root_hash(leaf_hashes)

    for index in range(size):
        path = merkle.inclusion_proof(leaf_hashes, index)
        cases = [
            (leaf_hashes[index], index, size, path, root),
            (leaf_hashes[index], index, size, path[:-1], root),
            (leaf_hashes[index], (index + 1) % size, size, path, root),
        ]
        assert [script.verify_inclusion(*case) for case in cases] == [True, False, False]
        assert [merkle.verify_inclusion(*case) for case in cases] == [True, False, False]
    for old_size in range(1, size + 1):
        proof = merkle.consistency_proof(leaf_hashes, old_size)
        old_root = merkle.root_hash(leaf_hashes[:old_size])
        consistency_cases = [
            (old_size, size, old_root, root, proof),
            (old_size, size, old_root, root, [*proof, root]),
            (old_size, size, old_root, flip_bytes(root), proof),
        ]
        expected = [True, False, False]
        assert [script.verify_consistency(*case) for case in consistency_cases] == expected
        assert [merkle.verify_consistency(*case) for case in consistency_cases] == expected


def test_the_script_agrees_with_jifen_on_every_rfc9162_vector() -> None:
    script = load_script()
    paths = sorted(VECTORS_DIR.rglob("*.json"))
    assert len(paths) == 196, f"expected the 196 RFC 9162 vectors in {VECTORS_DIR}"

    for path in paths:
        vector = json.loads(path.read_text())
        proof = [base64.b64decode(element) for element in vector["proof"] or []]
        if "leafHash" in vector:
            arguments: tuple[Any, ...] = (
                base64.b64decode(vector["leafHash"]),
                vector["leafIdx"],
                vector["treeSize"],
                proof,
                base64.b64decode(vector["root"]),
            )
            assert script.verify_inclusion(*arguments) is merkle.verify_inclusion(*arguments)
        else:
            arguments = (
                vector["size1"],
                vector["size2"],
                base64.b64decode(vector["root1"]),
                base64.b64decode(vector["root2"]),
                proof,
            )
            assert script.verify_consistency(*arguments) is merkle.verify_consistency(*arguments)
