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
