"""Random operation of a staked trainer against an off-chain mirror of every rule (SPEC §5.1).

A Hypothesis state machine drives one fresh ``PerceptronStake`` per example: honest, flipped,
duplicate and malformed contributions from four actors, refunds, reports and takes by random
actors on random contributions, and time jumps that land on, just before and just after every
window edge. The mirror (an integer Perceptron and the incentive's bookkeeping in Python)
predicts each call's outcome, including the exact revert reason, and after every step:
- the contract's balance equals the sum of claimable amounts, on-chain and in the mirror;
- no deposit was paid out more than once in total (paid out + claimable == deposit);
- each address's good count and the total equal the refunds;
- the model's weights and intercept equal the mirror's, which replayed the accepted samples.

``make test`` runs a fast profile; ``make soak`` (``SHAREDMODELS_SOAK=1``) runs thousands of steps.
"""

from __future__ import annotations

import os
import random
from math import isqrt

import ape
from ape import accounts, chain, project
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from sharedmodels.chain import deploy_perceptron
from sharedmodels.features import Encoder
from sharedmodels.reference import IntPerceptron
from sharedmodels.trainer import Incentive, features_hash, records

N_FEATURES = 48
REFUND, OWNER, ANY = 60, 120, 240
COST = 10**12
INCENTIVE = Incentive("stake", REFUND, OWNER, ANY, COST)
EDGES = [1, 7, 30, REFUND, OWNER, ANY]
SOAK = bool(os.environ.get("SHAREDMODELS_SOAK"))
#: Steps run in this session (the soak reports it).
STEPS: dict[str, int] = {"count": 0}

