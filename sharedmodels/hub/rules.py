"""The hub's rules in Python: test-set commitments and the pool's payout rule, to the wei.

Commitment of piece ``i`` of a test set (``ModelHub``'s module docstring): a hash chain that
starts from the chain id, the hub, the evaluator, the piece's position, its salt and its length,
and folds in ``keccak256(abi_encode(x, y))`` for each sample. A piece shown on another chain, to
another hub, by another evaluator or at another position matches nothing.

Pool (``HubPool.close_period`` / ``enter`` / ``claim``): a pool belongs to a model and an
evaluator; a period going from record a to record b (both that evaluator's) releases
``available * (acc_b - acc_a) / (1 - acc_a)`` (integer, rounded down; 0 without a gain). Each
entered contribution gets shares by how far its own step moved the closing scores toward their
labels (:func:`pushed`); each contributor claims ``budget * shares // all_shares``, the last
claimer also taking the remainder.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from eth_abi import encode
from eth_utils import keccak

from sharedmodels.errors import InputError

PIECE_TAG = keccak(text="sharedmodels.hub.piece")
#: ``ModelHub.MAX_PIECE``: samples per revealed piece (one transaction).
MAX_PIECE = 16
#: ``ModelHub.MAX_PIECES``.
MAX_PIECES = 64
#: ``ModelHub.MAX_BATCH``: pieces revealed in one transaction.
MAX_BATCH = 4
#: ``ModelHub.MAX_STEPS``: steps a reveal lists (every trained contribution since the pin).
MAX_STEPS = 16
#: ``ModelHub.MAX_UNWIND``: contributions one ``unwind`` takes back.
MAX_UNWIND = 64
#: ``ModelHub.MAX_FEATURES``: most indices in a sparse test sample.
MAX_FEATURES = 128
#: ``HubPool.MAX_ENTER``: contributions entered in one transaction.
MAX_ENTER = 16
#: ``HubPool.MAX_POOL_TEST``: most samples of a record that closes a period.
MAX_POOL_TEST = 256

Sample = tuple[Sequence[int], int]


def sample_hash(x: Sequence[int], y: int, dense: bool) -> bytes:
    """``keccak256(abi_encode(x, y))`` with ``x`` as ``int64[]`` (dense) or ``uint32[]``."""
    return keccak(encode(["int64[]" if dense else "uint32[]", "uint8"], [list(x), int(y)]))


def commitment(
    chain_id: int,
    hub: str,
    *,
    evaluator: str,
    i: int,
    salt: bytes,
    piece: Sequence[Sample],
    dense: bool,
) -> bytes:
    """The commitment of piece ``i`` (see the module docstring)."""
    c = keccak(
        encode(
            ["bytes32", "uint256", "address", "address", "uint256", "bytes32", "uint256"],
            [PIECE_TAG, chain_id, hub, evaluator, i, salt, len(piece)],
        )
    )
    for x, y in piece:
        c = keccak(c + sample_hash(x, y, dense))
    return c


def test_set_hash(commitments: Sequence[bytes]) -> bytes:
    """``keccak256(abi_encode(commitments))``: the hash a record names its test set by."""
    return keccak(encode(["bytes32[]"], [list(commitments)]))


@dataclass
class TestSet:
    """An evaluator's secret: a test set in pieces, each with its salt."""

    pieces: list[list[Sample]]
    salts: list[bytes]
    dense: bool

    __test__ = False  # not a pytest class

    @classmethod
    def make(
        cls,
        rows: Sequence[Sequence[int]],
        labels: Sequence[int],
        dense: bool,
        piece: int = MAX_PIECE,
    ) -> TestSet:
        if not rows:
            raise InputError("an empty test set")
        if not 1 <= piece <= MAX_PIECE:
            raise InputError(f"a piece holds 1 to {MAX_PIECE} samples")
        samples = [(list(map(int, x)), int(y)) for x, y in zip(rows, labels, strict=True)]
        if not dense and any(len(x) > MAX_FEATURES for x, _ in samples):
            raise InputError(f"a sparse test sample holds at most {MAX_FEATURES} indices")
        pieces = [samples[k : k + piece] for k in range(0, len(samples), piece)]
        if len(pieces) > MAX_PIECES:
            raise InputError(f"at most {MAX_PIECES * piece} test samples in {MAX_PIECES} pieces")
        return cls(pieces, [os.urandom(32) for _ in pieces], dense)

    def commitments(self, chain_id: int, hub: str, evaluator: str) -> list[bytes]:
        return [
            commitment(chain_id, hub, evaluator=evaluator, i=i, salt=s, piece=p, dense=self.dense)
            for i, (s, p) in enumerate(zip(self.salts, self.pieces, strict=True))
        ]

    @property
    def size(self) -> int:
        return sum(len(p) for p in self.pieces)


def budget(available: int, a_samples: int, a_correct: int, b_samples: int, b_correct: int) -> int:
    """What a period going from record a to record b releases (``HubPool._budget``)."""
    up, down = b_correct * a_samples, a_correct * b_samples
    if up <= down:
        return 0
    return available * (up - down) // ((a_samples - a_correct) * b_samples)


@dataclass(frozen=True)
class ScoredSample:
    """A closing test sample as the hub scored it: indices, packed words, label, raw score."""

    indices: tuple[int, ...]
    words: tuple[int, ...]
    y: int
    s: int

    def as_tuple(self) -> tuple:
        """``HubPool.Scored``."""
        return (list(self.words), self.y, self.s)


