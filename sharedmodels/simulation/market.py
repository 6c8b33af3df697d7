"""The prediction market preset of the simulations: contributors stake on samples, a
provider's committed test set decides who gets paid.

Participation runs like the other presets, a round of samples at a time with the clock jumping
by the round's simulated duration; every agent's ``commit`` calls, then its ``reveal_sample``
calls, are signed locally and mined together in full blocks (``fastpath.mine_together``).
Then the provider reveals its test set, a keeper sends ``step`` transactions (also pipelined,
``step_s`` simulated seconds apart) until the reward pass is done, and everyone withdraws.

An agent's ``balances`` entry is its wallet in this market (start, minus stakes, plus what
``withdraw`` paid); ``held`` is its balance inside the market, the stakes while their fate is
open and then what the reward pass has moved them to. The plot's solid line is their sum.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sharedmodels.encoding.encoded import Encoded, encode_dataset, majority
from sharedmodels.encoding.features import Encoder
from sharedmodels.market.driver import (
    STAGES,
    Terms,
    conservation,
    grace_over,
    participate,
    phase,
    reveal_first,
    reveal_rest,
)
from sharedmodels.market.rules import MAX_PIECE, load_secrets, new_salt, sample_commitment
from sharedmodels.market.story import create_market
from sharedmodels.rpc.fastpath import (
    RPC,
    Pipeline,
    abi_encoder,
    mine_together,
)
from sharedmodels.simulation.common import (
    Result,
    Row,
    ape_rate,
    chain_time,
    hidden_accuracy,
    labels_sent,
    ok,
    rounds,
    sample_stream,
    send_all,
)
from sharedmodels.simulation.presets import MarketSetup
from sharedmodels.units import ETH


def simulate_market(
    preset: Any,
    samples: int,
    dataset: str,
    seed: int,
    accounts: Sequence[Any] | None,
    on_progress: Callable[[int, float], None] | None,
    baseline_n: int,
    on_status: Callable[[str], None] | None = None,
) -> Any:
    from ape import accounts as ape_accounts
    from ape import chain, project

    setup: MarketSetup = preset.market
    rng = random.Random(seed)
    encoder = Encoder(n_features=2**20)
    data = encode_dataset(dataset, encoder)
    n = len(data)
    hidden_end = n - setup.test_size
    hidden_start = hidden_end - preset.test_size
    if hidden_start - preset.pretrain < 100:
        raise ValueError(f"{dataset} has {n} samples, too few for this preset")
    test_rows = data.rows[hidden_start:hidden_end]
    test_labels = data.labels[hidden_start:hidden_end]
    pool = Encoded(
        data.rows[preset.pretrain : hidden_start], data.labels[preset.pretrain : hidden_start]
    )
    stream, replaced = sample_stream(pool, samples, rng)

    accts = list(accounts or ape_accounts.test_accounts)
    provider, agents = accts[0], accts[1 : 1 + len(preset.agents)]
    stake = int(setup.stake_eth * ETH)
    terms = Terms(
        min_stake=stake,
        min_duration=3600,
        reveal_window=86_400,
        max_contributions=max(samples, 1),
        max_contributors=len(preset.agents),
    )
    with tempfile.TemporaryDirectory() as tmp:
        secrets_path = Path(tmp) / "secrets.json"
        created = create_market(
            project.PredictionMarket,
            provider,
            dataset,
            setup.test_size,
            max(2, setup.test_size // MAX_PIECE),
            int(setup.bounty_eth * ETH),
            terms,
            secrets_path,
            chain.provider.network.choice,
            preset.pretrain,
        )
        secrets = load_secrets(secrets_path)
    m = created.contract
    chain.mine(3)
    reveal_first(m, provider, secrets, chain)

    rpc = RPC()
    to = str(m.address)
    commit = abi_encoder(m.commit)
    reveal_sample = abi_encoder(m.reveal_sample)
    step = abi_encoder(m.step)
    chain_id = chain.chain_id

    def one_by_one(x, y, sender, value):
        return participate(m, sender, x, y, value, checked=False)

    def accuracy() -> float:
        return hidden_accuracy(m, test_rows, test_labels)

    baseline_accuracy = accuracy()
    baseline_rate = ape_rate(one_by_one, agents[0], stream[:baseline_n], chain, stake)

    k = len(agents)
    senders = [Pipeline(a, rpc, gas=2_000_000) for a in agents]
    starts = [int(spec.start_eth * ETH) for spec in preset.agents]
    wallet = list(starts)
    counts = [0] * k
    owners = rng.choices(range(k), weights=[spec.pace for spec in preset.agents], k=len(stream))
    rows: list[Row] = []
    acc = baseline_accuracy
    sent = txs = 0

    def now() -> int:
        return chain_time(rpc)

    def row(held: list[int]) -> Row:
        zeros = [0] * k
        return Row(now(), sent, acc, list(wallet), list(counts), zeros, zeros, zeros, held, zeros)

    rows.append(row([0] * k))
    if on_progress:
        on_progress(0, acc)
    t0 = time.monotonic()
    for chunk in rounds(rpc, preset, stream, owners):
        # Every sample is committed (with its stake) in this round's blocks, then revealed in
        # later ones: two transactions a contribution.
        commits, reveals = [], []
        for i, spec in enumerate(preset.agents):
            mine = [(x, y) for (x, y), who in chunk if who == i]
            mine = mine[: spec.affordable(wallet[i], stake)]
            sender = str(agents[i].address)
            hashes, opens = [], []
            for (x, _), y in zip(mine, labels_sent(spec, mine, rng), strict=True):
                salt = new_salt()
                hashes.append(commit(sample_commitment(to, chain_id, sender, salt, x, y)))
                opens.append(reveal_sample(salt, list(x), y))
            commits.append((senders[i], hashes, stake))
            reveals.append((senders[i], opens, 0))
        for i, receipts in enumerate(send_all(rpc, to, commits)):
            paid = sum(map(ok, receipts))
            txs += len(receipts)
            counts[i] += paid
            wallet[i] -= paid * stake
        txs += sum(len(r) for r in send_all(rpc, to, reveals))
        sent += len(chunk)
        rows.append(row([starts[i] - wallet[i] for i in range(k)]))
        if on_progress:
            on_progress(len(chunk), acc)
    elapsed = time.monotonic() - t0
    contribution_txs = txs
    stop_time = now()

    # Participation ends; the provider reveals the rest of its test set; a keeper steps the
    # reward pass; rows after every settled pass.
    rpc.call("evm_increaseTime", [terms.min_duration])
    m.end(sender=provider)
    # Contributors' reveal grace, mined: the reveal's dry run reads the latest block's time.
    rpc.call("evm_mine", [grace_over(m)])
    reveal_rest(m, provider, secrets)
    keeper = Pipeline(provider, rpc, gas=25_000_000)
    passes = 0

    def in_market() -> list[int]:
        return [int(m.accounts(a).balance) for a in agents]

    while phase(m) == "reward":
        rpc.call("evm_increaseTime", [setup.steps_per_batch * setup.step_s])
        calls = [keeper.sign(to, step(setup.budget)) for _ in range(setup.steps_per_batch)]
        # A step after the pass is done reverts ("not in the reward phase"); that is fine.
        txs += len(mine_together(rpc, calls))
        p = m.progress()
        settled = int(p.epoch)
        if on_status and int(p.stage) < len(STAGES):
            on_status(f"reward pass {settled}: {STAGES[int(p.stage)]}, at {int(p.cursor):,}")
        if settled != passes or phase(m) != "reward":
            passes = settled
            acc = accuracy()
            rows.append(row(in_market()))
    acc = accuracy()
    rows.append(row(in_market()))
    for i, a in enumerate(agents):
        owed = int(m.owed(a))
        if owed:
            m.withdraw(sender=a)
            wallet[i] += owed
    rows.append(row([0] * k))
    balanced, _ = conservation(m, chain)
    if not balanced:
        raise RuntimeError("the market's books do not balance")
    return Result(
        preset=preset,
        samples=samples,
        dataset=dataset,
        with_replacement=replaced,
        rows=rows,
        starts=starts,
        baseline_accuracy=baseline_accuracy,
        elapsed_s=elapsed,
        rate=samples / elapsed if elapsed else 0.0,
        baseline_rate=baseline_rate,
        transactions=txs,
        model="perceptron",
        contract=m,
        stop_day=(stop_time - rows[0].time) / 86_400,
        tx_rate=contribution_txs / elapsed if elapsed else 0.0,
        majority_accuracy=majority(test_labels),
    )
