"""Third adversarial review of ModelHub, after `enter` stopped asking judgement of contributions
still in their refund wait at the closing record.

Each test plays one attack end to end on a real chain and asserts what a correct contract must
produce, in wei. An attack that works today is a strict xfail whose reason gives the measured
numbers; one that fails at the contract is a normal test (it documents a defence).
"""

import ape
import pytest
from conftest import STAKE
from test_hub import (
    DELAY,
    ENTRY,
    NEG,
    POS,
    WINDOW,
    deploy_test_hub,
    make_set,
    pool_invariant,
    seal,
    wait,
)
from test_review_hub import add, claim, closing, enter_one, refund_all
from test_review_hub2 import POOL, funded_and_anchored

from sharedmodels.hub import driver
from sharedmodels.hub.kinds import hub_kinds
from sharedmodels.trainers.client import scan


@pytest.fixture(scope="module")
def kinds(project):
    return [k for k in hub_kinds(project) if k.name in ("PerceptronStake", "PerceptronPoints")]


@pytest.fixture
def hub(project, owner, kinds):
    return deploy_test_hub(project, owner, kinds)


@pytest.fixture
def trainer(hub, deploy_trainer, owner):
    t = deploy_trainer()
    hub.register(t, 0, "t", "", sender=owner)
    seal(t, owner)
    return t


def spoil(mempool, hub, trainer, evaluation, test_set, carol, mallory):
    """Carol sends the reveal of ``evaluation``; mallory copies its first sample from the
    mempool and teaches it with the label the model does not give, with a higher tip. Returns
    (the copied sample, carol's failure reason)."""
    with mempool.paused():
        mine = mempool.send(
            hub.reveal_sparse,
            evaluation,
            *driver.reveal_args(test_set, 0, len(test_set.pieces)),
            trainer.update_count(),
            sender=carol,
        )
        (seen,) = mempool.calls(hub, "reveal_sparse")
        x, _ = seen.args[3][0]
        wrong = 1 - trainer.predict(list(x))
        theirs = mempool.send(
            trainer.addData,
            list(x),
            wrong,
            sender=mallory,
            value=trainer.next_deposit() * 2,
            tip=2 * seen.tip,
        )
        block = mempool.mine()
    assert block[theirs].ok
    return list(x), block[mine].reason


# ---------------------------------------------------------------- 1. a spoilt closing set


