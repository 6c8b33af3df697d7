"""ModelHub on a real chain: registry, accuracy records on committed test sets, pools.

Every revert reason of the contract's permissionless paths is asserted here, with the attacks
that must fail: someone else's model, a contract that is not a model (or another kind than
claimed), a duplicate, a reveal that does not match or comes from another evaluator, a model
trained while it is being scored, a contribution entered twice or that did not help, a second
claim (also from inside the payment).
"""

import ape
import pytest
from conftest import STAKE, compile_test_contract, isolated
from eth_abi import encode
from eth_utils import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3.exceptions import ContractLogicError as Web3ContractLogicError

from sharedmodels.encoding import packed
from sharedmodels.hub import driver, rules
from sharedmodels.hub.kinds import PACKED, code_hash, hub_kinds, runtime_code
from sharedmodels.hub.rules import TestSet, budget, commitment
from sharedmodels.trainers.client import Incentive, scan

DAY = 86_400
DELAY, WINDOW, ENTRY, CLAIM, MIN_SAMPLES = DAY, 10 * DAY, 2 * DAY, 5 * DAY, 4
#: The pool contract's bounds on both windows.
HOUR, YEAR = 3600, 365 * DAY
#: Class 1 samples carry feature 7, class 0 samples feature 9, each with one noise feature.
POS, NEG = 7, 9
ZERO = "0x" + "00" * 20


def sample(k: int) -> tuple[list[int], int]:
    y = k % 2
    return sorted([POS if y else NEG, 100 + k]), y


def make_set(n: int = 8, start: int = 0, piece: int = 4) -> TestSet:
    rows = [sample(k) for k in range(start, start + n)]
    return TestSet.make([r for r, _ in rows], [y for _, y in rows], dense=False, piece=piece)


def steps_after_pin(min_size: int = 0, max_size: int = 5):
    """Steps a model may learn after a pin: features of the set (POS, NEG, the noise 100-105)
    or not (500), either label; for the properties that a record is the model at the pin."""
    features = st.sampled_from([POS, NEG, 100, 101, 102, 103, 104, 105, 500])
    step = st.tuples(st.lists(features, min_size=1), st.integers(0, 1))
    return st.lists(step, min_size=min_size, max_size=max_size)


@pytest.fixture(scope="module")
def kinds(project):
    return hub_kinds(project)


def deploy_test_hub(project, owner, kinds):
    """A hub with this file's windows (a day's reveal delay, ten days to reveal)."""
    return driver.deploy_hub(project, owner, kinds, reveal_delay=DELAY, reveal_window=WINDOW)


def deploy_test_pool(project, owner, hub):
    """The pool contract of ``hub`` with this file's windows (two days to enter, five to
    claim, records of 4 samples or more)."""
    return driver.deploy_pool(
        project, owner, hub, entry_window=ENTRY, claim_window=CLAIM, min_pool_samples=MIN_SAMPLES
    )


@pytest.fixture
def hub(project, owner, kinds):
    return deploy_test_hub(project, owner, kinds)


@pytest.fixture
def pool(project, owner, hub):
    return deploy_test_pool(project, owner, hub)


def kind_of(kinds, name):
    return next(i for i, k in enumerate(kinds) if k.name == name)


@pytest.fixture
def trainer(deploy_trainer):
    t = deploy_trainer()
    return t


@pytest.fixture
def registered(hub, trainer, owner, kinds):
    hub.register(trainer, kind_of(kinds, "PerceptronStake"), "sentiment", "ipfs://x", sender=owner)
    return trainer


def pool_invariant(pool, models):
    """The pool contract's balance == sum of pools' available + sum over periods of
    (budget - paid)."""
    held = 0
    for m in models:
        held += sum(driver.pools(pool, m).values())
        for p in range(pool.period_count(m)):
            period = pool.periods(m, p)
            held += period.budget - period.paid
    assert pool.balance == held
    return held


# ---------------------------------------------------------------- kinds


def test_code_hash_matches_deployed_code_without_immutables(project, owner, deploy_trainer, chain):
    """Two deployments with different immutables share the compiled prefix the hub hashes."""
    code = runtime_code(project.PerceptronStake)
    a = bytes(chain.provider.get_code(deploy_trainer().address))
    b = bytes(
        chain.provider.get_code(
            deploy_trainer(
                incentive=Incentive("stake", refund_wait=1, owner_wait=2, any_wait=3, cost_weight=5)
            ).address
        )
    )
    assert a[: len(code)] == b[: len(code)] == code
    assert a != b
    assert code_hash(a, len(code)) == code_hash(code)


def web3_factory(chain, container):
    """A web3 contract factory for ``container`` (Ape's trace of a reverted deployment with a
    tuple array fails to decode its calldata, so deployments are simulated with web3)."""
    ct = container.contract_type
    return chain.provider.web3.eth.contract(
        abi=[a.model_dump(mode="json", by_alias=True) for a in ct.abi],
        bytecode=ct.deployment_bytecode.bytecode,
    )


def test_constructor_checks(project, owner, kinds, hub, chain):
    """The hub's kind list and the pool contract's windows, each refusal with its reason and
    each boundary accepted."""
    web3 = chain.provider.web3
    good = kinds[0].as_tuple()

    def simulate(container, args):
        factory = web3_factory(chain, container)
        tx = factory.constructor(*args).build_transaction({"from": owner.address, "gas": 10**7})
        return web3.eth.call({"from": owner.address, "data": tx["data"]})

    for args, reason in (
        (([(*good[:2], 0, *good[3:])], 1, 1), "hub: kind code size"),
        (([(*good[:2], 24577, *good[3:])], 1, 1), "hub: kind code size"),
        (([(*good[:3], 0, good[4])], 1, 1), "hub: kind features"),
        (([(*good[:3], 4, good[4])], 1, 1), "hub: kind features"),
        (([(*good[:4], 3)], 1, 1), "hub: kind incentive"),
    ):
        with pytest.raises(Web3ContractLogicError, match=reason):
            simulate(project.ModelHub, args)
    simulate(project.ModelHub, ([(*good[:2], 24576, *good[3:4], 2)], 1, 1))  # the boundaries
    for args, reason in (
        ((hub.address, HOUR, HOUR, 0), "hub: min pool samples is zero"),
        ((hub.address, HOUR, HOUR, 257), "hub: min pool samples above the most a pool takes"),
        ((hub.address, HOUR - 1, HOUR, 1), "hub: entry window out of range"),
        ((hub.address, YEAR + 1, HOUR, 1), "hub: entry window out of range"),
        ((hub.address, HOUR, HOUR - 1, 1), "hub: claim window out of range"),
        ((hub.address, HOUR, YEAR + 1, 1), "hub: claim window out of range"),
        ((hub.address, HOUR, 0, 1), "hub: claim window out of range"),
        ((owner.address, HOUR, HOUR, 1), "hub: no hub at that address"),
    ):
        with pytest.raises(Web3ContractLogicError, match=reason):
            simulate(project.HubPool, args)
    # the boundaries pass: windows of one hour and of 365 days, 1 and 256 samples
    simulate(project.HubPool, (hub.address, HOUR, HOUR, 256))
    simulate(project.HubPool, (hub.address, YEAR, YEAR, 1))


