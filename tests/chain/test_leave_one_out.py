"""Leave-one-out judging: a trainer deployed with ``leave_one_out`` judges each refund and
report by the model with that contribution's own training taken out, so a sample the model
agrees with only because it memorised it is not refunded.

Each test plays the attacker's side (a label flipped on a sample whose words nobody else uses,
so the model learns it by heart) and checks what the contract pays under both rules, and that
``verdict`` (what clients read to decide) equals the integer mirrors' ``predict_without`` on
every contribution.
"""

from copy import deepcopy
from typing import Any

import ape
import pytest
from ape import chain
from conftest import STAKE

from sharedmodels import registry
from sharedmodels.encoding.encoded import Encoded
from sharedmodels.encoding.features import Encoder
from sharedmodels.registry import model_spec
from sharedmodels.trainers.client import Contribution, Incentive
from sharedmodels.trainers.deploy import deploy_model

pytestmark = pytest.mark.usefixtures("wei_invariant")

LOO = Incentive(
    "stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=10**15, leave_one_out=True
)
AS_IS = STAKE
#: Models that offer the rule (the Perceptrons do not: see docs/incentives.md).
MODELS = tuple(m.name for m in registry.MODELS.values() if m.leave_one_out)
N_FEATURES = 2**10
QUIET = 100


def sparse_pretraining() -> Encoded:
    """Two classes, each with its own eight words; every sample has four of its class's."""
    rows, labels = [], []
    for k in range(2):
        words = [100 * (k + 1) + j for j in range(8)]
        for i in range(5):
            rows.append(words[i : i + 4])
            labels.append(k)
    return Encoded(rows, labels)


