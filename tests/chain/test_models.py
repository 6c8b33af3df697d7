"""Unit and property tests of the multi-class models built on ``contracts/models/base.vy``:
DensePerceptron, NearestCentroid, SparseNearestCentroid and NaiveBayes (standalone contracts).

Every revert reason of their constructors, predictions, updates, uploads, ``add_class`` and
``seal``; owner-only access; chunked uploads; classes added after deployment; and, with
Hypothesis, random sample streams against the integer-exact references of
``sharedmodels.mirrors.multiclass`` (every logged prediction, the full state, fresh predictions).
"""

import math
import random

import ape
import pytest
from ape import chain
from conftest import reverts_without_reason
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from models_conftest_helpers import (
    DIM,
    INT256_MIN,
    MAX_ABS,
    MODELS,
    OWNER_ONLY,
    SCALE,
    SEALED,
    SPARSE,
    UNKNOWN,
    N,
    assert_same,
    chain_scores,
    class_names,
    container,
    ctor_args,
    default_size,
    deploy,
    descriptor,
    predictions,
    random_rows,
    ref_scores,
    stream,
    train_both,
    upload_calls,
)

from sharedmodels.mirrors.multiclass import (
    IntDensePerceptron,
    IntNaiveBayes,
    IntNearestCentroid,
    log2_fixed,
)
from sharedmodels.registry import dense_perceptron_class_limit, model_spec

INT127 = 2**127

#: A valid input per model, and the bad inputs every prediction and update must refuse.
GOOD = {"dense": [SCALE, -2 * SCALE, 0, 7, MAX_ABS], "sparse": [1, 5, 9]}
BAD_INPUTS = {
    "dense": [
        ([SCALE] * (DIM - 1), "dense: wrong dimension"),
        ([SCALE] * (DIM + 1), "dense: wrong dimension"),
        ([], "dense: wrong dimension"),
        ([0, 0, MAX_ABS + 1, 0, 0], "dense: value out of range"),
        ([0, 0, 0, 0, -MAX_ABS - 1], "dense: value out of range"),
        ([2**63 - 1, 0, 0, 0, 0], "dense: value out of range"),
    ],
    "sparse": [
        ([5, 3], "sparse: features not sorted and unique"),
        ([4, 4], "sparse: features not sorted and unique"),
        ([1, 9, 8, 20], "sparse: features not sorted and unique"),
        ([N], "sparse: feature index out of range"),
        ([0, 3, N + 7], "sparse: feature index out of range"),
        ([2**32 - 1], "sparse: feature index out of range"),
    ],
}
SIZE_REASONS = {
    "dense_perceptron": ("dense perceptron: dim out of range", [0, 257]),
    "ncc": ("ncc: dim out of range", [0, 257]),
    "sparse_ncc": ("ncc: n_features out of range", [0, 2**32 + 1]),
    "naive_bayes": ("naive bayes: n_features out of range", [0, 2**32 + 1]),
}
LARGEST_SIZE = {"dense_perceptron": 256, "ncc": 256, "sparse_ncc": 2**32, "naive_bayes": 2**32}


def input_kind(name):
    return "dense" if model_spec(name).dense else "sparse"


def trained_model(project, owner, name, n_classes=2, samples=8, seed=1):
    """A fresh model trained (so sealed) on a few random samples, its reference in step."""
    contract, ref = deploy(project, owner, name, n_classes)
    rnd = random.Random(seed)
    rows = random_rows(name, samples, rnd)
    labels = [rnd.randrange(n_classes) for _ in rows]
    train_both(name, contract, owner, ref, rows, labels)
    return contract, ref, rows


def uploaded_model(project, owner, name, n_classes=2, seed=2):
    """A fresh unsealed model holding an uploaded pre-trained state (reference in step)."""
    contract, ref = deploy(project, owner, name, n_classes)
    rnd = random.Random(seed)
    rows = random_rows(name, 12, rnd)
    for x in rows:
        ref.update(x, rnd.randrange(n_classes))
    model_spec(name).upload(contract, owner, ref, chunk=4)
    model_spec(name).set_sealed(ref, False)  # uploaded, not trained: the chain is not sealed yet
    return contract, ref, rows


def assert_unchanged(name, contract, ref, rows, count, sealed):
    """What a reverted call must leave: the same counters, seal and state."""
    assert contract.update_count() == count
    assert contract.sealed() == sealed
    assert_same(name, contract, ref, rows)


# ---------------------------------------------------------------- construction


@pytest.mark.parametrize("name", MODELS)
def test_constructor_state(project, owner, name):
    names = ["ham", "spam", "eggs"]
    size = default_size(name)
    args = ctor_args(name, size, names, eta=3, alpha=250_000_000)
    contract = container(project, name).deploy(*args, sender=owner)
    assert contract.owner() == owner
    assert contract.n_classes() == 3
    assert [contract.class_names(k) for k in range(3)] == names
    assert contract.class_names(3) == ""
    assert contract.encoder() == descriptor(name, size)
    assert not contract.sealed() and contract.update_count() == 0
    if model_spec(name).dense:
        assert contract.dim() == size
    else:
        assert contract.n_features() == size
    if name == "dense_perceptron":
        assert contract.learning_rate() == 3
    if name == "naive_bayes":
        assert contract.alpha() == 250_000_000
    receipt = chain.provider.get_receipt(contract.txn_hash)
    logs = list(receipt.decode_logs(contract.ClassAdded))
    assert [(log.index, log.name) for log in logs] == list(enumerate(names))