def test_the_pool_reads_the_hubs_reveal_windows(project, owner, hub, pool):
    """The pool contract names its hub and its own windows; the re-anchoring wait it uses is
    the hub's reveal delay plus reveal window (test_review_hub3 measures it to the second)."""
    assert pool.hub() == hub.address
    assert (pool.entry_window(), pool.claim_window(), pool.min_pool_samples()) == (
        ENTRY,
        CLAIM,
        MIN_SAMPLES,
    )
    assert (hub.reveal_delay(), hub.reveal_window()) == (DELAY, WINDOW)


# ---------------------------------------------------------------- registry


def test_register_reads_classes_and_encoder(hub, trainer, owner, kinds, chain):
    k = kind_of(kinds, "PerceptronStake")
    receipt = hub.register(trainer, k, "sentiment", "ipfs://x", sender=owner)
    log = receipt.decode_logs(hub.ModelRegistered)[0]
    assert (log.model, log.owner, log.kind) == (trainer.address, owner.address, k)
    described = receipt.decode_logs(hub.ModelUpdated)[0]
    assert (described.model, described.name, described.uri) == (
        trainer.address,
        "sentiment",
        "ipfs://x",
    )
    assert list(described.classes) == ["neg", "pos"]
    e = hub.entries(trainer)
    assert e.listed and e.kind == k + 1 and e.n_classes == 2
    assert bytes(e.encoder_hash) == keccak(text=trainer.encoder())
    assert bytes(e.classes_hash) == keccak(encode(["string[]"], [["neg", "pos"]]))
    assert hub.model_count() == 1 and hub.models(0) == trainer.address
    assert driver.detect_kind(hub, chain.provider, trainer.address) == k
    print("gas register", receipt.gas_used)


def test_register_refusals(project, hub, trainer, owner, alice, kinds):
    k = kind_of(kinds, "PerceptronStake")
    with ape.reverts("hub: caller is not the model's owner"):
        hub.register(trainer, k, "mine now", "", sender=alice)
    with ape.reverts("hub: not a contract"):
        hub.register(alice, k, "eoa", "", sender=alice)
    fake = compile_test_contract("FakeModel").deploy(sender=alice)
    for i in range(len(kinds)):
        with ape.reverts("hub: not a model of this kind"):
            hub.register(fake, i, "fake", "", sender=alice)
    with ape.reverts("hub: not a model of this kind"):
        hub.register(
            trainer, kind_of(kinds, "NaiveBayesStake"), "claims another kind", "", sender=owner
        )
    with ape.reverts("hub: unknown kind"):
        hub.register(trainer, len(kinds), "x", "", sender=owner)
    with ape.reverts("hub: empty name"):
        hub.register(trainer, k, "", "", sender=owner)
    hub.register(trainer, k, "sentiment", "", sender=owner)
    with ape.reverts("hub: already registered"):
        hub.register(trainer, k, "again", "", sender=owner)


def test_update_withdraw_and_ownership(hub, pool, registered, owner, alice, kinds, deploy_model):
    with ape.reverts("hub: caller is not the model's owner"):
        hub.update(registered, "x", "", sender=alice)
    with ape.reverts("hub: caller is not the model's owner"):
        hub.withdraw(registered, sender=alice)
    with ape.reverts("hub: empty name"):
        hub.update(registered, "", "", sender=owner)
    receipt = hub.update(registered, "renamed", "ipfs://y", sender=owner)
    assert receipt.decode_logs(hub.ModelUpdated)[0].name == "renamed"
    assert hub.entries(registered).uri == "ipfs://y"
    # The model's owner, as the model says now, is the one the hub obeys.
    registered.transfer_ownership(alice, sender=owner)
    with ape.reverts("hub: caller is not the model's owner"):
        hub.update(registered, "old owner", "", sender=owner)
    hub.withdraw(registered, sender=alice)
    assert not hub.entries(registered).listed
    # Still evaluable (its pool must not freeze), no longer fundable.
    hub.commit(registered, [b"\x01" * 32], sender=alice)
    with ape.reverts("hub: not registered"):
        pool.fund(registered, alice, value=1, sender=alice)
    with ape.reverts("hub: not registered"):
        hub.update(registered, "x", "", sender=alice)
    with ape.reverts("hub: not registered"):
        hub.withdraw(registered, sender=alice)
    with ape.reverts("hub: not a model of this kind"):
        hub.register(registered, kind_of(kinds, "SparsePerceptron"), "x", "", sender=alice)
    hub.register(registered, kind_of(kinds, "PerceptronStake"), "back", "", sender=alice)
    assert hub.model_count() == 1 and hub.entries(registered).name == "back"
    plain = deploy_model(seal=True)
    with ape.reverts("hub: not registered"):
        hub.commit(plain, [b"\x01" * 32], sender=alice)


def test_listing_flags_a_changed_class_list(hub, owner, kinds, project, chain):
    model = project.NearestCentroid.deploy(2, ["a", "b"], "dense:2", sender=owner)
    hub.register(model, kind_of(kinds, "NearestCentroid"), "tiny", "", sender=owner)
    at = lambda address, name: getattr(project, name).at(address)  # noqa: E731
    [entry] = driver.listing(hub, chain.provider, at)
    assert entry.problems == [] and entry.classes == ["a", "b"] and entry.dense
    model.add_class("c", sender=owner)
    [entry] = driver.listing(hub, chain.provider, at)
    assert entry.problems == ["classes changed since registration (update the entry)"]
    hub.update(model, "tiny", "", sender=owner)
    assert driver.listing(hub, chain.provider, at)[0].problems == []


