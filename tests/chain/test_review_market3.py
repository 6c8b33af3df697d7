"""A third adversarial review of the prediction market, aimed at a credit rule that was tried and
withdrawn: a loss forgiven to a contribution that improves the initial model on its own, with
re-gains unpaid while forgiven losses are open. Under that rule the three attacks below worked
(an honest repair charged for a forgiven break; a rival paid for a fix, then forgiven for breaking
more; a forgiven Sybil zeroing the next honest reward). The market credits by plain commit order
again (docs/market-design.md), under which each of them fails: they stay as tests of that.

Each test plays one attack end to end on the real contract and measures in wei what each side
sent and got back (wallet change plus its fees). The assertions state what a correct contract
must produce; every test here shows a defence that holds.
"""

from dataclasses import replace

from market_helpers import N_FEATURES, TERMS, got, open_market, settle

from sharedmodels.encoding.features import Encoder
from sharedmodels.market.driver import (
    deploy_market,
    participate,
    reveal_all,
    reveal_first,
    reveal_rest,
    run_rewards,
)
from sharedmodels.market.rules import commit_test_set
from sharedmodels.mirrors.perceptron import IntPerceptron

STAKE = 10**15


# ------------------------------------------------- 1. a forgiven break charged to an honest re-fix

# Initial model: w0=2, w2=1, w8=-2, w10=-2 (intercept 0). Test set (labels follow the helpers'
# concept: words 0-7 positive, 8-15 negative): the initial model gets ({1, 2, 10}, 1) wrong and
# the other three right.
FARM_ROWS = [(2,), (1, 8, 9), (1, 2, 10), (0, 1, 9)]
FARM_LABELS = [1, 0, 1, 1]
FARM_WEIGHTS = {0: 2, 2: 1, 8: -2, 10: -2}
FIT = ((1,), 1)  # the sybil's first sample: makes all four right (+1, paid)
BREAK = ((2, 8), 1)  # alone: +1 (fixes the wrong one); behind FIT: turns (1, 8, 9) wrong (-1)
HONEST = ((2, 9, 10), 0)  # a true sample (two negative words of three) the initial model gets right


def _farm(chain, project, owner, alice, sybil, with_sybil):
    snap = chain.snapshot()
    market = open_market(
        project, owner, chain, FARM_ROWS, FARM_LABELS, pieces=2, weights=FARM_WEIGHTS
    )
    if with_sybil:
        for x, y in (FIT, BREAK):
            market.contribute(sybil, x, y)
    market.contribute(alice, *HONEST)
    received = settle(market, [alice, sybil, owner])
    expected = market.expected(FARM_WEIGHTS)
    assert market.balances() == expected.balances
    sent_side = market.bounty + (2 * STAKE if with_sybil else 0)
    out = (got(received, sybil, owner) - sent_side, got(received, alice) - STAKE)
    chain.restore(snap)
    return out


def test_the_farm_without_the_sybil_leaves_alice_whole(chain, project, accounts, owner, alice):
    """Baseline. Alone, alice's true sample is no mistake of the initial model: she gets back
    exactly her stake, the provider its bounty (nobody improved anything)."""
    side, alice_net = _farm(chain, project, owner, alice, accounts[5], with_sybil=False)
    assert (side, alice_net) == (0, 0)


def test_a_forgiven_break_is_charged_to_the_honest_sample_that_repairs_it(
    chain, project, accounts, owner, alice
):
    """HIGH (the forgiveness farmed). The provider's sybil commits first FIT (+1: the whole test
    set right) and then BREAK, a sample built to help the initial model on its own (+1 alone)
    yet turn (1, 8, 9) wrong behind FIT (-1 in sequence). BREAK is forgiven: it costs nothing,
    and the pass opens a forgiven loss of 1. Alice's true sample is now a mistake (the break
    raised w2 and the intercept); her update turns (1, 8, 9) right again (a re-gain: unpaid,
    and it takes the forgiven loss back) and (1, 2, 10) wrong. Her change is 0 right answers
    net, minus the taken-back 1: score -1, and no forgiveness for her (no mistake alone). The
    rounds are set by her stake, she drops out, and the sybil's FIT collects her stake; the
    remaining passes pay FIT the rest. Without the new rule BREAK scores -1 and pays alice's
    re-gain: both sides net 0. A correct contract charges a re-gain to nobody who did not
    break it: alice (whose sample moved no test sample net) gets back her stake, and the
    provider's side gets back no more than it sent."""
    side, alice_net = _farm(chain, project, owner, alice, accounts[5], with_sybil=True)
    print(f"side nets {side} wei, alice {alice_net} wei")
    assert alice_net >= 0 and side <= 0, f"side nets {side} wei, alice {alice_net} wei"


