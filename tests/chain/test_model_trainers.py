"""Unit tests of the multi-class trainers (dense Perceptron, dense and sparse Nearest Centroid,
Naive Bayes) behind Stake and Points: addData, refund, report, take, class additions, and the
history rebuilt from calldata.

Every trainer is deployed through ``jobs.deploy_model`` with a small pre-trained state, and its
integer-exact reference keeps training in step with every contribution, so each test knows what
the chain's model predicts before it asks. Dense trainers see sklearn's wine rows centred on
their column means (so about half the encoded values are negative); sparse ones see hand-made
index rows, one block of indices per class.

After every test, each trainer it deployed passes the wei invariant (conftest).
"""

from copy import deepcopy
from dataclasses import dataclass
from functools import cache
from itertools import product
from typing import Any

import ape
import pytest
from ape import chain
from conftest import STAKE, assert_wei_invariant
from eth_abi import encode
from eth_utils import keccak

from sharedmodels import registry
from sharedmodels.encoding import datasets
from sharedmodels.encoding.encoded import Encoded
from sharedmodels.encoding.features import MAX_ABS, DenseEncoder, Encoder
from sharedmodels.mirrors.multiclass import INT256_MIN
from sharedmodels.registry import Params, model_spec
from sharedmodels.trainers.actions import contribute, verdicts
from sharedmodels.trainers.client import (
    Contribution,
    Incentive,
    export_csv,
    features_hash,
    read_export,
    scan,
)
from sharedmodels.trainers.deploy import deploy_model

#: After every test: the wei invariant for every trainer it deployed (conftest).
pytestmark = pytest.mark.usefixtures("wei_invariant")

MODELS = tuple(m.name for m in registry.MODELS.values() if m.uses_base)
POINTS = Incentive("points", refund_wait=60, owner_wait=60, any_wait=60, cost_weight=0)
INCENTIVES = {"stake": STAKE, "points": POINTS}
#: Seconds between consecutive contributions in these tests: each stake deposit is
#: cost_weight * 3600 // isqrt(100).
QUIET = 100

#: Pre-training: the first rows of (centred) wine, or PER_CLASS index windows per class.
PRETRAIN = 60
N_FEATURES = 2**12
SPARSE_NAMES = ("red", "green", "blue")
PER_CLASS = 5
#: Dense candidate samples per class (see ``plan``).
CANDIDATES = 6
#: (class of the sample, label sent, prediction once all are in) for the whole-cycle test:
#: alice's and bob's agree with the model, carol's two do not.
CYCLE = ((0, 0, 0), (1, 1, 1), (0, 1, 0), (2, 0, 2))
#: For the export: alice's first is refunded, bob's is mislabelled.
EXPORTED = ((1, 1, 1), (2, 0, 2), (0, 0, 0))


# ---------------------------------------------------------------- data


@cache
def wine() -> tuple[DenseEncoder, list[list[int]], list[int], list[str]]:
    data = datasets.load_dense("sklearn:wine")
    centred = data.features - data.features.mean(axis=0)
    encoder = DenseEncoder.fit(centred)
    return encoder, encoder.encode(centred), list(data.labels), list(data.class_names)


def vocabulary(k: int) -> list[int]:
    """Class ``k``'s own feature indices (sparse models)."""
    return [100 * k + j for j in range(1, 9)]


def pretraining(model: str) -> tuple[Any, list[str], Encoded]:
    """(encoder, class names, pre-training data) of a fresh trainer of ``model``."""
    if model_spec(model).dense:
        encoder, rows, labels, names = wine()
        return encoder, names, Encoded(rows[:PRETRAIN], labels[:PRETRAIN])
    rows, labels = [], []
    for k in range(len(SPARSE_NAMES)):
        v = vocabulary(k)
        for i in range(PER_CLASS):
            rows.append(v[i : i + 4])
            labels.append(k)
    return Encoder(n_features=N_FEATURES), list(SPARSE_NAMES), Encoded(rows, labels)


@cache
def _pretrained(model: str) -> Any:
    """The reference after pre-training (what ``deploy`` uploads)."""
    encoder, names, data = pretraining(model)
    return model_spec(model).pretrain(encoder, data.rows, data.labels, len(names), Params())