# ---------------------------------------------------------------- records


def reveal_one(fn, i, salt, piece, updates, sender):
    """One piece through ``reveal_sparse`` / ``reveal_dense`` (which take a batch)."""
    return fn(i, [salt], [len(piece)], list(piece), updates, sender=sender)


def seal(model, owner):
    if not model.sealed():
        model.seal(sender=owner)


def wait(chain, seconds):
    chain.pending_timestamp += seconds
    chain.mine()


def test_evaluation_records_the_models_predictions(hub, registered, owner, bob, chain):
    seal(registered, owner)
    ts = make_set(10, piece=4)
    commitments = ts.commitments(chain.chain_id, hub.address, bob.address)
    receipt = hub.commit(registered, commitments, sender=bob)
    [log] = receipt.decode_logs(hub.TestSetCommitted)
    assert bytes(log.test_set_hash) == rules.test_set_hash(commitments) and log.pieces == 3
    i = log.evaluation
    with ape.reverts("hub: reveal too early"):
        reveal_one(hub.reveal_sparse, i, ts.salts[0], ts.pieces[0], 0, sender=bob)
    wait(chain, DELAY)
    receipts = driver.reveal(hub, i, ts, bob, registered)
    expected = sum(registered.predict(x) == y for p in ts.pieces for x, y in p)
    e = hub.evaluations(i)
    assert (e.samples, e.correct, e.block) == (10, expected, receipts[-1].block_number)
    assert hub.record_count(registered) == 1 and hub.records(registered, 0) == i
    [rec] = receipts[-1].decode_logs(hub.AccuracyRecorded)
    assert (rec.samples, rec.correct, rec.model) == (10, expected, registered.address)
    with ape.reverts("hub: evaluation finished"):
        reveal_one(hub.reveal_sparse, i, ts.salts[0], ts.pieces[0], 0, sender=bob)
    print("gas reveal 4 samples", receipts[0].gas_used)


def test_reveal_refusals(hub, registered, owner, bob, mallory, chain):
    ts = make_set(8)
    with ape.reverts("hub: no pieces"):
        hub.commit(registered, [], sender=bob)
    i = driver.commit(hub, registered, ts, bob, chain.chain_id)
    # mallory copies bob's commitments: under her name they bind her address, not his.
    j = driver.commit(hub, registered, ts_copy := ts, mallory, chain.chain_id)
    hub.commit(registered, ts.commitments(chain.chain_id, hub.address, bob.address), sender=mallory)
    copied = hub.evaluation_count()
    wait(chain, DELAY)
    with ape.reverts("hub: no such evaluation"):
        reveal_one(hub.reveal_sparse, 99, ts.salts[0], ts.pieces[0], 0, sender=bob)
    with ape.reverts("hub: evaluator only"):
        reveal_one(hub.reveal_sparse, i, ts.salts[0], ts.pieces[0], 0, sender=mallory)
    with ape.reverts("hub: model not sealed"):
        reveal_one(hub.reveal_sparse, i, ts.salts[0], ts.pieces[0], 0, sender=bob)
    seal(registered, owner)
    with ape.reverts("hub: piece does not match its commitment"):
        reveal_one(hub.reveal_sparse, copied, ts.salts[0], ts.pieces[0], 0, sender=mallory)
    assert j != copied and ts_copy is ts
    flipped = [(x, 1 - y) for x, y in ts.pieces[0]]
    with ape.reverts("hub: piece does not match its commitment"):
        reveal_one(hub.reveal_sparse, i, ts.salts[0], flipped, 0, sender=bob)
    with ape.reverts("hub: piece does not match its commitment"):
        reveal_one(hub.reveal_sparse, i, ts.salts[0], ts.pieces[0][:3], 0, sender=bob)
    with ape.reverts("hub: piece does not match its commitment"):
        reveal_one(hub.reveal_sparse, i, ts.salts[1], ts.pieces[1], 0, sender=bob)  # out of order
    with ape.reverts("hub: empty piece"):
        reveal_one(hub.reveal_sparse, i, ts.salts[0], [], 0, sender=bob)
    with ape.reverts("hub: empty piece"):  # no piece at all
        hub.reveal_sparse(i, [], [], [], 0, sender=bob)
    with ape.reverts("hub: empty piece"):  # a piece above MAX_PIECE
        hub.reveal_sparse(i, [ts.salts[0]], [17], ts.pieces[0] * 5, 0, sender=bob)
    salts, sizes, samples = driver.reveal_args(ts, 0, 2)
    with ape.reverts("hub: one salt per piece"):
        hub.reveal_sparse(i, salts[:1], sizes, samples, 0, sender=bob)
    with ape.reverts("hub: sizes do not add up"):
        hub.reveal_sparse(i, salts, sizes, samples[:-1], 0, sender=bob)
    with ape.reverts("hub: more pieces than committed"):
        hub.reveal_sparse(i, [*salts, salts[0]], [*sizes, 1], [*samples, samples[0]], 0, sender=bob)
    with ape.reverts("hub: test label out of range"):
        reveal_one(hub.reveal_sparse, i, ts.salts[0], [([1], 2)], 0, sender=bob)
    with ape.reverts("hub: wrong input type"):
        reveal_one(hub.reveal_dense, i, ts.salts[0], [([1], 0)], 0, sender=bob)
    with ape.reverts("hub: model changed"):
        reveal_one(hub.reveal_sparse, i, ts.salts[0], ts.pieces[0], 1, sender=bob)
    reveal_one(hub.reveal_sparse, i, ts.salts[0], ts.pieces[0], 0, sender=bob)
    # Someone trains the model on the revealed piece before the next one is scored.
    x, y = ts.pieces[0][0]
    registered.addData(
        x, 1 - registered.predict(x), value=registered.next_deposit() * 2, sender=mallory
    )
    assert registered.update_count() == 1
    with ape.reverts("hub: model changed during the evaluation"):
        reveal_one(hub.reveal_sparse, i, ts.salts[1], ts.pieces[1], 1, sender=bob)
    with ape.reverts("hub: model changed"):
        reveal_one(hub.reveal_sparse, i, ts.salts[1], ts.pieces[1], 0, sender=bob)
    wait(chain, WINDOW + 1)
    with ape.reverts("hub: reveal window passed"):
        reveal_one(hub.reveal_sparse, i, ts.salts[1], ts.pieces[1], 1, sender=bob)


