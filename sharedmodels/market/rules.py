"""The test-set provider's side of the prediction market: split, salt, commit, verify, and
keep the secrets in a file only the provider reads; and the reward pass in Python integers.

A *piece* is a list of labelled samples ``(features, label)``, the features being sorted,
unique feature indices. Each sample hashes to ``keccak256(abi_encode(x, y))`` with
``x: uint32[]`` and ``y: uint8``, and a piece's commitment chains its sample hashes from a link
that binds the chain id, the market's address, a fresh 32-byte random salt and the piece's
length: ``c = keccak256(abi_encode(PIECE_TAG, chain_id, market, salt, n)); c = keccak256(c ‖
h_k)`` for each sample in order. A commitment so reveals nothing about its piece, even if
some samples are public; only the whole piece with its real salt matches it, in that market
only (a suffix would need a chain value as its first link, a prefix has another length); and
the contract checks a reveal one sample at a time instead of encoding the whole piece in
memory (which for a 64-sample piece cost 9.0M gas against 2.5M, measured). The market's
address is known before it exists: the provider's next contract creation.

    secrets = commit_test_set(rows, labels, pieces=4, market=address, chain_id=chain_id)
    save_secrets(secrets, Path("market-secrets.json"))     # mode 0600, atomic
    secrets.commitments                                      # -> the contract's constructor
    salt, piece = secrets.reveal(i)                          # -> reveal(i, salt, piece)
"""

from __future__ import annotations

import json
import os
import secrets as _random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eth_abi import encode
from eth_utils import keccak

from sharedmodels.encoding.features import check_indices
from sharedmodels.errors import SharedModelsError
from sharedmodels.mirrors.perceptron import IntPerceptron

Sample = tuple[tuple[int, ...], int]
SAMPLE_ABI = ["uint32[]", "uint8"]
#: The contract's ``PIECE_TAG``: the domain of a commitment's first link.
PIECE_TAG = keccak(text="sharedmodels.market.piece")
#: The contract's ``SAMPLE_TAG``: the domain of a contributor's sample commitment.
SAMPLE_TAG = keccak(text="sharedmodels.market.sample")
SALT_BYTES = 32
#: The contract's limits: samples in one revealed piece, and pieces in a test set.
MAX_PIECE = 16
MAX_PIECES = 256
#: The ``n_features`` the indices are checked against when none is given (uint32 range).
ANY_INDEX = 2**32
#: Version 3: commitments start from ``first_link``, which binds the market's address and chain
#: id (version 2 bound the salt and length only; version 1 started from the bare salt).
SECRETS_VERSION = 3
#: The contract's work accounting (``PredictionMarket.step``): units of about 2,100 gas.
BASE_COST = 4
MERGE_COST = 2
#: Scanning a contributor still in (one already out: BASE_COST); sharing out to one still in;
#: each slot a drop sets from zero (the flag, the charge); settling a pass.
SCAN_COST = 2 * BASE_COST
APPLY_COST = 2 * BASE_COST
FRESH_WRITE_COST = 10
SETTLE_COST = 2 * BASE_COST
#: The most work any market may need (``MAX_WORK``), and the units a second the reward window
#: must allow for (``_WORK_RATE``).
MAX_WORK = 2**27
WORK_RATE = 128
#: The contract's ``SLOT_FEE_DIVISOR`` (see ``slot_fee``).
SLOT_FEE_DIVISOR = 8