@pytest.mark.parametrize("name", MODELS)
def test_constructor_accepts_the_limits(project, owner, name):
    most = 16 if name != "dense_perceptron" else dense_perceptron_class_limit(256)
    names = class_names(most)
    args = ctor_args(name, LARGEST_SIZE[name], names, eta=2**16 - 1, alpha=2**64 - 1)
    contract = container(project, name).deploy(*args, sender=owner)
    assert contract.n_classes() == most and contract.max_classes() == most
    args = ctor_args(name, 1, names[:2], eta=1, alpha=1)
    assert container(project, name).deploy(*args, sender=owner).n_classes() == 2


@pytest.mark.parametrize("name,size", [(n, s) for n in MODELS for s in SIZE_REASONS[n][1]], ids=str)
def test_constructor_rejects_size(project, deployer, name, size):
    with ape.reverts(SIZE_REASONS[name][0]):
        container(project, name).deploy(*ctor_args(name, size, ["a", "b"]), sender=deployer)


@pytest.mark.parametrize("eta", [0, 2**16, 2**255])
def test_dense_perceptron_rejects_learning_rate(project, deployer, eta):
    args = ctor_args("dense_perceptron", DIM, ["a", "b"], eta=eta)
    with ape.reverts("dense perceptron: learning rate out of range"):
        project.DensePerceptron.deploy(*args, sender=deployer)


@pytest.mark.parametrize("alpha", [0, 2**64])
def test_naive_bayes_rejects_alpha(project, deployer, alpha):
    args = ctor_args("naive_bayes", N, ["a", "b"], alpha=alpha)
    with ape.reverts("naive bayes: alpha out of range"):
        project.NaiveBayes.deploy(*args, sender=deployer)


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("names", [[], ["only"]], ids=["none", "one"])
def test_constructor_needs_two_classes(project, deployer, name, names):
    with ape.reverts("model: need at least two classes"):
        container(project, name).deploy(
            *ctor_args(name, default_size(name), names), sender=deployer
        )


@pytest.mark.parametrize("name", MODELS)
def test_constructor_rejects_17_classes(project, deployer, name):
    # The names are a DynArray[String[32], 16]: a 17th fails ABI decoding, before any assert
    # can give a reason ("model: too many classes" guards add_class, below).
    args = ctor_args(name, default_size(name), class_names(17))
    with reverts_without_reason():
        container(project, name).deploy(*args, sender=deployer)


@pytest.mark.parametrize("name", MODELS)
def test_constructor_rejects_empty_class_name(project, deployer, name):
    with ape.reverts("model: empty class name"):
        container(project, name).deploy(
            *ctor_args(name, default_size(name), ["a", ""]), sender=deployer
        )


# ---------------------------------------------------------------- prediction and inputs


@pytest.mark.parametrize("name", MODELS)
def test_untrained_model_predicts_class_zero(project, owner, name):
    contract, ref = deploy(project, owner, name, n_classes=3)
    rows = random_rows(name, 6, random.Random(3)) + [GOOD[input_kind(name)]]
    assert predictions(contract, rows) == [0] * len(rows)
    assert chain_scores(name, contract, rows[0]) == ref_scores(name, ref, rows[0])
    if name == "dense_perceptron":
        assert contract.scores(rows[0]) == [0, 0, 0]
    if name == "naive_bayes":
        assert contract.log_scores(rows[0]) == [INT256_MIN] * 3
    contract.add_class("late", sender=owner)
    assert predictions(contract, rows) == [0] * len(rows)


@pytest.mark.parametrize("name", MODELS)
def test_input_edges_are_accepted(project, owner, name):
    contract, ref, rows = trained_model(project, owner, name)
    if model_spec(name).dense:
        edges = [[MAX_ABS] * DIM, [-MAX_ABS] * DIM, [0] * DIM, [MAX_ABS, -MAX_ABS, 1, -1, 0]]
    else:
        edges = [[], [N - 1], [0, N - 1], list(range(N))]
    assert predictions(contract, edges) == [ref.predict(x) for x in edges]


@pytest.mark.parametrize("name", MODELS)
def test_bad_inputs_revert_and_change_nothing(project, owner, name):
    contract, ref, rows = trained_model(project, owner, name)
    views = [contract.predict]
    if name == "dense_perceptron":
        views.append(contract.scores)
    if name == "naive_bayes":
        views.append(contract.log_scores)
    seen = set()
    for x, reason in BAD_INPUTS[input_kind(name)]:
        with ape.reverts(reason):
            contract.update(x, 0, sender=owner)
        # The views share the checks; a reverted call is slow in Ape (it fetches a trace), so
        # they are asserted once per reason.
        for view in views if reason not in seen else []:
            with ape.reverts(reason):
                view(x)
        seen.add(reason)
    assert_unchanged(name, contract, ref, rows, count=len(rows), sealed=True)


@pytest.mark.parametrize("name", MODELS)
def test_bad_input_does_not_seal(project, owner, name):
    """A reverted first update neither counts nor seals: uploads still work after it."""
    contract, _ = deploy(project, owner, name)
    x, reason = BAD_INPUTS[input_kind(name)][0]
    with ape.reverts(reason):
        contract.update(x, 0, sender=owner)
    with ape.reverts(UNKNOWN):
        contract.update(GOOD[input_kind(name)], 2, sender=owner)
    assert not contract.sealed() and contract.update_count() == 0
    method, args = upload_calls(name)[0]
    getattr(contract, method)(*args, sender=owner)


@pytest.mark.parametrize("name", MODELS)
def test_update_rejects_unknown_label(project, owner, name):
    contract, ref, rows = trained_model(project, owner, name)
    for label in (2, 3, 16, 255):
        with ape.reverts(UNKNOWN):
            contract.update(GOOD[input_kind(name)], label, sender=owner)
    assert_unchanged(name, contract, ref, rows, count=len(rows), sealed=True)


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("name", MODELS)
def test_owner_only(project, owner, mallory, name):
    contract, ref = deploy(project, owner, name)
    calls = [("update", (GOOD[input_kind(name)], 0)), ("add_class", ("x",)), ("seal", ())]
    for method, args in calls + upload_calls(name):
        with ape.reverts(OWNER_ONLY):
            getattr(contract, method)(*args, sender=mallory)
    assert_unchanged(name, contract, ref, [GOOD[input_kind(name)]], count=0, sealed=False)
    assert contract.predict(GOOD[input_kind(name)], sender=mallory) == 0


