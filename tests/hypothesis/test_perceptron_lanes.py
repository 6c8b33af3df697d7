"""Differential fuzzing of the sparse Perceptron's packed storage against the integer mirror.

The contract keeps sixteen 16-bit weights to a slot, moves every selected lane of a slot at once
(whole-word arithmetic) when each of them holds a weight in [-2**14, 2**14) and the step is
below 2**14, and falls back to lane-by-lane steps through the wide slots otherwise; scoring
skips the escape test until some weight has been stored wide; its hot loops use unchecked
arithmetic. Hypothesis starts weights at and around every edge that matters (the lane-wise range
+-2**14, the lane range +-32767, the escape value -32768, the int40 limits), picks samples
inside three neighbouring slots (so most samples select several lanes of one slot, mixing fast
and slow paths), learning rates on both sides of 2**14 up to the largest, packed or plain
input, and compares with ``IntPerceptron`` after every step: the
score, the prediction, every weight of the three slots and the intercept. A step the mirror
says leaves [-2**39, 2**39) must revert with the contract's reason and change nothing.
"""

import ape
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharedmodels.encoding.features import Encoder
from sharedmodels.encoding.packed import pack
from sharedmodels.mirrors.perceptron import IntPerceptron
from sharedmodels.rpc.deployments import deploy_perceptron

N = 2**12
SPAN = 48  # features 0..47: three weight slots
EDGES = [0, 1, -1, 32766, -32766, 32767, -32767, 32768, -32768, 32769, -32769, 65535, -65536]
EDGES += [2**14 - 1, 2**14, -(2**14), -(2**14) - 1]  # the lane-wise step's range
LIMIT = 2**39
weights = st.one_of(
    st.sampled_from(EDGES),
    st.integers(-40_000, 40_000),
    st.sampled_from([LIMIT - 1, -LIMIT, LIMIT - 70_000, -LIMIT + 70_000]),
)
samples = st.lists(
    st.tuples(
        st.lists(st.integers(0, SPAN - 1), min_size=1, max_size=20, unique=True).map(sorted),
        st.integers(0, 1),
        st.booleans(),  # packed or one index per word
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.dictionaries(st.integers(0, SPAN - 1), weights, max_size=SPAN),
    eta=st.sampled_from([1, 7, 1000, 2**14 - 1, 2**14, 32768, 2**16 - 1]),
    data=samples,
)
def test_lanes_match_the_mirror(container, owner, start, eta, data):
    contract, _ = deploy_perceptron(
        container, owner, encoder=Encoder(n_features=N), eta=eta, weights=start, seal=False
    )
    mirror = IntPerceptron(N, eta)
    mirror.weights = dict(start)
    every = list(range(SPAN))
    for row, y, packed in data:
        x = pack(row, N) if packed else row
        assert contract.score(x) == mirror.score(row)
        trial = IntPerceptron(N, eta)
        trial.weights, trial.intercept = dict(mirror.weights), mirror.intercept
        trial.update(row, y)
        if any(not -LIMIT <= w < LIMIT for w in trial.weights.values()):
            with ape.reverts("perceptron: weight out of range"):
                contract.update(x, y, sender=owner)
        else:
            before, _ = mirror.update(row, y)
            (log,) = contract.update(x, y, sender=owner).decode_logs(contract.ModelTrained)
            assert log.prediction == before
        assert list(contract.weights_of(every)) == [mirror.weights.get(j, 0) for j in every]
        assert contract.intercept() == mirror.intercept


# ---------------------------------------------------------------- full words

#: Weights on every seventh feature of N (the rest 0), for the full-word property.
SPREAD = {j: (j * 31) % 201 - 100 for j in range(0, N, 7)}


def lane_rule(words, n_features):
    """The indices the contract reads from 16-bit ``words``, or the reason it reverts with:
    lane by lane, the first lane below the least next index ends the word (a zero lane that is
    not its word's first, with nothing above it) or is refused; the last index below
    ``n_features``. The full-word check must give exactly this."""
    nxt, out = 0, []
    for w in words:
        for lane in range(16):
            j = (w >> (16 * lane)) & 0xFFFF
            if j < nxt:
                if j != 0:
                    return "perceptron: features not sorted and unique"
                if lane == 0 or w >> (16 * lane):
                    return "perceptron: bad packed features"
                break
            nxt = j + 1
            out.append(j)
    if nxt > n_features:
        return "perceptron: feature index out of range"
    return out


def _full_word(lanes):
    return sum(j << (16 * i) for i, j in enumerate(lanes))


@pytest.fixture
def spread_model(container, owner):
    contract, _ = deploy_perceptron(
        container, owner, encoder=Encoder(n_features=N), eta=1, weights=SPREAD, seal=True
    )
    return contract


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    base=st.lists(st.integers(0, N + 40), min_size=16, max_size=16, unique=True).map(sorted),
    edits=st.lists(
        st.tuples(
            st.integers(0, 15),
            st.sampled_from(["below", "same", "zero", "any", "plus"]),
            st.integers(0, 2**16 - 1),
        ),
        max_size=2,
    ),
    before=st.one_of(st.none(), st.integers(0, N)),
    after=st.one_of(st.none(), st.integers(0, N + 40)),
)
def test_full_words_are_checked_like_the_lane_rule(spread_model, base, edits, before, after):
    """A full word of sixteen 16-bit lanes, sorted or with a lane set to its neighbour, one
    below it, zero, any value, or one above: the contract reads the same indices (and scores
    them as the mirror) or reverts with the reason the lane-by-lane rule gives; with a plain
    index before the word (the least next index) and one after it."""
    lanes = list(base)
    for lane, kind, value in edits:
        prev = lanes[lane - 1] if lane else lanes[1]
        lanes[lane] = {
            "below": max(prev - 1, 0),
            "same": prev,
            "zero": 0,
            "any": value,
            "plus": min(prev + 1, 2**16 - 1),
        }[kind]
    words = ([before] if before is not None else []) + [_full_word(lanes)]
    words += [after] if after is not None else []
    expected = lane_rule(words, N)
    if isinstance(expected, str):
        with ape.reverts(expected):
            spread_model.score(words)
    else:
        mirror = IntPerceptron(N, 1)
        mirror.weights = dict(SPREAD)
        assert spread_model.score(words) == mirror.score(expected)
