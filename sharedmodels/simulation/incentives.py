"""The articles' incentive simulations, on a real chain: agents with a policy and a ledger of
their balances (``agents``), a simulator that steps them a round at a time on a simulated clock
through contributions, refunds, reports and takes, accuracy on a hidden test set along the way.

Every agent's transactions go through the pipelined fast path (``fastpath.Pipeline``), a
round of samples at a time. Before each round the chain's clock jumps by the round's simulated
duration (``evm_increaseTime``), so days pass in seconds. A round's transactions are mined a
few dozen to a block (one block per transaction caps Anvil near 100-250 a second, measured), so
contributions in one block pay the deposit for zero quiet seconds, ``cost_weight * 3600``: in the
simulation the deposit is in effect a fixed stake, which the presets size. An
agent's balance here is its ledger in the incentive: start, minus the deposits it paid, plus what
refunds, reports and takes paid it (gas left out, as in the articles).

    result = simulate(PRESETS["drt"], samples=25_000)
    write_outputs(result, Path("simulations/drt"))
"""

from __future__ import annotations

import random
import time
from typing import Any

from sharedmodels.encoding.encoded import Encoded, encode_dataset, majority
from sharedmodels.encoding.packed import packer, x_hash
from sharedmodels.errors import InputError
from sharedmodels.registry import make_encoder, model_spec
from sharedmodels.rpc.fastpath import Pipeline
from sharedmodels.rpc.reads import RPC, abi_encoder, decode_event, event_topic
from sharedmodels.simulation.agents import Ledger, draw_owners, make_agents
from sharedmodels.simulation.common import (
    EVENTS,
    POINT_EVENTS,
    Item,
    Result,
    Run,
    ape_rate,
    chain_time,
    hidden_accuracy,
    ok,
    rounds,
    sample_stream,
    send_all,
    verdicts,
)
from sharedmodels.trainers.deploy import deploy_model
from sharedmodels.units import DAY