@pytest.mark.parametrize("name", MODELS)
def test_new_owner_trains_and_old_one_cannot(project, owner, bob, name):
    contract, ref = deploy(project, owner, name)
    contract.transfer_ownership(bob, sender=owner)
    x = GOOD[input_kind(name)]
    with ape.reverts(OWNER_ONLY):
        contract.update(x, 1, sender=owner)
    train_both(name, contract, bob, ref, [x], [1])
    assert_same(name, contract, ref, [x])


# ---------------------------------------------------------------- upload and seal


@pytest.mark.parametrize("name", MODELS)
def test_upload_in_chunks_matches_reference(project, owner, name):
    contract, ref = deploy(project, owner, name, n_classes=3)
    rnd = random.Random(5)
    rows = random_rows(name, 40, rnd)
    for x in rows:
        ref.update(x, rnd.randrange(3))
    nonce, first = owner.nonce, chain.blocks.head.number + 1
    gas = model_spec(name).upload(contract, owner, ref, chunk=2)
    calls = owner.nonce - nonce
    # The gas upload reports is what the chain charged for the owner's upload transactions.
    web3 = chain.provider.web3
    sent = [
        tx["hash"]
        for n in range(first, chain.blocks.head.number + 1)
        for tx in web3.eth.get_block(n, full_transactions=True)["transactions"]
        if tx["from"] == owner.address
    ]
    assert len(sent) == calls
    assert gas == sum(int(web3.eth.get_transaction_receipt(h)["gasUsed"]) for h in sent)
    if name == "ncc":
        assert calls == 3  # one upload_class per class, by design
    else:
        assert calls > 2 * 3  # several chunks per class
    assert not contract.sealed() and contract.update_count() == 0
    fresh = random_rows(name, 20, rnd)
    assert_same(name, contract, ref, fresh + rows[:10])
    receipt = contract.seal(sender=owner)
    assert len(list(receipt.decode_logs(contract.UploadSealed))) == 1
    assert contract.sealed()
    # Training goes on from the uploaded state, in step with the reference.
    train_both(name, contract, owner, ref, fresh[:10], [rnd.randrange(3) for _ in range(10)])
    assert_same(name, contract, ref, fresh[10:])


@pytest.mark.parametrize("name", MODELS)
def test_seal_closes_upload(project, owner, name):
    contract, ref, rows = uploaded_model(project, owner, name)
    contract.seal(sender=owner)
    for method, args in upload_calls(name):
        with ape.reverts(SEALED):
            getattr(contract, method)(*args, sender=owner)
    with ape.reverts(SEALED):
        contract.seal(sender=owner)
    assert_unchanged(name, contract, ref, rows, count=0, sealed=True)
    train_both(name, contract, owner, ref, rows[:3], [1, 0, 1])
    assert contract.update_count() == 3


@pytest.mark.parametrize("name", MODELS)
def test_first_update_closes_upload(project, owner, name):
    contract, ref, rows = uploaded_model(project, owner, name)
    train_both(name, contract, owner, ref, rows[:1], [1])
    assert contract.sealed() and contract.update_count() == 1
    for method, args in upload_calls(name):
        with ape.reverts(SEALED):
            getattr(contract, method)(*args, sender=owner)
    with ape.reverts(SEALED):
        contract.seal(sender=owner)
    assert_unchanged(name, contract, ref, rows, count=1, sealed=True)


def _upload_reverts(name):
    """(method, args, reason) for every upload revert of a model (two classes, default size)."""
    if name == "dense_perceptron":
        return [
            ("upload_weights", (2, 0, [1]), UNKNOWN),
            ("upload_weights", (0, DIM - 1, [1, 2]), "dense perceptron: upload out of range"),
            ("upload_weights", (0, DIM, [1]), "dense perceptron: upload out of range"),
            ("upload_weights", (0, 2**200, [1]), "dense perceptron: upload out of range"),
            ("upload_weights", (0, 2**256 - 1, [1]), "dense perceptron: upload out of range"),
            ("upload_weights", (0, 0, [1] * (DIM + 1)), "dense perceptron: upload out of range"),
            ("upload_weights", (1, 0, [0, INT127]), "dense perceptron: weight out of range"),
            ("upload_weights", (1, 3, [-INT127 - 1]), "dense perceptron: weight out of range"),
            ("upload_intercepts", ([1, 2, 3],), UNKNOWN),
            ("upload_intercepts", ([INT127, 0],), "dense perceptron: weight out of range"),
            ("upload_intercepts", ([0, -INT127],), "dense perceptron: weight out of range"),
        ]
    if name == "ncc":
        full = 2**32
        return [
            ("upload_class", (2, 1, [0] * DIM), UNKNOWN),
            ("upload_class", (0, full, [0] * DIM), "ncc: class full"),
            ("upload_class", (0, 1, [0] * (DIM - 1)), "ncc: wrong dimension"),
            ("upload_class", (0, 1, [0] * (DIM + 1)), "ncc: wrong dimension"),
            ("upload_class", (0, 3, [0, 0, 3 * MAX_ABS + 1, 0, 0]), "ncc: sum out of range"),
            ("upload_class", (1, 3, [0, 0, 0, 0, -3 * MAX_ABS - 1]), "ncc: sum out of range"),
            ("upload_class", (1, 0, [0, 1, 0, 0, 0]), "ncc: sum out of range"),
        ]
    if name == "sparse_ncc":
        return [
            ("upload_counts", (2, [1], [1]), UNKNOWN),
            ("upload_counts", (0, [1, 2], [1]), "ncc: length mismatch"),
            ("upload_counts", (0, [1], [1, 2]), "ncc: length mismatch"),
            ("upload_counts", (0, [1, N], [1, 1]), "sparse: feature index out of range"),
            ("upload_counts", (1, [1, 2], [1, 2**32]), "ncc: class full"),
            ("upload_class_size", (2, 1), UNKNOWN),
            ("upload_class_size", (0, 2**32), "ncc: class full"),
        ]
    return [
        ("upload_counts", (2, [1], [1]), UNKNOWN),
        ("upload_counts", (0, [1, 2], [1]), "naive bayes: length mismatch"),
        ("upload_counts", (0, [1, N], [1, 1]), "sparse: feature index out of range"),
        ("upload_counts", (1, [3], [2**64]), "naive bayes: count out of range"),
        ("upload_counts", (1, [3, 4], [2**63, 2**63]), "naive bayes: count out of range"),
        ("upload_counts", (1, [3], [2**256 - 1]), "naive bayes: count out of range"),
        ("upload_class_size", (2, 1), UNKNOWN),
        ("upload_class_size", (0, 2**64), "naive bayes: count out of range"),
    ]


