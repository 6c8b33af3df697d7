"""The articles' incentive simulations, on a real chain: agents with balances, a
simulated clock, refunds, reports and takes, accuracy on a hidden test set along the way.

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
from collections.abc import Callable, Sequence
from typing import Any

from sharedmodels.encoding.encoded import Encoded, encode_dataset, majority
from sharedmodels.encoding.packed import packer, x_hash
from sharedmodels.registry import make_encoder, model_spec
from sharedmodels.rpc.fastpath import (
    RPC,
    Pipeline,
    abi_encoder,
    decode_event,
    event_topic,
)
from sharedmodels.simulation.common import (
    EVENTS,
    POINT_EVENTS,
    Item,
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
    verdicts,
)
from sharedmodels.simulation.presets import Preset
from sharedmodels.trainers.deploy import deploy_model
from sharedmodels.units import DAY, ETH


def simulate_trainer(
    preset: Preset,
    samples: int,
    dataset: str = "rt",
    seed: int = 0,
    model: str = "naive_bayes",
    accounts: Sequence[Any] | None = None,
    on_progress: Callable[[int, float], None] | None = None,
    sample_every: int | None = None,
    baseline_n: int = 25,
    on_status: Callable[[str], None] | None = None,
) -> Result:
    """Run a trainer ``preset`` (deposit/refund/take or Points) for ``samples`` contributions on
    the connected local chain."""
    from ape import accounts as ape_accounts
    from ape import chain, project

    rng = random.Random(seed)
    # About 20 accuracy samples a run: each is one eth_call per test sample, which at 1,000
    # samples every 1,000 contributions cost as much as the contributions themselves.
    sample_every = sample_every or max(preset.round_size, samples // 20)
    # A vocabulary is built from the pre-training slice, the samples the model starts from.
    encoder = make_encoder(model, dataset, encoder=preset.encoder, fit_limit=preset.pretrain)
    data = encode_dataset(dataset, encoder)
    n = len(data)
    if preset.pretrain + preset.test_size + 100 > n:
        raise ValueError(f"{dataset} has {n} samples, too few for this preset")
    pre = Encoded(data.rows[: preset.pretrain], data.labels[: preset.pretrain])
    test_rows = data.rows[n - preset.test_size :]
    test_labels = data.labels[n - preset.test_size :]
    pool = Encoded(
        data.rows[preset.pretrain : n - preset.test_size],
        data.labels[preset.pretrain : n - preset.test_size],
    )
    stream, replaced = sample_stream(pool, samples, rng)

    accts = list(accounts or ape_accounts.test_accounts)
    owner, agents = accts[0], accts[1 : 1 + len(preset.agents)]
    points = preset.incentive.kind == "points"
    container = getattr(project, model_spec(model).contract(preset.incentive.kind))
    dep = deploy_model(
        container, owner, encoder, pretrain_data=pre, incentive=preset.incentive, model=model
    )
    contract = dep.contract
    rpc = RPC()
    to = str(contract.address)
    add = abi_encoder(contract.addData)
    to_x = packer(contract)
    refund = abi_encoder(contract.refund)
    report = abi_encoder(contract.report)
    take = None if points else abi_encoder(contract.take)
    events = POINT_EVENTS if points else EVENTS
    topics = {name: event_topic(contract, name) for name in events.values()}

    def accuracy() -> float:
        return hidden_accuracy(contract, test_rows, test_labels)

    baseline_accuracy = accuracy()
    max_deposit = 0 if points else preset.incentive.cost_weight * 3600
    baseline_rate = ape_rate(
        contract.addData, agents[0], stream[:baseline_n], chain, max_deposit, to_x
    )

    senders = [Pipeline(a, rpc, gas=2_000_000) for a in agents]
    k = len(agents)
    starts = [int(spec.start_eth * ETH) for spec in preset.agents]
    balance = list(starts)
    counts = {
        name: [0] * k for name in ("contributions", "refunds", "reports", "takes", "rejected")
    }
    open_items: list[Item] = []
    weights = [spec.pace for spec in preset.agents]
    owners = rng.choices(range(k), weights=weights, k=len(stream))
    rows_out: list[Row] = []
    acc = baseline_accuracy
    sent = 0
    txs = 0
    t0 = time.monotonic()

    def now() -> int:
        return chain_time(rpc)

    def amount(receipt: dict, name: str) -> int:
        """What the claim's event says it paid: its first data word (wei), or one point."""
        if points:
            return int(name == "PointEarned")
        for log in receipt["logs"]:
            if log["topics"][0] == topics[name]:
                return int(log["data"][2:66], 16)
        return 0

    def row() -> Row:
        held = [0] * k
        for c in open_items:
            if not c.checked:
                held[c.who] += c.claimable
        return Row(
            now(),
            sent,
            acc,
            list(balance),
            *(list(counts[name]) for name in ("contributions", "refunds", "reports", "takes")),
            held,
            list(counts["rejected"]),
        )

    def key_of(c: Item) -> tuple:
        """The ``Contribution`` struct the trainer takes."""
        return (c.id, agents[c.who].address, c.time, c.label, c.deposit)

    def claims() -> None:
        nonlocal txs
        # Agents look at a contribution twice: once its refund window opens (the contributor
        # refunds it if the model agrees, the others report it if not) and once anyone may take
        # what is left of it. Checking every open contribution every round would cost an
        # eth_call each, which at 25,000 samples outweighed the transactions.
        t = now()
        due = [
            c for c in open_items if not c.checked and t >= c.time + preset.incentive.refund_wait
        ]
        late = [c for c in open_items if t >= c.time + preset.incentive.any_wait]
        if not due and not late:
            return
        pred = verdicts(contract, [(key_of(c), c.features) for c in due])
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
        good_count = [counts["refunds"][i] + len(plans[i]) for i in range(k)]
        for c in wrong:
            if points:  # one rejection settles it: the next agent round makes it
                plans[(c.who + 1) % k].append(("report", c))
                continue
            for i in range(k):
                if i != c.who and good_count[i] > 0:
                    plans[i].append(("report", c))
        for c in [] if points else late:
            # Also one checked just now (a round longer than the gap between the windows):
            # if its refund or report takes it all first, the take fails, which is harmless.
            taker = (c.who + 1) % k
            if taker != c.who:
                plans[taker].append(("take", c))
        work = []
        for i, plan in enumerate(plans):
            calls = []
            for action, c in plan:
                key = key_of(c)
                if action == "take":
                    calls.append(take(key, x_hash(to_x(c.features))))
                else:
                    calls.append((refund if action == "refund" else report)(key, to_x(c.features)))
            work.append((senders[i], calls, 0))
        for i, (plan, receipts) in enumerate(zip(plans, send_all(rpc, to, work), strict=True)):
            txs += len(receipts)
            for (action, c), r in zip(plan, receipts, strict=True):
                if not ok(r):
                    continue
                got = amount(r, events[action])
                balance[i] += got
                c.claimable -= got
                counts[action + "s"][i] += 1
                if action == "refund":
                    c.refunded = True
                if action == "report" and not c.reported:
                    c.reported = True
                    counts["rejected"][c.who] += 1
        if points:  # validated once, either way
            open_items[:] = [c for c in open_items if not c.checked]
            return
        open_items[:] = [
            c
            for c in open_items
            if c.claimable > 0 and not c.refunded and t < c.time + preset.incentive.any_wait
        ]

    rows_out.append(row())  # the start: every balance at 100%
    if on_progress:
        on_progress(0, acc)  # set-up done: the clock for samples/s starts here
    for chunk in rounds(rpc, preset, stream, owners):
        batches = []
        for i in range(k):
            mine = [(x, y) for (x, y), who in chunk if who == i]
            labels = labels_sent(preset.agents[i], mine, rng)
            affordable = preset.agents[i].affordable(balance[i], max_deposit)
            batches.append((mine[:affordable], labels[:affordable]))
        work = [
            (
                senders[i],
                [add(to_x(x), y) for (x, _), y in zip(mine, labels, strict=True)],
                max_deposit,
            )
            for i, (mine, labels) in enumerate(batches)
        ]
        for i, ((mine, _), receipts) in enumerate(
            zip(batches, send_all(rpc, to, work), strict=True)
        ):
            txs += len(receipts)
            added = [(x, r) for (x, _), r in zip(mine, receipts, strict=True) if ok(r)]
            events_added = decode_event(contract, "ContributionAdded", [r for _, r in added])
            for (x, _), e in zip(added, events_added, strict=True):
                c = Item(e["id"], i, e["time"], e["label"], e["deposit"], list(x), e["deposit"])
                open_items.append(c)
                balance[i] -= c.deposit
                counts["contributions"][i] += 1
        sent += len(chunk)
        claims()
        if sent % sample_every < preset.round_size or sent == len(stream):
            acc = accuracy()
        rows_out.append(row())
        if on_progress:
            on_progress(len(chunk), acc)
    stop_time = now()
    # Contributions stop; the clock runs on, a round at a time, until every window has closed
    # and the last contributions are settled too (drawn as the flat tail of the plot).
    last_window = preset.incentive.refund_wait if points else preset.incentive.any_wait
    for _ in range(last_window // (preset.round_size * preset.sample_s) + 2):
        if not open_items:
            break
        rpc.call("evm_increaseTime", [preset.round_size * preset.sample_s])
        rpc.call("evm_mine", [])
        claims()
        rows_out.append(row())
    elapsed = time.monotonic() - t0
    acc = accuracy()
    rows_out.append(row())
    return Result(
        preset,
        samples,
        dataset,
        replaced,
        rows_out,
        starts,
        baseline_accuracy,
        elapsed,
        samples / elapsed if elapsed else 0.0,
        baseline_rate,
        txs,
        model,
        contract,
        (stop_time - rows_out[0].time) / DAY if rows_out else None,
        txs / elapsed if elapsed else 0.0,
        majority(test_labels),
    )
