"""Review of the unchecked arithmetic of the four multi-class models (the gas work that moved
their sums to ``unsafe_*`` operations, packed lanes and fixed arrays).

Each bound a comment in the contracts states is driven to its edge through the external
functions (owner uploads before the seal, training steps, predictions) and the chain is
compared with the integer-exact mirrors of ``sharedmodels.mirrors.multiclass``; one step past
the edge must revert with its reason. What the review found wrong (a view reading class 16 and
up from the next feature's slot; abs() of the smallest int256 reverting without a reason) was
fixed; its tests assert the right answer.
"""

import ape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from models_conftest_helpers import MAX_ABS, SCALE, assert_same, deploy

from sharedmodels.mirrors.multiclass import IntDensePerceptron
from sharedmodels.registry import model_spec

E = 2**127 - 1  # the largest int128 weight / sum lane
B = -(2**127)  # the smallest
C32 = 2**32 - 1  # the largest count of the Nearest Centroid models
C64 = 2**64 - 1  # the largest count / total / alpha of Naive Bayes
ETA = 2**16 - 1  # the largest learning rate


HYPOTHESIS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
#: Counts near the top of a uint32 lane, and a few small ones.
big_count = st.one_of(st.integers(C32 - 3, C32), st.integers(0, 3), st.integers(0, C32))
weight = st.one_of(st.sampled_from([E, B, E - 1, B + 1, 0]), st.integers(B, E))
dense_edge = st.one_of(st.sampled_from([MAX_ABS, -MAX_ABS, 0]), st.integers(-MAX_ABS, MAX_ABS))


def _upload(name, contract, owner, ref):
    model_spec(name).upload(contract, owner, ref, chunk=512)
    model_spec(name).set_sealed(ref, False)


# ---------------------------------------------------------------- dense Perceptron


def test_dense_perceptron_scores_at_the_largest_weights_and_inputs(project, owner):
    """256 weights at the int128 edges times inputs at +-2**40, plus an intercept at the edge
    times 10**9: |score| reaches about 2**175, the bound the unchecked sum relies on; every
    score equals the mirror's and the sign pattern of the probes decides the prediction."""
    dim = 256
    contract, ref = deploy(project, owner, "dense_perceptron", n_classes=4, size=dim, eta=ETA)
    ref.w[0] = [E] * dim
    ref.w[1] = [B] * dim
    ref.w[2] = [E if j % 2 else B for j in range(dim)]
    ref.w[3] = [B if j % 2 else E for j in range(dim)]
    ref.b = [E, -E, -E, E]
    _upload("dense_perceptron", contract, owner, ref)
    probes = [
        [MAX_ABS] * dim,
        [-MAX_ABS] * dim,
        [MAX_ABS if j % 2 else -MAX_ABS for j in range(dim)],
        [-MAX_ABS if j % 2 else MAX_ABS for j in range(dim)],
    ]
    for p in probes:
        assert [int(s) for s in contract.scores(p)] == ref.scores(p)
    assert ref.scores(probes[1])[1] == 256 * 2**127 * 2**40 - E * SCALE  # the bound's edge
    assert [contract.predict(p) for p in probes] == [0, 1, 2, 3]
    assert_same("dense_perceptron", contract, ref, probes)


@HYPOTHESIS
@given(
    w=st.lists(st.lists(weight, min_size=5, max_size=5), min_size=4, max_size=4),
    b=st.lists(st.integers(-E, E), min_size=4, max_size=4),
    xs=st.lists(st.lists(dense_edge, min_size=5, max_size=5), min_size=1, max_size=3),
    y=st.integers(0, 3),
)
def test_dense_perceptron_random_extreme_weights(project, owner, w, b, xs, y):
    """Weights anywhere in int128 (often at its edges), intercepts anywhere, inputs at +-2**40,
    odd dimension: scores and predictions equal the mirror's; a step either matches the
    mirror or reverts "weight out of range" exactly when the mirror leaves int128."""
    contract, ref = deploy(project, owner, "dense_perceptron", n_classes=4, size=5, eta=ETA)
    ref.w, ref.b = [list(r) for r in w], list(b)
    _upload("dense_perceptron", contract, owner, ref)
    assert_same("dense_perceptron", contract, ref, xs)
    for p in xs:
        assert [int(s) for s in contract.scores(p)] == ref.scores(p)
    after = IntDensePerceptron(5, 4, ETA)
    after.w, after.b = [list(r) for r in w], list(b)
    after.update(xs[0], y)
    inside = all(B <= v <= E for r in after.w for v in r) and all(abs(v) < 2**127 for v in after.b)
    if inside:
        contract.update(xs[0], y, sender=owner)
        ref.update(xs[0], y)
    else:
        with ape.reverts("dense perceptron: weight out of range"):
            contract.update(xs[0], y, sender=owner)
    assert_same("dense_perceptron", contract, ref, xs)