@pytest.mark.parametrize("n_features", [2**12, 2**16, 2**16 + 1, 2**20])
def test_packed_kind_scores_what_the_model_predicts_on_packed_input(
    hub, project, owner, bob, kinds, deploy_model, chain, n_features
):
    """The hub packs revealed indices into the model's lanes (16-bit up to 2**16 features,
    32-bit above): its score equals the model's predictions on `packed.pack` of each sample,
    including samples of more than 64 indices (which only a packed form carries), index 0,
    the highest index, and a sample that ends a word exactly."""
    assert kinds[kind_of(kinds, "SparsePerceptron")].features == PACKED
    top = n_features - 1
    weights = {0: 3, 5: -2, 300: 4, 301: -1, top: 5, top - 1: -3}
    model = deploy_model(n_features=n_features, weights=weights, intercept=-(2**59), seal=True)
    hub.register(model, kind_of(kinds, "SparsePerceptron"), "packed", "", sender=owner)
    rows = [
        [0],
        [5],
        [0, 5, 300],
        [301, top],
        list(range(16)),  # a full 16-bit word (two full 32-bit words)
        list(range(8)),
        [*range(200, 302), top - 1],  # 103 indices
        [top - 1, top],
    ]
    labels = [1, 0, 1, 1, 0, 1, 1, 0]
    ts = TestSet.make(rows, labels, dense=False, piece=3)
    i = driver.commit(hub, model.address, ts, bob, chain.chain_id)
    wait(chain, DELAY)
    preds = [model.predict(packed.pack(r, n_features)) for r in rows]
    driver.reveal(hub, i, ts, bob, model)
    assert len(set(preds)) == 2  # the set tells the two classes apart
    expected = sum(p == y for p, y in zip(preds, labels, strict=True))
    assert (hub.evaluations(i).samples, hub.evaluations(i).correct) == (8, expected)


def test_packed_kind_refuses_features_the_lanes_cannot_carry(hub, registered, owner, bob, chain):
    """Unsorted, repeated or out-of-range indices are refused before any prediction, with the
    hub's reason (packed, they would decode as other indices or spill into the next lane)."""
    seal(registered, owner)
    n = registered.n_features()
    ts = TestSet.make([[1, 2], [n - 1]], [0, 1], dense=False, piece=2)
    i = driver.commit(hub, registered, ts, bob, chain.chain_id)
    wait(chain, DELAY)
    for x, reason in (
        ([2, 1], "hub: test features not sorted and unique"),
        ([3, 3], "hub: test features not sorted and unique"),
        ([0, 0], "hub: test features not sorted and unique"),
        ([n], "hub: test feature index out of range"),
        ([1, n + 2**16], "hub: test feature index out of range"),
    ):
        with ape.reverts(reason):
            reveal_one(hub.reveal_sparse, i, ts.salts[0], [([1, 2], 0), (x, 1)], 0, sender=bob)
    driver.reveal(hub, i, ts, bob, registered)
    assert hub.evaluations(i).samples == 2


def test_commitment_mirror_binds_chain_hub_evaluator_and_position(hub, bob, chain):
    ts = make_set(4)
    c = commitment(
        chain.chain_id,
        hub.address,
        evaluator=bob.address,
        i=0,
        salt=ts.salts[0],
        piece=ts.pieces[0],
        dense=False,
    )
    assert c == ts.commitments(chain.chain_id, hub.address, bob.address)[0]
    for other in (
        commitment(
            chain.chain_id + 1,
            hub.address,
            evaluator=bob.address,
            i=0,
            salt=ts.salts[0],
            piece=ts.pieces[0],
            dense=False,
        ),
        commitment(
            chain.chain_id,
            bob.address,
            evaluator=bob.address,
            i=0,
            salt=ts.salts[0],
            piece=ts.pieces[0],
            dense=False,
        ),
        commitment(
            chain.chain_id,
            hub.address,
            evaluator=hub.address,
            i=0,
            salt=ts.salts[0],
            piece=ts.pieces[0],
            dense=False,
        ),
        commitment(
            chain.chain_id,
            hub.address,
            evaluator=bob.address,
            i=1,
            salt=ts.salts[0],
            piece=ts.pieces[0],
            dense=False,
        ),
    ):
        assert other != c


def test_dense_model_evaluation(hub, project, owner, bob, kinds, chain):
    model = project.NearestCentroid.deploy(2, ["a", "b"], "dense:2", sender=owner)
    for x, y in (([0, 0], 0), ([10**9, 10**9], 1)):
        model.update(x, y, sender=owner)
    hub.register(model, kind_of(kinds, "NearestCentroid"), "tiny", "", sender=owner)
    rows = [[0, 10**8], [10**9, 9 * 10**8], [2 * 10**8, 0], [8 * 10**8, 10**9], [10**9, 0]]
    labels = [0, 1, 0, 1, 0]
    ts = TestSet.make(rows, labels, dense=True, piece=3)
    i = driver.commit(hub, model.address, ts, bob, chain.chain_id)
    wait(chain, DELAY)
    with ape.reverts("hub: wrong input type"):
        reveal_one(hub.reveal_sparse, i, ts.salts[0], [([1], 0)], model.update_count(), sender=bob)
    driver.reveal(hub, i, ts, bob, model)
    expected = sum(model.predict(x) == y for x, y in zip(rows, labels, strict=False))
    assert hub.evaluations(i).correct == expected and hub.evaluations(i).samples == 5


# ---------------------------------------------------------------- pools


def features_hash(x):
    return keccak(encode(["uint32[]"], [list(x)]))


def contribute(trainer, who, x, y):
    receipt = trainer.addData(x, y, value=trainer.next_deposit(), sender=who)
    log = receipt.decode_logs(trainer.ContributionAdded)[0]
    return (log.id, log.contributor, log.time, log.label, log.deposit), x


def evaluated(hub, model, ts, who, chain):
    """Reveal an already committed set (``ts`` with its evaluation id)."""
    i, s = ts
    driver.reveal(hub, i, s, who, model)
    return i


