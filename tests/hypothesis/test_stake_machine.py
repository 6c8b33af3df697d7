"""Random operation of a staked trainer against an off-chain mirror of every rule.

A Hypothesis state machine drives one fresh ``PerceptronStake`` per example: honest, flipped,
duplicate, underpaid and malformed contributions from four actors; refunds, reports and takes
(some tried twice at once) on contributions restated rightly or wrongly, by random callers or
aimed by the mirror at the outcomes the example has had least; time jumps that land on, just
before and just after window edges. The mirror (an integer Perceptron and the incentive's
bookkeeping in Python) predicts each call's outcome, including the exact revert reason, and
after every step:
- the contract's balance equals the sum of claimable amounts, on-chain and in the mirror;
- no deposit was paid out more than once in total (paid out + claimable == deposit);
- each address's good count and the total equal the refunds;
- the model's weights and intercept equal the mirror's, which replayed the accepted samples.
At the end of the session every outcome in ``OUTCOMES`` (each kind of success and each revert
reason) must have happened at least once, so a profile too short to reach, say, a successful
report fails instead of passing quietly.

``make test`` runs a fast profile (7 examples of 70 steps, about 520 calls) and a short one on
interval mining (one example of 12 steps, a block every second); ``make soak``
(``SHAREDMODELS_SOAK=1``) runs thousands of steps.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from math import isqrt

import ape
from ape import accounts, chain, project
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from sharedmodels.encoding.features import Encoder
from sharedmodels.mirrors.perceptron import IntPerceptron
from sharedmodels.rpc.deployments import deploy_perceptron
from sharedmodels.rpc.mining import detect, wait_for_receipts
from sharedmodels.trainers.client import Incentive, features_hash, records

N_FEATURES = 48
REFUND, OWNER, ANY = 60, 120, 240
COST = 10**12
INCENTIVE = Incentive("stake", refund_wait=REFUND, owner_wait=OWNER, any_wait=ANY, cost_weight=COST)
EDGES = [1, 7, 30, REFUND, OWNER, ANY]
SOAK = bool(os.environ.get("SHAREDMODELS_SOAK"))
#: Every outcome the mirror predicts: each kind of success and each revert reason. The session
#: must see every one (see test_stake_machine).
OUTCOMES = frozenset(
    {
        "addData: ok",
        "addData (duplicate): ok",
        "addData: deposit too low",
        "perceptron: features not sorted and unique",
        "perceptron: feature index out of range",
        "perceptron: label out of range",
        "data: unknown contribution",
        "data: contribution does not match",
        "refund: ok",
        "refund: not the contributor",
        "refund: already refunded",
        "refund: deposit reported or taken",
        "refund: too early",
        "refund: model disagrees",
        "report: ok",
        "report: own contribution",
        "report: too early",
        "report: already reported",
        "report: nothing left to take",
        "report: model agrees",
        "report: reporter has no good contributions",
        "take: ok (owner)",
        "take: ok (anyone)",
        "take: contributor cannot take its own deposit",
        "take: too early",
        "take: nothing left to take",
    }
)
#: Outcomes seen in this session; "time: wait" and "time: edge" count the time moves.
SEEN: Counter[str] = Counter()

#: Weighted by repetition. A time move is followed by another action in the same step.
ACTIONS = (
    ["add"] * 3
    + ["duplicate", "underpaid"]
    + ["malformed"] * 2
    + ["misstated"] * 2
    + ["refund"] * 4
    + ["report"] * 5
    + ["take"] * 3
    + ["wait"] * 2
    + ["edge"] * 3
)
#: How often a claim is aimed rather than random: the mirror predicts the outcome of every
#: (caller, contribution) pair, one of those outcomes is drawn, the rarer so far in the
#: example the likelier (successes count double), then a pair with it. So a second report or
#: a refund the model now disagrees with comes up about as often as a report of one's own
#: contribution, and a short run reaches every outcome. A time move is aimed too, at a
#: window edge still ahead.
TARGETED = 0.6
#: How often a contribution has the label the model predicts (else the other one).
HONEST = 0.6
#: How often a successful claim is tried again at once by the same caller (a double claim).
AGAIN = 0.7
#: Contributions the model refuses, by reason: (features, label).
MALFORMED = {
    "perceptron: features not sorted and unique": [([5, 2], 1), ([3, 3], 0)],
    "perceptron: feature index out of range": [([1, N_FEATURES], 1)],
    "perceptron: label out of range": [([1], 2)],
}
rows = st.lists(st.integers(0, N_FEATURES - 1), min_size=1, max_size=6, unique=True).map(sorted)


class Record:
    def __init__(self, cid, contributor, time, label, deposit, row):
        self.id, self.contributor, self.time = cid, contributor, time
        self.label, self.deposit, self.row = label, deposit, row
        self.claimable = deposit
        self.paid = 0
        self.refunded = False
        self.reporters: set[str] = set()

    def key(self):
        return (self.id, self.contributor, self.time, self.label, self.deposit)

    def pay(self, amount):
        self.claimable -= amount
        self.paid += amount


class StakeMachine(RuleBasedStateMachine):
    @initialize(rnd=st.randoms(use_true_random=True))
    def deploy(self, rnd):
        # (A Random from Hypothesis, not an integer seed: Hypothesis draws 0 for most examples
        # of a short run, which would replay one sequence of actions.)
        self.rng = random.Random(rnd.getrandbits(64))
        self.owner = accounts.test_accounts[0]
        self.actors = [accounts.test_accounts[i] for i in range(1, 5)]
        self.callers = self.actors + [self.owner]
        self.account = {a.address: a for a in self.callers}
        # Weights up to 12: one flipped sample (at most 6 features, each moved by 1) sometimes
        # turns the model and sometimes not, so both refunds and reports of it can succeed.
        weights = {j: self.rng.randint(-12, 12) for j in range(N_FEATURES)}
        self.trainer, _ = deploy_perceptron(
            project.PerceptronStake,
            self.owner,
            encoder=Encoder(n_features=N_FEATURES),
            eta=1,
            weights=weights,
            extra_args=INCENTIVE.constructor_args(),
        )
        self.model = IntPerceptron(N_FEATURES, 1)
        self.model.weights = {j: w for j, w in weights.items() if w}
        self.records: list[Record] = []
        self.good: dict[str, int] = {}
        self.tally: Counter[str] = Counter()  # this example's outcomes
        self.clock = int(chain.blocks.head.timestamp)
        self.last_time = int(self.trainer.last_contribution_time())
        self.start_balance = int(self.trainer.balance)

    # ------------------------------------------------------------ helpers

    def _at_next_block(self) -> int:
        """Pin the next block's timestamp so the mirror knows it exactly."""
        self.clock = max(self.clock, int(chain.blocks.head.timestamp)) + 1
        chain.pending_timestamp = self.clock
        return self.clock

    def _deposit(self, now: int) -> int:
        return COST * 3600 // isqrt(max(now - self.last_time, 1))

    def _aim(self, predict, own):
        """A (caller, contribution) pair for a claim. TARGETED of the time it is aimed: the
        mirror predicts every pair's outcome, one of those outcomes is drawn with weight
        1 / (1 + times this example has had it)**2 (doubled for a success), then a pair with
        it. Otherwise a random caller and, four times in five, one of its own contributions
        (``own``) or of someone else's (not ``own``); else any contribution."""
        if self.rng.random() < TARGETED:
            by_outcome: dict[str, list] = {}
            for a in self.callers:
                for r in self.records:
                    by_outcome.setdefault(predict(a, r), []).append((a, r))
            outcomes = sorted(by_outcome)
            weights = [(1 + (" ok" in o)) / (1 + self.tally[o]) ** 2 for o in outcomes]
            (pick,) = self.rng.choices(outcomes, weights)
            return self.rng.choice(by_outcome[pick])
        actor = self.rng.choice(self.callers)
        mine = [r for r in self.records if (r.contributor == actor.address) == own]
        return actor, self.rng.choice(mine if mine and self.rng.random() < 0.8 else self.records)

    def _expect(self, call, reason, ok):
        """Make ``call``; it must revert with ``reason``, or succeed if that is None (the
        outcome then counts as ``ok``)."""
        SEEN[reason or ok] += 1
        self.tally[reason or ok] += 1
        note(f"t={self.clock}: {reason or ok}")
        if reason is None:
            return call()
        with ape.reverts(reason):
            call()
        return None

    # ------------------------------------------------------------ the one rule

    @rule(row=rows, extra=st.sampled_from([0, 1, 10**12]))
    def act(self, row, extra):
        """One action, drawn with the weights in ACTIONS, by a random actor on a random or
        aimed contribution. The example's seeded Random draws these, not Hypothesis, which
        favours the first of a sampled list and small integers (one actor, the first
        contribution) and would leave some outcomes unreached in a short run. Hypothesis
        draws the features of new contributions and the excess sent."""
        # This step's Hypothesis data goes into the Random: examples that Hypothesis starts
        # alike (the same first draw, then different data, as it often does) part ways at once.
        self.rng.seed(f"{self.rng.getrandbits(64)}:{row}:{extra}")
        kind = self.rng.choice(ACTIONS)
        if kind in ("wait", "edge"):
            if self.records and kind == "wait":
                self.wait()
            elif self.records:
                self.wait_for_edge()
            kind = self.rng.choice([k for k in ACTIONS if k not in ("wait", "edge")])
        if kind not in ("add", "malformed", "underpaid") and not self.records:
            kind = "add"
        contributor = self.actors[self.rng.randrange(len(self.actors))]
        honest = self.rng.random() < HONEST
        if kind == "add":
            self.add(contributor, row, honest, extra)
        elif kind == "duplicate":
            self.add_duplicate(contributor)
        elif kind == "malformed":
            self.add_malformed(contributor)
        elif kind == "underpaid":
            self.add_underpaid(contributor, row, honest)
        else:
            getattr(self, kind)()

    # ------------------------------------------------------------ contributions

    def add(self, actor, row, honest, extra):
        label = self.model.predict(row) if honest else 1 - self.model.predict(row)
        now = self._at_next_block()
        deposit = self._deposit(now)
        receipt = self._expect(
            lambda: self.trainer.addData(row, label, sender=actor, value=deposit + extra),
            None,
            "addData: ok",
        )
        (log,) = receipt.decode_logs(self.trainer.ContributionAdded)
        assert (log.id, log.deposit, log.time) == (len(self.records) + 1, deposit, now)
        self.records.append(Record(log.id, actor.address, now, label, deposit, row))
        self.last_time = now
        self.model.update(row, label)

    def add_duplicate(self, actor):
        """Somebody resubmits an existing sample (same features, same label): a new record."""
        r = self.rng.choice(self.records)
        now = self._at_next_block()
        deposit = self._deposit(now)
        self._expect(
            lambda: self.trainer.addData(list(r.row), r.label, sender=actor, value=deposit),
            None,
            "addData (duplicate): ok",
        )
        self.records.append(
            Record(len(self.records) + 1, actor.address, now, r.label, deposit, r.row)
        )
        self.last_time = now
        self.model.update(r.row, r.label)

    def add_malformed(self, actor):
        reason = self.rng.choice(sorted(MALFORMED))
        row, label = self.rng.choice(MALFORMED[reason])
        self._at_next_block()
        self._expect(
            lambda: self.trainer.addData(row, label, sender=actor, value=COST * 3600),
            reason,
            "addData: ok",
        )

    def add_underpaid(self, actor, row, honest):
        """A contribution one wei short of the deposit the mirror computes for its second."""
        label = int(honest)
        now = self._at_next_block()
        deposit = self._deposit(now)
        self._expect(
            lambda: self.trainer.addData(row, label, sender=actor, value=deposit - 1),
            "addData: deposit too low",
            "addData: ok",
        )

    # ------------------------------------------------------------ claims

    def misstated(self):
        """A refund, report or take that restates a contribution wrongly: an unknown id (half
        of the time), or one field or the features changed. The record's check comes first, so
        the reason is the data handler's, whoever calls and whenever."""
        r = self.rng.choice(self.records)
        actor = self.rng.choice(self.callers)
        key, row = list(r.key()), list(r.row)
        field = self.rng.choice(["other id", "contributor", "time", "label", "deposit", "x"])
        reason = "data: contribution does not match"
        if self.rng.random() < 0.5 or (field == "other id" and len(self.records) == 1):
            key[0] = self.rng.choice([0, len(self.records) + 1 + self.rng.randrange(3)])
            reason = "data: unknown contribution"
        elif field == "other id":
            key[0] = self.rng.choice([i for i in range(1, len(self.records) + 1) if i != r.id])
        elif field == "contributor":
            key[1] = self.rng.choice([a for a in self.account if a != r.contributor])
        elif field == "time":
            key[2] += self.rng.choice([-1, 1])
        elif field == "label":
            key[3] = 1 - key[3]
        elif field == "deposit":
            key[4] += self.rng.choice([-1, 1])
        else:
            row = sorted(set(row) ^ {self.rng.randrange(N_FEATURES)})
        self._at_next_block()
        claim = self.rng.choice(["refund", "report", "take"])
        if claim == "take":
            call = lambda: self.trainer.take(key, features_hash(row), sender=actor)  # noqa: E731
        else:
            call = lambda: getattr(self.trainer, claim)(key, row, sender=actor)  # noqa: E731
        self._expect(call, reason, f"{claim}: ok")

    def refund(self):
        now = self._at_next_block()
        actor, r = self._aim(lambda a, r: self._refund_outcome(a, r, now), own=True)
        if self._refund(actor, r, now) and self.rng.random() < AGAIN:
            self._refund(actor, r, self._at_next_block())

    def _refund_outcome(self, actor, r, now) -> str:
        if actor.address != r.contributor:
            return "refund: not the contributor"
        if r.refunded:
            return "refund: already refunded"
        if r.claimable == 0 and r.deposit > 0:
            return "refund: deposit reported or taken"
        if now < r.time + REFUND:
            return "refund: too early"
        if self.model.predict(r.row) != r.label:
            return "refund: model disagrees"
        return "refund: ok"

    def _refund(self, actor, r, now) -> bool:
        outcome = self._refund_outcome(actor, r, now)
        ok = outcome == "refund: ok"
        self._expect(
            lambda: self.trainer.refund(r.key(), list(r.row), sender=actor),
            None if ok else outcome,
            outcome,
        )
        if ok:
            r.pay(r.claimable)
            r.refunded = True
            self.good[actor.address] = self.good.get(actor.address, 0) + 1
        return ok

    def report(self):
        now = self._at_next_block()
        actor, r = self._aim(lambda a, r: self._report_outcome(a, r, now), own=False)
        if self._report(actor, r, now) and self.rng.random() < AGAIN:
            self._report(actor, r, self._at_next_block())

    def _report_outcome(self, actor, r, now) -> str:
        if actor.address == r.contributor:
            return "report: own contribution"
        if now < r.time + REFUND:
            return "report: too early"
        if actor.address in r.reporters:
            return "report: already reported"
        if r.claimable == 0:
            return "report: nothing left to take"
        if self.model.predict(r.row) == r.label:
            return "report: model agrees"
        if not self.good.get(actor.address, 0):
            return "report: reporter has no good contributions"
        if r.deposit * self.good[actor.address] // sum(self.good.values()) == 0:
            # Not in OUTCOMES: the machine's deposits are far above the good points' total.
            return "report: share rounds to zero"
        return "report: ok"

    def _report(self, actor, r, now) -> bool:
        outcome = self._report_outcome(actor, r, now)
        ok = outcome == "report: ok"
        self._expect(
            lambda: self.trainer.report(r.key(), list(r.row), sender=actor),
            None if ok else outcome,
            outcome,
        )
        if ok:
            share = r.deposit * self.good[actor.address] // sum(self.good.values())
            share = min(share, r.claimable)
            r.pay(share)
            r.reporters.add(actor.address)
        return ok

    def take(self):
        now = self._at_next_block()
        actor, r = self._aim(lambda a, r: self._take_outcome(a, r, now), own=False)
        if self._take(actor, r, now) and self.rng.random() < AGAIN:
            self._take(actor, r, self._at_next_block())

    def _take_outcome(self, actor, r, now) -> str:
        as_owner = actor.address == self.owner.address
        if actor.address == r.contributor:
            return "take: contributor cannot take its own deposit"
        if now < r.time + (OWNER if as_owner else ANY):
            return "take: too early"
        if r.claimable == 0:
            return "take: nothing left to take"
        return "take: ok (owner)" if as_owner else "take: ok (anyone)"

    def _take(self, actor, r, now) -> bool:
        outcome = self._take_outcome(actor, r, now)
        ok = outcome.startswith("take: ok")
        receipt = self._expect(
            lambda: self.trainer.take(r.key(), features_hash(r.row), sender=actor),
            None if ok else outcome,
            outcome,
        )
        if ok:
            (log,) = receipt.decode_logs(self.trainer.DepositTaken)
            as_owner = actor.address == self.owner.address
            assert (log.amount, log.as_owner) == (r.claimable, as_owner)
            r.pay(r.claimable)
        return ok

    # ------------------------------------------------------------ time

    def wait(self):
        """Let time pass."""
        self.clock += self.rng.choice(EDGES)
        SEEN["time: wait"] += 1

    def wait_for_edge(self):
        """Make the next call land one second before, on, or one second after a window edge
        of some contribution (a no-op when that moment has passed). Aimed (TARGETED of the
        time): an edge still ahead, of a contribution with something left to claim."""
        delta = self.rng.choice([-1, 0, 1])
        ahead = [
            (r, w)
            for r in self.records
            if r.claimable > 0
            for w in (REFUND, OWNER, ANY)
            if r.time + w + delta - 1 > self.clock
        ]
        if ahead and self.rng.random() < TARGETED:
            r, window = self.rng.choice(ahead)
        else:
            r, window = self.rng.choice(self.records), self.rng.choice([REFUND, OWNER, ANY])
        self.clock = max(self.clock, r.time + window + delta - 1)
        SEEN["time: edge"] += 1

    # ------------------------------------------------------------ invariants

    @invariant()
    def wei_and_model_match(self):
        if not hasattr(self, "trainer"):
            return
        owed = sum(r.claimable for r in self.records)
        assert int(self.trainer.balance) - self.start_balance == owed
        assert all(r.paid + r.claimable == r.deposit for r in self.records)
        stored = records(self.trainer, [r.id for r in self.records])  # one batched read
        assert [stored[r.id].claimable for r in self.records] == [r.claimable for r in self.records]
        for address, n in self.good.items():
            assert int(self.trainer.num_good(address)) == n
        assert int(self.trainer.total_good()) == sum(self.good.values())
        chain_weights = list(self.trainer.weights_of(list(range(N_FEATURES))))
        assert chain_weights == [self.model.weights.get(j, 0) for j in range(N_FEATURES)]
        assert int(self.trainer.intercept()) == self.model.intercept