def dense_pretraining() -> Encoded:
    """Two clusters in three dimensions (fixed point, 10**9 per unit)."""
    one = 10**9
    rows = [[one + i * one // 10, one, -one] for i in range(4)]
    rows += [[-one, -one - i * one // 10, one] for i in range(4)]
    return Encoded(rows, [0] * 4 + [1] * 4)


def class_word(k: int, j: int) -> int:
    return 100 * (k + 1) + j


def lone(k: int) -> list[int]:
    """A sample of class ``k``'s words plus three words nobody else uses: the model can learn
    its label from those alone."""
    return sorted([class_word(k, 1), class_word(k, 2), 900 + 10 * k, 901 + 10 * k, 902 + 10 * k])


@pytest.fixture
def deploy(project, owner, deployed):
    def _deploy(model: str, incentive: Incentive) -> tuple[Any, Any]:
        k = model_spec(model)
        container = getattr(project, k.contract("stake"))
        if k.dense:
            from sharedmodels.encoding.features import DenseEncoder

            data = dense_pretraining()
            encoder: Any = DenseEncoder(divisors=(1.0, 1.0, 1.0))
        else:
            data, encoder = sparse_pretraining(), Encoder(n_features=N_FEATURES)
        dep = deploy_model(
            container,
            owner,
            encoder,
            eta=1,
            class_names=("a", "b"),
            pretrain_data=data,
            incentive=incentive,
            model=model,
        )
        deployed.append(dep.contract)
        assert bool(dep.contract.leave_one_out()) == incentive.leave_one_out
        return dep.contract, dep.reference

    return _deploy


def add(t, ref, model: str, who, x: list[int], y: int) -> tuple[Contribution, bool]:
    """``addData`` QUIET seconds after the last contribution; the reference takes the same
    step. Returns the contribution and whether the model changed on it (its record's flag)."""
    last = int(t.last_contribution_time())
    when = max(last + QUIET, int(chain.blocks.head.timestamp) + 1)
    chain.pending_timestamp = when
    deposit = STAKE.deposit(when - last)
    if model == "perceptron":
        sign = 1 if y == 1 else -1
        trained = sign * ref.score(x) <= 0
    else:
        trained = True
    receipt = t.addData(x, y, sender=who, value=deposit)
    (log,) = receipt.decode_logs(t.ContributionAdded)
    ref.update(x, y)
    c = Contribution.from_log(log, x)
    assert (c.label, c.deposit) == (y, deposit)
    assert bool(t.contribution(c.id).trained) == trained
    return c, trained


def expected_verdict(ref, c: Contribution, loo: bool) -> int:
    x = c.args()
    return ref.predict_without(x, c.label) if loo else ref.predict(x)


def after_refund_wait(c: Contribution) -> None:
    chain.pending_timestamp = max(c.time + LOO.refund_wait, int(chain.blocks.head.timestamp) + 1)


@pytest.mark.parametrize("model", [*MODELS, "perceptron"])
def test_verdict_equals_mirror_on_every_contribution(deploy, model, alice, bob):
    """Both rules where the model offers them; the sparse Perceptron (as is only) also shows
    the record's TRAINED flag following its mistakes (``add`` checks it)."""
    if model_spec(model).dense:
        samples = [
            ([10**9, 10**9, -(10**9)], 0),
            ([-(10**9), -(10**9), 10**9], 1),
            ([10**9 // 2, 10**9, -(10**9)], 1),
            ([3 * 10**9, 3 * 10**9, 3 * 10**9], 0),
        ]
    else:
        samples = [(lone(0), 0), (lone(1), 0), (lone(0)[:3], 1), ([class_word(1, 5)], 1)]
    for loo in (False, True) if model != "perceptron" else (False,):
        t, ref = deploy(model, LOO if loo else AS_IS)
        added = [add(t, ref, model, (alice, bob)[i % 2], x, y) for i, (x, y) in enumerate(samples)]
        for c, _ in added:
            want = expected_verdict(ref, c, loo)
            assert int(t.verdict(c.key(), c.args())) == want, (loo, c.id)
        # The rule changes nothing about predictions themselves.
        for c, _ in added:
            assert int(t.predict(c.args())) == ref.predict(c.args())


@pytest.mark.parametrize("model", ["sparse_ncc", "naive_bayes"])
def test_memorised_flip_pays_as_is_and_is_forfeited_under_leave_one_out(
    deploy, model, alice, bob, mallory
):
    """Mallory labels a class-0 sample 1 and pads it with words of her own. As is, the model
    learns her words and agrees with her at refund time: she gets her deposit back. Judged
    without her own training, the rest of the crowd says 0: her refund reverts and an honest
    contributor with a good point takes her deposit."""
    paid = {}
    for loo in (False, True):
        t, ref = deploy(model, LOO if loo else AS_IS)
        honest, _ = add(t, ref, model, alice, [class_word(0, 0), class_word(0, 3)], 0)
        flip, _ = add(t, ref, model, mallory, lone(0), 1)
        after_refund_wait(flip)
        alice_refund = t.refund(honest.key(), honest.args(), sender=alice)
        assert alice_refund.return_value == honest.deposit
        assert int(t.predict(flip.args())) == 1  # the model did memorise it
        if not loo:
            receipt = t.refund(flip.key(), flip.args(), sender=mallory)
            paid[loo] = receipt.return_value
            continue
        assert int(t.verdict(flip.key(), flip.args())) == 0
        with ape.reverts("refund: model disagrees"):
            t.refund(flip.key(), flip.args(), sender=mallory)
        taken = t.report(flip.key(), flip.args(), sender=alice)
        assert taken.return_value == flip.deposit  # alice holds every good point
        paid[loo] = flip.deposit - taken.return_value - int(t.contribution(flip.id).claimable)
    assert paid == {False: flip.deposit, True: 0}


@pytest.mark.parametrize("model", MODELS)
def test_honest_contribution_is_refunded_under_leave_one_out(deploy, model, alice):
    """The rest of the crowd agrees with a correctly labelled sample of a known class."""
    t, ref = deploy(model, LOO)
    x = (
        [2 * 10**9, 10**9, -(10**9)]
        if model_spec(model).dense
        else [class_word(1, 1), class_word(1, 2)]
    )
    y = 0 if model_spec(model).dense else 1
    c, _ = add(t, ref, model, alice, x, y)
    after_refund_wait(c)
    assert int(t.verdict(c.key(), c.args())) == y
    assert t.refund(c.key(), c.args(), sender=alice).return_value == c.deposit


@pytest.mark.parametrize("model", ["sparse_ncc", "naive_bayes"])
def test_last_sample_of_a_class_is_judged_without_its_class(deploy, model, alice, owner):
    """A class whose only sample is the contribution itself cannot be predicted once that
    sample is taken out: a new class cannot be bootstrapped by one contributor's say-so."""
    t, ref = deploy(model, LOO)
    t.add_class("c", sender=owner)
    ref.add_class()
    c, _ = add(t, ref, model, alice, lone(1), 2)
    after_refund_wait(c)
    assert int(t.predict(c.args())) == 2
    assert int(t.verdict(c.key(), c.args())) != 2
    with ape.reverts("refund: model disagrees"):
        t.refund(c.key(), c.args(), sender=alice)


def test_limit_a_twin_carries_its_copy(deploy, mallory, alice):
    """What leave-one-out does not stop (docs/security.md): two copies of a flipped sample
    each leave the other in the model, so both are refunded. It costs the attacker a second
    deposit and the model still learns the flip; a near-copy (one word changed) would do the
    same, so the contract does not look for exact copies."""
    t, ref = deploy("naive_bayes", LOO)
    first, _ = add(t, ref, "naive_bayes", mallory, lone(0), 1)
    second, _ = add(t, ref, "naive_bayes", mallory, lone(0), 1)
    after_refund_wait(second)
    for c in (first, second):
        assert int(t.verdict(c.key(), c.args())) == 1
        assert t.refund(c.key(), c.args(), sender=mallory).return_value == c.deposit


@pytest.mark.parametrize(
    "name,args",
    [
        ("DensePerceptronStake", (3, 1, ["a", "b"], "{}", 60, 120, 240, 10**15, True)),
        ("DensePerceptronPoints", (3, 1, ["a", "b"], "{}", 60, True)),
        ("PerceptronStake", (16, 1, "a", "b", "{}", 60, 120, 240, 10**15, True)),
        ("PerceptronPoints", (16, 1, "a", "b", "{}", 60, True)),
    ],
)
def test_perceptrons_do_not_offer_leave_one_out(project, deployer, name, args):
    """A Perceptron learns only from its mistakes: without its own update, a sample that
    taught the model is judged by the model before it, which got it wrong, while a later copy
    that did not train would be refunded and could report the first. Not offered."""
    with ape.reverts("trainer: leave-one-out judging not offered for this model"):
        getattr(project, name).deploy(*args, sender=deployer)


@pytest.mark.parametrize("model", ["perceptron", "dense_perceptron"])
def test_deploy_refuses_leave_one_out_for_perceptrons_before_sending(project, owner, model):
    before = owner.nonce
    with pytest.raises(ValueError, match=f"not offered for {model}"):
        deploy_model(
            getattr(project, model_spec(model).contract("stake")),
            owner,
            Encoder(n_features=4),
            eta=1,
            class_names=("a", "b"),
            pretrain_data=None,
            incentive=LOO,
            model=model,
        )
    assert owner.nonce == before  # refused before anything was sent


def test_verdict_checks_the_record(deploy, alice):
    t, ref = deploy("naive_bayes", LOO)
    c, _ = add(t, ref, "naive_bayes", alice, lone(0), 0)
    wrong = (c.id, c.contributor, c.time, 1, c.deposit)
    with ape.reverts("data: contribution does not match"):
        t.verdict(wrong, c.args())
    unused = deepcopy(c.args())
    unused[-1] += 1
    with ape.reverts("data: contribution does not match"):
        t.verdict(c.key(), unused)