@pytest.mark.parametrize("name", MODELS)
def test_upload_reverts_and_change_nothing(project, owner, name):
    contract, ref, rows = uploaded_model(project, owner, name)
    for method, args, reason in _upload_reverts(name):
        with ape.reverts(*([reason] if reason else [])):
            getattr(contract, method)(*args, sender=owner)
    assert_unchanged(name, contract, ref, rows, count=0, sealed=False)


def test_dense_perceptron_upload_bounds(project, owner):
    """Weights take the whole int128 range; intercepts stay inside +-(2**127 - 1); a partial
    intercept upload sets only the classes it covers."""
    contract, ref = deploy(project, owner, "dense_perceptron", n_classes=3)
    contract.upload_weights(0, 0, [INT127 - 1, -INT127, 0, 1, -1], sender=owner)
    contract.upload_weights(2, DIM - 1, [-5], sender=owner)
    contract.upload_weights(2, 0, [], sender=owner)
    contract.upload_intercepts([INT127 - 1, -(INT127 - 1), 4], sender=owner)
    contract.upload_intercepts([7], sender=owner)
    ref.w[0] = [INT127 - 1, -INT127, 0, 1, -1]
    ref.w[2][DIM - 1] = -5
    ref.b = [7, -(INT127 - 1), 4]
    probes = [[MAX_ABS] * DIM, [-MAX_ABS] * DIM, [0, 0, 0, 0, MAX_ABS], [0] * DIM]
    assert_same("dense_perceptron", contract, ref, probes)


def test_ncc_upload_bounds(project, owner):
    """Sums may reach exactly count * 2**40; count 2**32 - 1 is the largest; a re-upload of a
    class replaces it."""
    contract, ref = deploy(project, owner, "ncc", n_classes=3)
    top = 2**32 - 1
    sums = [top * MAX_ABS, -top * MAX_ABS, 0, 1, -1]
    contract.upload_class(0, top, sums, sender=owner)
    contract.upload_class(1, 2, [1] * DIM, sender=owner)
    contract.upload_class(1, 3, [3 * MAX_ABS, 0, 0, 0, -3 * MAX_ABS], sender=owner)
    contract.upload_class(2, 0, [0] * DIM, sender=owner)
    ref.n = [top, 3, 0]
    ref.s = [sums, [3 * MAX_ABS, 0, 0, 0, -3 * MAX_ABS], [0] * DIM]
    ref.q = [sum(v * v for v in s) for s in ref.s]
    probes = random_rows("ncc", 10, random.Random(4)) + [[MAX_ABS] * DIM, [-MAX_ABS] * DIM]
    assert_same("ncc", contract, ref, probes)


@pytest.mark.parametrize("name", SPARSE)
def test_sparse_reupload_replaces_counts(project, owner, name):
    """Counts uploaded again replace the old ones, and the derived state (NCC's sum of squares,
    NB's class total and cached logs) follows."""
    contract, ref = deploy(project, owner, name, n_classes=2)
    k = model_spec(name)
    plan = [
        (0, {1: 5, 2: 3, 9: 1}),
        (1, {2: 4, 3: 4}),
        (0, {2: 7, 9: 0, 10: 2}),
        (1, {3: 1}),
    ]
    for label, counts in plan:
        contract.upload_counts(label, list(counts), list(counts.values()), sender=owner)
        ref.set_counts(label, counts)
    for label, size in [(0, 6), (1, 5), (0, 7)]:
        contract.upload_class_size(label, size, sender=owner)
        ref.n[label] = size
    if name == "naive_bayes":
        assert [contract.class_total(c) for c in range(2)] == ref.total == [14, 5]
    probes = [[], [1], [2], [3], [9], [10], [2, 3], [1, 2, 3, 9, 10], [4, 5]]
    assert_same(name, contract, ref, probes, touched=range(12))
    assert k.mismatches(contract, ref, range(N)) == []


# ---------------------------------------------------------------- training-side reverts