def test_dense_perceptron_largest_step_from_zero_matches_the_mirror(project, owner):
    """The largest learning rate times the largest input (each step 2**56 - 2**40), odd
    dimension, four classes all erring: weights and intercepts equal the mirror's."""
    contract, ref = deploy(project, owner, "dense_perceptron", n_classes=4, size=5, eta=ETA)
    xs = [[MAX_ABS, -MAX_ABS, MAX_ABS, -MAX_ABS, MAX_ABS], [-MAX_ABS] * 5, [MAX_ABS] * 5]
    for x, y in zip(xs, [2, 3, 0], strict=True):
        contract.update(x, y, sender=owner)
        ref.update(x, y)
    assert_same("dense_perceptron", contract, ref, xs)
    assert max(abs(w) for row in ref.w for w in row) >= ETA * MAX_ABS  # a full step landed


def test_dense_perceptron_intercept_upload_limit(project, owner):
    contract, _ = deploy(project, owner, "dense_perceptron")
    with ape.reverts("dense perceptron: weight out of range"):
        contract.upload_intercepts([0, 2**127], sender=owner)
    with ape.reverts("dense perceptron: weight out of range"):
        contract.upload_intercepts([-(2**127), 0], sender=owner)
    contract.upload_intercepts([E, -E], sender=owner)
    assert [int(v) for v in contract.intercepts()] == [E, -E]


def test_dense_perceptron_smallest_int256_intercept_reverts_with_its_reason(project, owner):
    contract, _ = deploy(project, owner, "dense_perceptron")
    with ape.reverts("dense perceptron: weight out of range"):
        contract.upload_intercepts([0, -(2**255)], sender=owner)


# ---------------------------------------------------------------- dense Nearest Centroid


def _full_ncc(project, owner, dim):
    """Class 0 one sample short of full with every sum at its limit, class 1 full with every
    sum at the negative limit, class 2 full with mixed signs."""
    contract, ref = deploy(project, owner, "ncc", n_classes=3, size=dim)
    ref.n = [C32 - 1, C32, C32]
    ref.s[0] = [(C32 - 1) * MAX_ABS] * dim
    ref.s[1] = [-C32 * MAX_ABS] * dim
    ref.s[2] = [C32 * MAX_ABS if j % 2 else -C32 * MAX_ABS for j in range(dim)]
    ref.q = [sum(v * v for v in s) for s in ref.s]
    _upload("ncc", contract, owner, ref)
    return contract, ref


def test_ncc_sums_and_counts_reach_their_limits(project, owner):
    """dim 255 (odd: the last value's lane is used): a class trained to n = 2**32 - 1 with
    every sum at n * 2**40 (about 2**72), Q about 2**151; the state and the predictions equal
    the mirror's; one more sample of a full class reverts and changes nothing."""
    dim = 255
    contract, ref = _full_ncc(project, owner, dim)
    x = [MAX_ABS] * dim
    contract.update(x, 0, sender=owner)
    ref.update(x, 0)
    assert int(contract.class_size(0)) == C32
    assert [int(v) for v in contract.sums_of(0)] == [C32 * MAX_ABS] * dim
    probes = [
        x,
        [-MAX_ABS] * dim,
        [MAX_ABS if j % 2 else -MAX_ABS for j in range(dim)],
        [0] * dim,
        [1] + [0] * (dim - 1),
    ]
    assert_same("ncc", contract, ref, probes)
    assert [ref.predict(p) for p in probes[:3]] == [0, 1, 2]
    for k in range(3):
        with ape.reverts("ncc: class full"):
            contract.update(x, k, sender=owner)
    assert contract.update_count() == 1
    assert_same("ncc", contract, ref, probes)


