"""Adversarial review of ModelHub and its HubPool (issue 32): attacks performed against the
contracts as they are.

Each test plays one attack on a real chain and checks that it fails at the contract: with its
revert reason, or with what the attacker and the honest party got, in wei.
"""

import ape
import pytest
from conftest import STAKE, compile_test_contract
from test_hub import (
    CLAIM,
    DELAY,
    ENTRY,
    MIN_SAMPLES,
    NEG,
    POS,
    WINDOW,
    deploy_test_hub,
    deploy_test_pool,
    make_set,
    pool_invariant,
    seal,
    wait,
)

from sharedmodels.hub import driver, rules
from sharedmodels.hub.kinds import hub_kinds
from sharedmodels.hub.rules import TestSet
from sharedmodels.trainers.client import scan

POOL = 10**18


@pytest.fixture(scope="module")
def kinds(project):
    return [k for k in hub_kinds(project) if k.name == "PerceptronStake"]


@pytest.fixture
def hub(project, owner, kinds):
    return deploy_test_hub(project, owner, kinds)


@pytest.fixture
def pool(project, owner, hub):
    return deploy_test_pool(project, owner, hub)


@pytest.fixture
def trainer(hub, deploy_trainer, owner):
    t = deploy_trainer()
    hub.register(t, 0, "t", "", sender=owner)
    seal(t, owner)
    return t


def add(trainer, who, x, y):
    return trainer.addData(x, y, value=trainer.next_deposit(), sender=who)


def refund_all(trainer, history, people):
    """Each contributor in ``people`` refunds every contribution the model agrees with and
    that ``history`` does not show refunded already."""
    wanted = {p.address for p in people}
    for c in history:
        if c.refunded is not None or c.contributor not in wanted:
            continue
        if trainer.verdict(c.key(), list(c.features)) == c.label:
            trainer.refund(c.key(), list(c.features), sender=c.contributor)


def claim(hub, pool, trainer, period, who):
    receipt = pool.claim(trainer, period, sender=who)
    return receipt.decode_logs(pool.RewardClaimed)[0].amount


def enter_one(hub, pool, trainer, period, c, test, who):
    """Enter contribution ``c`` alone, with the period's closing set ``test``."""
    return pool.enter(
        trainer, period, [(c.key(), c.args())], [t.as_tuple() for t in test], sender=who
    )


def closing(hub, pool, trainer, period, test_set):
    p = pool.periods(trainer, period)
    return driver.scored_test(hub, p.evaluation, test_set, trainer.n_features())


def labelled(rows_labels, piece=4):
    rows = [r for r, _ in rows_labels]
    return TestSet.make(rows, [y for _, y in rows_labels], dense=False, piece=piece)


# ---------------------------------------------------------------- 1. noise farming


def test_noise_farmer_gets_nothing_from_an_honest_period(
    hub, pool, trainer, alice, carol, mallory, chain
):
    """A Perceptron step on a sample made of a feature nobody uses changes the model (the
    TRAINED flag) and leaves the model agreeing with it (so it is refunded: GOOD), whatever
    the label. Alternating labels bring the intercept back to where it was, so the model's
    answer on every other sample is unchanged. Before the fix each was one share (mallory took
    8/10 of the budget); a share is now an answer of the closing set the step fixed."""
    pool.fund(trainer, carol, value=POOL, sender=carol)
    a_set, b_set = make_set(8), make_set(8, start=8)
    a = driver.commit(hub, trainer.address, a_set, carol, chain.chain_id)
    b = driver.commit(hub, trainer.address, b_set, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, carol, trainer)
    pool.close_period(trainer, a, sender=carol)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)  # honest: both classes taught
    add(trainer, alice, [NEG, 301], 0)
    intercept = trainer.intercept()
    for k in range(8):
        add(trainer, mallory, [3000 + k], 1 - k % 2)  # noise: 1, 0, 1, 0, ...
    assert trainer.intercept() == intercept  # the model answers every other sample as before
    wait(chain, STAKE.refund_wait)
    history = scan(trainer, start)
    refund_all(trainer, history, [alice, mallory])
    for c in history.by(mallory.address):  # trained, and every deposit back in full
        r = trainer.contribution(c.id)
        assert r.trained and r.good and r.claimable == 0
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    assert budget == POOL  # alice's two samples took the model from 50 % to 100 %
    test = closing(hub, pool, trainer, 0, b_set)
    for c in history.by(mallory.address):
        with ape.reverts("hub: contribution did not help the closing set"):
            enter_one(hub, pool, trainer, 0, c, test, mallory)
    assert (
        len(
            driver.enter_eligible(
                hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
            )
        )
        == 2
    )
    # Each of alice's samples moved the four closing samples of its class (one feature each).
    assert pool.shares(trainer, 0, alice) == 8 and pool.periods(trainer, 0).shares == 8
    wait(chain, ENTRY + 1)
    with ape.reverts("hub: no shares"):
        pool.claim(trainer, 0, sender=mallory)
    to_alice = claim(hub, pool, trainer, 0, alice)
    pool_invariant(pool, [trainer])
    print(f"noise farmer: mallory 0, alice {to_alice} of {budget}")
    assert to_alice == budget == POOL