class TrainerSimulation:
    """A trainer preset (deposit/refund/take or Points) on the connected local chain.

    Set-up deploys the model pre-trained on the dataset's first samples and splits off a hidden
    test set. Each round (:meth:`step`) moves the clock, lets every agent contribute its share
    of the round's samples, then lets the agents claim (:meth:`claims`); after the last round
    the clock runs on until every contribution is settled (:meth:`settle`).
    """

    def __init__(self, run: Run) -> None:
        from ape import accounts as ape_accounts
        from ape import chain

        preset, self.run_args = run.preset, run
        self.preset, self.incentive = preset, preset.incentive
        self.points = self.incentive.kind == "points"
        self.rng = random.Random(run.seed)
        # About 20 accuracy samples a run: each is one eth_call per test sample, which at 1,000
        # samples every 1,000 contributions cost as much as the contributions themselves.
        self.sample_every = run.sample_every or max(preset.round_size, run.samples // 20)
        encoder, pre = self._split_data()
        accts = list(run.accounts or ape_accounts.test_accounts)
        self.agents = make_agents(preset.agents, accts[1 : 1 + len(preset.agents)])
        self._deploy(accts[0], encoder, pre)

        self.baseline_accuracy = self.accuracy()
        self.max_deposit = 0 if self.points else self.incentive.cost_weight * 3600
        self.baseline_rate = ape_rate(
            self.contract.addData,
            self.agents[0].account,
            self.stream[: run.baseline_n],
            chain=chain,
            value=self.max_deposit,
            to_x=self.to_x,
        )
        for a in self.agents:
            a.pipe = Pipeline(a.account, self.rpc, gas=2_000_000)
        self.ledger = Ledger.open(self.agents)
        self.open_items: list[Item] = []
        self.owners = draw_owners(self.agents, len(self.stream), self.rng)
        self.acc = self.baseline_accuracy
        self.sent = 0
        self.txs = 0

    def _split_data(self) -> tuple[Any, Encoded]:
        """The encoder and the pre-training slice (the dataset's first samples); the hidden
        test set (its last) and the stream of samples the agents send, drawn from the rest."""
        run, preset = self.run_args, self.preset
        # A vocabulary is built from the pre-training slice, the samples the model starts from.
        encoder = make_encoder(
            run.model, fit_spec=run.dataset, encoder=preset.encoder, fit_limit=preset.pretrain
        )
        data = encode_dataset(run.dataset, encoder)
        n = len(data)
        if preset.pretrain + preset.test_size + 100 > n:
            raise InputError(f"{run.dataset} has {n} samples, too few for this preset")
        pre = Encoded(data.rows[: preset.pretrain], data.labels[: preset.pretrain])
        self.test_rows = data.rows[n - preset.test_size :]
        self.test_labels = data.labels[n - preset.test_size :]
        pool = Encoded(
            data.rows[preset.pretrain : n - preset.test_size],
            data.labels[preset.pretrain : n - preset.test_size],
        )
        self.stream, self.replaced = sample_stream(pool, run.samples, self.rng)
        return encoder, pre

    def _deploy(self, owner: Any, encoder: Any, pre: Encoded) -> None:
        """The trainer, pre-trained and deployed by ``owner``, and its calls' encoders."""
        from ape import project

        model = self.run_args.model
        container = getattr(project, model_spec(model).contract(self.incentive.kind))
        dep = deploy_model(
            container, owner, encoder, pretrain_data=pre, incentive=self.incentive, model=model
        )
        self.contract = contract = dep.contract
        self.rpc = RPC()
        self.to = str(contract.address)
        self.add = abi_encoder(contract.addData)
        self.to_x = packer(contract)
        self.refund = abi_encoder(contract.refund)
        self.report = abi_encoder(contract.report)
        self.take = None if self.points else abi_encoder(contract.take)
        self.events = POINT_EVENTS if self.points else EVENTS
        self.topics = {name: event_topic(contract, name) for name in self.events.values()}

    # ------------------------------------------------------------------ reading the chain

    def now(self) -> int:
        return chain_time(self.rpc)

    def accuracy(self) -> float:
        return hidden_accuracy(self.contract, self.test_rows, self.test_labels)

    def paid(self, receipt: dict, name: str) -> int:
        """What the claim's event says it paid: its first data word (wei), or one point."""
        if self.points:
            return int(name == "PointEarned")
        for log in receipt["logs"]:
            if log["topics"][0] == self.topics[name]:
                return int(log["data"][2:66], 16)
        return 0

    def record(self) -> None:
        """A row of the series: the books, and each agent's deposits whose fate is open."""
        held = [0] * len(self.agents)
        for c in self.open_items:
            if not c.checked:
                held[c.who] += c.claimable
        self.ledger.record(time=self.now(), samples=self.sent, accuracy=self.acc, held=held)

    def key_of(self, c: Item) -> tuple:
        """The ``Contribution`` struct the trainer takes."""
        return (c.id, self.agents[c.who].address, c.time, c.label, c.deposit)

    # ------------------------------------------------------------------ the agents' moves

    def step(self, chunk: list) -> None:
        """One round: every agent contributes its samples (those it can pay for), then claims."""
        batches = []
        for agent in self.agents:
            mine = agent.own(chunk)
            labels = agent.labels(mine, self.rng)
            affordable = agent.affordable(self.ledger.balances[agent.index], self.max_deposit)
            batches.append((mine[:affordable], labels[:affordable]))
        work = [
            (
                agent.pipe,
                [self.add(self.to_x(x), y) for (x, _), y in zip(mine, labels, strict=True)],
                self.max_deposit,
            )
            for agent, (mine, labels) in zip(self.agents, batches, strict=True)
        ]
        for i, ((mine, _), receipts) in enumerate(
            zip(batches, send_all(self.rpc, self.to, work), strict=True)
        ):
            self.txs += len(receipts)
            added = [(x, r) for (x, _), r in zip(mine, receipts, strict=True) if ok(r)]
            events_added = decode_event(self.contract, "ContributionAdded", [r for _, r in added])
            for (x, _), e in zip(added, events_added, strict=True):
                c = Item(
                    id=e["id"],
                    who=i,
                    time=e["time"],
                    label=e["label"],
                    deposit=e["deposit"],
                    features=list(x),
                    claimable=e["deposit"],
                )
                self.open_items.append(c)
                self.ledger.balances[i] -= c.deposit
                self.ledger.count("contributions", i)
        self.sent += len(chunk)
        self.claims()

    def plans(self, t: int) -> list[list[tuple[str, Item]]] | None:
        """Each agent's claims now (None: nothing is due). Agents look at a contribution twice:
        once its refund window opens (the contributor refunds it if the model agrees, the
        others report it if not) and once anyone may take what is left of it. Checking every
        open contribution every round would cost an eth_call each, which at 25,000 samples
        outweighed the transactions."""
        k = len(self.agents)
        due = [
            c for c in self.open_items if not c.checked and t >= c.time + self.incentive.refund_wait
        ]
        late = [c for c in self.open_items if t >= c.time + self.incentive.any_wait]
        if not due and not late:
            return None
        pred = verdicts(self.contract, [(self.key_of(c), c.features) for c in due])
        plans: list[list[tuple[str, Item]]] = [[] for _ in range(k)]
        wrong = []
        for c, p in zip(due, pred, strict=True):
            c.checked = True
            if p == c.label:
                plans[c.who].append(("refund", c))
            else:
                wrong.append(c)
        # A reporter needs a good point (the deposit rules). Each agent's refunds go out before its
        # reports, in nonce order, so a refund in this same batch counts.
        good_count = [self.ledger.refunds[i] + len(plans[i]) for i in range(k)]
        for c in wrong:
            if self.points:  # one rejection settles it: the next agent round makes it
                plans[(c.who + 1) % k].append(("report", c))
                continue
            for i in range(k):
                if i != c.who and good_count[i] > 0:
                    plans[i].append(("report", c))
        for c in [] if self.points else late:
            # Also one checked just now (a round longer than the gap between the windows):
            # if its refund or report takes it all first, the take fails, which is harmless.
            taker = (c.who + 1) % k
            if taker != c.who:
                plans[taker].append(("take", c))
        return plans

    def claims(self) -> None:
        """Send every agent's claims (:meth:`plans`) and book what each paid."""
        t = self.now()
        plans = self.plans(t)
        if plans is None:
            return
        work = []
        for agent, plan in zip(self.agents, plans, strict=True):
            calls = []
            for action, c in plan:
                key, x = self.key_of(c), self.to_x(c.features)
                if action == "take":
                    calls.append(self.take(key, x_hash(x)))
                else:
                    calls.append((self.refund if action == "refund" else self.report)(key, x))
            work.append((agent.pipe, calls, 0))
        ledger = self.ledger
        for i, (plan, receipts) in enumerate(
            zip(plans, send_all(self.rpc, self.to, work), strict=True)
        ):
            self.txs += len(receipts)
            for (action, c), r in zip(plan, receipts, strict=True):
                if not ok(r):
                    continue
                got = self.paid(r, self.events[action])
                ledger.balances[i] += got
                c.claimable -= got
                ledger.count(action + "s", i)
                if action == "refund":
                    c.refunded = True
                if action == "report" and not c.reported:
                    c.reported = True
                    ledger.count("rejected", c.who)
        if self.points:  # validated once, either way
            self.open_items[:] = [c for c in self.open_items if not c.checked]
            return
        self.open_items[:] = [
            c
            for c in self.open_items
            if c.claimable > 0 and not c.refunded and t < c.time + self.incentive.any_wait
        ]

    def settle(self) -> None:
        """Contributions stop; the clock runs on, a round at a time, until every window has
        closed and the last contributions are settled too (drawn as the flat tail of the plot)."""
        preset = self.preset
        last_window = self.incentive.refund_wait if self.points else self.incentive.any_wait
        for _ in range(last_window // (preset.round_size * preset.sample_s) + 2):
            if not self.open_items:
                break
            self.rpc.call("evm_increaseTime", [preset.round_size * preset.sample_s])
            self.rpc.call("evm_mine", [])
            self.claims()
            self.record()

    # ------------------------------------------------------------------ the run

    def run(self) -> Result:
        on_progress = self.run_args.on_progress
        t0 = time.monotonic()
        self.record()  # the start: every balance at 100%
        if on_progress:
            on_progress(0, self.acc)  # set-up done: the clock for samples/s starts here
        for chunk in rounds(self.rpc, self.preset, self.stream, self.owners):
            self.step(chunk)
            if self.sent % self.sample_every < self.preset.round_size or self.sent == len(
                self.stream
            ):
                self.acc = self.accuracy()
            self.record()
            if on_progress:
                on_progress(len(chunk), self.acc)
        stop_time = self.now()
        self.settle()
        elapsed = time.monotonic() - t0
        self.acc = self.accuracy()
        self.record()
        rows = self.ledger.rows
        samples = self.run_args.samples
        return Result(
            preset=self.preset,
            samples=samples,
            dataset=self.run_args.dataset,
            with_replacement=self.replaced,
            rows=rows,
            starts=self.ledger.starts,
            baseline_accuracy=self.baseline_accuracy,
            elapsed_s=elapsed,
            rate=samples / elapsed if elapsed else 0.0,
            baseline_rate=self.baseline_rate,
            transactions=self.txs,
            model=self.run_args.model,
            contract=self.contract,
            stop_day=(stop_time - rows[0].time) / DAY if rows else None,
            tx_rate=self.txs / elapsed if elapsed else 0.0,
            majority_accuracy=majority(self.test_labels),
        )


def simulate_trainer(run: Run) -> Result:
    """Run a trainer preset (deposit/refund/take or Points) for ``run.samples`` contributions
    on the connected local chain."""
    return TrainerSimulation(run).run()