#: ``make test``'s profile: examples of up to this many steps (the first deploys the trainer).
FAST_EXAMPLES, FAST_STEPS = 7, 70


def test_stake_machine():
    SEEN.clear()
    if SOAK:
        examples = int(os.environ.get("SHAREDMODELS_SOAK_EXAMPLES", "130"))
        profile = settings(max_examples=examples, stateful_step_count=50)
    else:
        profile = settings(max_examples=FAST_EXAMPLES, stateful_step_count=FAST_STEPS)
    run_state_machine_as_test(
        StakeMachine,
        settings=settings(
            profile,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    calls = sum(n for k, n in SEEN.items() if not k.startswith("time: "))
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(SEEN.items()))
    print(f"\nstake machine: {calls} calls, every invariant held ({outcomes})")
    assert set(SEEN) - {"time: wait", "time: edge"} <= OUTCOMES, "an outcome missing from OUTCOMES"
    missing = sorted(OUTCOMES - set(SEEN))
    assert not missing, f"{calls} calls never reached: {', '.join(missing)}"


class IntervalStakeMachine(StakeMachine):
    """The same machine on a node that mines a block every ``INTERVAL_S`` seconds instead of
    one per transaction. Each action pins the next block's timestamp right after a block was
    mined (a whole interval to send in), so the mirror still knows the time exactly; Ape waits
    for the receipt instead of taking it at once (``sharedmodels.rpc.mining``)."""

    def _at_next_block(self) -> int:
        head = chain.blocks.head.number
        deadline = time.monotonic() + 10 * INTERVAL_S
        while chain.blocks.head.number == head:
            assert time.monotonic() < deadline, "the node stopped mining"
            time.sleep(0.02)
        return super()._at_next_block()


#: The interval profile: block time, and one example of this many steps.
INTERVAL_S, INTERVAL_STEPS = 1, 12


def test_stake_machine_with_interval_mining():
    """A short profile of the machine with the session's Anvil mining every second (automine off),
    then automine again, whatever happens. Every invariant must hold after every step."""
    SEEN.clear()
    provider = chain.provider
    wait_for_receipts(provider)
    provider.make_request("evm_setIntervalMining", [INTERVAL_S])
    provider.make_request("evm_setAutomine", [False])
    try:
        assert detect(provider).mode == "interval"
        run_state_machine_as_test(
            IntervalStakeMachine,
            settings=settings(
                max_examples=1,
                stateful_step_count=INTERVAL_STEPS,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        provider.make_request("evm_setIntervalMining", [0])
        provider.make_request("evm_setAutomine", [True])
    calls = sum(n for k, n in SEEN.items() if not k.startswith("time: "))
    print(f"\nstake machine, interval mining: {calls} calls, every invariant held")
    assert calls >= INTERVAL_STEPS - 1