def test_a_memorised_flip_is_refunded_but_earns_nothing(
    hub, pool, trainer, alice, carol, mallory, chain
):
    """The flipper the trainer cannot catch: mallory's flipped sample carries two fresh
    features, so after alice repairs the model the model still agrees with mallory's label
    (refunded, good, trained). Its step moved the four class-0 closing samples (NEG) toward
    class 1: -4, refused. Alice's three samples take the whole budget."""
    pool.fund(trainer, carol, value=POOL, sender=carol)
    a_set, b_set = make_set(8), make_set(8, start=8)
    a = driver.commit(hub, trainer.address, a_set, carol, chain.chain_id)
    b = driver.commit(hub, trainer.address, b_set, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, carol, trainer)
    pool.close_period(trainer, a, sender=carol)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    add(trainer, mallory, [NEG, 3000, 3001], 1)  # the flip: NEG samples are class 0
    add(trainer, alice, [NEG, 302], 0)  # the repair
    wait(chain, STAKE.refund_wait)
    history = scan(trainer, start)
    refund_all(trainer, history, [alice, mallory])
    [flip] = history.by(mallory.address)
    record = trainer.contribution(flip.id)
    assert record.good and record.trained and record.claimable == 0  # deposit back in full
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    assert budget == POOL
    test = closing(hub, pool, trainer, 0, b_set)
    assert rules.pushed(flip.features, flip.label, test) == -4
    with ape.reverts("hub: contribution did not help the closing set"):
        enter_one(hub, pool, trainer, 0, flip, test, mallory)
    assert (
        len(
            driver.enter_eligible(
                hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
            )
        )
        == 3
    )
    wait(chain, ENTRY + 1)
    with ape.reverts("hub: no shares"):
        pool.claim(trainer, 0, sender=mallory)
    assert claim(hub, pool, trainer, 0, alice) == POOL
    pool_invariant(pool, [trainer])


# ---------------------------------------------------------------- 2. anyone's record closes


