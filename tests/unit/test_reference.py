"""The integer mirror against scikit-learn, off-chain: rounding and training rules."""

import random
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from sharedmodels.mirrors.perceptron import (
    DECAY_UNITS,
    IntPerceptron,
    SklearnPerceptron,
    float_to_units,
    round_to_double,
    units_to_float,
)


def test_decay_units_is_float_001():
    assert units_to_float(DECAY_UNITS) == 0.01
    assert float_to_units(0.01) == DECAY_UNITS


@given(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(lambda x: abs(x) > 0.01),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(lambda x: abs(x) > 0.01),
)
def test_round_to_double_is_float_addition(a, b):
    # Snap both to the 2**-59 grid (as every reachable intercept is), then add both ways.
    a = units_to_float(round_to_double(int(a * 2**59)))
    b = units_to_float(round_to_double(int(b * 2**59)))
    exact = float_to_units(a) + float_to_units(b)
    assert units_to_float(round_to_double(exact)) == a + b


def test_round_half_even():
    big = 1 << 60  # 61 bits: 8 low bits are dropped
    assert round_to_double(big + 128) == big  # tie, keep even
    assert round_to_double(big + 256 + 128) == big + 512  # tie, round to even upwards
    assert round_to_double(big + 129) == big + 256
    assert round_to_double(-(big + 129)) == -(big + 256)
    assert struct.pack(">d", units_to_float(round_to_double(big + 129)))  # a real double


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([1, 2, 3, 7, 999]))
def test_int_mirror_equals_sklearn(seed, eta):
    rnd = random.Random(seed)
    n = 50
    sk, mirror = SklearnPerceptron(n, eta), IntPerceptron(n, eta)
    for _ in range(150):
        row = sorted(rnd.sample(range(n), rnd.randint(0, 6)))
        y = int(rnd.random() < 0.7)
        assert sk.update(row, y) == mirror.update(row, y)
    assert sk.intercept_units() == mirror.intercept
    assert sk.nonzero_weights() == {j: w for j, w in mirror.weights.items() if w}


def test_parity_verdict():
    from sharedmodels.trainers.parity import ParityResult

    ok = ParityResult(agree=5, total=5)
    assert ok.ok and ok.summary() == "parity: 5/5 predictions, weights identical: yes"
    pred = ParityResult(agree=4, total=5, disagreements=[2])
    assert not pred.ok and pred.summary() == "parity: 4/5 predictions, weights identical: yes"
    weight = ParityResult(agree=5, total=5, mismatches=["weight 7: chain 1, reference 2"])
    assert not weight.ok and weight.summary().endswith("weights identical: no")
    state = ParityResult(agree=5, total=5, mismatches=["class 1 sums differ"], state_name="state")
    assert not state.ok and state.summary() == "parity: 5/5 predictions, state identical: no"