@cache
def candidates(model: str, k: int) -> tuple[tuple[int, ...], ...]:
    """Samples of class ``k`` the pre-trained model gets right (dense: unseen wine rows)."""
    if not model_spec(model).dense:
        v = vocabulary(k)
        return tuple((v[i], v[i + 1], v[i + 3]) for i in range(PER_CLASS))
    _, rows, labels, _ = wine()
    ref = _pretrained(model)
    pool = zip(rows[PRETRAIN:], labels[PRETRAIN:], strict=True)
    return tuple(tuple(x) for x, y in pool if y == k and ref.predict(x) == y)[:CANDIDATES]


@cache
def plan(model: str, steps: tuple[tuple[int, int, int], ...]) -> list[list[int]]:
    """Samples for ``steps``, each (class of the sample, label sent, prediction expected once
    every step has trained the model): the first combination of candidates, in order, for
    which the reference trained on them in turn predicts as expected. (One Perceptron update
    can move a boundary a lot, so the samples are chosen, not assumed.)"""
    pools = [candidates(model, k) for k, _, _ in steps]
    for xs in product(*pools):
        if len(set(xs)) < len(xs):
            continue
        ref = deepcopy(_pretrained(model))
        for x, (_, y, _) in zip(xs, steps, strict=True):
            ref.update(list(x), y)
        if all(ref.predict(list(x)) == p for x, (_, _, p) in zip(xs, steps, strict=True)):
            return [list(x) for x in xs]
    raise AssertionError(f"no candidate samples fit {steps} for {model}")


@cache
def refund_trap(follow: int = 5) -> tuple[int, int]:
    """(i, j): unseen wine rows (after pre-training) such that once one contributor adds row i
    with its label and others add rows i + 1 .. j with theirs, the dense Perceptron predicts
    row i's label with every score negative: where a class with zero weights and intercept
    (score 0) would win. Found with the reference, as ``plan`` finds its samples."""
    _, rows, labels, _ = wine()
    pool = list(zip(rows[PRETRAIN:], labels[PRETRAIN:], strict=True))
    for i, (x, y) in enumerate(pool):
        ref = deepcopy(_pretrained("dense_perceptron"))
        ref.update(x, y)
        for j in range(i + 1, min(i + 1 + follow, len(pool))):
            ref.update(*pool[j])
            if ref.predict(x) == y and max(ref.raw_scores(x)) < 0:
                return i + PRETRAIN, j + PRETRAIN
    raise AssertionError("no wine rows leave a contribution with only negative scores")


def far_sample(model: str) -> list[int]:
    """A sample unlike any pre-training one (for a class added later)."""
    if model_spec(model).dense:
        return [2 * 10**9] * wine()[0].dim
    return [900, 901, 902, 903]


def with_negatives(model: str) -> list[list[int]]:
    """Dense rows with negative values, including both ends of the contracts' range."""
    base = list(candidates(model, 0)[0])
    edge = [(-MAX_ABS, MAX_ABS, -1, 0, 1)[j % 5] for j in range(len(base))]
    rows = [edge, [-v for v in base], base]
    assert all(any(v < 0 for v in r) for r in rows)
    return rows


# ---------------------------------------------------------------- fixtures and helpers


@dataclass
class Trainer:
    """A deployed trainer and its reference, kept in step with every contribution."""

    model: str
    contract: Any
    reference: Any
    incentive: Incentive

    @property
    def dense(self) -> bool:
        return model_spec(self.model).dense

    def add(self, who, x, y, gap: int = QUIET) -> Contribution:
        """``addData`` ``gap`` seconds after the last contribution (or in the next second, if
        time has moved on since), sending exactly the deposit owed."""
        t = self.contract
        count = int(t.contribution_count())
        last = int(t.last_contribution_time())
        when = max(last + gap, int(chain.blocks.head.timestamp) + 1)
        at(when)
        deposit = self.incentive.deposit(when - last)
        receipt = t.addData(list(x), y, sender=who, value=deposit)
        log = only_log(receipt, t.ContributionAdded)
        assert (log.id, log.contributor, log.label) == (count + 1, who.address, y)
        assert (log.deposit, log.time) == (deposit, receipt.timestamp)
        self.reference.update(list(x), y)
        return Contribution.from_log(log, x)

    def predicts(self, x) -> int:
        """The chain's prediction, checked against the reference's."""
        got = int(self.contract.predict(list(x)))
        assert got == self.reference.predict(list(x))
        return got