# ------------------------------------------------- 2. paid for a fix, forgiven for breaking more

# Initial model: w1=-2, w2=-2, w8=1, w9=-1, w10=1. Five test samples, each twice: the split
# deals sample j to piece j mod 2, so each piece holds all five and the piece made public at the
# opening shows a rival the whole test set. The initial model gets the first two right (4 of 10).
UNDO_ROWS = [r for r in [(2, 9, 10), (1, 8, 9), (0,), (1, 2, 10), (10,)] for _ in range(2)]
UNDO_LABELS = [y for y in [0, 0, 1, 1, 0] for _ in range(2)]
UNDO_WEIGHTS = {1: -2, 2: -2, 8: 1, 9: -1, 10: 1}
# (0,) fixes ((0,), 1): +2, paid. (9,) moves w9 to 0: no answer changes. (0, 1, 2) then turns
# the two initially right samples wrong (-4), but on the initial model alone it fixes ((0,), 1)
# and breaks nothing (+2): forgiven.
UNDO_SAMPLES = [((0,), 1), ((9,), 1), ((0, 1, 2), 1)]


def test_a_rival_is_paid_for_a_fix_then_forgiven_for_breaking_more(chain, project, owner, mallory):
    """HIGH (the forgiveness farmed by one address, no honest contributor needed). Forgiveness
    is judged against the initial model alone, scoring against the model in sequence: a
    sample whose only gain alone is something the attacker's own earlier sample already fixed
    is 'helpful alone' while its in-sequence effect is pure damage. Mallory, from the public
    piece: (0,) (+2, paid), (9,) (0), (0, 1, 2) (-4 in sequence, +2 alone: forgiven). No score
    is negative, so the single pass pays every round: mallory collects 2 x (bounty // 10) for
    a model with fewer right answers than the initial one. Before the rule she paid -1 a
    round and dropped. A correct contract pays no more than the net improvement of the final
    model over the initial one (here none): mallory nets at most 0."""
    snap = chain.snapshot()
    market = open_market(
        project, owner, chain, UNDO_ROWS, UNDO_LABELS, pieces=2, weights=UNDO_WEIGHTS
    )
    assert market.secrets.pieces[0] == market.secrets.pieces[1]
    for x, y in UNDO_SAMPLES:
        market.contribute(mallory, x, y)
    received = settle(market, [mallory, owner])
    expected = market.expected(UNDO_WEIGHTS)
    assert market.balances() == expected.balances
    test = [(x, y) for x, y in zip(UNDO_ROWS, UNDO_LABELS, strict=True)]
    # Her samples replayed in order (the pass's model before she drops; the empty pass her
    # drop forces then leaves the initial model).
    model = IntPerceptron(N_FEATURES, 1)
    model.weights = dict(UNDO_WEIGHTS)
    model.intercept = market.intercept
    for x, y in UNDO_SAMPLES:
        model.update(x, y)
    final = sum(model.predict(x) == y for x, y in test)
    assert (expected.initial_correct, final) == (4, 2)
    mallory_net = got(received, mallory) - len(UNDO_SAMPLES) * STAKE
    chain.restore(snap)
    print(f"mallory nets {mallory_net} wei; right answers {expected.initial_correct} -> {final}")
    assert mallory_net <= 0, f"mallory nets {mallory_net} wei for a model that lost 2 answers"


# ------------------------------------------------- 3. the keeper's bound with the alone reads