def test_dense_perceptron_training_overflow_reverts(project, owner):
    contract, ref = deploy(project, owner, "dense_perceptron", n_classes=2)
    # Class 0 scores below zero on x = [1, 0, ...] although its weight is at the top: a mistake
    # for label 0 pushes the weight past int128.
    contract.upload_weights(0, 0, [INT127 - 1], sender=owner)
    contract.upload_intercepts([-(2**126), 0], sender=owner)
    ref.w[0][0], ref.b[0] = INT127 - 1, -(2**126)
    x = [1, 0, 0, 0, 0]
    assert ref.scores(x)[0] < 0
    with ape.reverts("dense perceptron: weight out of range"):
        contract.update(x, 0, sender=owner)
    assert_unchanged("dense_perceptron", contract, ref, [x], count=0, sealed=False)
    # The intercept: class 1 at the top of its range, weights far below, label 1.
    contract.upload_weights(1, 0, [-INT127], sender=owner)
    contract.upload_intercepts([0, INT127 - 1], sender=owner)
    ref.w[1][0], ref.b = -INT127, [0, INT127 - 1]
    x = [MAX_ABS, 0, 0, 0, 0]
    assert ref.scores(x)[1] < 0
    with ape.reverts("dense perceptron: weight out of range"):
        contract.update(x, 1, sender=owner)
    assert_unchanged("dense_perceptron", contract, ref, [x], count=0, sealed=False)


def test_dense_perceptron_training_reaches_both_int128_edges(project, owner):
    """A step may take a weight to exactly the top (2**127 - 1) of int128 in a slot's high
    lane and to exactly the bottom (-2**127) in the odd last value (dim 5: index 4); one more
    step past either edge reverts and changes nothing. The pair check and the last value's
    check are separate code paths, so both are driven to each side."""
    contract, ref = deploy(project, owner, "dense_perceptron", n_classes=2)
    contract.upload_weights(0, 0, [0, INT127 - 2, 0, 0, -INT127 + 1], sender=owner)
    contract.upload_intercepts([-(2**126), 2**126], sender=owner)
    ref.w[0][1], ref.w[0][4], ref.b = INT127 - 2, -INT127 + 1, [-(2**126), 2**126]
    x = [0, 1, 0, 0, -1]
    assert ref.scores(x)[0] < 0  # class 0 errs on label 0 and moves by +x
    contract.update(x, 0, sender=owner)
    ref.update(x, 0)
    weights = contract.weights_of(0)
    assert weights[1] == INT127 - 1 and weights[4] == -INT127
    assert_same("dense_perceptron", contract, ref, [x, [1, 1, 1, 1, 1]])
    for past in ([0, 1, 0, 0, 0], [0, 0, 0, 0, -1]):
        assert ref.scores(past)[0] < 0
        with ape.reverts("dense perceptron: weight out of range"):
            contract.update(past, 0, sender=owner)
        assert_unchanged("dense_perceptron", contract, ref, [x, past], count=1, sealed=True)


def test_ncc_training_a_full_class_reverts(project, owner):
    contract, ref = deploy(project, owner, "ncc")
    contract.upload_class(1, 2**32 - 1, [0] * DIM, sender=owner)
    ref.n[1] = 2**32 - 1
    x = GOOD["dense"]
    with ape.reverts("ncc: class full"):
        contract.update(x, 1, sender=owner)
    assert_unchanged("ncc", contract, ref, [x], count=0, sealed=False)
    train_both("ncc", contract, owner, ref, [x], [0])


def test_sparse_ncc_training_a_full_class_reverts(project, owner):
    contract, ref = deploy(project, owner, "sparse_ncc")
    contract.upload_class_size(0, 2**32 - 1, sender=owner)
    contract.upload_counts(1, [7], [2**32 - 1], sender=owner)
    ref.n[0] = 2**32 - 1
    ref.set_counts(1, {7: 2**32 - 1})
    probes = [[], [7], [6, 7, 8]]
    with ape.reverts("ncc: class full"):
        contract.update([1, 2], 0, sender=owner)
    with ape.reverts("ncc: class full"):
        contract.update([6, 7, 8], 1, sender=owner)
    assert_unchanged("sparse_ncc", contract, ref, probes, count=0, sealed=False)
    train_both("sparse_ncc", contract, owner, ref, [[6, 8]], [1])


def test_naive_bayes_training_counts_out_of_range_revert(project, owner):
    contract, ref = deploy(project, owner, "naive_bayes")
    reason = "naive bayes: count out of range"
    contract.upload_class_size(0, 2**64 - 1, sender=owner)
    contract.upload_counts(1, [7], [2**64 - 2], sender=owner)
    contract.upload_class_size(1, 3, sender=owner)
    ref.n = [2**64 - 1, 3]
    ref.set_counts(1, {7: 2**64 - 2})
    probes = [[], [7], [6, 7, 8]]
    with ape.reverts(reason):  # class size
        contract.update([1, 2], 0, sender=owner)
    with ape.reverts(reason):  # class total: 2**64 - 2 + 2
        contract.update([6, 8], 1, sender=owner)
    assert_unchanged("naive_bayes", contract, ref, probes, count=0, sealed=False)
    contract.upload_counts(1, [7], [2**64 - 1], sender=owner)
    ref.set_counts(1, {7: 2**64 - 1})
    with ape.reverts(reason):  # one feature's count
        contract.update([7], 1, sender=owner)
    assert_unchanged("naive_bayes", contract, ref, probes, count=0, sealed=False)


# ---------------------------------------------------------------- classes added later


@pytest.mark.parametrize("name", MODELS)
def test_add_class_after_deployment(project, owner, name):
    contract, ref, rows = trained_model(project, owner, name, n_classes=2, samples=10)
    receipt = contract.add_class("late", sender=owner)
    (log,) = receipt.decode_logs(contract.ClassAdded)
    assert (log.index, log.name) == (2, "late")
    assert contract.n_classes() == 3 and contract.class_names(2) == "late"
    ref.add_class()
    assert_same(name, contract, ref, rows)
    rnd = random.Random(11)
    more = random_rows(name, 12, rnd)
    labels = [2, 2, 0, 2, 1, 2] + [rnd.randrange(3) for _ in range(6)]
    train_both(name, contract, owner, ref, more, labels)
    with ape.reverts(UNKNOWN):
        contract.update(more[0], 3, sender=owner)
    assert_unchanged(name, contract, ref, rows + more, count=len(rows) + 12, sealed=True)
    # A class added after sealing can still be trained; upload stays closed.
    contract.add_class("later", sender=owner)
    ref.add_class()
    train_both(name, contract, owner, ref, more[:3], [3, 3, 1])
    assert_same(name, contract, ref, rows + more)