@pytest.fixture
def deploy(project, owner, deployed):
    """``deploy(model, incentive)`` → a pre-trained, sealed Trainer owned by ``owner``."""

    def _deploy(model: str, incentive: Incentive) -> Trainer:
        k = model_spec(model)
        container = getattr(project, k.contract(incentive.kind))
        encoder, names, data = pretraining(model)
        dep = deploy_model(
            container,
            owner,
            encoder,
            eta=1,
            class_names=names,
            pretrain_data=data,
            incentive=incentive,
            model=model,
        )
        deployed.append(dep.contract)
        t = dep.contract
        assert t.contract_type.name == k.contract(incentive.kind)
        assert int(t.n_classes()) == len(names) and t.sealed()
        assert [t.class_names(i) for i in range(len(names))] == names
        assert int(t.update_count()) == 0
        return Trainer(model, t, dep.reference, incentive)

    return _deploy


def at(timestamp: int) -> None:
    chain.pending_timestamp = timestamp


def only_log(receipt, event):
    (log,) = receipt.decode_logs(event)
    return log


def refund(t, c, who):
    return t.refund(c.key(), c.args(), sender=who)


def report(t, c, who):
    return t.report(c.key(), c.args(), sender=who)


def take(t, c, who):
    return t.take(c.key(), c.features_hash, sender=who)


def reasons(contract, action, who) -> dict[int, str | None]:
    return {v.contribution.id: v.reason for v in verdicts(contract, action, who)}


# ---------------------------------------------------------------- the whole cycle


@pytest.mark.parametrize("incentive", ["stake", "points"])
@pytest.mark.parametrize("model", MODELS)
def test_contribute_refund_report_take(deploy, model, incentive, owner, alice, bob, carol, mallory):
    tr = deploy(model, INCENTIVES[incentive])
    t = tr.contract
    staked = incentive == "stake"
    # Two samples labelled as the model sees them, two labelled as the next class.
    xa, xb, xc, xd = plan(model, CYCLE)
    a = tr.add(alice, xa, 0)
    b = tr.add(bob, xb, 1)
    c = tr.add(carol, xc, 1)
    d = tr.add(carol, xd, 0)
    assert int(t.update_count()) == 4 and int(t.contribution_count()) == 4
    assert [tr.predicts(e.features) for e in (a, b, c, d)] == [0, 1, 0, 2]
    assert t.balance == sum(e.deposit for e in (a, b, c, d))
    if staked:
        assert a.deposit == STAKE.cost_weight * 3600 // 10
    else:
        with ape.reverts("addData: contributions are free"):
            t.addData(a.args(), 0, sender=alice, value=1)

    at(d.time + tr.incentive.refund_wait - 1)
    with ape.reverts("refund: too early"):
        refund(t, d, carol)
    at(d.time + tr.incentive.refund_wait - 1)
    with ape.reverts("report: too early"):
        report(t, d, bob)

    at(d.time + tr.incentive.refund_wait)
    # What the client tools say matches what the contract will do below.
    assert reasons(t, "refund", carol) == {c.id: "model disagrees", d.id: "model disagrees"}
    no_points = "you have no good contributions yet" if staked else None
    assert reasons(t, "report", bob) == {
        a.id: "model agrees",
        c.id: no_points,
        d.id: no_points,
    }
    with ape.reverts("data: contribution does not match"):
        t.refund(a.key(), b.args(), sender=alice)
    with ape.reverts("refund: not the contributor"):
        refund(t, a, bob)
    with ape.reverts("refund: model disagrees"):
        refund(t, c, carol)
    with ape.reverts("report: model agrees"):
        report(t, a, bob)
    with ape.reverts("report: own contribution"):
        report(t, c, carol)

    receipt = refund(t, a, alice)
    if not staked:
        log = only_log(receipt, t.PointEarned)
        assert (log.id, log.player, log.points) == (a.id, alice.address, 1)
        assert t.points(alice) == 1
        with ape.reverts("refund: already validated"):
            refund(t, a, alice)
        log = only_log(report(t, c, bob), t.ContributionRejected)
        assert (log.id, log.reporter) == (c.id, bob.address)
        with ape.reverts("report: already validated"):
            report(t, c, mallory)
        with ape.reverts("refund: already validated"):
            refund(t, c, carol)
        assert t.contribution(c.id).bad and t.contribution(a.id).good
        assert (t.good_count(), t.bad_count()) == (1, 1)
        assert t.points(bob) == 0 and t.balance == 0
        assert not hasattr(t, "take")
        return

    log = only_log(receipt, t.DepositRefunded)
    assert (log.id, log.contributor, log.amount) == (a.id, alice.address, a.deposit)
    assert t.contribution(a.id).claimable == 0 and t.contribution(a.id).good
    with ape.reverts("refund: already refunded"):
        refund(t, a, alice)

    # Bob needs a good contribution of his own before he may report.
    with ape.reverts("report: reporter has no good contributions"):
        report(t, c, bob)
    assert only_log(refund(t, b, bob), t.DepositRefunded).amount == b.deposit
    assert (t.num_good(bob), t.total_good()) == (1, 2)
    log = only_log(report(t, c, bob), t.DepositReported)
    share = c.deposit * 1 // 2
    assert (log.id, log.reporter, log.amount) == (c.id, bob.address, share)
    assert (log.reporter_good, log.total_good) == (1, 2)
    assert t.contribution(c.id).claimable == c.deposit - share
    with ape.reverts("report: already reported"):
        report(t, c, bob)

    # Take: the owner after owner_wait, anyone else after any_wait, never the contributor.
    assert d.time + STAKE.refund_wait < d.time + STAKE.owner_wait
    with ape.reverts("take: too early"):
        take(t, d, owner)
    with ape.reverts("take: contributor cannot take its own deposit"):
        take(t, c, carol)
    with ape.reverts("take: nothing left to take"):
        take(t, a, owner)
    with ape.reverts("take: too early"):
        take(t, c, mallory)
    log = only_log(take(t, c, owner), t.DepositTaken)
    assert (log.id, log.taker, log.amount, log.as_owner) == (
        c.id,
        owner.address,
        c.deposit - share,
        True,
    )
    at(d.time + STAKE.any_wait)
    log = only_log(take(t, d, mallory), t.DepositTaken)
    assert (log.taker, log.amount, log.as_owner) == (mallory.address, d.deposit, False)
    assert t.balance == 0
    assert [t.contribution(e.id).claimable for e in (a, b, c, d)] == [0, 0, 0, 0]


