"""The prediction market preset of the simulations: contributors stake on samples, a
provider's committed test set decides who gets paid.

Participation runs like the other presets, a round of samples at a time with the clock jumping
by the round's simulated duration; every agent's ``commit`` calls are signed locally and mined
together in full blocks (``fastpath.mine_together``). Participation is sealed: the
``reveal_sample`` calls wait until ``end``, then go out together in the sample window.
Then the provider reveals its test set, a keeper sends ``step`` transactions (also pipelined,
``step_s`` simulated seconds apart) until the reward pass is done, and everyone withdraws.

The agents and their ledger are the trainer simulation's (``agents``); :class:`MarketSimulation`
steps them through the market's phases. An agent's ``balances`` entry is its wallet in this
market (start, minus stakes, plus what ``withdraw`` paid); ``held`` is its balance inside the
market, the stakes while their fate is open and then what the reward pass has moved them to.
The plot's solid line is their sum.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from sharedmodels.encoding.encoded import Encoded, encode_dataset, majority
from sharedmodels.encoding.features import Encoder
from sharedmodels.errors import InputError
from sharedmodels.market.demo import create_market
from sharedmodels.market.driver import (
    STAGES,
    Terms,
    conservation,
    participate,
    phase,
    reveal_first,
    reveal_rest,
)
from sharedmodels.market.rules import MAX_PIECE, load_secrets, new_salt, sample_commitment
from sharedmodels.rpc.fastpath import Pipeline, mine_together
from sharedmodels.rpc.reads import RPC, abi_encoder
from sharedmodels.simulation.agents import Ledger, draw_owners, make_agents
from sharedmodels.simulation.common import (
    Result,
    Run,
    ape_rate,
    chain_time,
    hidden_accuracy,
    ok,
    rounds,
    sample_stream,
    send_all,
)
from sharedmodels.simulation.presets import MarketSetup
from sharedmodels.units import ETH


class MarketSimulation:
    """The ``market`` preset on the connected local chain: set-up creates the market and reveals
    the first piece of the provider's test set; each round (:meth:`step`) the agents commit
    and reveal their samples; then the provider ends the market and reveals the rest, a keeper
    runs the reward pass (:meth:`reward_pass`) and the agents withdraw (:meth:`withdraw`)."""

    def __init__(self, run: Run) -> None:
        from ape import accounts as ape_accounts
        from ape import chain

        preset = self.preset = run.preset
        self.run_args, self.chain = run, chain
        self.setup: MarketSetup = preset.market
        self.rng = random.Random(run.seed)
        self._split_data()
        accts = list(run.accounts or ape_accounts.test_accounts)
        self.provider = accts[0]
        self.agents = make_agents(preset.agents, accts[1 : 1 + len(preset.agents)])
        self.stake = int(self.setup.stake_eth * ETH)
        self._open_market()
        m = self.market

        def one_by_one(x, y, sender, value):
            # A commitment only (sealed: no reveal before `end`); ``ape_rate`` runs on a
            # snapshot it reverts, so nothing is left to reveal.
            return participate(m, sender, x, y=y, stake=value, checked=False)

        self.baseline_accuracy = self.accuracy()
        self.baseline_rate = ape_rate(
            one_by_one,
            self.agents[0].account,
            self.stream[: run.baseline_n],
            chain=chain,
            value=self.stake,
        )
        for a in self.agents:
            a.pipe = Pipeline(a.account, self.rpc, gas=2_000_000)
        self.ledger = Ledger.open(self.agents)
        self.owners = draw_owners(self.agents, len(self.stream), self.rng)
        self.acc = self.baseline_accuracy
        self.sent = self.txs = 0
        #: Each agent's ``reveal_sample`` calls, sent after ``end`` (none is accepted before).
        self.sealed: dict[int, list[bytes]] = {}

    def _split_data(self) -> None:
        """The hidden test set (just before the provider's committed one, at the dataset's
        end) and the stream of samples the agents send, drawn from what the pre-training
        slice and the two test sets leave."""
        run, preset, setup = self.run_args, self.preset, self.setup
        data = encode_dataset(run.dataset, Encoder(n_features=2**20))
        n = len(data)
        hidden_end = n - setup.test_size
        hidden_start = hidden_end - preset.test_size
        if hidden_start - preset.pretrain < 100:
            raise InputError(f"{run.dataset} has {n} samples, too few for this preset")
        self.test_rows = data.rows[hidden_start:hidden_end]
        self.test_labels = data.labels[hidden_start:hidden_end]
        pool = Encoded(
            data.rows[preset.pretrain : hidden_start], data.labels[preset.pretrain : hidden_start]
        )
        self.stream, self.replaced = sample_stream(pool, run.samples, self.rng)

    def _open_market(self) -> None:
        """The provider creates the market (its test set committed, its model pre-trained)
        and reveals the first piece, which opens participation; then the calls' encoders."""
        from ape import project

        run, setup, chain = self.run_args, self.setup, self.chain
        self.terms = Terms(
            min_stake=self.stake,
            min_duration=3600,
            reveal_window=86_400,
            max_contributions=max(run.samples, 1),
            max_contributors=len(self.preset.agents),
        )
        with tempfile.TemporaryDirectory() as tmp:
            secrets_path = Path(tmp) / "secrets.json"
            created = create_market(
                project.PredictionMarket,
                self.provider,
                run.dataset,
                test_size=setup.test_size,
                pieces=max(2, setup.test_size // MAX_PIECE),
                bounty=int(setup.bounty_eth * ETH),
                terms=self.terms,
                secrets_path=secrets_path,
                network=chain.provider.network.choice,
                pretrain_n=self.preset.pretrain,
            )
            self.secrets = load_secrets(secrets_path)
        self.market = m = created.contract
        #: What a commitment sends: the stake and the market's slot fee (never returned).
        self.price = self.stake + int(m.slot_fee())
        chain.mine(3)
        reveal_first(m, self.provider, self.secrets, chain)
        self.rpc = RPC()
        self.to = str(m.address)
        self.commit = abi_encoder(m.commit)
        self.reveal_sample = abi_encoder(m.reveal_sample)
        self.step_call = abi_encoder(m.step)
        self.chain_id = chain.chain_id

    def now(self) -> int:
        return chain_time(self.rpc)

    def accuracy(self) -> float:
        return hidden_accuracy(self.market, self.test_rows, self.test_labels)

    def record(self, held: list[int]) -> None:
        """A row of the series, with each agent's balance inside the market."""
        self.ledger.record(time=self.now(), samples=self.sent, accuracy=self.acc, held=held)

    def in_market(self) -> list[int]:
        return [int(self.market.accounts(a.account).balance) for a in self.agents]

    def step(self, chunk: list) -> None:
        """One round: every sample an agent can stake on is committed (with its stake) in this
        round's blocks; its reveal waits for ``end``: two transactions a contribution."""
        ledger = self.ledger
        commits = []
        for agent in self.agents:
            mine = agent.own(chunk)
            mine = mine[: agent.affordable(ledger.balances[agent.index], self.price)]
            hashes, opens = [], []
            for (x, _), y in zip(mine, agent.labels(mine, self.rng), strict=True):
                salt = new_salt()
                hashes.append(
                    self.commit(
                        sample_commitment(
                            self.to, self.chain_id, agent.address, salt=salt, x=x, y=y
                        )
                    )
                )
                opens.append(self.reveal_sample(salt, list(x), y))
            commits.append((agent.pipe, hashes, self.price))
            self.sealed.setdefault(agent.index, []).extend(opens)
        for i, receipts in enumerate(send_all(self.rpc, self.to, commits)):
            paid = sum(map(ok, receipts))
            self.txs += len(receipts)
            ledger.count("contributions", i, paid)
            ledger.balances[i] -= paid * self.price
        self.sent += len(chunk)

    def reward_pass(self) -> None:
        """Participation ends; the provider reveals the rest of its test set; a keeper steps
        the reward pass, ``steps_per_batch`` pipelined ``step`` calls at a time; a row after
        every settled pass."""
        m, rpc, setup = self.market, self.rpc, self.setup
        on_status = self.run_args.on_status
        rpc.call("evm_increaseTime", [self.terms.min_duration])
        m.end(sender=self.provider)
        reveals = [(a.pipe, self.sealed.get(a.index, []), 0) for a in self.agents]
        self.txs += sum(len(r) for r in send_all(rpc, self.to, reveals))
        self.sealed = {}
        rpc.call("evm_increaseTime", [int(m.SAMPLE_WINDOW()) + 1])  # contributors' window
        # reveal_rest checks its first reveal with an eth_call on the latest block: mine one so
        # that block's clock is past the window too.
        rpc.call("evm_mine", [])
        reveal_rest(m, self.provider, self.secrets)
        keeper = Pipeline(self.provider, rpc, gas=25_000_000)
        passes = 0
        while phase(m) == "reward":
            rpc.call("evm_increaseTime", [setup.steps_per_batch * setup.step_s])
            calls = [
                keeper.sign(self.to, self.step_call(setup.budget))
                for _ in range(setup.steps_per_batch)
            ]
            # A step after the pass is done reverts ("not in the reward phase"); that is fine.
            self.txs += len(mine_together(rpc, calls))
            p = m.progress()
            settled = int(p.epoch)
            if on_status and int(p.stage) < len(STAGES):
                on_status(f"reward pass {settled}: {STAGES[int(p.stage)]}, at {int(p.cursor):,}")
            if settled != passes or phase(m) != "reward":
                passes = settled
                self.acc = self.accuracy()
                self.record(self.in_market())
        self.acc = self.accuracy()
        self.record(self.in_market())

    def withdraw(self) -> None:
        """Every agent takes out what the market owes it; then the books must balance."""
        for i, agent in enumerate(self.agents):
            owed = int(self.market.owed(agent.account))
            if owed:
                self.market.withdraw(sender=agent.account)
                self.ledger.balances[i] += owed
        self.record([0] * len(self.agents))
        balanced, _ = conservation(self.market, self.chain)
        if not balanced:
            raise RuntimeError("the market's books do not balance")

    def run(self) -> Result:
        on_progress = self.run_args.on_progress
        ledger = self.ledger
        self.record([0] * len(self.agents))
        if on_progress:
            on_progress(0, self.acc)
        t0 = time.monotonic()
        for chunk in rounds(self.rpc, self.preset, self.stream, self.owners):
            self.step(chunk)
            self.record([s - b for s, b in zip(ledger.starts, ledger.balances, strict=True)])
            if on_progress:
                on_progress(len(chunk), self.acc)
        elapsed = time.monotonic() - t0
        contribution_txs = self.txs
        stop_time = self.now()
        self.reward_pass()
        self.withdraw()
        samples, rows = self.run_args.samples, ledger.rows
        return Result(
            preset=self.preset,
            samples=samples,
            dataset=self.run_args.dataset,
            with_replacement=self.replaced,
            rows=rows,
            starts=ledger.starts,
            baseline_accuracy=self.baseline_accuracy,
            elapsed_s=elapsed,
            rate=samples / elapsed if elapsed else 0.0,
            baseline_rate=self.baseline_rate,
            transactions=self.txs,
            model="perceptron",
            contract=self.market,
            stop_day=(stop_time - rows[0].time) / 86_400,
            tx_rate=contribution_txs / elapsed if elapsed else 0.0,
            majority_accuracy=majority(self.test_labels),
        )


def simulate_market(run: Run) -> Result:
    """Run the market preset for ``run.samples`` contributions on the connected local chain."""
    return MarketSimulation(run).run()