def test_pool_pays_good_contributions_of_an_improving_period(
    hub, pool, registered, owner, alice, bob, carol, mallory, chain, project
):
    trainer = registered
    seal(trainer, owner)
    pool.fund(trainer, carol, value=10**18, sender=mallory)  # for carol's records
    with ape.reverts("hub: nothing sent"):
        pool.fund(trainer, carol, value=0, sender=mallory)
    with ape.reverts("hub: no evaluator"):
        pool.fund(trainer, ZERO, value=1, sender=mallory)
    assert pool.pool_count(trainer) == 1 and pool.pool_evaluators(trainer, 0) == carol.address
    # Two sets committed up front: one anchors the pool, the other closes the period.
    a_set, b_set, late = make_set(8), make_set(8, start=8), make_set(8, start=16)
    a = driver.commit(hub, trainer.address, a_set, carol, chain.chain_id)
    b = driver.commit(hub, trainer.address, b_set, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, carol, trainer)
    with ape.reverts("hub: evaluation not finished"):
        pool.close_period(trainer, b, sender=carol)
    assert pool.close_period(trainer, a, sender=carol).return_value == 0
    assert pool.pools(trainer, carol).anchor == a
    with ape.reverts("hub: record already used"):
        pool.close_period(trainer, a, sender=carol)
    c_late = driver.commit(hub, trainer.address, late, carol, chain.chain_id)
    # The period: alice teaches both classes, bob farms a sample the model already gets right
    # (no change), mallory flips a label.
    c1, x1 = contribute(trainer, alice, [POS, 300], 1)
    c2, x2 = contribute(trainer, alice, [NEG, 301], 0)
    c3, x3 = contribute(trainer, bob, [POS, 302], 1)
    c4, x4 = contribute(trainer, mallory, [NEG, 303], 1)
    c5, x5 = contribute(trainer, alice, [NEG, 304], 0)
    wait(chain, STAKE.refund_wait + 1)  # ended before the record, whatever the clock does
    for c, x, who in ((c1, x1, alice), (c2, x2, alice), (c3, x3, bob), (c5, x5, alice)):
        if trainer.verdict(c, x) == c[3]:
            trainer.refund(c, x, sender=who)
    assert trainer.contribution(c1[0]).good and trainer.contribution(c2[0]).good
    assert not trainer.contribution(c4[0]).good
    driver.reveal(hub, b, b_set, carol, trainer)
    wait(chain, DELAY)
    driver.reveal(hub, c_late, late, carol, trainer)
    with ape.reverts("hub: test set committed after the period began"):
        pool.close_period(trainer, c_late, sender=carol)
    ea, eb = hub.evaluations(a), hub.evaluations(b)
    assert eb.correct > ea.correct
    receipt = pool.close_period(trainer, b, sender=carol)
    print("gas close_period", receipt.gas_used)
    expected = budget(10**18, ea.samples, ea.correct, eb.samples, eb.correct)
    assert receipt.return_value == expected > 0
    period = pool.periods(trainer, 0)
    assert (period.first_id, period.last_id) == (1, 5)
    pool_invariant(pool, [trainer])
    # Entries, each with the closing set as the hub scored it.
    scored = driver.scored_test(hub, b, b_set, trainer.n_features())
    test = [t.as_tuple() for t in scored]

    def enter(c, x, who, period=0, closing=test):
        return pool.enter(trainer, period, [(c, x)], closing, sender=who)

    with ape.reverts("hub: no such period"):
        enter(c1, x1, alice, period=5)
    with ape.reverts("hub: nothing to enter"):
        pool.enter(trainer, 0, [], test, sender=alice)
    with ape.reverts("hub: not the closing test set"):
        enter(c1, x1, alice, closing=test[:-1])
    moved = [*test[:-1], (test[-1][0], test[-1][1], test[-1][2] + 1)]  # one score off by 1
    with ape.reverts("hub: not the closing test set"):
        enter(c1, x1, alice, closing=moved)
    relabelled = [*test[:-1], (test[-1][0], 1 - test[-1][1], test[-1][2])]
    with ape.reverts("hub: not the closing test set"):
        enter(c1, x1, alice, closing=relabelled)
    with ape.reverts("hub: contribution does not match"):
        enter((c1[0], bob.address, *c1[2:]), x1, bob)
    with ape.reverts("hub: contribution does not match"):
        enter(c1, x2, alice)
    # Mallory's flip trained the model and was never refunded; its step pushed the closing
    # class-0 samples (NEG) toward class 1.
    assert trainer.contribution(c4[0]).trained and not trainer.contribution(c4[0]).good
    with ape.reverts("hub: contribution did not help the closing set"):
        enter(c4, x4, mallory)
    assert not trainer.contribution(c3[0]).trained  # bob's farmed sample left the model as it was
    with ape.reverts("hub: contribution did not change the model"):
        enter(c3, x3, bob)
    with ape.reverts("hub: contribution outside the period"):
        enter((99, *c1[1:]), x1, alice)
    # Each of alice's steps moved the four closing samples of its class (one feature shared).
    for c, x in ((c1, x1), (c2, x2), (c5, x5)):
        assert rules.pushed(packed.unpack(x, trainer.n_features()), c[3], scored) == 4
    receipt = enter(c1, x1, bob)  # anyone, for alice
    print("gas enter one against 8 samples", receipt.gas_used)
    [log] = receipt.decode_logs(pool.ContributionEntered)
    assert (log.contributor, log.shares) == (alice.address, 4)
    again = enter(c1, x1, alice)  # entered already: skipped, no revert
    assert again.return_value == 0 and not again.decode_logs(pool.ContributionEntered)
    assert pool.shares(trainer, 0, alice) == 4 == pool.periods(trainer, 0).shares
    twice = pool.enter(trainer, 0, [(c2, x2), (c2, x2)], test, sender=alice)  # once only
    assert twice.return_value == 4 and len(twice.decode_logs(pool.ContributionEntered)) == 1
    assert pool.enter(trainer, 0, [(c2, x2), (c5, x5)], test, sender=alice).return_value == 4
    assert pool.shares(trainer, 0, alice) == 12 == pool.periods(trainer, 0).shares
    with ape.reverts("hub: entries still open"):
        pool.claim(trainer, 0, sender=alice)
    with ape.reverts("hub: entries still open"):
        pool.release(trainer, 0, sender=alice)
    wait(chain, ENTRY + 1)
    with ape.reverts("hub: entries closed"):
        enter(c3, x3, bob)
    with ape.reverts("hub: no shares"):
        pool.claim(trainer, 0, sender=bob)
    with ape.reverts("hub: claims still open"):
        pool.release(trainer, 0, sender=bob)
    before = alice.balance
    claim = pool.claim(trainer, 0, sender=alice)
    print("gas claim", claim.gas_used)
    assert alice.balance - before + claim.gas_used * claim.gas_price == expected
    with ape.reverts("hub: already claimed"):
        pool.claim(trainer, 0, sender=alice)
    assert pool_invariant(pool, [trainer]) == 10**18 - expected


