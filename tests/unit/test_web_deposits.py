"""The page prices a contribution by the rule ``ape run contribute`` follows.

``web/src/deposits.js`` (run under Node by ``tests/unit/js/deposits.mjs``) against the Python
side: the deposit after a number of quiet seconds (``Incentive.deposit``, the contract's
``cost_weight * 3600 // isqrt(seconds)``), the same-block deposit (``max_deposit``), the default
cap (the deposit after a quiet minute, ``deposits.QUIET``), the value a contribution carries
under a cap (the cap, or the same-block deposit when the cap is above it, as ``contribute``
sends) and the quiet seconds until the deposit is at most a cap (``deposits.quiet_for``).
Hypothesis draws the cost weights, seconds and caps (around the boundaries on purpose: caps at
and next to a deposit, perfect squares and their neighbours); each example is one Node run over
a batch.
"""

import json
import shutil
import subprocess
from math import isqrt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharedmodels.trainers.client import Incentive
from sharedmodels.trainers.deposits import QUIET, quiet_for

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "tests/unit/js/deposits.mjs"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not on PATH (make setup needs it)")

#: Below the contract's bound (cost_weight * 3600 under its deposit limit) and well above it.
weights = st.one_of(st.integers(1, 10**6), st.integers(1, 10**21), st.just(10**15))
squares = st.integers(0, 10**9).flatmap(lambda r: st.sampled_from([r * r - 1, r * r, r * r + 1]))
seconds = st.one_of(st.integers(0, 4), squares.filter(lambda s: s >= 0), st.integers(0, 2**64))


@st.composite
def case(draw):
    w, s = draw(weights), draw(seconds)
    inc = Incentive("stake", cost_weight=w)
    near = draw(st.sampled_from([inc.deposit(s), inc.max_deposit, inc.deposit(QUIET)]))
    cap = draw(
        st.one_of(
            st.integers(0, 2 * inc.max_deposit + 2),
            st.sampled_from([near - 1, near, near + 1]).filter(lambda c: c >= 0),
        )
    )
    return w, s, cap


def run(cases):
    proc = subprocess.run(
        [NODE, str(HARNESS)],
        input=json.dumps([[str(v) for v in c] for c in cases]),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [[int(v) for v in row] for row in json.loads(proc.stdout)]


def expected(w, s, cap):
    inc = Incentive("stake", cost_weight=w)
    return [
        isqrt(s),
        inc.deposit(s),
        inc.max_deposit,
        inc.deposit(QUIET),
        min(cap, inc.max_deposit),
        quiet_for(inc, cap),
    ]


@settings(max_examples=20, deadline=None)
@given(st.lists(case(), min_size=1, max_size=300))
def test_the_page_prices_as_the_client(cases):
    for c, got in zip(cases, run(cases), strict=True):
        assert got == expected(*c), c


def test_the_demo_models_numbers():
    """The numbers the page shows for the demo's cost weight (10**15 wei): the same-block
    deposit 3.6 ETH, the default cap 0.514285… ETH (a quiet minute: 3.6 // isqrt(60) = 3.6 // 7),
    0.06 ETH after an hour; the deposit is back at that cap 49 quiet seconds after a
    contribution (isqrt(49) = 7; at 48 s it is 3.6 // 6 = 0.6 ETH)."""
    w = 10**15
    rows = run([[w, 1, 0], [w, 3600, 0], [w, 60, w * 3600 // 7], [w, 0, 5 * 10**18]])
    assert rows[0][1] == rows[0][2] == 36 * 10**17
    assert rows[1][1] == 6 * 10**16
    assert rows[2][3] == w * 3600 // 7 == 514285714285714285
    assert rows[2][4] == 514285714285714285  # under the same-block deposit: the cap itself
    assert rows[3][4] == 36 * 10**17  # above it: the same-block deposit
    assert rows[2][5] == 49 and Incentive("stake", cost_weight=w).deposit(49) <= rows[2][3]
    assert Incentive("stake", cost_weight=w).deposit(48) > rows[2][3]