def test_largest_samples_on_an_uploaded_initial_model_still_step(project, chain, owner, alice, bob):
    """Defence (max_work and a step's gas). Deciding forgiveness reads the initial weight of
    every feature of a contribution once more. The dearest case for that read: every feature
    in its own weight word (6 to a word), each word holding an initial weight, 512 features
    per contribution (the cap), two passes (a negative scorer restarts it). Measured: the
    heaviest step at the smallest budget stays under 15M gas (half a 30M block), and the work
    done stays within max_work."""
    n = 2**20
    spread = [[6 * (512 * c + k) for k in range(512)] for c in range(3)]
    weights = {j: (1 if j % 12 else -1) for row in spread for j in row}
    rows = [tuple(spread[0][:256] + spread[1][:256]), tuple(spread[2]), tuple(spread[1]), (5,)]
    secrets = commit_test_set(rows, [1, 0, 1, 0], 2, n_features=n)
    terms = replace(TERMS, max_features=512, max_contributions=3, max_contributors=2)
    m = deploy_market(
        project.PredictionMarket,
        owner,
        secrets,
        bounty=10**18,
        terms=terms,
        encoder=Encoder(n_features=n),
        weights=weights,
    )
    chain.mine(3)
    reveal_first(m, owner, secrets, chain)
    sealed = [
        participate(m, who, spread[c], y=y, stake=TERMS.min_stake)
        for who, c, y in ((alice, 0, 0), (bob, 1, 0), (alice, 2, 1))
    ]
    chain.pending_timestamp = int(m.open_time()) + TERMS.min_duration
    m.end(sender=alice)
    reveal_all(m, sealed)
    chain.mine(timestamp=int(m.end_time()) + int(m.SAMPLE_WINDOW()) + 1)
    reveal_rest(m, owner, secrets)
    log = run_rewards(m, alice, budget=16)
    work, bound = int(m.progress().work), int(m.max_work())
    print(f"heaviest step {log.heaviest:,} gas; work {work} of {bound}")
    assert m.phase() == 4
    assert log.heaviest < 15_000_000
    assert work <= bound


# ------------------------------------------------- 4. forgiven for a gain an earlier one made

# Initial model: w0=2, w1=-2, w8=2, w9=1, w10=-2. The test set: ((2,), 1) and ((0, 9, 10), 0)
# wrong, ((0,), 1) right (1 of 3).
LEAN_ROWS = [(2,), (0,), (0, 9, 10)]
LEAN_LABELS = [1, 1, 0]
LEAN_WEIGHTS = {0: 2, 1: -2, 8: 2, 9: 1, 10: -2}
LEAN_ALICE = ((0, 9, 10), 0)  # fixes (0, 9, 10): +1
LEAN_BOB = ((0, 2, 10), 1)  # behind alice: fixes (2,): +1
# Behind alice it turns (0,) wrong (-1); alone it fixes (0, 9, 10) (+1, alice's gain): forgiven.
LEAN_SYBIL = ((0, 2, 9), 0)


def _lean(chain, project, owner, alice, bob, sybil, with_sybil):
    snap = chain.snapshot()
    market = open_market(
        project, owner, chain, LEAN_ROWS, LEAN_LABELS, pieces=2, weights=LEAN_WEIGHTS
    )
    market.contribute(alice, *LEAN_ALICE)
    if with_sybil:
        market.contribute(sybil, *LEAN_SYBIL)
    market.contribute(bob, *LEAN_BOB)
    received = settle(market, [alice, bob, sybil, owner])
    assert market.balances() == market.expected(LEAN_WEIGHTS).balances
    out = {
        "side": got(received, sybil, owner) - market.bounty - (STAKE if with_sybil else 0),
        "alice": got(received, alice) - STAKE,
        "bob": got(received, bob) - STAKE,
    }
    chain.restore(snap)
    return out


def test_a_sybil_forgiven_for_an_earlier_gain_zeroes_the_next_reward(
    chain, project, accounts, owner, alice, bob
):
    """HIGH (re-gain and forgiveness against a later honest contributor). 'Helps alone' counts
    gains that earlier contributions already made: the provider's sybil commits, behind
    alice's true sample, a sample whose only gain alone is alice's (0, 9, 10) while in
    sequence it breaks ((0,), 1) (-1). It is forgiven, so it never pays, never drops, and the
    pass never restarts without it. Bob's true sample now lands on the sybil's model: it puts
    (0,) back (a re-gain, unpaid while the forgiven loss is open) instead of fixing (2,).
    Bob's reward goes to nobody: the provider keeps it. A correct contract leaves bob with at
    least what he earns without the sybil (or the provider's side with no more than without)."""
    sybil = accounts[5]
    alone = _lean(chain, project, owner, alice, bob, sybil, with_sybil=False)
    attacked = _lean(chain, project, owner, alice, bob, sybil, with_sybil=True)
    print(f"without the sybil {alone}; with it {attacked}")
    assert alone["bob"] > 0 and alone["alice"] > 0
    assert attacked["bob"] >= alone["bob"] or attacked["side"] <= alone["side"], (
        f"bob nets {attacked['bob']} wei (not {alone['bob']}), "
        f"the side {attacked['side']} (not {alone['side']})"
    )