def test_period_without_gain_or_entries(hub, pool, registered, owner, carol, chain):
    seal(registered, owner)
    pool.fund(registered, carol, value=1000, sender=carol)
    sets = [make_set(8), make_set(8, start=8)]
    ids = [driver.commit(hub, registered.address, s, carol, chain.chain_id) for s in sets]
    wait(chain, DELAY)
    for i, s in zip(ids, sets, strict=False):
        driver.reveal(hub, i, s, carol, registered)
    small = make_set(2, start=40, piece=2)
    k = driver.commit(hub, registered.address, small, carol, chain.chain_id)
    with ape.reverts("hub: record of another model"):
        pool.close_period(registered, 999, sender=carol)
    pool.close_period(registered, ids[0], sender=carol)
    assert pool.close_period(registered, ids[1], sender=carol).return_value == 0
    wait(chain, DELAY)
    driver.reveal(hub, k, small, carol, registered)
    with ape.reverts("hub: too few test samples"):
        pool.close_period(registered, k, sender=carol)
    # 257 samples: one more than `enter` takes back; 256 pass.
    rows = [[POS if j % 2 else NEG, 1000 + j] for j in range(257)]
    big = TestSet.make(rows, [j % 2 for j in range(257)], dense=False)
    edge = TestSet.make(rows[:256], [j % 2 for j in range(256)], dense=False)
    m, n = (driver.commit(hub, registered.address, t, carol, chain.chain_id) for t in (big, edge))
    wait(chain, DELAY)
    driver.reveal(hub, m, big, carol, registered)
    driver.reveal(hub, n, edge, carol, registered)
    with ape.reverts("hub: too many test samples for a pool"):
        pool.close_period(registered, m, sender=carol)
    with ape.reverts("hub: test set committed after the period began"):  # past the size rule
        pool.close_period(registered, n, sender=carol)
    wait(chain, ENTRY + 1)
    with ape.reverts("hub: nothing to release"):
        pool.release(registered, 0, sender=carol)
    assert pool_invariant(pool, [registered]) == 1000


def test_release_returns_an_unentered_budget(hub, pool, registered, owner, alice, carol, chain):
    seal(registered, owner)
    pool.fund(registered, carol, value=10**6, sender=carol)
    a_set, b_set = make_set(8), make_set(8, start=8)
    a = driver.commit(hub, registered.address, a_set, carol, chain.chain_id)
    b = driver.commit(hub, registered.address, b_set, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, carol, registered)
    pool.close_period(registered, a, sender=carol)
    contribute(registered, alice, [POS, 300], 1)
    contribute(registered, alice, [NEG, 301], 0)
    driver.reveal(hub, b, b_set, carol, registered)
    released = pool.close_period(registered, b, sender=carol).return_value
    assert released > 0
    with ape.reverts("hub: no such period"):
        pool.release(registered, 1, sender=carol)
    with ape.reverts("hub: no such period"):
        pool.claim(registered, 1, sender=carol)
    # At the deadline's second entries are still open (eth_call at the latest block).
    deadline = pool.periods(registered, 0).entry_deadline
    chain.mine(timestamp=deadline)
    assert chain.blocks.head.timestamp == deadline
    with ape.reverts("hub: entries still open"):
        pool.release.call(registered, 0, sender=carol)
    with ape.reverts("hub: entries still open"):
        pool.claim.call(registered, 0, sender=carol)
    wait(chain, 1)
    assert pool.release(registered, 0, sender=carol).return_value == released
    assert pool.pools(registered, carol).available == 10**6
    with ape.reverts("hub: nothing to release"):
        pool.release(registered, 0, sender=carol)
    pool_invariant(pool, [registered])


def test_fund_refusals(hub, pool, project, owner, carol, kinds, deploy_model):
    plain = deploy_model(seal=True)
    hub.register(plain, kind_of(kinds, "SparsePerceptron"), "plain", "", sender=owner)
    with ape.reverts("hub: not a trainer"):
        pool.fund(plain, carol, value=1, sender=carol)
    with ape.reverts("hub: not a trainer"):
        pool.close_period(plain, 1, sender=carol)
    with ape.reverts("hub: not registered"):
        pool.fund(carol, carol, value=1, sender=carol)
    # A trainer whose contributions the hub cannot measure (not a sparse Perceptron).
    nb = deploy_trainer_of(project, owner, "naive_bayes")
    hub.register(nb, kind_of(kinds, "NaiveBayesStake"), "nb", "", sender=owner)
    with ape.reverts("hub: no pool for this kind"):
        pool.fund(nb, carol, value=1, sender=carol)
    with ape.reverts("hub: no pool for this kind"):
        pool.close_period(nb, 1, sender=carol)


def deploy_trainer_of(project, owner, model):
    from sharedmodels.encoding.features import Encoder
    from sharedmodels.registry import model_spec
    from sharedmodels.trainers.deploy import deploy_model

    container = getattr(project, model_spec(model).contract("stake"))
    return deploy_model(
        container, owner, Encoder(n_features=2**12), incentive=STAKE, model=model
    ).contract


# ---------------------------------------------------------------- payments and conservation


def fund_and_anchor(hub, pool, trainer, funder, evaluator, chain, value):
    """A pool of ``value`` for ``evaluator``'s records, anchored by its first set; returns (the
    anchor's id, the closing set's id, the closing set), committed together before the
    period began."""
    pool.fund(trainer, evaluator, value=value, sender=funder)
    a_set, b_set = make_set(8), make_set(8, start=8)
    a = driver.commit(hub, trainer.address, a_set, evaluator, chain.chain_id)
    b = driver.commit(hub, trainer.address, b_set, evaluator, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, evaluator, trainer)
    pool.close_period(trainer, a, sender=evaluator)
    return a, b, b_set