#: Weighted by repetition: contributions, claims and time moves dominate.
ACTIONS = (
    ["add"] * 5
    + ["duplicate"]
    + ["malformed"]
    + ["refund"] * 4
    + ["report"] * 4
    + ["take"] * 3
    + ["wait"] * 2
    + ["edge"] * 3
)
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
    @initialize(seed=st.integers(0, 2**32 - 1))
    def deploy(self, seed):
        rnd = random.Random(seed)
        self.rng = random.Random(seed + 1)
        self.owner = accounts.test_accounts[0]
        self.actors = [accounts.test_accounts[i] for i in range(1, 5)]
        weights = {j: rnd.randint(-3, 3) for j in range(N_FEATURES)}
        self.trainer, _ = deploy_perceptron(
            project.PerceptronStake,
            self.owner,
            Encoder(n_features=N_FEATURES),
            1,
            weights=weights,
            extra_args=INCENTIVE.constructor_args(),
        )
        self.model = IntPerceptron(N_FEATURES, 1)
        self.model.weights = {j: w for j, w in weights.items() if w}
        self.records: list[Record] = []
        self.good: dict[str, int] = {}
        self.clock = int(chain.blocks.head.timestamp)
        self.last_time = int(self.trainer.last_contribution_time())
        self.start_balance = int(self.trainer.balance)

    # ------------------------------------------------------------ helpers

    def _at_next_block(self) -> int:
        """Pin the next block's timestamp so the mirror knows it exactly."""
        self.clock = max(self.clock, int(chain.blocks.head.timestamp)) + 1
        chain.pending_timestamp = self.clock
        return self.clock

    def _expect(self, call, reason, what):
        STEPS["count"] += 1
        outcome = reason or f"{what}: ok"
        STEPS[outcome] = STEPS.get(outcome, 0) + 1
        if reason is None:
            return call()
        with ape.reverts(reason):
            call()
        return None

    # ------------------------------------------------------------ the one rule

    @rule(
        who=st.integers(0, 4),
        pick=st.integers(0, 10**6),
        row=rows,
        honest=st.booleans(),
        extra=st.sampled_from([0, 1, 10**12]),
        jump=st.sampled_from(EDGES),
        window=st.sampled_from([REFUND, OWNER, ANY]),
        delta=st.sampled_from([-1, 0, 1]),
        malformed=st.sampled_from(["unsorted", "duplicate", "range", "label"]),
    )
    def act(self, who, pick, row, honest, extra, jump, window, delta, malformed):
        """One action, drawn with the weights in ACTIONS (claims and time moves are frequent;
        the example's seeded Random draws them: Hypothesis favours the first of a sampled list)."""
        kind = self.rng.choice(ACTIONS)
        if kind != "add" and kind != "malformed" and kind != "wait" and not self.records:
            kind = "add"
        contributor = who % 4
        if kind == "add":
            self.add(contributor, row, honest, extra)
        elif kind == "duplicate":
            self.add_duplicate(contributor, pick)
        elif kind == "malformed":
            self.add_malformed(contributor, malformed)
        elif kind == "wait":
            self.wait(jump)
        elif kind == "edge":
            self.wait_for_edge(pick, window, delta)
        else:
            getattr(self, kind)(who, pick)

    # ------------------------------------------------------------ actions

    def add(self, who, row, honest, extra):
        actor = self.actors[who]
        label = self.model.predict(row) if honest else 1 - self.model.predict(row)
        now = self._at_next_block()
        deposit = COST * 3600 // isqrt(max(now - self.last_time, 1))
        receipt = self._expect(
            lambda: self.trainer.addData(row, label, sender=actor, value=deposit + extra),
            None,
            "addData",
        )
        (log,) = receipt.decode_logs(self.trainer.ContributionAdded)
        assert (log.id, log.deposit, log.time) == (len(self.records) + 1, deposit, now)
        self.records.append(Record(log.id, actor.address, now, label, deposit, row))
        self.last_time = now
        self.model.update(row, label)

    def add_duplicate(self, who, pick):
        """Somebody resubmits an existing sample (same features, same label): a new record."""
        r = self.records[pick % len(self.records)]
        now = self._at_next_block()
        deposit = COST * 3600 // isqrt(max(now - self.last_time, 1))
        actor = self.actors[who]
        self.trainer.addData(list(r.row), r.label, sender=actor, value=deposit)
        STEPS["count"] += 1
        self.records.append(
            Record(len(self.records) + 1, actor.address, now, r.label, deposit, r.row)
        )
        self.last_time = now
        self.model.update(r.row, r.label)

    def add_malformed(self, who, kind):
        row, label, reason = {
            "unsorted": ([5, 2], 1, "perceptron: features not sorted and unique"),
            "duplicate": ([3, 3], 0, "perceptron: features not sorted and unique"),
            "range": ([1, N_FEATURES], 1, "perceptron: feature index out of range"),
            "label": ([1], 2, "perceptron: label out of range"),
        }[kind]
        self._at_next_block()
        actor = self.actors[who]
        self._expect(
            lambda: self.trainer.addData(row, label, sender=actor, value=COST * 3600),
            reason,
            "addData",
        )

    def refund(self, who, pick):
        actor = (self.actors + [self.owner])[who]
        own = [r for r in self.records if r.contributor == actor.address]
        r = (
            (own or self.records)[pick % len(own or self.records)]
            if pick % 5
            else (self.records[pick % len(self.records)])
        )
        now = self._at_next_block()
        reason = None
        if actor.address != r.contributor:
            reason = "refund: not the contributor"
        elif r.refunded:
            reason = "refund: already refunded"
        elif now < r.time + REFUND:
            reason = "refund: too early"
        elif self.model.predict(r.row) != r.label:
            reason = "refund: model disagrees"
        self._expect(
            lambda: self.trainer.refund(r.key(), list(r.row), sender=actor), reason, "refund"
        )
        if reason is None:
            r.pay(r.claimable)
            r.refunded = True
            self.good[actor.address] = self.good.get(actor.address, 0) + 1

    def report(self, who, pick):
        actor = (self.actors + [self.owner])[who]
        others = [r for r in self.records if r.contributor != actor.address]
        r = (
            (others or self.records)[pick % len(others or self.records)]
            if pick % 5
            else (self.records[pick % len(self.records)])
        )
        now = self._at_next_block()
        good = self.good.get(actor.address, 0)
        reason = None
        if actor.address == r.contributor:
            reason = "report: own contribution"
        elif now < r.time + REFUND:
            reason = "report: too early"
        elif actor.address in r.reporters:
            reason = "report: already reported"
        elif r.claimable == 0:
            reason = "report: nothing left to take"
        elif self.model.predict(r.row) == r.label:
            reason = "report: model agrees"
        elif good == 0:
            reason = "report: reporter has no good contributions"
        self._expect(
            lambda: self.trainer.report(r.key(), list(r.row), sender=actor), reason, "report"
        )
        if reason is None:
            share = r.deposit * good // sum(self.good.values())
            if share == 0 or share > r.claimable:
                share = r.claimable
            r.pay(share)
            r.reporters.add(actor.address)

    def take(self, who, pick):
        r = self.records[pick % len(self.records)]
        actor = (self.actors + [self.owner])[who]
        now = self._at_next_block()
        wait = OWNER if actor.address == self.owner.address else ANY
        reason = None
        if actor.address == r.contributor:
            reason = "take: contributor cannot take its own deposit"
        elif now < r.time + wait:
            reason = "take: too early"
        elif r.claimable == 0:
            reason = "take: nothing left to take"
        self._expect(
            lambda: self.trainer.take(r.key(), features_hash(r.row), sender=actor), reason, "take"
        )
        if reason is None:
            r.pay(r.claimable)

    def wait(self, jump):
        """Let time pass."""
        self.clock += jump
        STEPS["count"] += 1

    def wait_for_edge(self, pick, window, delta):
        """Make the next call land one second before, on, or one second after a window edge
        of some contribution (a no-op when that moment has passed)."""
        r = self.records[pick % len(self.records)]
        self.clock = max(self.clock, r.time + window + delta - 1)
        STEPS["count"] += 1

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


def test_stake_machine():
    if SOAK:
        examples = int(os.environ.get("SHAREDMODELS_SOAK_EXAMPLES", "130"))
        profile = settings(max_examples=examples, stateful_step_count=50)
    else:
        profile = settings(max_examples=5, stateful_step_count=20)
    run_state_machine_as_test(
        StakeMachine,
        settings=settings(
            profile,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(STEPS.items()) if k != "count")
    print(f"\nstake machine: {STEPS['count']} steps, every invariant held ({outcomes})")
    assert STEPS["count"] > 0