@pytest.mark.parametrize("name", MODELS)
def test_add_class_limits(project, owner, mallory, name):
    contract, ref = deploy(project, owner, name)
    with ape.reverts("model: empty class name"):
        contract.add_class("", sender=owner)
    for k in range(2, 16):
        contract.add_class(f"c{k}", sender=owner)
    assert contract.n_classes() == 16 and contract.class_names(15) == "c15"
    with ape.reverts("model: too many classes"):
        contract.add_class("c16", sender=owner)
    assert contract.n_classes() == 16 and contract.class_names(16) == ""
    assert not contract.sealed() and contract.update_count() == 0


@pytest.mark.parametrize("name", MODELS)
def test_upload_into_added_class(project, owner, name):
    """A class added before sealing takes its share of the pre-trained upload."""
    contract, ref = deploy(project, owner, name)
    contract.add_class("late", sender=owner)
    ref.add_class()
    rnd = random.Random(8)
    rows = random_rows(name, 18, rnd)
    for i, x in enumerate(rows):
        ref.update(x, i % 3)
    model_spec(name).upload(contract, owner, ref, chunk=3)
    assert_same(name, contract, ref, rows + random_rows(name, 10, rnd))


# ---------------------------------------------------------------- model rules


def test_dense_perceptron_rules(project, owner):
    """Ties are mistakes for every class; a sample every class gets right changes nothing; the
    first highest score wins."""
    contract, ref = deploy(project, owner, "dense_perceptron", n_classes=3, eta=2)
    x = [SCALE, 0, -SCALE, 0, 0]
    assert stream(contract, owner, [x], [1]) == [(0, True)]
    assert [list(contract.weights_of(k)) for k in range(3)] == [
        [-2 * v for v in x],
        [2 * v for v in x],
        [-2 * v for v in x],
    ]
    assert list(contract.intercepts()) == [-2 * SCALE, 2 * SCALE, -2 * SCALE]
    assert stream(contract, owner, [x], [1]) == [(1, False)]
    assert contract.update_count() == 2
    # Classes 0 and 2 tie: the lower index wins.
    assert contract.predict([-SCALE, 0, SCALE, 0, 0]) == 0
    ref.update(x, 1)
    ref.update(x, 1)
    assert_same("dense_perceptron", contract, ref, [[-SCALE, 0, SCALE, 0, 0]])


def test_nearest_centroid_rules(project, owner):
    """Empty classes are skipped, equal distances go to the lower index, sums are kept."""
    contract, ref = deploy(project, owner, "ncc", n_classes=3)
    a, b = [2 * SCALE, 0, 0, 0, 0], [0, 2 * SCALE, 0, 0, 0]
    assert stream(contract, owner, [a], [2]) == [(0, True)]
    ref.update(a, 2)
    assert contract.predict(b) == 2  # classes 0 and 1 are empty
    train_both("ncc", contract, owner, ref, [b, a, [0] * DIM], [1, 2, 2])
    assert contract.sums_of(2) == [4 * SCALE, 0, 0, 0, 0]
    assert contract.class_size(2) == 3 and contract.class_size(0) == 0
    assert contract.predict([SCALE, 0, 0, 0, 0]) == 2 and contract.predict(b) == 1
    assert_same("ncc", contract, ref, [[0] * DIM, a, b, [SCALE, SCALE, 0, 0, 0]])
    # The same sample in classes 1 and 0: equal centroids, the lower index wins.
    tie, ref = deploy(project, owner, "ncc", n_classes=3)
    train_both("ncc", tie, owner, ref, [a, a, a], [1, 0, 2])
    assert stream(tie, owner, [b], [1]) == [(0, True)]


def test_naive_bayes_rules(project, owner):
    """A class without samples scores the smallest int256 and never wins; equal scores go to
    the lower index."""
    contract, ref = deploy(project, owner, "naive_bayes", n_classes=3)
    train_both("naive_bayes", contract, owner, ref, [[1, 2]], [1])
    assert contract.log_scores([1])[0] == INT256_MIN
    assert contract.predict([3]) == 1
    train_both("naive_bayes", contract, owner, ref, [[1, 2]], [2])
    assert contract.log_scores([1])[1] == contract.log_scores([1])[2]
    assert contract.predict([1]) == 1
    assert contract.class_total(1) == 2 and contract.counts_of(2, [1, 2, 3]) == [1, 1, 0]
    assert_same("naive_bayes", contract, ref, [[1], [3], [1, 2, 3], []])


@pytest.mark.parametrize("name", MODELS)
def test_sixteen_classes_stay_in_step(project, owner, name):
    """All sixteen classes (both eight-lane groups of the sparse NCC, both lanes of NB)."""
    size = 8 if model_spec(name).dense else N
    contract, ref = deploy(project, owner, name, n_classes=16, size=size)
    rnd = random.Random(16)
    rows = random_rows(name, 48, rnd, size=size)
    labels = [k % 16 for k in range(32)] + [rnd.randrange(16) for _ in range(16)]
    train_both(name, contract, owner, ref, rows, labels)
    assert_same(name, contract, ref, random_rows(name, 16, rnd, size=size) + rows[:8])


# ---------------------------------------------------------------- Hypothesis: random streams