def test_ncc_upload_limits(project, owner):
    """A sum one past count * 2**40 and a count of 2**32 are refused with their reasons."""
    contract, _ = deploy(project, owner, "ncc", n_classes=2, size=3)
    with ape.reverts("ncc: sum out of range"):
        contract.upload_class(0, 5, [0, 5 * MAX_ABS + 1, 0], sender=owner)
    with ape.reverts("ncc: sum out of range"):
        contract.upload_class(0, 5, [0, 0, -5 * MAX_ABS - 1], sender=owner)
    with ape.reverts("ncc: class full"):
        contract.upload_class(0, 2**32, [0, 0, 0], sender=owner)
    contract.upload_class(0, 5, [5 * MAX_ABS, -5 * MAX_ABS, 0], sender=owner)
    assert [int(v) for v in contract.sums_of(0)] == [5 * MAX_ABS, -5 * MAX_ABS, 0]


def test_ncc_smallest_int256_sum_reverts_with_its_reason(project, owner):
    contract, _ = deploy(project, owner, "ncc", n_classes=2, size=3)
    with ape.reverts("ncc: sum out of range"):
        contract.upload_class(0, 5, [0, -(2**255), 0], sender=owner)


# ---------------------------------------------------------------- sparse Nearest Centroid


def test_sparse_ncc_lane_sums_at_512_full_counts_do_not_carry(project, owner):
    """Sixteen classes; classes 0, 1, 2 (one 64-bit field each, even and odd lanes of slot
    group 0) and 8, 10 (group 1) hold count 2**32 - 1 for all 512 features of the probe, so
    each lane-wise T reaches 512 * (2**32 - 1), just under 2**41. Classes 0 and 2 are
    identical, so the tie goes to class 0: a carry from field 0 into field 1 (class 2's T)
    would hand the prediction to class 2. The predictions equal the mirror's."""
    n_features = 2**32
    contract, ref = deploy(project, owner, "sparse_ncc", n_classes=16, size=n_features)
    feats = list(range(n_features - 512, n_features))
    full = dict.fromkeys(feats, C32)
    for k, size in [(0, C32), (1, C32 - 7), (2, C32), (8, C32), (10, 3)]:
        ref.n[k] = size
        ref.set_counts(k, full)
    ref.n[5] = 1  # a class with no counts: far from the probe
    _upload("sparse_ncc", contract, owner, ref)
    probes = [feats, feats[:256], feats[::3], [0, 1, 2], []]
    assert_same("sparse_ncc", contract, ref, probes)
    assert ref.predict(feats) == 0
    # Drop class 0: class 2 must win the same probe (now tied with 8, lower index).
    contract2, ref2 = deploy(project, owner, "sparse_ncc", n_classes=16, size=n_features)
    for k, size in [(1, C32 - 7), (2, C32), (8, C32)]:
        ref2.n[k] = size
        ref2.set_counts(k, full)
    _upload("sparse_ncc", contract2, owner, ref2)
    assert contract2.predict(feats) == ref2.predict(feats) == 2


SPARSE_F = 6


@HYPOTHESIS
@given(
    counts=st.lists(
        st.lists(big_count, min_size=SPARSE_F, max_size=SPARSE_F), min_size=16, max_size=16
    ),
    sizes=st.lists(
        st.one_of(st.integers(1, 3), st.integers(C32 - 3, C32)), min_size=16, max_size=16
    ),
    probes=st.lists(st.sets(st.integers(0, SPARSE_F - 1)).map(sorted), min_size=1, max_size=4),
    label=st.integers(0, 15),
)
def test_sparse_ncc_random_states_near_full_lanes(project, owner, counts, sizes, probes, label):
    """Sixteen classes (both slot groups, every lane) with counts drawn near 2**32 - 1 and
    class sizes near either end: predictions equal the mirror's before and after one step."""
    contract, ref = deploy(project, owner, "sparse_ncc", n_classes=16, size=SPARSE_F)
    for k in range(16):
        ref.n[k] = sizes[k]
        ref.set_counts(k, {j: c for j, c in enumerate(counts[k]) if c})
    _upload("sparse_ncc", contract, owner, ref)
    assert_same("sparse_ncc", contract, ref, probes)
    x = probes[0]
    if sizes[label] < C32 and all(counts[label][j] < C32 for j in x):
        contract.update(x, label, sender=owner)
        ref.update(x, label)
    else:
        with ape.reverts("ncc: class full"):
            contract.update(x, label, sender=owner)
    assert_same("sparse_ncc", contract, ref, probes)