def pushed(indices: Sequence[int], label: int, test: Sequence[ScoredSample]) -> int:
    """``HubPool.enter``'s shares for one contribution (entered only above 0): how far its
    own step moved the closing scores toward their labels. For each closing sample, the
    features it shares with the contribution (each moved by the step), counted up when the
    contribution's label is the sample's, down when not."""
    own = set(indices)
    total = 0
    for t in test:
        k = len(own.intersection(t.indices))
        total += k if label == t.y else -k
    return total


def part(f: int, label: int, test: Sequence[ScoredSample]) -> int:
    """One feature's push toward ``label``: closing samples of that label carrying it less
    those of the other label."""
    return sum(1 if label == t.y else -1 for t in test if f in t.indices)


def parts(indices: Sequence[int], label: int, test: Sequence[ScoredSample]) -> int:
    """What ``HubPool.cancel`` and ``move_cut`` count for a set of features: ``pushed`` taken
    feature by feature, each only when it pushed toward the labels (max(0, its push)), summed.
    Unlike ``pushed`` of the whole set, the sum does not depend on how the features are split
    among calls."""
    return sum(max(0, part(f, label, test)) for f in set(indices))


def cancellation(
    target: Sequence[int],
    label: int,
    other: Sequence[int],
    test: Sequence[ScoredSample],
    *,
    done_target: set[int] | None = None,
    done_other: set[int] | None = None,
) -> tuple[int, set[int], set[int]]:
    """``HubPool.cancel`` before its cap: (cut, positions of ``target``'s sorted features
    used, positions of ``other``'s used). The features both carry whose positions neither
    contribution has cancelled before (``done_*``) and that pushed ``target`` toward the
    labels (``part`` above 0, label ``label``), and what they are worth to it; the caller caps
    the cut at the shares still standing, and ``cancel`` refuses a cut of 0."""
    mine, theirs = sorted(set(target)), sorted(set(other))
    done_t, done_o = done_target or set(), done_other or set()
    where = {f: j for j, f in enumerate(theirs)}
    used_t, used_o, worth = set(), set(), 0
    for i, f in enumerate(mine):
        j = where.get(f)
        if j is not None and i not in done_t and j not in done_o:
            one = part(f, label, test)
            if one > 0:
                used_t.add(i)
                used_o.add(j)
                worth += one
    return worth, used_t, used_o


def moving(
    source: Sequence[int],
    label: int,
    dest: Sequence[int],
    test: Sequence[ScoredSample],
    *,
    cut_source: set[int],
    done_dest: set[int],
) -> tuple[int, set[int], set[int]]:
    """``HubPool.move_cut``: (worth moved, positions of ``source``'s sorted features whose cut
    leaves it, positions of ``dest``'s that take it). The features ``source`` had cut
    (``cut_source``) that ``dest`` carries and has not cancelled (``done_dest``); ``move_cut``
    refuses a worth of 0 and a ``dest`` not sent after ``source``."""
    mine, theirs = sorted(set(source)), sorted(set(dest))
    where = {f: j for j, f in enumerate(theirs)}
    out_s, in_d, moved = set(), set(), []
    for i, f in enumerate(mine):
        j = where.get(f)
        if j is not None and i in cut_source and j not in done_dest:
            out_s.add(i)
            in_d.add(j)
            moved.append(f)
    return parts(moved, label, test), out_s, in_d


def keeper_pay(gas: int, base_fee: int, *, budget: int, cut: int, shares: int) -> int:
    """What a ``cancel`` or ``move_cut`` pays its sender out of the period's budget: the gas it
    counted (``KeeperPaid.gas``) at the block's base fee, at most what the ``cut`` shares were
    worth when it began (``budget`` and ``shares``: the period's then). For a move ``cut`` is
    the shares the period lost (cut less restored): 0, so nothing, for a pure move."""
    return min(gas * base_fee, budget * cut // shares)


@dataclass
class PeriodMirror:
    """One period's split, claim by claim (``HubPool.claim``)."""

    budget: int
    shares: dict[str, int] = field(default_factory=dict)
    paid: int = 0
    claimed_shares: int = 0
    claimed: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.shares.values())

    def claim(self, who: str) -> int:
        mine = self.shares.get(who, 0)
        if mine == 0:
            raise InputError("hub: no shares")
        if who in self.claimed:
            raise InputError("hub: already claimed")
        amount = self.budget * mine // self.total
        if self.claimed_shares + mine == self.total:
            amount = self.budget - self.paid
        self.claimed.add(who)
        self.claimed_shares += mine
        self.paid += amount
        return amount


def dump_test_set(ts: TestSet, evaluations: Sequence[int]) -> str:
    """An evaluator's secrets as JSON (salts and samples): keep it until the last reveal."""
    import json

    return json.dumps(
        {
            "dense": ts.dense,
            "evaluations": list(evaluations),
            "salts": ["0x" + s.hex() for s in ts.salts],
            "pieces": [[[list(x), y] for x, y in p] for p in ts.pieces],
        }
    )


def load_test_set(text: str) -> tuple[TestSet, list[int]]:
    import json

    data = json.loads(text)
    pieces = [[(list(x), int(y)) for x, y in p] for p in data["pieces"]]
    salts = [bytes.fromhex(s[2:]) for s in data["salts"]]
    return TestSet(pieces, salts, bool(data["dense"])), list(data["evaluations"])