dense_value = st.one_of(
    st.sampled_from([0, 1, -1, SCALE, -SCALE, MAX_ABS, -MAX_ABS, MAX_ABS - 1, -MAX_ABS + 1]),
    st.integers(-MAX_ABS, MAX_ABS),
)
HYPOTHESIS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,  # the same examples every run: a mutant's kill does not hang on a seed
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
SPARSE_N = 12


@st.composite
def dense_streams(draw):
    """(n_classes, dim, samples, probes): samples drawn from a small pool that holds the zero
    vector, so equal inputs recur under different labels and scores tie."""
    n_classes = draw(st.integers(2, 4))
    dim = draw(st.integers(1, 4))
    vector = st.lists(dense_value, min_size=dim, max_size=dim)
    pool = draw(st.lists(vector, min_size=1, max_size=4)) + [[0] * dim]
    steps = draw(
        st.lists(
            st.tuples(st.integers(0, len(pool) - 1), st.integers(0, n_classes - 1)),
            min_size=1,
            max_size=30,
        )
    )
    probes = draw(st.lists(vector, min_size=1, max_size=3)) + pool
    return n_classes, dim, [(pool[i], y) for i, y in steps], probes


@st.composite
def sparse_streams(draw):
    n_classes = draw(st.integers(2, 4))
    row = st.lists(st.integers(0, SPARSE_N - 1), max_size=6, unique=True).map(sorted)
    pool = draw(st.lists(row, min_size=1, max_size=5)) + [[]]
    steps = draw(
        st.lists(
            st.tuples(st.integers(0, len(pool) - 1), st.integers(0, n_classes - 1)),
            min_size=1,
            max_size=30,
        )
    )
    probes = draw(st.lists(row, min_size=1, max_size=3)) + pool
    return n_classes, SPARSE_N, [(pool[i], y) for i, y in steps], probes


def _check_stream(project, owner, name, drawn, eta=1, alpha=SCALE):
    n_classes, size, samples, probes = drawn
    contract, ref = deploy(project, owner, name, n_classes, size=size, eta=eta, alpha=alpha)
    rows = [x for x, _ in samples]
    labels = [y for _, y in samples]
    expected = [ref.update(x, y) for x, y in samples]
    assert stream(contract, owner, rows, labels) == expected
    assert contract.update_count() == len(samples) and contract.sealed()
    touched = set(range(size)) if not model_spec(name).dense else set()
    assert model_spec(name).mismatches(contract, ref, touched) == []
    assert predictions(contract, probes) == [ref.predict(p) for p in probes]
    for p in probes[:2]:
        assert chain_scores(name, contract, p) == ref_scores(name, ref, p)


@HYPOTHESIS
@given(drawn=dense_streams(), eta=st.sampled_from([1, 2, 7, 2**16 - 1]))
def test_dense_perceptron_random_streams(project, owner, drawn, eta):
    _check_stream(project, owner, "dense_perceptron", drawn, eta=eta)


@HYPOTHESIS
@given(drawn=dense_streams())
def test_ncc_random_streams(project, owner, drawn):
    _check_stream(project, owner, "ncc", drawn)


@HYPOTHESIS
@given(drawn=sparse_streams())
def test_sparse_ncc_random_streams(project, owner, drawn):
    _check_stream(project, owner, "sparse_ncc", drawn)


@HYPOTHESIS
@given(
    drawn=sparse_streams(),
    alpha=st.one_of(st.sampled_from([1, SCALE, 2**64 - 1]), st.integers(1, 2**64 - 1)),
)
def test_naive_bayes_random_streams(project, owner, drawn, alpha):
    _check_stream(project, owner, "naive_bayes", drawn, alpha=alpha)


# ---------------------------------------------------------------- log2: chain and Python


@pytest.fixture(scope="module")
def log_probe(project, accounts):
    """One unsealed NaiveBayes reused by every example: class 0's size and one feature count are
    re-uploaded, so its log_scores expose the on-chain log2 of arbitrary values."""
    owner = accounts[0]
    alpha = 123_456_789
    contract = project.NaiveBayes.deploy(
        *ctor_args("naive_bayes", 50, ["a", "b"], alpha=alpha), sender=owner
    )
    return contract, IntNaiveBayes(50, alpha, 2), owner


@settings(max_examples=30, deadline=None)
@given(
    size=st.one_of(st.integers(1, 2**64 - 1), st.sampled_from([1, 2, 3, 2**63, 2**64 - 1])),
    count=st.one_of(st.integers(0, 2**63), st.sampled_from([0, 1, 2**63])),
)
def test_chain_log2_equals_log2_fixed(log_probe, size, count):
    contract, ref, owner = log_probe
    contract.upload_class_size(0, size, sender=owner)
    contract.upload_counts(0, [3], [count], sender=owner)
    ref.n[0] = size
    ref.set_counts(0, {3: count})
    chain_empty = contract.log_scores([])
    assert chain_empty[0] == log2_fixed(size)
    for x in ([], [3], [4], [3, 4, 49]):
        assert [int(s) for s in contract.log_scores(x)] == ref_scores("naive_bayes", ref, x)


def test_log2_fixed_is_exact_on_powers_of_two():
    assert [log2_fixed(2**k) for k in range(256)] == [k << 32 for k in range(256)]
    with pytest.raises(ValueError, match="log2_fixed needs v >= 1"):
        log2_fixed(0)


@settings(max_examples=300, deadline=None)
@given(v=st.integers(1, 2**200))
def test_log2_fixed_is_close_to_log2(v):
    got = log2_fixed(v)
    assert abs(got / 2**32 - math.log2(v)) <= 2**-29
    assert got <= math.floor(math.log2(v) * 2**32) + 1


@settings(max_examples=300, deadline=None)
@given(v=st.integers(1, 2**200), step=st.integers(0, 2**20))
def test_log2_fixed_is_monotone(v, step):
    assert log2_fixed(v) <= log2_fixed(v + step)
    assert log2_fixed(v) <= log2_fixed(v + 1)