# ---------------------------------------------------------------- input checks


@pytest.mark.parametrize("model", MODELS)
def test_bad_inputs_revert_and_record_nothing(deploy, model, alice):
    tr = deploy(model, STAKE)
    t = tr.contract
    x = list(candidates(model, 0)[0])
    value = STAKE.max_deposit
    with ape.reverts("model: unknown class"):
        t.addData(x, len(SPARSE_NAMES), sender=alice, value=value)
    at(int(t.last_contribution_time()) + QUIET)
    with ape.reverts("addData: deposit too low"):
        t.addData(x, 0, sender=alice, value=STAKE.deposit(QUIET) - 1)
    if tr.dense:
        bad = {
            "dense: wrong dimension": [x[:-1], x + [0]],
            "dense: value out of range": [x[:-1] + [-MAX_ABS - 1]],
        }
    else:
        bad = {
            "sparse: features not sorted and unique": [[5, 3], [1, 7, 7, 9]],
            "sparse: feature index out of range": [[1, N_FEATURES]],
        }
    for reason, rows in bad.items():
        for row in rows:
            with ape.reverts(reason):
                t.addData(row, 0, sender=alice, value=value)
        with ape.reverts(reason):
            t.predict(rows[0])
    assert int(t.contribution_count()) == 0 and t.balance == 0
    assert int(t.update_count()) == 0

    # The edges themselves are accepted.
    edge = [MAX_ABS, -MAX_ABS] + x[2:] if tr.dense else [0, N_FEATURES - 1]
    tr.add(alice, edge, 0)
    assert int(t.update_count()) == 1


# ---------------------------------------------------------------- dense calldata round trip