def one_period(hub, pool, trainer, owner, evaluator, contributors, chain, fund):
    """Fund, anchor, a period where ``contributors`` (callables that add one sample) teach the
    model, refund what the model agrees with, close; returns (budget, entered ids)."""
    seal(trainer, owner)
    _, b, b_set = fund_and_anchor(hub, pool, trainer, evaluator, evaluator, chain, fund)
    start = chain.blocks.head.number
    for add in contributors:
        add()
    wait(chain, STAKE.refund_wait)
    history = scan(trainer, start)
    driver.reveal(hub, b, b_set, evaluator, trainer)
    budget_ = pool.close_period(trainer, b, sender=evaluator).return_value
    return budget_, history, start, b_set


def test_claim_cannot_reenter_and_a_refused_payment_reverts(
    hub, pool, registered, owner, carol, chain
):
    claimer = compile_test_contract("HubClaimer").deploy(pool, sender=owner)
    trainer = registered

    def add(x, y):
        return lambda: claimer.add(trainer, x, y, value=trainer.next_deposit(), sender=owner)

    budget_, history, start, b_set = one_period(
        hub, pool, trainer, owner, carol, [add([POS, 300], 1), add([NEG, 301], 0)], chain, 10**9
    )
    for c in history:
        claimer.take_back(trainer, c.key(), c.args(), sender=owner)
    entered = driver.enter_eligible(
        hub, pool, trainer, 0, history=scan(trainer, start), test_set=b_set, sender=carol
    )
    assert len(entered) == 2 and budget_ > 0
    wait(chain, ENTRY + 1)
    claimer.set_refuse(True, sender=owner)
    with ape.reverts("pay: payment failed"):
        claimer.claim(trainer, 0, sender=owner)
    claimer.set_refuse(False, sender=owner)
    before = claimer.balance
    claimer.claim(trainer, 0, sender=owner)
    assert claimer.reentered() and claimer.reentry_failed()
    assert claimer.balance - before == budget_
    pool_invariant(pool, [trainer])


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    fund=st.integers(1, 10**20),
    teach=st.lists(st.sampled_from([0, 1, 2]), min_size=2, max_size=6),
    order=st.permutations([0, 1, 2]),
)
def test_pool_conserves_every_wei(
    project, kinds, owner, alice, bob, carol, deploy_trainer, chain, fund, teach, order
):
    """Whoever teaches, whatever the pool and the claim order: the pool contract's balance
    always equals its books, and after every claim funded == paid + left in the pool, to the
    wei; the hub holds nothing."""
    people = [owner, alice, bob]
    only = [k for k in kinds if k.name == "PerceptronStake"]
    with isolated(chain):
        hub = deploy_test_hub(project, owner, only)
        pool = deploy_test_pool(project, owner, hub)
        trainer = deploy_trainer()
        hub.register(trainer, 0, "t", "", sender=owner)
        samples = [([POS, 300 + k], 1) if k % 2 == 0 else ([NEG, 300 + k], 0) for k in range(6)]

        def add(who, x, y):
            return lambda: trainer.addData(x, y, value=trainer.next_deposit(), sender=who)

        adds = [add(people[w], *samples[k]) for k, w in enumerate(teach)]
        budget_, history, start, b_set = one_period(
            hub, pool, trainer, owner, carol, adds, chain, fund
        )
        for c in history:
            if trainer.verdict(c.key(), c.args()) == c.label:
                trainer.refund(c.key(), c.args(), sender=c.contributor)
        driver.enter_eligible(
            hub, pool, trainer, 0, history=scan(trainer, start), test_set=b_set, sender=carol
        )
        wait(chain, ENTRY + 1)
        paid = 0
        for i in order:
            if pool.shares(trainer, 0, people[i]) and not pool.claimed(trainer, 0, people[i]):
                receipt = pool.claim(trainer, 0, sender=people[i])
                paid += receipt.decode_logs(pool.RewardClaimed)[0].amount
            assert pool_invariant(pool, [trainer]) + paid == fund
        if pool.periods(trainer, 0).shares == 0 and budget_ > 0:
            pool.release(trainer, 0, sender=carol)
        assert pool.pools(trainer, carol).available + paid == fund
        assert paid == (budget_ if pool.periods(trainer, 0).shares else 0)


def test_gas_of_a_piece(hub, registered, owner, carol, chain):
    """The largest reveal transaction the hub takes (4 pieces of 16 samples of 128 features,
    the most of each) fits a 30M-gas block with room; a typical piece (16 samples of 20
    features) costs far less. Printed for docs/hub.md."""
    seal(registered, owner)
    heavy = TestSet.make(
        [list(range(k * 62, k * 62 + 128)) for k in range(64)],
        [k % 2 for k in range(64)],
        dense=False,
    )
    with pytest.raises(ValueError, match="at most 128 indices"):
        TestSet.make([list(range(129))], [0], dense=False)
    light = TestSet.make(
        [list(range(k * 20, k * 20 + 20)) for k in range(16)],
        [k % 2 for k in range(16)],
        dense=False,
    )
    ids = [driver.commit(hub, registered.address, s, carol, chain.chain_id) for s in (heavy, light)]
    wait(chain, DELAY)
    [h] = driver.reveal(hub, ids[0], heavy, carol, registered)
    [lt] = driver.reveal(hub, ids[1], light, carol, registered)
    print(f"gas reveal 64x128 {h.gas_used} 16x20 {lt.gas_used}")
    assert h.gas_used < 20_000_000 and lt.gas_used < 1_000_000


def test_closing_record_must_come_after_the_anchor(hub, pool, registered, owner, carol, chain):
    seal(registered, owner)
    first, second = make_set(8), make_set(8, start=8)
    a = driver.commit(hub, registered.address, first, carol, chain.chain_id)
    b = driver.commit(hub, registered.address, second, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, b, second, carol, registered)  # b finishes first
    driver.reveal(hub, a, first, carol, registered)
    pool.close_period(registered, a, sender=carol)
    with ape.reverts("hub: record not after the anchor"):
        pool.close_period(registered, b, sender=carol)


