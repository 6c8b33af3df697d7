"""A bounty from end to end: the organiser's dataset in groups, submitters training
scikit-learn models on the training groups rebuilt from chain history, and the demo.

Datasets are scikit-learn's bundled ``wine`` (178 x 13, 3 classes) and ``breast_cancer``
(569 x 30, 2 classes), standardised (z-scores over the whole set) and in fixed point.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sharedmodels.bounty.driver import (
    Entrant,
    Terms,
    conservation,
    deploy_bounty,
    evaluate,
    held_out_data,
    phase,
    reveal_tests,
    reveal_training,
    submit,
    upload,
    withdraw_all,
)
from sharedmodels.bounty.models import KIND_NAMES, Model, quantise, to_fixed
from sharedmodels.bounty.rules import MAX_GROUP, BountyError, OrganiserSecrets, split_groups
from sharedmodels.rpc.mining import advance_blocks
from sharedmodels.units import ETH

DATASETS = ("wine", "breast_cancer")


def load_dataset(name: str, limit: int | None = None, seed: int = 0) -> tuple[list, list, int]:
    """(fixed-point rows, labels, class count), shuffled with ``seed``; at most ``limit`` rows."""
    from sklearn import datasets

    if name not in DATASETS:
        raise BountyError(f"unknown dataset {name!r}: one of {', '.join(DATASETS)}")
    data = getattr(datasets, f"load_{name}")()
    x, y = data.data, data.target
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    z = (x - mean) / std
    order = list(range(len(y)))
    random.Random(seed).shuffle(order)
    order = order[:limit] if limit else order
    return [to_fixed(z[i]) for i in order], [int(y[i]) for i in order], int(y.max()) + 1


def make_groups(name: str, k: int, limit: int | None = None, seed: int = 0):
    rows, labels, n_classes = load_dataset(name, limit, seed)
    if -(-len(rows) // k) > MAX_GROUP:
        raise BountyError(
            f"{len(rows)} samples in {k} groups exceed {MAX_GROUP} a group: use more groups "
            f"or --limit"
        )
    return split_groups(rows, labels, k), len(rows[0]), n_classes


def training_from_chain(contract: Any, chain: Any) -> tuple[list[list[int]], list[int]]:
    """The training groups as anyone can rebuild them: from the calldata of the
    ``reveal_training`` transactions the ``GroupRevealed`` events point at."""
    xs: list[list[int]] = []
    ys: list[int] = []
    for ev in contract.GroupRevealed.range(0, chain.blocks.head.number + 1):
        if ev.test:
            continue
        tx = chain.provider.get_receipt(ev.transaction_hash).transaction
        _, args = contract.decode_input(bytes(tx.data))
        for sample in args["group"]:
            x, y = sample
            xs.append([int(v) for v in x])
            ys.append(int(y))
    return xs, ys


def train(kind: str, xs: list[list[int]], ys: list[int], *, n_classes: int, hidden=(16,), seed=0):
    """Fit a scikit-learn model of ``kind`` on fixed-point rows (back to floats) and quantise
    it. Returns (float estimator, Model)."""
    import numpy as np
    from sklearn.linear_model import Perceptron
    from sklearn.neighbors import NearestCentroid
    from sklearn.neural_network import MLPClassifier

    x = np.array(xs, dtype=float) / 1e9
    y = np.array(ys)
    if kind == "mlp":
        est = MLPClassifier(hidden_layer_sizes=hidden, max_iter=2000, random_state=seed)
    elif kind == "perceptron":
        est = Perceptron(random_state=seed)
    elif kind == "centroid":
        est = NearestCentroid()
    else:
        raise BountyError(f"unknown kind {kind!r}: perceptron, centroid or mlp")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(x, y)
    if sorted(set(ys)) != list(range(n_classes)):
        raise BountyError("the training data lacks a class; the model cannot be quantised")
    return est, quantise(est, n_classes)


def float_accuracy(est: Any, xs: list[list[int]], ys: list[int]) -> float:
    import numpy as np

    return float((est.predict(np.array(xs, dtype=float) / 1e9) == np.array(ys)).mean())


@dataclass(kw_only=True)
class BountyDemoConfig:
    dataset: str = "wine"
    groups: int = 6
    test_groups: int = 2
    limit: int | None = None
    prize: int = ETH
    stake: int = ETH // 100
    #: Wei per work unit (0.1 gwei): the largest model's fee stays below the stake.
    scoring_fee: int = 10**8
    threshold_bps: int = 8000
    seed: int = 0


@dataclass(kw_only=True)
class BountyDemoRow:
    who: str
    kind: str
    params: int
    onchain: float
    mirror: float
    float_: float
    gas_upload: int


@dataclass(kw_only=True)
class BountyDemoResult:
    rows: list[BountyDemoRow] = field(default_factory=list)
    winner: str | None = None
    step_gas: list[int] = field(default_factory=list)
    test_size: int = 0
    conservation_ok: bool = False
    paid: dict[str, int] = field(default_factory=dict)
    #: Scoring fees the keeper earned.
    fees: int = 0


def run_demo(
    config: BountyDemoConfig,
    organiser: Any,
    people: list[Any],
    log: Callable[[str], None] = lambda _: None,
    keeper: Any = None,
) -> BountyDemoResult:
    """A competition on a local chain: an MLP, a dense Perceptron and a Nearest Centroid
    trained on shuffled labels compete; time is moved past each deadline. ``keeper`` (default
    the organiser) scores them and earns their scoring fees."""
    from ape import chain, project

    gs, dim, n_classes = make_groups(config.dataset, config.groups, config.limit, config.seed)
    secrets = OrganiserSecrets(gs)
    terms = Terms(min_stake=config.stake, scoring_fee=config.scoring_fee)
    keeper = keeper or organiser
    contract = deploy_bounty(
        project.ModelBounty,
        organiser,
        secrets,
        chain_id=chain.chain_id,
        prize=config.prize,
        dim=dim,
        n_classes=n_classes,
        test_groups=config.test_groups,
        threshold_bps=config.threshold_bps,
        terms=terms,
    )
    n = sum(len(g) for g in gs)
    log(
        f"bounty {contract.address}: prize {config.prize / ETH:g} ETH, {config.dataset} "
        f"({n} samples, {dim} features, {n_classes} classes) in {config.groups} groups, "
        f"{config.test_groups} of them the test set; threshold {config.threshold_bps / 100:g}%"
    )
    advance_blocks(chain.provider, 3)  # waited for where the node mines by itself
    gas = reveal_training(contract, organiser, secrets)
    log(
        f"draw from block {contract.seed_block()}: test groups {_groups(contract)}; training "
        f"revealed ({', '.join(f'{g:,}' for g in gas)} gas)"
    )
    xs, ys = training_from_chain(contract, chain)
    log(f"submitters rebuilt {len(xs)} training samples from the reveal transactions' calldata")

    shuffled = ys[:]
    random.Random(config.seed + 1).shuffle(shuffled)
    plan = [
        ("mlp", people[0], ys, "MLP (16 hidden ReLU)"),
        ("perceptron", people[1], ys, "dense Perceptron"),
        ("centroid", people[2], shuffled, "Nearest Centroid, shuffled labels"),
    ]
    entrants = []
    for kind, who, labels, label in plan:
        est, model = train(kind, xs, labels, n_classes=n_classes, seed=config.seed)
        e = Entrant(model)
        submit(contract, who, e, config.stake)
        entrants.append((label, who, est, e))
    log(f"{len(entrants)} submissions, stake {config.stake / ETH:g} ETH each")

    chain.pending_timestamp = int(contract.submit_deadline()) + 1
    upload_gas = [sum(upload(contract, who, e)) for _, who, _, e in entrants]
    chain.pending_timestamp = int(contract.upload_deadline()) + 1
    gas = reveal_tests(contract, organiser, secrets)
    log(f"test groups revealed ({', '.join(f'{g:,}' for g in gas)} gas)")
    result = BountyDemoResult()
    result.step_gas = evaluate(contract, keeper)
    result.fees = int(contract.fees_due(keeper.address))
    contract.finalize(sender=organiser)

    tx, ty = held_out_data(secrets, int(contract.test_mask()))
    result.test_size = len(tx)
    for (label, who, est, e), g in zip(entrants, upload_gas, strict=True):
        m: Model = e.model
        onchain = int(contract.submissions(e.id).correct) / len(tx)
        result.rows.append(
            BountyDemoRow(
                who=f"{label} ({str(who.address)[:8]})",
                kind=KIND_NAMES[m.kind],
                params=len(m.params),
                onchain=onchain,
                mirror=m.correct(tx, ty) / len(tx),
                float_=float_accuracy(est, tx, ty),
                gas_upload=g,
            )
        )
    if contract.has_winner():
        result.winner = result.rows[int(contract.winner())].who
    ok, _ = conservation(contract, chain)
    result.paid = withdraw_all(contract, [*people, keeper], organiser)
    after_ok, _ = conservation(contract, chain)
    result.conservation_ok = (
        ok
        and after_ok
        and int(chain.provider.get_balance(contract.address)) == 0
        and sum(result.paid.values()) == config.prize + int(contract.total_stake())
    )
    assert phase(contract) == "done"
    return result


def _groups(contract: Any) -> list[int]:
    mask = int(contract.test_mask())
    return [i for i in range(int(contract.n_groups())) if mask >> i & 1]
