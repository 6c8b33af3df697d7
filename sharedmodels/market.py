"""The test-set provider's side of the prediction market (SPEC §5.3, issue 7): split, salt,
commit, verify, and keep the secrets in a file only the provider reads.

A *piece* is a list of labelled samples ``(features, label)``, the features being sorted,
unique feature indices (SPEC §2). Its canonical bytes are ``abi_encode((uint32[],uint8)[])``,
and its commitment is ``keccak256(salt ‖ those bytes)`` with a fresh 32-byte random salt per
piece, so a commitment reveals nothing about its piece, even if some samples are public.
``docs/market-design.md`` describes the contract these commitments are made for.

    secrets = commit_test_set(rows, labels, pieces=4)
    save_secrets(secrets, Path("market-secrets.json"))     # mode 0600, atomic
    secrets.commitments                                      # -> the contract's create(...)
    salt, piece = secrets.reveal(i)                          # -> reveal(i, salt, piece)
"""

from __future__ import annotations

import json
import os
import secrets as _random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eth_abi import encode
from eth_utils import keccak

from .features import check_indices

Sample = tuple[tuple[int, ...], int]
PIECE_ABI = "(uint32[],uint8)[]"
SALT_BYTES = 32
#: The ``n_features`` the indices are checked against when none is given (uint32 range).
ANY_INDEX = 2**32


class MarketError(ValueError):
    """A test set or secrets file the market cannot use; ``str(e)`` is one line."""


def encode_piece(piece: Sequence[Sample]) -> bytes:
    """The canonical bytes of a piece: ``abi_encode((uint32[],uint8)[])``."""
    return encode([PIECE_ABI], [[(list(x), y) for x, y in piece]])


def commitment(salt: bytes, piece: Sequence[Sample]) -> bytes:
    """``keccak256(salt ‖ abi_encode(piece))``."""
    if len(salt) != SALT_BYTES:
        raise MarketError(f"a salt is {SALT_BYTES} bytes, got {len(salt)}")
    return keccak(salt + encode_piece(piece))


def split(rows: Sequence[Sequence[int]], labels: Sequence[int], pieces: int) -> list[list[Sample]]:
    """Deal the samples round-robin into ``pieces`` lists (sample j into piece j mod K), each
    keeping the original order, so every piece is a spread of the whole test set."""
    if pieces < 2:
        raise MarketError(f"a test set is committed in at least 2 pieces, got {pieces}")
    if len(rows) != len(labels):
        raise MarketError(f"{len(rows)} rows but {len(labels)} labels")
    if len(rows) < pieces:
        raise MarketError(f"{len(rows)} samples cannot fill {pieces} pieces")
    out: list[list[Sample]] = [[] for _ in range(pieces)]
    for j, (x, y) in enumerate(zip(rows, labels, strict=True)):
        out[j % pieces].append((tuple(int(v) for v in x), int(y)))
    return out


@dataclass
class ProviderSecrets:
    """Everything the provider must keep until the last reveal."""

    pieces: list[list[Sample]]
    salts: list[bytes]

    @property
    def commitments(self) -> list[bytes]:
        return [commitment(s, p) for s, p in zip(self.salts, self.pieces, strict=True)]

    def reveal(self, i: int) -> tuple[bytes, list[Sample]]:
        """What ``reveal(i, salt, piece)`` sends for piece ``i``."""
        if not 0 <= i < len(self.pieces):
            raise MarketError(f"no piece {i} (pieces are 0 to {len(self.pieces) - 1})")
        return self.salts[i], self.pieces[i]

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 1,
                "pieces": [[[list(x), y] for x, y in p] for p in self.pieces],
                "salts": ["0x" + s.hex() for s in self.salts],
                "commitments": ["0x" + c.hex() for c in self.commitments],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> ProviderSecrets:
        try:
            data = json.loads(text)
            pieces = [[(tuple(int(v) for v in x), int(y)) for x, y in p] for p in data["pieces"]]
            salts = [bytes.fromhex(s.removeprefix("0x")) for s in data["salts"]]
            recorded = [bytes.fromhex(c.removeprefix("0x")) for c in data["commitments"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise MarketError(f"not a secrets file: {exc}") from None
        out = cls(pieces, salts)
        if len(pieces) != len(salts) or out.commitments != recorded:
            raise MarketError(
                "secrets file is inconsistent: its pieces do not match its commitments"
            )
        return out


def commit_test_set(
    rows: Sequence[Sequence[int]],
    labels: Sequence[int],
    pieces: int,
    n_features: int = ANY_INDEX,
) -> ProviderSecrets:
    """Check every sample as the contracts would, split it, and salt each piece."""
    for j, x in enumerate(rows):
        try:
            check_indices(x, n_features)
        except ValueError as exc:
            raise MarketError(f"test sample {j}: {exc}") from None
    parts = split(rows, labels, pieces)
    return ProviderSecrets(parts, [_random.token_bytes(SALT_BYTES) for _ in parts])


def verify(commit: bytes, salt: bytes, piece: Sequence[Sample]) -> bool:
    """Whether a revealed piece matches its commitment (what the contract will check)."""
    return commitment(salt, piece) == commit


def save_secrets(secrets: ProviderSecrets, path: Path) -> Path:
    """Write the secrets atomically, readable by the owner only (mode 0600); refuse to
    overwrite an existing file, whose loss would forfeit the bounty of another market."""
    path = Path(path)
    if path.exists():
        raise MarketError(f"{path} exists; the secrets of an earlier market would be lost")
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.to_json())
    os.replace(tmp, path)
    return path


def load_secrets(path: Path) -> ProviderSecrets:
    path = Path(path)
    if not path.is_file():
        raise MarketError(f"no secrets file at {path}")
    return ProviderSecrets.from_json(path.read_text())