def test_someone_elses_records_never_move_the_pool(
    mempool, hub, pool, trainer, alice, carol, mallory, chain
):
    """Before the fix any address's records closed any pool: mallory front-ran carol's close
    with a 0 % record (alice's period released 0), then released the whole pool to her own
    noise sample with a 100 % record (+10**18 wei to mallory, 0 to alice). A pool is now the
    funder's named evaluator's: mallory's records move only her own (empty) pool."""
    pool.fund(trainer, carol, value=POOL, sender=carol)
    a_set, b_set = make_set(8), make_set(8, start=8)
    a = driver.commit(hub, trainer.address, a_set, carol, chain.chain_id)
    b = driver.commit(hub, trainer.address, b_set, carol, chain.chain_id)
    # Mallory commits two sets at the same time: the true concept with its labels flipped
    # (hard: 0 % on any model that learnt it), and the true concept (easy).
    hard = labelled([([POS, 200 + k], 0) if k % 2 else ([NEG, 200 + k], 1) for k in range(8)])
    easy = labelled([([POS, 220 + k], 1) if k % 2 else ([NEG, 220 + k], 0) for k in range(8)])
    h = driver.commit(hub, trainer.address, hard, mallory, chain.chain_id)
    e = driver.commit(hub, trainer.address, easy, mallory, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, carol, trainer)
    pool.close_period(trainer, a, sender=carol)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    wait(chain, STAKE.refund_wait)
    refund_all(trainer, scan(trainer, start), [alice])
    driver.reveal(hub, b, b_set, carol, trainer)
    driver.reveal(hub, h, hard, mallory, trainer)
    assert hub.evaluations(b).correct == 8 and hub.evaluations(h).correct == 0
    with mempool.paused():
        honest = mempool.send(pool.close_period, trainer.address, b, sender=carol)
        (seen,) = mempool.calls(pool, "close_period")
        theirs = mempool.copy(seen, sender=mallory, args=(trainer.address, h))
        block = mempool.mine()
    # Both land: mallory's record anchors mallory's pool, carol's closes carol's.
    assert block[theirs].ok and block[theirs].return_value == 0
    assert block[honest].ok and block[honest].return_value == POOL
    # Period 1: one noise sample of mallory's (trained, refunded), then her easy record.
    start = chain.blocks.head.number
    add(trainer, mallory, [3000], 1)
    wait(chain, STAKE.refund_wait)
    history = scan(trainer, start)
    refund_all(trainer, history, [mallory])
    driver.reveal(hub, e, easy, mallory, trainer)
    budget = pool.close_period(trainer, e, sender=mallory).return_value
    assert budget == 0 and pool.pools(trainer, mallory).available == 0
    assert pool.periods(trainer, 1).evaluator == mallory.address
    assert not driver.enter_eligible(
        hub, pool, trainer, 1, history=history, test_set=easy, sender=mallory
    )
    entered_alice = driver.enter_eligible(
        hub, pool, trainer, 0, history=scan(trainer, 0), test_set=b_set, sender=alice
    )
    assert len(entered_alice) == 2
    wait(chain, ENTRY + 1)
    to_alice = claim(hub, pool, trainer, 0, alice)
    with ape.reverts("hub: no shares"):
        pool.claim(trainer, 1, sender=mallory)
    pool_invariant(pool, [trainer])
    print(f"keeper: mallory 0 (her period's budget {budget}) alice {to_alice}")
    assert to_alice == POOL and pool.pools(trainer, carol).available == 0


# ---------------------------------------------------------------- 3. unclaimed shares lock


def test_an_unclaimed_share_returns_to_the_pool_after_the_claim_window(
    hub, pool, trainer, owner, alice, carol, chain
):
    """Before the fix a share never claimed (a refusing wallet, a lost key) locked its part of
    the budget for good (half the pool here)."""
    pool.fund(trainer, carol, value=POOL, sender=carol)
    stuck = compile_test_contract("HubClaimer").deploy(pool, sender=owner)
    a_set, b_set = make_set(8), make_set(8, start=8)
    a = driver.commit(hub, trainer.address, a_set, carol, chain.chain_id)
    b = driver.commit(hub, trainer.address, b_set, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, carol, trainer)
    pool.close_period(trainer, a, sender=carol)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    stuck.add(trainer, [NEG, 301], 0, value=trainer.next_deposit(), sender=owner)
    wait(chain, STAKE.refund_wait)
    history = scan(trainer, start)
    refund_all(trainer, history, [alice])
    c = history.by(stuck.address)[0]
    stuck.take_back(trainer, c.key(), list(c.features), sender=owner)
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    assert (
        len(
            driver.enter_eligible(
                hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
            )
        )
        == 2
    )
    stuck.set_refuse(True, sender=owner)  # or: its keys are lost; it never claims
    wait(chain, ENTRY + 1)
    assert claim(hub, pool, trainer, 0, alice) == budget // 2
    locked = budget - budget // 2
    with ape.reverts("hub: claims still open"):
        pool.release(trainer, 0, sender=carol)
    deadline = pool.periods(trainer, 0).entry_deadline
    chain.mine(timestamp=deadline + CLAIM)  # the last second of the claim window
    with ape.reverts("hub: claims still open"):
        pool.release.call(trainer, 0, sender=carol)
    wait(chain, 1)
    with ape.reverts("hub: claim window passed"):
        stuck.claim(trainer, 0, sender=owner)
    assert pool.release(trainer, 0, sender=carol).return_value == locked
    assert pool.pools(trainer, carol).available == locked
    with ape.reverts("hub: nothing to release"):
        pool.release(trainer, 0, sender=carol)
    pool_invariant(pool, [trainer])