@pytest.mark.parametrize(("model", "incentive"), [("ncc", "stake"), ("dense_perceptron", "points")])
def test_negative_dense_features_round_trip(deploy, model, incentive, alice, bob):
    tr = deploy(model, INCENTIVES[incentive])
    t = tr.contract
    rows = with_negatives(model)
    # Pipelined signed transactions for alice, one Ape transaction for bob.
    added = contribute(t, alice, rows, labels=[0, 1, 2], fast=True)
    added += contribute(t, bob, rows[:1], labels=[1], fast=False)
    assert [a.id for a in added] == [1, 2, 3, 4]

    history = scan(t)
    sent = rows + rows[:1]
    assert [c.features for c in history] == [tuple(r) for r in sent]
    assert [c.label for c in history] == [0, 1, 2, 1]
    for c, row in zip(history, sent, strict=True):
        # int256[] hashing equals the contract's int64[] hashing, sign extension included.
        assert c.features_hash == keccak(encode(["int64[]"], [row])) == features_hash(row)
    assert assert_wei_invariant(t) == sum(c.deposit for c in history)

    # The contract accepts the rebuilt features (the check stops at the wait, after the
    # binding), and refuses them with one sign flipped.
    first = history.contributions[1]
    with ape.reverts("refund: too early"):
        refund(t, first, alice)
    flipped = (-first.features[0],) + first.features[1:]
    with ape.reverts("data: contribution does not match"):
        t.refund(first.key(), list(flipped), sender=alice)


# ---------------------------------------------------------------- classes added later


@pytest.mark.parametrize("model", MODELS)
def test_added_class_takes_contributions(deploy, model, owner, alice, mallory):
    tr = deploy(model, STAKE)
    t = tr.contract
    x = far_sample(model)
    with ape.reverts("ownable: caller is not the owner"):
        t.add_class("extra", sender=mallory)
    with ape.reverts("model: empty class name"):
        t.add_class("", sender=owner)
    with ape.reverts("model: unknown class"):
        t.addData(x, 3, sender=alice, value=STAKE.max_deposit)

    log = only_log(t.add_class("extra", sender=owner), t.ClassAdded)
    assert (log.index, log.name) == (3, "extra")
    assert int(t.n_classes()) == 4 and t.class_names(3) == "extra"
    tr.reference.add_class()
    with ape.reverts("model: unknown class"):
        t.addData(x, 4, sender=alice, value=STAKE.max_deposit)

    c = tr.add(alice, x, 3)
    assert tr.predicts(x) == 3
    at(c.time + STAKE.refund_wait)
    assert only_log(refund(t, c, alice), t.DepositRefunded).amount == c.deposit
    assert t.num_good(alice) == 1


def test_added_class_cannot_fail_a_refund(deploy, owner, alice, bob, carol):
    """Regression: the owner of a dense Perceptron trainer adds a class just before a
    contribution's refund window, at a sample whose every score is negative. Untrained, the
    class would score 0 there and win, the refund would fail ("refund: model disagrees") and
    the owner would take the deposit after owner_wait. A class added after the seal takes part
    in predictions only from a step with its label on, so the refund goes through."""
    tr = deploy("dense_perceptron", STAKE)
    t = tr.contract
    _, rows, labels, _ = wine()
    i, j = refund_trap()
    x, y = rows[i], labels[i]
    c = tr.add(alice, x, y)
    for k in range(i + 1, j + 1):
        tr.add(bob, rows[k], labels[k], gap=5)
    assert int(chain.blocks.head.timestamp) < c.time + STAKE.refund_wait - 1
    scores = [int(s) for s in t.scores(x)]
    assert max(scores) < 0 and tr.predicts(x) == y

    at(c.time + STAKE.refund_wait - 1)
    log = only_log(t.add_class("trap", sender=owner), t.ClassAdded)
    assert (log.index, log.name) == (3, "trap")
    tr.reference.add_class()
    # Its score would be 0, above all three; it takes no part, and nothing else moved.
    assert not any(t.weights_of(3)) and int(t.intercepts()[3]) == 0
    assert [int(s) for s in t.scores(x)] == scores + [INT256_MIN]
    assert tr.predicts(x) == y

    at(c.time + STAKE.refund_wait)
    assert reasons(t, "refund", alice) == {c.id: None}
    log = only_log(refund(t, c, alice), t.DepositRefunded)
    assert (log.id, log.amount) == (c.id, c.deposit)
    at(c.time + STAKE.owner_wait)
    with ape.reverts("take: nothing left to take"):
        take(t, c, owner)

    # The class takes part from the first step with its label on.
    tr.add(carol, far_sample("dense_perceptron"), 3)
    assert int(t.scores(x)[3]) == tr.reference.raw_scores(x)[3] != INT256_MIN
    assert tr.predicts(x) == tr.reference.predict(x)
    assert model_spec("dense_perceptron").mismatches(t, tr.reference, ()) == []