def test_sparse_ncc_count_and_size_reach_2_32_minus_1(project, owner):
    """A count and a class size uploaded one short of 2**32 - 1 are trained to it, with
    class 7 (the slot's top lane) beside a full class 6: no carry into the neighbour; one more
    step reverts "ncc: class full" (the count's check, then the size's)."""
    contract, ref = deploy(project, owner, "sparse_ncc", n_classes=8, size=64)
    ref.n[7] = C32 - 1
    ref.set_counts(7, {3: C32 - 1, 9: 5})
    ref.n[6] = 10
    ref.set_counts(6, {3: C32, 9: C32})
    _upload("sparse_ncc", contract, owner, ref)
    contract.update([3, 9], 7, sender=owner)
    ref.update([3, 9], 7)
    assert [int(v) for v in contract.counts_of(7, [3, 9])] == [C32, 6]
    assert [int(v) for v in contract.counts_of(6, [3, 9])] == [C32, C32]
    assert_same("sparse_ncc", contract, ref, [[3, 9], [3], [9], [1, 3, 9, 60]])
    with ape.reverts("ncc: class full"):
        contract.update([3], 6, sender=owner)  # the count of feature 3 is full
    with ape.reverts("ncc: class full"):
        contract.update([9], 7, sender=owner)  # class 7 has 2**32 - 1 samples
    assert_same("sparse_ncc", contract, ref, [[3, 9]])


# ---------------------------------------------------------------- Naive Bayes


def test_naive_bayes_count_total_and_size_reach_2_64_minus_1(project, owner):
    """alpha 2**64 - 1 and 2**32 features (the largest logs' arguments, about 2**96); a
    feature count, the class total and the class size trained to exactly 2**64 - 1 (the
    unchecked count + 1 of the step); log scores equal the mirror's; one more step reverts
    with nothing changed."""
    n_features = 2**32
    contract, ref = deploy(project, owner, "naive_bayes", n_classes=2, size=n_features, alpha=C64)
    top = n_features - 1
    ref.n = [C64 - 1, 1]
    ref.set_counts(0, {top: C64 - 1})
    ref.set_counts(1, {0: 1})
    _upload("naive_bayes", contract, owner, ref)
    contract.update([top], 0, sender=owner)
    ref.update([top], 0)
    assert int(contract.class_total(0)) == C64 and int(contract.class_size(0)) == C64
    assert [int(v) for v in contract.counts_of(0, [top])] == [C64]
    probes = [[top], [0], [0, top], []]
    for p in probes:
        want = [-(2**255) if s is None else s for s in ref.scores(p)]
        assert [int(s) for s in contract.log_scores(p)] == want
    assert_same("naive_bayes", contract, ref, probes)
    with ape.reverts("naive bayes: count out of range"):
        contract.update([top], 0, sender=owner)
    with ape.reverts("naive bayes: count out of range"):
        contract.update([], 0, sender=owner)  # the size alone is full
    assert contract.update_count() == 1
    assert_same("naive_bayes", contract, ref, probes)


def test_naive_bayes_upload_limits(project, owner):
    contract, _ = deploy(project, owner, "naive_bayes", n_classes=2)
    with ape.reverts("naive bayes: count out of range"):
        contract.upload_counts(0, [1], [2**64], sender=owner)
    contract.upload_counts(0, [1], [C64], sender=owner)
    with ape.reverts("naive bayes: count out of range"):
        contract.upload_counts(0, [2], [1], sender=owner)  # the total would reach 2**64
    with ape.reverts("naive bayes: count out of range"):
        contract.upload_class_size(0, 2**64, sender=owner)


# ---------------------------------------------------------------- findings: class >= 16


def _aliasing_model(project, owner, name):
    contract, _ = deploy(project, owner, name, n_classes=2, size=64)
    contract.upload_counts(0, [4], [123], sender=owner)
    return contract


def test_sparse_ncc_counts_of_a_class_past_16_is_zero(project, owner):
    contract = _aliasing_model(project, owner, "sparse_ncc")
    assert int(contract.class_size(16)) == 0
    assert [int(v) for v in contract.counts_of(16, [3])] == [0]
    assert [int(v) for v in contract.counts_of(255, [3, 4])] == [0, 0]
    assert [int(v) for v in contract.counts_of(0, [3, 4])] == [0, 123]


def test_naive_bayes_counts_of_a_class_past_16_is_zero(project, owner):
    contract = _aliasing_model(project, owner, "naive_bayes")
    assert int(contract.class_size(16)) == 0
    assert [int(v) for v in contract.counts_of(16, [3])] == [0]
    assert [int(v) for v in contract.counts_of(255, [3, 4])] == [0, 0]
    assert [int(v) for v in contract.counts_of(0, [3, 4])] == [0, 123]