def slot_fee(min_stake: int) -> int:
    """The wei every commitment pays besides its stake and never gets back (the contract's
    ``slot_fee``): an eighth of the minimum stake, rounded up."""
    return -(-min_stake // SLOT_FEE_DIVISOR)


def worst_work(
    test_size: int, max_contributions: int, max_features: int, max_contributors: int
) -> int:
    """Work units of the worst market these caps allow (the contract's ``max_work``): every
    sample at the feature cap, every contribution changing the model in every one of the
    ``max_contributors + 1`` passes a market can have."""
    f, n = max_features, max_contributions
    initial = test_size * (BASE_COST + f // 8 + 2 * f)
    train = BASE_COST + f // 8 + 12 * f
    evaluate = BASE_COST + MERGE_COST + f // 8 + (2 * f) // 8
    share = SCAN_COST + APPLY_COST + 2 * FRESH_WRITE_COST
    per_pass = n * (train + test_size * evaluate) + max_contributors * share + SETTLE_COST
    return initial + (max_contributors + 1) * per_pass


class MarketError(SharedModelsError, ValueError):
    """A test set or secrets file the market cannot use; ``str(e)`` is one line."""


def sample_hash(x: Sequence[int], y: int) -> bytes:
    """``keccak256(abi_encode(x, y))`` for ``x: uint32[]``, ``y: uint8``."""
    return keccak(encode(SAMPLE_ABI, [list(x), y]))


def sample_commitment(
    market: str, chain_id: int, sender: str, *, salt: bytes, x: Sequence[int], y: int
) -> bytes:
    """What a contributor sends to ``commit``: ``keccak256(abi_encode(SAMPLE_TAG, market,
    chain id, sender, salt, x, y))``. It binds the sample to this market on this chain and to
    its sender, so a copy of the later reveal matches no commitment of anyone else."""
    if len(salt) != SALT_BYTES:
        raise MarketError(f"a salt is {SALT_BYTES} bytes, got {len(salt)}")
    return keccak(
        encode(
            ["bytes32", "address", "uint256", "address", "bytes32", "uint32[]", "uint8"],
            [SAMPLE_TAG, market, chain_id, sender, salt, list(x), y],
        )
    )


def new_salt() -> bytes:
    return _random.token_bytes(SALT_BYTES)


def first_link(salt: bytes, n: int, market: str, chain_id: int) -> bytes:
    """``keccak256(abi_encode(PIECE_TAG, chain id, market, salt, n))``: where a piece of ``n``
    samples starts, in the market at ``market`` on chain ``chain_id`` and nowhere else."""
    return keccak(
        encode(
            ["bytes32", "uint256", "address", "bytes32", "uint256"],
            [PIECE_TAG, chain_id, market, salt, n],
        )
    )


def commitment(salt: bytes, piece: Sequence[Sample], market: str, chain_id: int) -> bytes:
    """``first_link(salt, len(piece), market, chain_id)``, then ``keccak256(previous ‖
    sample_hash)`` for each sample in order."""
    if len(salt) != SALT_BYTES:
        raise MarketError(f"a salt is {SALT_BYTES} bytes, got {len(salt)}")
    acc = first_link(salt, len(piece), market, chain_id)
    for x, y in piece:
        acc = keccak(acc + sample_hash(x, y))
    return acc


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


def default_pieces(test_size: int) -> int:
    """The fewest pieces of at most ``MAX_PIECE`` samples, at least 4 (but no more than the
    samples): the default of ``--pieces``."""
    return min(max(4, -(-test_size // MAX_PIECE)), test_size)


@dataclass
class ProviderSecrets:
    """Everything the provider must keep until the last reveal."""

    pieces: list[list[Sample]]
    salts: list[bytes]
    #: The market the commitments are for (its address, known before it is deployed from the
    #: provider's nonce) and its chain; "" and 0 until ``bind``.
    market: str = ""
    chain_id: int = 0

    def bind(self, market: str, chain_id: int) -> ProviderSecrets:
        """Fix the market and chain the commitments name (once; the same again is fine)."""
        if self.market and (self.market.lower(), self.chain_id) != (market.lower(), chain_id):
            raise MarketError(
                f"these secrets are committed to market {self.market} on chain "
                f"{self.chain_id}, not {market} on chain {chain_id}"
            )
        self.market, self.chain_id = market, chain_id
        return self

    @property
    def commitments(self) -> list[bytes]:
        if not self.market:
            raise MarketError("the commitments name their market: bind the secrets first")
        return [
            commitment(s, p, self.market, self.chain_id)
            for s, p in zip(self.salts, self.pieces, strict=True)
        ]

    def reveal(self, i: int) -> tuple[bytes, list[Sample]]:
        """What ``reveal(i, salt, piece)`` sends for piece ``i``."""
        if not 0 <= i < len(self.pieces):
            raise MarketError(f"no piece {i} (pieces are 0 to {len(self.pieces) - 1})")
        return self.salts[i], self.pieces[i]

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": SECRETS_VERSION,
                "market": self.market,
                "chain_id": self.chain_id,
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
            if "version" in data and data["version"] != SECRETS_VERSION:
                raise MarketError(
                    f"secrets file version {data.get('version')} is not {SECRETS_VERSION}: it "
                    "was made for an older market contract, whose commitments this one rejects"
                )
            pieces = [[(tuple(int(v) for v in x), int(y)) for x, y in p] for p in data["pieces"]]
            salts = [bytes.fromhex(s.removeprefix("0x")) for s in data["salts"]]
            recorded = [bytes.fromhex(c.removeprefix("0x")) for c in data["commitments"]]
            market, chain_id = str(data["market"]), int(data["chain_id"])
        except MarketError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MarketError(f"not a secrets file: {exc}") from None
        out = cls(pieces, salts, market, chain_id)
        if len(pieces) != len(salts) or out.commitments != recorded:
            raise MarketError(
                "secrets file is inconsistent: its pieces do not match its commitments"
            )
        return out


def commit_test_set(
    rows: Sequence[Sequence[int]],
    labels: Sequence[int],
    pieces: int,
    *,
    n_features: int = ANY_INDEX,
    market: str = "",
    chain_id: int = 0,
) -> ProviderSecrets:
    """Check every sample as the contracts would, split it, and salt each piece; bound to
    ``market`` on ``chain_id`` if given (else ``deploy_market`` binds it)."""
    for j, x in enumerate(rows):
        try:
            check_indices(x, n_features)
        except ValueError as exc:
            raise MarketError(f"test sample {j}: {exc}") from None
    parts = split(rows, labels, pieces)
    if pieces > MAX_PIECES or len(parts[0]) > MAX_PIECE:
        raise MarketError(
            f"{len(rows)} samples in {pieces} pieces: a piece holds at most {MAX_PIECE} samples "
            f"and a test set at most {MAX_PIECES} pieces"
        )
    return ProviderSecrets(
        parts, [_random.token_bytes(SALT_BYTES) for _ in parts], market, chain_id
    )


def verify(commit: bytes, salt: bytes, piece: Sequence[Sample], market: str, chain_id: int) -> bool:
    """Whether a revealed piece matches its commitment (what the contract will check)."""
    return commitment(salt, piece, market, chain_id) == commit


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


# ---------------------------------------------------------------------------- reward mirror


#: The label of a contribution whose commitment was never revealed (skipped by the pass).
UNREVEALED = 2


@dataclass
class Contribution:
    """One contribution in commit order (``y`` is ``UNREVEALED`` if it was never revealed)."""

    who: str
    x: tuple[int, ...]
    y: int
    stake: int


@dataclass(kw_only=True)
class PassRecord:
    epoch: int
    scores: dict[str, int]
    rounds: int
    negative: bool
    rounds_left: int
    dropped: list[str]
    #: Contributors still in after the pass (``PassSettled.active``): none of them dropped out,
    #: in this pass or before.
    active: int


@dataclass(kw_only=True)
class Outcome:
    """What the contract ends with: every contributor's balance, the provider's, the passes."""

    balances: dict[str, int]
    provider: int
    passes: list[PassRecord]
    initial_correct: int
    model: IntPerceptron
    #: What each negative scorer that dropped out paid into the work fund.
    charged: dict[str, int] = field(default_factory=dict)

    @property
    def dropped(self) -> set[str]:
        return {who for p in self.passes for who in p.dropped}


def reward_pass(
    bounty: int,
    test: Sequence[Sample],
    contributions: Sequence[Contribution],
    *,
    n_features: int,
    eta: int = 1,
    initial_weights: dict[int, int] | None = None,
    initial_intercept: int = 0,
    slot_fee: int,
) -> Outcome:
    """The contract's reward pass in Python integers (``PredictionMarket.step`` until done),
    for tests and for the demo's expected figures. ``test`` is in reveal order,
    ``contributions`` in commit order, ``slot_fee`` the market's. A negative scorer that drops
    out when a restart follows (the pass had rounds left after paying its own) pays one slot
    fee of its balance into the work fund, whatever anyone else committed; the rounds keep
    that much of its balance back. A pass that pays the last rounds charges nobody."""
    order: list[str] = []
    stake: dict[str, int] = {}
    for c in contributions:
        if c.who not in stake:
            order.append(c.who)
            stake[c.who] = 0
        if c.y != UNREVEALED:  # a stake never revealed is locked, in no balance
            stake[c.who] += c.stake
    balance = dict(stake)
    charged: dict[str, int] = {}
    if not contributions:
        return Outcome(
            balances=balance,
            provider=bounty,
            passes=[],
            initial_correct=0,
            model=IntPerceptron(n_features, eta),
        )
    t_size = len(test)
    rounds_left = bounty // t_size
    pool = bounty
    dropped: set[str] = set()
    passes: list[PassRecord] = []

    def fresh() -> IntPerceptron:
        m = IntPerceptron(n_features, eta)
        m.weights = dict(initial_weights or {})
        m.intercept = initial_intercept
        return m

    def correct(m: IntPerceptron) -> int:
        return sum(m.predict(x) == y for x, y in test)

    initial = correct(fresh())
    # The earliest revealed contribution of each sample, by commit order.
    first: dict[tuple[tuple[int, ...], int], str] = {}
    for c in contributions:
        if c.y != UNREVEALED:
            first.setdefault((tuple(c.x), c.y), c.who)
    epoch = 0
    while True:
        epoch += 1
        model = fresh()
        previous = initial
        scores: dict[str, int] = {}
        for c in contributions:
            if c.who in dropped or c.y == UNREVEALED:
                continue
            if model.update(c.x, c.y).changed:
                now = correct(model)
                # A copy's gain goes to the first with that sample (lost if it dropped out).
                who = first[(tuple(c.x), c.y)] if now > previous else c.who
                if who not in dropped:
                    scores[who] = scores.get(who, 0) + now - previous
                previous = now
        negative = [w for w, s in scores.items() if s < 0]

        if negative:
            spare = {w: balance[w] - min(balance[w], slot_fee) for w in negative}
            rounds = min(min(spare[w] // -scores[w] for w in negative), rounds_left)
        else:
            rounds = rounds_left
        # A restart follows iff some score is negative and rounds are left after this pass's.
        restart = bool(negative) and rounds < rounds_left
        out: list[str] = []
        for w in order:
            if w in dropped:
                continue
            s = scores.get(w, 0)
            balance[w] += s * rounds
            pool -= s * rounds
            if negative and (balance[w] < stake[w] or (s < 0 and balance[w] < slot_fee - s)):
                dropped.add(w)
                out.append(w)
                if restart:  # only a negative scorer drops (see the contract's _apply)
                    charged[w] = min(slot_fee, balance[w])
                    balance[w] -= charged[w]
        rounds_left -= rounds
        passes.append(
            PassRecord(
                epoch=epoch,
                scores=scores,
                rounds=rounds,
                negative=bool(negative),
                rounds_left=rounds_left,
                dropped=out,
                active=sum(w not in dropped for w in order),
            )
        )
        if not restart:
            return Outcome(
                balances=balance,
                provider=pool,
                passes=passes,
                initial_correct=initial,
                model=model,
                charged=charged,
            )


def forfeit_shares(contributions: Sequence[Contribution]) -> dict[str, int]:
    """Balances after a forfeit (or an expiry): every contributor's revealed stakes, and
    nothing more (the bounty and the stakes never revealed stay locked in the contract: no
    address, the provider's own included, gets any of it)."""
    stake: dict[str, int] = {}
    for c in contributions:
        stake[c.who] = stake.get(c.who, 0) + (0 if c.y == UNREVEALED else c.stake)
    return stake