OWNER_ACTIONS = ("add_class", "transfer", "renounce", "seal", "upload_weights", "upload_intercepts")


def test_no_owner_action_changes_a_refund_outcome(deploy, owner, alice, bob):
    """Property: whatever the owner does between a contribution and its refund window (any
    sequence of adding classes, handing over or renouncing ownership, and trying to seal or
    upload), the contribution's refund has the outcome it would have had without it, and the
    owner's take finds nothing left. Set at the trap of the regression above, a sample whose
    every score is negative."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    tr = deploy("dense_perceptron", STAKE)
    t = tr.contract
    _, rows, labels, _ = wine()
    i, j = refund_trap()
    c = tr.add(alice, rows[i], labels[i])
    for k in range(i + 1, j + 1):
        tr.add(bob, rows[k], labels[k], gap=5)
    at(c.time + STAKE.refund_wait - 10)
    chain.mine()
    assert max(int(s) for s in t.scores(rows[i])) < 0

    def outcome():
        """The refund at its window, sent: None, or its revert reason."""
        at(c.time + STAKE.refund_wait)
        try:
            refund(t, c, alice)
        except ape.exceptions.ContractLogicError as exc:
            return str(exc)
        return None

    snap = chain.snapshot()
    expected = outcome()
    chain.restore(snap)
    assert expected is None  # the refund goes through

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(st.sampled_from(OWNER_ACTIONS), min_size=1, max_size=5))
    def actions(steps):
        runs.append(steps)
        snap = chain.snapshot()
        try:
            current = owner
            for n, step in enumerate(steps):
                if current is None:
                    break  # renounced: nobody has owner powers any more
                try:
                    if step == "add_class":
                        t.add_class(f"extra{n}", sender=current)
                    elif step == "transfer":
                        nxt = bob if current == owner else owner
                        t.transfer_ownership(nxt, sender=current)
                        current = nxt
                    elif step == "renounce":
                        t.renounce_ownership(sender=current)
                        current = None
                    elif step == "seal":
                        t.seal(sender=current)
                    elif step == "upload_weights":
                        t.upload_weights(0, 0, [10**12] * 13, sender=current)
                    else:
                        t.upload_intercepts([10**12], sender=current)
                except ape.exceptions.ContractLogicError as exc:
                    assert "sealed" in str(exc) or "too many classes" in str(exc), exc
            assert outcome() == expected
            if current is not None:
                at(c.time + STAKE.owner_wait)
                with ape.reverts("take: nothing left to take"):
                    take(t, c, current)
        finally:
            chain.restore(snap)

    runs: list = []
    actions()
    assert len(runs) >= 12 and any("add_class" in r for r in runs)


# ---------------------------------------------------------------- export


@pytest.mark.parametrize(("model", "incentive"), [("ncc", "points"), ("dense_perceptron", "stake")])
def test_export_round_trip(deploy, model, incentive, alice, bob, tmp_path):
    tr = deploy(model, INCENTIVES[incentive])
    t = tr.contract
    names = pretraining(model)[1]
    xa, xb, xc = plan(model, EXPORTED)
    a = tr.add(alice, xa, 1)
    b = tr.add(bob, xb, 0)
    c = tr.add(alice, xc, 0)
    at(c.time + tr.incentive.refund_wait)
    refund(t, a, alice)

    history = scan(t)
    path = tmp_path / "export.csv"
    now = int(chain.pending_timestamp)
    assert export_csv(history, path, names, now, tr.incentive.refund_wait) == 3
    rows = read_export(path)
    done = "refunded" if incentive == "stake" else "validated"
    assert [r["state"] for r in rows] == [done, "open", "open"]
    got = [
        (r["id"], r["contributor"], r["time"], r["label"], r["class"], r["deposit"], r["features"])
        for r in rows
    ]
    want = [
        (e.id, e.contributor, e.time, e.label, names[e.label], e.deposit, e.features)
        for e in (a, b, c)
    ]
    assert got == want
    assert all(any(v < 0 for v in r["features"]) for r in rows)  # centred wine
    assert [r["block"] for r in rows] == [e.block for e in history]