# ---------------------------------------------------------------- 4. killing an evaluation


def test_a_set_revealed_in_one_transaction_cannot_be_spoilt(hub, trainer, carol, mallory, chain):
    """Before the fix each piece was its own transaction: one refundable contribution between
    two pieces ('hub: model changed during the evaluation') killed the evaluation, costing the
    evaluator the revealed piece's gas and the set, the griefer nothing. Up to MAX_BATCH
    pieces now go in one transaction: there is no 'between'. A contribution before the reveal
    only moves the update count the evaluator reads just before sending."""
    ts = make_set(32, piece=16)  # min_pool_samples of the scripts' hubs needs two pieces
    i = driver.commit(hub, trainer.address, ts, carol, chain.chain_id)
    wait(chain, DELAY)
    add(trainer, mallory, [POS, 500], 1)  # the true label; the model said 0: it trains
    [receipt] = driver.reveal(hub, i, ts, carol, trainer)
    assert hub.evaluations(i).block != 0 and hub.evaluations(i).samples == 32
    assert len(receipt.decode_logs(hub.PieceScored)) == 2
    print(f"two pieces of 16 in one transaction: gas {receipt.gas_used}")
    # Revealed piece by piece, the old attack still works: the evaluator's choice.
    ts2 = make_set(32, start=40, piece=16)
    j = driver.commit(hub, trainer.address, ts2, carol, chain.chain_id)
    wait(chain, DELAY)
    updates = trainer.update_count()
    hub.reveal_sparse(j, *driver.reveal_args(ts2, 0, 1), updates, sender=carol)
    add(trainer, mallory, [NEG, 501], 0)
    with ape.reverts("hub: model changed during the evaluation"):
        hub.reveal_sparse(j, *driver.reveal_args(ts2, 1, 2), updates + 1, sender=carol)


# ---------------------------------------------------------------- 5. a model no constructor makes


def crafted(chain, sender, genuine, runtime_size, owner, patches):
    """Deploy ``genuine``'s code with its immutables patched (``patches``: offset in the
    immutables -> new uint256) and storage slot 0 (ownable.owner) set to ``owner``, by a
    hand-written initcode that runs no constructor. Its code starts with the kind's runtime
    code, byte for byte."""
    code = bytearray(chain.provider.get_code(genuine.address))
    for offset, value in patches.items():
        at = runtime_size + offset
        code[at : at + 32] = value.to_bytes(32, "big")
    head_len = 37
    head = (
        b"\x73"
        + bytes.fromhex(owner.address[2:])
        + b"\x60\x00\x55"  # sstore(0, owner)
        + b"\x61"
        + len(code).to_bytes(2, "big")
        + b"\x80"
        + b"\x61"
        + head_len.to_bytes(2, "big")
        + b"\x60\x00\x39"  # codecopy(0, head, len)
        + b"\x60\x00\xf3"  # return(0, len)
    )
    assert len(head) == head_len
    txn = chain.provider.network.ecosystem.create_transaction(data=head + bytes(code))
    receipt = sender.call(txn)
    return receipt.contract_address