# ---------------------------------------------------------------- overflow safety


@pytest.mark.parametrize("dim,most", [(256, 4), (129, 7), (128, 8), (64, 16), (1, 16)])
def test_dense_perceptron_caps_classes_so_a_step_fits_a_block(project, owner, deployer, dim, most):
    """A step may write every class's weights (all of them on a fresh model), so the class
    count is capped at 512 weight slots per step: 16 up to 64 dims, 8 at 128, 4 at 256."""
    assert dense_perceptron_class_limit(dim) == most
    contract = project.DensePerceptron.deploy(
        *ctor_args("dense_perceptron", dim, class_names(most)), sender=owner
    )
    assert contract.max_classes() == most
    if most < 16:
        with ape.reverts("model: too many classes"):
            contract.add_class("one more", sender=owner)
        with ape.reverts("model: too many classes"):
            project.DensePerceptron.deploy(
                *ctor_args("dense_perceptron", dim, class_names(most + 1)), sender=deployer
            )


def test_dense_perceptron_largest_first_step_fits(project, owner):
    """The costliest step there is: a fresh 256-dim model at its class cap, every value
    non-zero, so every class errs and every weight slot goes from zero to non-zero."""
    contract = project.DensePerceptron.deploy(
        *ctor_args("dense_perceptron", 256, class_names(4)), sender=owner
    )
    receipt = contract.update([MAX_ABS] * 256, 2, sender=owner)
    assert receipt.gas_used < 15_000_000  # the fast path's per-transaction gas limit
    assert all(
        w == (MAX_ABS if k == 2 else -MAX_ABS) for k in range(4) for w in contract.weights_of(k)
    )


def test_dense_perceptron_extreme_weights_do_not_overflow(project, owner):
    """The class cap at 256 dims, every weight and intercept at the ends of its range."""
    n = dense_perceptron_class_limit(256)
    names = class_names(n)
    contract = project.DensePerceptron.deploy(
        *ctor_args("dense_perceptron", 256, names, eta=2**16 - 1), sender=owner
    )
    ref = IntDensePerceptron(256, n, 2**16 - 1)
    ends = [INT127 - 1, -INT127, -(INT127 - 1)]
    for k in range(n):
        w = [ends[(j + k) % 3] for j in range(256)]
        contract.upload_weights(k, 0, w, sender=owner)
        ref.w[k] = w
    ref.b = [(INT127 - 1) * (1 if k % 3 else -1) for k in range(n)]
    contract.upload_intercepts(ref.b, sender=owner)
    probes = [
        [MAX_ABS] * 256,
        [-MAX_ABS] * 256,
        [MAX_ABS if j % 2 else -MAX_ABS for j in range(256)],
        [MAX_ABS if j % 3 else -MAX_ABS for j in range(256)],
    ]
    assert_same("dense_perceptron", contract, ref, probes)


def test_dense_perceptron_trains_on_extreme_samples(project, owner):
    """The class cap at 256 dims, extreme samples, the largest learning rate, from zero
    weights: training and predictions stay in step with the reference."""
    n = dense_perceptron_class_limit(256)
    names = class_names(n)
    contract = project.DensePerceptron.deploy(
        *ctor_args("dense_perceptron", 256, names, eta=2**16 - 1), sender=owner
    )
    ref = IntDensePerceptron(256, n, 2**16 - 1)
    rnd = random.Random(40)
    rows = [[rnd.choice([MAX_ABS, -MAX_ABS]) for _ in range(256)] for _ in range(5)]
    labels = [3, 1, 0, 2, 3]
    for x, y in zip(rows, labels, strict=True):
        receipt = contract.update(x, y, sender=owner)
        (log,) = receipt.decode_logs(contract.ModelTrained)
        assert (log.prediction, log.changed) == ref.update(x, y)
    probes = [[MAX_ABS] * 256, [-MAX_ABS] * 256] + rows
    assert_same("dense_perceptron", contract, ref, probes)


def test_ncc_extreme_sums_do_not_overflow(project, owner):
    """Sixteen classes, 256 dims, counts just below 2**32 and sums at +-count * 2**40, then
    training on extreme samples up to the class limit."""
    top = 2**32 - 2
    names = class_names(16)
    contract = project.NearestCentroid.deploy(*ctor_args("ncc", 256, names), sender=owner)
    ref = IntNearestCentroid(256, 16)
    for k in range(16):
        count, sign = top - k, (1 if k % 2 else -1)
        sums = [(sign if j % 4 else -sign) * count * MAX_ABS for j in range(256)]
        contract.upload_class(k, count, sums, sender=owner)
        ref.n[k], ref.s[k], ref.q[k] = count, sums, sum(v * v for v in sums)
    with ape.reverts("ncc: class full"):
        contract.upload_class(0, 2**32, [0] * 256, sender=owner)
    with ape.reverts("ncc: sum out of range"):
        contract.upload_class(0, top, [top * MAX_ABS + 1] + [0] * 255, sender=owner)
    probes = [
        [MAX_ABS] * 256,
        [-MAX_ABS] * 256,
        [MAX_ABS if j % 2 else -MAX_ABS for j in range(256)],
    ]
    assert_same("ncc", contract, ref, probes)
    # Class 0 (count 2**32 - 2) takes one more sample with the sign of its sums, reaching
    # exactly count * 2**40; then it is full.
    x0 = [-MAX_ABS if j % 4 else MAX_ABS for j in range(256)]
    train_both("ncc", contract, owner, ref, [x0, probes[0], probes[2]], [0, 5, 9])
    with ape.reverts("ncc: class full"):
        contract.update(x0, 0, sender=owner)
    assert_same("ncc", contract, ref, probes + [x0])