def test_a_record_of_the_anchors_block_does_not_close_its_period(
    mempool, hub, pool, registered, owner, carol, chain
):
    """Two records pinned in one block (the moment a pool reads them at): the later in the
    block is not after the anchor."""
    seal(registered, owner)
    first, second = make_set(8), make_set(8, start=8)
    a = driver.commit(hub, registered.address, first, carol, chain.chain_id)
    b = driver.commit(hub, registered.address, second, carol, chain.chain_id)
    wait(chain, DELAY)
    with mempool.paused():
        sent = [mempool.send(hub.pin, i, sender=carol) for i in (a, b)]
        block = mempool.mine()
    assert all(block[t].ok for t in sent)
    driver.reveal(hub, a, first, carol, registered)
    driver.reveal(hub, b, second, carol, registered)
    assert hub.evaluations(a).pinned == hub.evaluations(b).pinned
    pool.close_period(registered, a, sender=carol)
    with ape.reverts("hub: record not after the anchor"):
        pool.close_period(registered, b, sender=carol)


def test_a_set_committed_in_the_anchors_block_cannot_close_its_period(
    mempool, hub, pool, registered, owner, carol, chain
):
    """A set committed in the very block of the anchor's pin is not before it: it cannot
    close the period (and cannot re-anchor while the anchor's sets may still be revealed)."""
    seal(registered, owner)
    first, second = make_set(8), make_set(8, start=8)
    a = driver.commit(hub, registered.address, first, carol, chain.chain_id)
    wait(chain, DELAY)
    commitments = second.commitments(chain.chain_id, hub.address, carol.address)
    with mempool.paused():
        sent = [
            mempool.send(hub.pin, a, sender=carol),
            mempool.send(hub.commit, registered.address, commitments, sender=carol),
        ]
        block = mempool.mine()
    assert all(block[t].ok for t in sent)
    driver.reveal(hub, a, first, carol, registered)
    b = hub.evaluation_count()
    assert hub.evaluations(b).commit_block == hub.evaluations(a).pinned
    pool.close_period(registered, a, sender=carol)
    wait(chain, DELAY)
    driver.reveal(hub, b, second, carol, registered)
    with ape.reverts("hub: test set committed after the period began"):
        pool.close_period(registered, b, sender=carol)


#: Room kept under EIP-170's limit (as tests/chain/test_sizes.py keeps for every deployable).
CODE_MARGIN = 500


def test_hub_and_pool_fit_eip170(project, hub, pool, chain):
    """The deployed code (runtime and immutables) of the hub and of its pool contract each stay
    under EIP-170's 24,576 bytes with a margin."""
    for name, contract in (("ModelHub", hub), ("HubPool", pool)):
        size = len(runtime_code(getattr(project, name)))
        deployed = len(bytes(chain.provider.get_code(contract.address)))
        print(name, "runtime bytes", size, "deployed", deployed)
        assert size < deployed < 24_576 - CODE_MARGIN


def test_calls_into_the_pool_from_a_payment_are_locked(
    project, hub, pool, registered, owner, carol, chain
):
    """Three contributor contracts, one share each; each tries a different call from inside its
    payment, each of which would succeed outside it: claim again, close the next period with
    a valid record (both on the pool contract: its lock stops them, no reason), commit a test
    set on the hub (another contract with a lock of its own, holding no money: it goes
    through). The payments are unchanged."""
    trainer = registered
    seal(trainer, owner)
    claimers = [compile_test_contract("HubClaimer").deploy(pool, sender=owner) for _ in range(3)]
    pool.fund(trainer, carol, value=3 * 10**9 + 2, sender=carol)
    # The closing set has one sample only the third claimer's feature decides.
    closing_rows = [sample(k) for k in range(8, 16)] + [([500], 1)]
    closing = TestSet.make(
        [r for r, _ in closing_rows], [y for _, y in closing_rows], dense=False, piece=4
    )
    sets = [make_set(8), closing, make_set(8, start=16)]
    a, b = (driver.commit(hub, trainer.address, s, carol, chain.chain_id) for s in sets[:2])
    wait(chain, DELAY)
    driver.reveal(hub, a, sets[0], carol, trainer)
    pool.close_period(trainer, a, sender=carol)
    c = driver.commit(hub, trainer.address, sets[2], carol, chain.chain_id)
    start = chain.blocks.head.number
    for claimer, (x, y) in zip(
        claimers, (([POS, 300], 1), ([NEG, 301], 0), ([500], 1)), strict=True
    ):
        claimer.add(trainer, x, y, value=trainer.next_deposit(), sender=owner)
    wait(chain, STAKE.refund_wait)
    history = scan(trainer, start)
    for claimer, item in zip(claimers, history, strict=True):
        claimer.take_back(trainer, item.key(), item.args(), sender=owner)
    driver.reveal(hub, b, sets[1], carol, trainer)
    budget_ = pool.close_period(trainer, b, sender=carol).return_value
    assert (
        len(
            driver.enter_eligible(
                hub, pool, trainer, 0, history=history, test_set=sets[1], sender=carol
            )
        )
        == 3
    )
    wait(chain, DELAY)
    driver.reveal(hub, c, sets[2], carol, trainer)
    wait(chain, ENTRY + 1)
    close_next = pool.close_period.as_transaction(trainer, c, sender=carol).data
    commit_one = hub.commit.as_transaction(trainer, [b"\x01" * 32], sender=carol).data
    claimers[1].set_reentry(bytes(close_next), sender=owner)
    claimers[2].set_reentry(bytes(commit_one), sender=owner)
    claimers[2].set_target(hub, sender=owner)
    got = []
    for claimer in claimers[:2]:
        before = claimer.balance
        claimer.claim(trainer, 0, sender=owner)
        assert claimer.reentered() and claimer.reentry_failed()
        assert bytes(claimer.reentry_response()) == b""  # the lock, not a rule
        got.append(claimer.balance - before)
    before = claimers[2].balance
    claimers[2].claim(trainer, 0, sender=owner)
    assert claimers[2].reentered() and not claimers[2].reentry_failed()
    got.append(claimers[2].balance - before)
    # Shares 4, 4 and 1, each part rounded down; the last claimer takes the remainder.
    assert [pool.shares(trainer, 0, c) for c in claimers] == [4, 4, 1]
    part = budget_ * 4 // 9
    assert got == [part, part, budget_ - 2 * part]
    assert budget_ * 4 % 9 != 0 and budget_ == 3 * 10**9 + 2
    assert pool.period_count(trainer) == 1 and hub.evaluation_count() == 4
    assert pool.close_period(trainer, c, sender=carol)  # outside a payment it works
    pool_invariant(pool, [trainer])