def test_a_model_no_constructor_would_make_is_refused(
    project, hub, kinds, trainer, alice, mallory, chain
):
    """The kind check hashes the runtime code only. A contract deployed by hand-written
    initcode (genuine PerceptronStake runtime, owner_wait patched to 0 below refund_wait,
    which the constructor forbids) was listed before the fix, and its owner took a
    contributor's whole deposit before any refund was allowed. The hub now reads the waits
    back and applies the constructor's rule; the same patch on the learning rate is refused
    too, and a patch that keeps the rules (a longer any_wait) still passes."""
    size = kinds[0].code_size
    fake = crafted(chain, mallory, trainer, size, mallory, {128: 0})
    model = project.PerceptronStake.at(fake)
    assert model.owner() == mallory.address
    assert model.owner_wait() == 0 < model.refund_wait()
    with ape.reverts("hub: parameters no constructor allows"):
        hub.register(model, 0, "sentiment", "ipfs://looks-genuine", sender=mallory)
    wide = project.PerceptronStake.at(
        crafted(chain, mallory, trainer, size, mallory, {128: model.any_wait() + 1})
    )
    assert wide.owner_wait() == model.any_wait() + 1 > wide.any_wait()
    with ape.reverts("hub: parameters no constructor allows"):
        hub.register(wide, 0, "sentiment", "", sender=mallory)
    ok = project.PerceptronStake.at(
        crafted(chain, mallory, trainer, size, mallory, {128: model.any_wait()})
    )
    assert ok.owner_wait() == ok.any_wait()  # the boundary a constructor accepts
    hub.register(ok, 0, "sentiment", "", sender=mallory)


# ---------------------------------------------------------------- attacks that fail


def test_failed_attacks_double_entry_foreign_record_late_set(
    hub, pool, trainer, deploy_trainer, owner, alice, carol, mallory, chain
):
    """A share entered in two periods, a record of another model, a closing set committed
    after the period began, alice's contribution restated under mallory's name: each refused."""
    pool.fund(trainer, carol, value=POOL, sender=carol)
    other = deploy_trainer()
    hub.register(other, 0, "other", "", sender=owner)
    seal(other, owner)
    sets = [make_set(8), make_set(8, start=8), make_set(8, start=16)]
    a, b, c = (driver.commit(hub, trainer.address, s, carol, chain.chain_id) for s in sets)
    foreign = driver.commit(hub, other.address, sets[0], mallory, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, sets[0], carol, trainer)
    driver.reveal(hub, foreign, sets[0], mallory, other)
    pool.close_period(trainer, a, sender=carol)
    with ape.reverts("hub: record of another model"):
        pool.close_period(trainer, foreign, sender=mallory)
    late_set = make_set(8, start=24)
    late = driver.commit(hub, trainer.address, late_set, carol, chain.chain_id)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    wait(chain, max(STAKE.refund_wait, DELAY))
    history = scan(trainer, start)
    refund_all(trainer, history, [alice])
    driver.reveal(hub, late, late_set, carol, trainer)
    with ape.reverts("hub: test set committed after the period began"):
        pool.close_period(trainer, late, sender=mallory)  # carol's record, carol's pool
    driver.reveal(hub, b, sets[1], carol, trainer)
    pool.close_period(trainer, b, sender=carol)
    first = history.by(alice.address)[0]
    test = closing(hub, pool, trainer, 0, sets[1])
    stolen = ((first.id, mallory.address, *first.key()[2:]), first.args())
    with ape.reverts("hub: contribution does not match"):
        pool.enter(trainer, 0, [stolen], [t.as_tuple() for t in test], sender=mallory)
    enter_one(hub, pool, trainer, 0, first, test, alice)
    driver.reveal(hub, c, sets[2], carol, trainer)
    pool.close_period(trainer, c, sender=carol)
    with ape.reverts("hub: contribution outside the period"):
        enter_one(hub, pool, trainer, 1, first, closing(hub, pool, trainer, 1, sets[2]), alice)
    pool_invariant(pool, [trainer])


def test_close_period_on_an_unregistered_model_names_its_reason(hub, pool, carol):
    with ape.reverts("hub: not registered"):
        pool.close_period(carol, 1, sender=carol)