@pytest.mark.xfail(
    strict=True,
    reason=(
        "measured: one front-run contribution (deposit 514285714285714285 wei, refunded in "
        "full: mallory pays gas only) spoils carol's only closing set; a fresh set is "
        "refused ('hub: test set committed after the period began'), and once the spoilt "
        "set's reveal window passes nothing can ever close the pool: 10**18 wei locked for "
        "good, alice (the whole gain, 50 % -> 100 %) gets 0"
    ),
)
def test_one_spoilt_reveal_locks_the_pool_for_good(
    mempool, hub, trainer, alice, bob, carol, mallory, chain
):
    """docs/hub.md: 'the evaluator's set is public, so it needs a fresh one'. For a pool a fresh
    set can never close the period: a closing set must be committed before the anchor's record.
    Carol holds the one set she committed with the anchor; mallory spoils its reveal from the
    mempool. Carol will not re-reveal a public set (test 2 shows why); she commits a fresh one,
    which close_period refuses; the old set's reveal window then passes. A correct hub lets the
    evaluator move the pool on with a fresh set (e.g. re-anchor with a zero budget and carry the
    period's contributions) so that alice is paid the gain she made."""
    _, b, b_set = funded_and_anchored(hub, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    wait(chain, STAKE.refund_wait)
    refund_all(trainer, scan(trainer, start), [alice])
    x, reason = spoil(mempool, hub, trainer, b, b_set, carol, mallory)
    assert reason == "hub: model changed"
    [m] = scan(trainer, start).by(mallory.address)
    wait(chain, STAKE.refund_wait)
    back = trainer.refund(m.key(), list(m.features), sender=mallory).return_value
    assert back == m.deposit  # the spoiler pays gas only
    fresh = make_set(8, start=40)
    f = driver.commit(hub, trainer.address, fresh, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, f, fresh, carol, trainer)
    wait(chain, WINDOW + 1)  # the spoilt set can no longer be revealed
    with ape.reverts("hub: reveal window passed"):
        driver.reveal(hub, b, b_set, carol, trainer)
    try:
        budget = hub.close_period(trainer, f, sender=carol).return_value
    except ape.exceptions.ContractLogicError as err:
        print(f"spoilt closing set: deposit {m.deposit} refunded {back}; fresh set: {err.message}")
        budget = 0
    locked = hub.pools(trainer, carol).available
    print(f"spoilt closing set: pool {locked} wei locked, period budget {budget}")
    pool_invariant(hub, [trainer])
    assert budget == POOL and hub.period_count(trainer) == 1


# ---------------------------------------------------------------- 2. front-run, memorise


@pytest.mark.xfail(
    strict=True,
    reason=(
        "measured: mallory front-runs carol's reveal with the set's class-0 samples in one "
        "contribution (label 0, the right one): the reveal fails, carol reveals the same set "
        "again, the record rises 50 % -> 100 % by mallory's step alone; shares mallory 8, "
        "alice 4: mallory 666666666666666667 of the 10**18 wei period (her deposit of "
        "514285714285714285 wei refunded in full), alice 333333333333333333; without "
        "mallory the record stays at 50 % and the period pays 0"
    ),
)
def test_front_running_a_reveal_with_its_own_samples_takes_the_period(
    mempool, hub, trainer, alice, bob, carol, mallory, chain
):
    """Carol's reveal carries her closing set in clear. Mallory front-runs it with the samples
    the model gets wrong, with their right labels: her contribution trains, so the reveal fails
    ('hub: model changed'), and carol has no other set that can close the period (test 1), so
    she reveals the same one again. The record now counts mallory's step: she is in the period,
    in her refund wait at the record (no judgement; she would pass one: the model agrees), and
    her features are the closing samples' own. A correct hub pays nothing for a step taken on a
    set already sent in clear: the period's honest gain (alice's, none here) is all it pays."""
    _, b, b_set = funded_and_anchored(hub, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)  # the model now answers 1 everywhere: 50 %
    wait(chain, STAKE.refund_wait)
    refund_all(trainer, scan(trainer, start), [alice])
    with mempool.paused():
        mine = mempool.send(
            hub.reveal_sparse,
            b,
            *driver.reveal_args(b_set, 0, len(b_set.pieces)),
            trainer.update_count(),
            sender=carol,
        )
        (seen,) = mempool.calls(hub, "reveal_sparse")
        neg = sorted({j for x, y in seen.args[3] if y == 0 for j in x})  # read in clear
        assert trainer.predict(neg) == 1
        theirs = mempool.send(
            trainer.addData,
            neg,
            0,
            sender=mallory,
            value=trainer.next_deposit() * 2,
            tip=2 * seen.tip,
        )
        block = mempool.mine()
    assert block[theirs].ok and block[mine].reason == "hub: model changed"
    driver.reveal(hub, b, b_set, carol, trainer)  # the same set, again
    assert hub.evaluations(b).correct == hub.evaluations(b).samples
    budget = hub.close_period(trainer, b, sender=carol).return_value
    assert budget == POOL
    wait(chain, STAKE.refund_wait)
    history = scan(trainer, start)
    [memo] = history.by(mallory.address)
    back = trainer.refund(memo.key(), list(memo.features), sender=mallory).return_value
    test = closing(hub, trainer, 0, b_set)
    driver.enter_eligible(hub, trainer, 0, history, b_set, carol)
    wait(chain, ENTRY + 1)
    to_alice = claim(hub, trainer, 0, alice)
    to_mallory = claim(hub, trainer, 0, mallory)
    pool_invariant(hub, [trainer])
    print(
        f"front-run memorise: shares alice {hub.shares(trainer, 0, alice)} mallory "
        f"{hub.shares(trainer, 0, mallory)}; alice {to_alice}, mallory {to_mallory}; "
        f"mallory's deposit {memo.deposit} refunded {back}; closing set {len(test)}"
    )
    assert to_mallory == 0


# ---------------------------------------------------------------- 3. unjudged, wrong label


def test_a_wrong_label_sent_just_before_the_record_is_refused_by_its_push(
    hub, trainer, alice, bob, carol, mallory, chain
):
    """The newest change asks no judgement of a contribution still in its refund wait at the
    closing record. Mallory times wrong-labelled samples (class-1 features taught as 0, each
    with a fresh feature so that every one trains) into the last seconds before carol's
    record: they are unjudged, trained and in the period, but their steps push the closing
    class-1 samples the wrong way, so `enter` refuses each; alice, whose samples made the gain,
    takes the whole period."""
    _, b, b_set = funded_and_anchored(hub, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    wait(chain, STAKE.refund_wait)
    refund_all(trainer, scan(trainer, start), [alice])
    for k in range(2):
        add(trainer, mallory, [POS, 400 + k], 0)
        add(trainer, alice, [POS, 500 + k], 1)  # alice repairs (her steps enter as well)
    driver.reveal(hub, b, b_set, carol, trainer)
    budget = hub.close_period(trainer, b, sender=carol).return_value
    assert budget == POOL
    history = scan(trainer, start)
    test = closing(hub, trainer, 0, b_set)
    late = history.by(mallory.address)
    assert len(late) == 2
    for c in late:
        assert trainer.contribution(c.id).trained
        assert c.time + STAKE.refund_wait >= hub.evaluations(b).time  # unjudged
        with ape.reverts("hub: contribution did not help the closing set"):
            enter_one(hub, trainer, 0, c, test, mallory)
    entered = driver.enter_eligible(hub, trainer, 0, history, b_set, carol)
    assert len(entered) == 4
    wait(chain, ENTRY + 1)
    assert claim(hub, trainer, 0, alice) == POOL
    with ape.reverts("hub: no shares"):
        hub.claim(trainer, 0, sender=mallory)
    pool_invariant(hub, [trainer])


# ---------------------------------------------------------------- 4. a batch spoilt by one entry

BATCH = 9


@pytest.mark.xfail(
    strict=True,
    reason=(
        "measured: alice's batch of 9 against a 64-sample closing set reverts "
        "('hub: already entered') after 1601079 gas; mallory's copied single entry costs "
        "529761 gas (3.0x; the ratio grows with the batch and the contributions' size)"
    ),
)
def test_entering_one_contribution_of_a_pending_batch_wastes_the_whole_batch(
    mempool, hub, trainer, alice, bob, carol, mallory, chain
):
    """`enter` reverts a whole batch on one contribution already entered. Alice sends her
    period's 9 contributions in one `enter`; mallory copies the last one alone from the mempool
    with a higher tip. Mallory's entry lands (it even gives alice its shares), alice's batch
    runs to its last entrant and reverts ('hub: already entered'): she pays the batch's gas for
    nothing, about 9 times what mallory paid, and may be served the same way on every retry. A
    correct hub skips a contribution already entered and enters the rest."""
    hub.fund(trainer, carol, value=POOL, sender=bob)
    a_set, b_set = make_set(8), make_set(64, start=8, piece=16)  # one reveal transaction
    a = driver.commit(hub, trainer.address, a_set, carol, chain.chain_id)
    b = driver.commit(hub, trainer.address, b_set, carol, chain.chain_id)
    wait(chain, DELAY)
    driver.reveal(hub, a, a_set, carol, trainer)
    hub.close_period(trainer, a, sender=carol)
    start = chain.blocks.head.number
    for k in range(BATCH - 1):
        add(trainer, alice, [POS, 300 + k], 1)  # each trains: mallory's step undid the last
        add(trainer, mallory, [POS, 500 + k], 0)
    add(trainer, alice, [POS, 310], 1)
    add(trainer, alice, [NEG, 301], 0)  # 100 % on the closing set
    driver.reveal(hub, b, b_set, carol, trainer)
    assert hub.close_period(trainer, b, sender=carol).return_value == POOL
    history = scan(trainer, start)
    mine_c = history.by(alice.address)[-BATCH:]
    test = [t.as_tuple() for t in closing(hub, trainer, 0, b_set)]
    with mempool.paused():
        batch = [(c.key(), c.args()) for c in mine_c]
        mine = mempool.send(
            hub.enter, trainer.address, 0, batch, test, sender=alice, gas=14_000_000
        )
        (seen,) = mempool.calls(hub, "enter")
        theirs = mempool.send(
            hub.enter,
            trainer.address,
            0,
            batch[-1:],
            test,
            sender=mallory,
            tip=2 * seen.tip,
            gas=14_000_000,
        )
        block = mempool.mine()
    print(
        f"batch griefing: alice's batch of {BATCH}: {block[mine].reason or 'ok'}, "
        f"{block[mine].gas_used} gas; mallory's single entry {block[theirs].gas_used} gas"
    )
    assert block[theirs].ok
    assert block[mine].ok


# ---------------------------------------------------------------- 5. the earliest refund, front-run


@pytest.mark.xfail(
    strict=True,
    reason=(
        "measured: alice's refund, sent the moment her wait ends, is front-run by 4 steps of "
        "mallory's (the closing set stays at 100 %); 'hub: contribution not judged good' for "
        "her POS step: shares alice 4 mallory 8, alice 333333333333333333, mallory "
        "666666666666666667 of the 10**18 wei period (alice alone: all of it); mallory's "
        "deposits all refunded, alice's 12286689419795221 wei left for reporters"
    ),
)
def test_a_refund_sent_the_moment_the_wait_ends_is_front_run_before_the_record(
    mempool, hub, trainer, alice, bob, carol, mallory, chain
):
    """docs/hub.md, limits: 'a slow refund ... Refund as soon as the refund wait ends'. Alice
    does: her refund of [POS, 300] is in the mempool the moment it may be. Mallory front-runs it
    with four steps of her own (higher tip): two that teach alice's feature 300 against her
    label and two on fresh features that put the bias and POS back. Alice's refund fails
    ('refund: model disagrees') while the model still answers the whole closing set right; carol
    records. Alice's refund wait ended before the record, so `enter` asks for a judgement she
    could not get: her POS step, which made half the gain, is refused, and mallory's two repair
    steps take its place. A correct hub enters a contribution whose contributor sent its refund
    at the first moment (alice: 8 shares, as without mallory)."""
    _, b, b_set = funded_and_anchored(hub, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, alice, [NEG, 301], 0)
    wait(chain, STAKE.refund_wait)
    pos, neg = scan(trainer, start).by(alice.address)
    trainer.refund(neg.key(), list(neg.features), sender=alice)
    steps = [([POS, 300, 900], 0), ([POS, 901], 1), ([POS, 300, 902], 0), ([POS, 903], 1)]
    with mempool.paused():
        mine = mempool.send(trainer.refund, pos.key(), list(pos.features), sender=alice)
        (seen,) = mempool.calls(trainer, "refund")
        theirs = [
            mempool.send(trainer.addData, x, y, sender=mallory, value=10**19, tip=2 * seen.tip)
            for x, y in steps
        ]
        block = mempool.mine()
    assert all(block[t].ok for t in theirs)
    assert block[mine].reason == "refund: model disagrees"
    wait(chain, 3600)  # the period goes on; carol records later
    driver.reveal(hub, b, b_set, carol, trainer)
    assert hub.evaluations(b).correct == hub.evaluations(b).samples  # still 100 %
    assert hub.evaluations(b).time > pos.time + STAKE.refund_wait  # alice is judged
    budget = hub.close_period(trainer, b, sender=carol).return_value
    assert budget == POOL
    history = scan(trainer, start)
    refund_all(trainer, history, [mallory])
    test = closing(hub, trainer, 0, b_set)
    refused = ""
    try:
        enter_one(hub, trainer, 0, pos, test, alice)
    except ape.exceptions.ContractLogicError as err:
        refused = err.message
    for c, _ in driver.eligible(hub, trainer, 0, history, test):
        if c.id != pos.id:  # the driver offers it too: see test 6
            enter_one(hub, trainer, 0, c, test, carol)
    wait(chain, ENTRY + 1)
    to_alice = claim(hub, trainer, 0, alice)
    to_mallory = claim(hub, trainer, 0, mallory)
    pool_invariant(hub, [trainer])
    print(
        f"front-run refund: alice's POS step {refused or 'entered'}; shares alice "
        f"{hub.shares(trainer, 0, alice)} mallory {hub.shares(trainer, 0, mallory)}; "
        f"alice {to_alice}, mallory {to_mallory}; alice's deposit {pos.deposit} claimable "
        f"{trainer.contribution(pos.id).claimable}; mallory's deposits "
        f"{sum(c.deposit for c in history.by(mallory.address))}, left unrefunded "
        f"{sum(trainer.contribution(c.id).claimable for c in history.by(mallory.address))}"
    )
    assert not refused and hub.shares(trainer, 0, alice) == 8


# ---------------------------------------------------------------- 6. the driver offers the refused


@pytest.mark.xfail(
    strict=True,
    reason=(
        "measured: driver.eligible offers mallory's unrefunded contribution (refund wait ended "
        "before the record), the batch of enter_eligible reverts 'hub: contribution not judged "
        "good' and alice's step is not entered (0 shares); mallory's refund afterwards returns "
        "her whole deposit (3600000000000000000 wei): gas only"
    ),
)
def test_the_driver_does_not_offer_what_enter_refuses(
    hub, trainer, alice, bob, carol, mallory, chain
):
    """`driver.eligible` (used by `enter_eligible` and `ape run hub enter`) still says 'whether
    the trainer has refunded or reported it does not matter', but `enter` now asks judgement of
    a contribution whose refund wait ended before the closing record. Mallory makes one good
    step and holds back its refund until the record: the keeper's batch (alice's step and
    hers) reverts as a whole, and no one's step enters through the driver. Her refund, sent
    afterwards, returns her whole deposit: the block costs her gas only. A correct
    driver offers only what `enter` takes: alice's step enters."""
    _, b, b_set = funded_and_anchored(hub, trainer, bob, carol, chain)
    start = chain.blocks.head.number
    add(trainer, alice, [POS, 300], 1)
    add(trainer, mallory, [NEG, 301], 0)
    wait(chain, STAKE.refund_wait + 1)
    history = scan(trainer, start)
    refund_all(trainer, history, [alice])  # mallory holds hers back
    driver.reveal(hub, b, b_set, carol, trainer)
    assert hub.close_period(trainer, b, sender=carol).return_value == POOL
    reason = ""
    try:
        driver.enter_eligible(hub, trainer, 0, history, b_set, carol)
    except ape.exceptions.ContractLogicError as err:
        reason = err.message
    [m] = history.by(mallory.address)
    back = trainer.refund(m.key(), list(m.features), sender=mallory).return_value
    assert back == m.deposit
    print(f"driver: enter_eligible {reason or 'ok'}; mallory's refund {back} of {m.deposit}")
    assert hub.shares(trainer, 0, alice) == 4