def test_noise_farming_a_points_trainer_earns_nothing(
    project, owner, alice, carol, mallory, chain, deploy_trainer
):
    """Free noise contributions on a Points trainer took 30/32 of an honest period before
    the fix (0.9375 ETH of 1, for gas)."""
    from sharedmodels.trainers.client import Incentive

    points = Incentive("points", refund_wait=60, owner_wait=60, any_wait=60, cost_weight=0)
    only = [k for k in hub_kinds(project) if k.name == "PerceptronPoints"]
    hub, pool = driver.deploy_hub_and_pool(
        project,
        owner,
        only,
        reveal_delay=DELAY,
        reveal_window=WINDOW,
        entry_window=ENTRY,
        min_pool_samples=MIN_SAMPLES,
    )
    trainer = deploy_trainer(incentive=points)
    hub.register(trainer, 0, "t", "", sender=owner)
    seal(trainer, owner)
    pool.fund(trainer, carol, value=POOL, sender=carol)
    a_set, b_set = make_set(8), make_set(8, start=8)
    a = driver.commit(hub, trainer.address, a_set, carol, chain.chain_id)
    b = driver.commit(hub, trainer.address, b_set, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, carol, trainer)
    pool.close_period(trainer, a, sender=carol)
    start = chain.blocks.head.number
    trainer.addData([POS, 300], 1, sender=alice)
    trainer.addData([NEG, 301], 0, sender=alice)
    for k in range(30):
        trainer.addData([3000 + k], 1 - k % 2, sender=mallory)  # value 0: free
    wait(chain, points.refund_wait)
    history = scan(trainer, start)
    refund_all(trainer, history, [alice, mallory])
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = pool.close_period(trainer, b, sender=carol).return_value
    test = closing(hub, pool, trainer, 0, b_set)
    noise = history.by(mallory.address)
    assert len(noise) == 30 and all(trainer.contribution(c.id).good for c in noise)
    with ape.reverts("hub: contribution did not help the closing set"):
        enter_one(hub, pool, trainer, 0, noise[0], test, mallory)
    assert (
        len(
            driver.enter_eligible(
                hub, pool, trainer, 0, history=history, test_set=b_set, sender=carol
            )
        )
        == 2
    )
    wait(chain, ENTRY + 1)
    with ape.reverts("hub: no shares"):
        pool.claim(trainer, 0, sender=mallory)
    to_alice = claim(hub, pool, trainer, 0, alice)
    print(f"points noise farmer: mallory 0, alice {to_alice} of {budget}")
    assert to_alice == budget == POOL


def test_a_trainer_whose_refund_wait_outlasts_the_entry_window_pays_its_contributors(
    project, owner, alice, carol, deploy_trainer, chain
):
    """Before the first fix such a trainer was listed and funded, but its contributions could
    not be judged good before the entries closed: every period's budget went back, alice (all
    of a period's gain) got 0. The first fix refused it at registration. Since the second
    review a contribution whose refund wait had not ended at the closing record needs no
    judgement (a rival could steer it after the record), so the trainer is listed and alice,
    who could not refund yet, is paid the whole period."""
    from sharedmodels.trainers.client import Incentive

    hub, pool = driver.deploy_hub_and_pool(
        project,
        owner,
        [k for k in hub_kinds(project) if k.name == "PerceptronStake"],
        reveal_delay=DELAY,
        reveal_window=WINDOW,
        entry_window=ENTRY,
        min_pool_samples=MIN_SAMPLES,
    )
    wait_ = ENTRY + DELAY
    slow = deploy_trainer(
        incentive=Incentive(
            "stake", refund_wait=wait_, owner_wait=wait_, any_wait=wait_, cost_weight=10**15
        )
    )
    hub.register(slow, 0, "t", "", sender=owner)
    seal(slow, owner)
    pool.fund(slow, carol, value=POOL, sender=carol)
    a_set, b_set = make_set(8), make_set(8, start=8)
    a = driver.commit(hub, slow.address, a_set, carol, chain.chain_id)
    b = driver.commit(hub, slow.address, b_set, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, carol, slow)
    pool.close_period(slow, a, sender=carol)
    start = chain.blocks.head.number
    add(slow, alice, [POS, 300], 1)
    add(slow, alice, [NEG, 301], 0)
    driver.reveal(hub, b, b_set, carol, slow)
    assert pool.close_period(slow, b, sender=carol).return_value == POOL
    history = scan(slow, start)
    assert (
        len(
            driver.enter_eligible(hub, pool, slow, 0, history=history, test_set=b_set, sender=carol)
        )
        == 2
    )
    assert not any(slow.contribution(c.id).good for c in history)  # never refundable yet
    wait(chain, ENTRY + 1)
    assert claim(hub, pool, slow, 0, alice) == POOL
    pool_invariant(pool, [slow])
