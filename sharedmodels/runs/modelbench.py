"""Every model side by side: on-chain accuracy against float scikit-learn, and gas.

``accuracy_row`` trains a fresh standalone contract on a dataset's training split *on chain*
(one ``update`` per sample, in order, through the pipelined fast path), predicts the test split
with free ``eth_call``s, and trains the float scikit-learn model on the same split (the same
decoded inputs, the same order) for comparison. ``gas_row`` deploys a model's staked trainer
with a pre-trained state and measures ``addData`` and ``predict`` at one input size.
Both feed ``ape run models``, which writes ``bench/models.json`` and the tables in
``docs/models.md``.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from sharedmodels.encoding.encoded import Encoded, encode_dataset, majority
from sharedmodels.encoding.features import FIXED_POINT_SCALE, DenseEncoder, Encoder, indices_to_csr
from sharedmodels.encoding.packed import as_x
from sharedmodels.registry import float_fit_predict, make_encoder, model_spec
from sharedmodels.rpc.deployments import predict_many
from sharedmodels.trainers.client import Incentive
from sharedmodels.trainers.deploy import deploy_model
from sharedmodels.trainers.parity import train_stream

#: (model, dataset) rows of the accuracy table: sparse models on rt, dense ones on the
#: scikit-learn sets.
ROWS: tuple[tuple[str, str], ...] = (
    ("perceptron", "rt"),
    ("sparse_ncc", "rt"),
    ("naive_bayes", "rt"),
    ("dense_perceptron", "sklearn:breast_cancer"),
    ("ncc", "sklearn:breast_cancer"),
    ("dense_perceptron", "sklearn:wine"),
    ("ncc", "sklearn:wine"),
    ("dense_perceptron", "sklearn:digits"),
    ("ncc", "sklearn:digits"),
)
#: rt trains on its first 10,000 samples; the other sets on their first 70%.
RT_TRAIN = 10_000
TRAIN_SHARE = 0.7
#: Input sizes of the gas table: feature indices per sample (sparse) or dimension (dense).
GAS_SIZES = {False: (20, 100), True: (16, 64)}
VOCAB = 1000
STAKE = Incentive("stake", refund_wait=60, owner_wait=120, any_wait=240, cost_weight=10**15)


@dataclass(kw_only=True)
class AccuracyRow:
    model: str
    dataset: str
    train: int
    test: int
    chain_accuracy: float
    float_accuracy: float
    agreement: float  # share of test predictions where chain and float models agree
    #: Always answering the test part's commoner class.
    majority: float = 0.0

    @property
    def gap_points(self) -> float:
        return 100 * abs(self.chain_accuracy - self.float_accuracy)


def accuracy_row(
    project: Any,
    sender: Any,
    model: str,
    *,
    spec: str,
    progress=None,
    train_limit: int | None = None,
) -> AccuracyRow:
    k = model_spec(model)
    encoder = make_encoder(model, fit_spec=spec)
    data = encode_dataset(spec, encoder)
    n = len(data)
    n_train = min(RT_TRAIN, n - 1) if spec == "rt" else int(n * TRAIN_SHARE)
    if train_limit is not None:
        n_train = min(n_train, train_limit)
    rows, labels = data.rows, data.labels
    dep = deploy_model(
        getattr(project, k.contract("none")),
        sender,
        encoder,
        class_names=data.class_names,
        model=model,
        seal=True,
    )
    train_stream(
        dep.contract,
        sender,
        rows[:n_train],
        labels=labels[:n_train],
        progress=progress,
        pipelined=True,
    )
    test_rows, test_labels = rows[n_train:], np.asarray(labels[n_train:])
    chain_pred = np.asarray(predict_many(dep.contract, test_rows))
    if isinstance(encoder, DenseEncoder):
        X = np.asarray(rows, dtype=np.float64) / FIXED_POINT_SCALE
    else:
        X = indices_to_csr(rows, encoder.n_features)
    float_pred = float_fit_predict(
        model,
        X[:n_train],
        labels[:n_train],
        X_test=X[n_train:],
        n_classes=len(data.class_names),
        alpha=model_spec(model).alpha,
    )
    return AccuracyRow(
        model=model,
        dataset=spec,
        train=n_train,
        test=len(test_rows),
        chain_accuracy=float(np.mean(chain_pred == test_labels)),
        float_accuracy=float(np.mean(float_pred == test_labels)),
        agreement=float(np.mean(chain_pred == float_pred)),
        majority=majority(list(test_labels)),
    )


def _sample(dense: bool, size: int, rnd: random.Random) -> list[int]:
    if dense:
        return [rnd.randint(-(10**9), 10**9) for _ in range(size)]
    return sorted(rnd.sample(range(VOCAB), size))


def gas_row(project: Any, owner: Any, contributor: Any, model: str, size: int) -> dict:
    """Deploy ``model``'s staked trainer pre-trained on 200 random samples of ``size``, then
    ``addData`` (median of 5, one hour apart, random labels) and ``predict`` (eth_estimateGas)."""
    from ape import chain

    k = model_spec(model)
    rnd = random.Random(2019 + size)
    encoder = DenseEncoder((1.0,) * size) if k.dense else Encoder(n_features=VOCAB)
    pre = Encoded(
        [_sample(k.dense, size, rnd) for _ in range(200)], [rnd.randint(0, 1) for _ in range(200)]
    )
    dep = deploy_model(
        getattr(project, k.contract("stake")),
        owner,
        encoder,
        eta=1,
        class_names=("neg", "pos"),
        pretrain_data=pre,
        incentive=STAKE,
        model=model,
    )
    contract = dep.contract
    clock = int(chain.pending_timestamp)
    added = []
    for _ in range(5):
        clock += 3600
        chain.pending_timestamp = clock
        row = _sample(k.dense, size, rnd)
        deposit = STAKE.deposit(clock - int(contract.last_contribution_time()))
        receipt = contract.addData(
            as_x(contract, row), rnd.randint(0, 1), sender=contributor, value=deposit
        )
        added.append(int(receipt.gas_used))
    row = _sample(k.dense, size, rnd)
    predict = int(contract.predict.estimate_gas_cost(as_x(contract, row), sender=owner))
    return {
        "model": model,
        "size": size,
        "addData": sorted(added)[len(added) // 2],
        "predict": predict,
        "deploy_and_upload": dep.gas_used,
    }


def accuracy_table(rows: list[AccuracyRow]) -> str:
    out = [
        "| model | dataset | train / test | on-chain accuracy | float scikit-learn | gap "
        "| same prediction | commoner class |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r.model} | {r.dataset} | {r.train:,} / {r.test:,} | {r.chain_accuracy:.2%} | "
            f"{r.float_accuracy:.2%} | {r.gap_points:.2f} pt | {r.agreement:.2%} | "
            f"{r.majority:.2%} |"
        )
    return "\n".join(out) + "\n"


def gas_table(rows: list[dict]) -> str:
    out = [
        "| model | input size | addData (stake trainer) | predict (eth_call) |",
        "|---|---|---|---|",
    ]
    for r in rows:
        unit = "values" if model_spec(r["model"]).dense else "features"
        out.append(f"| {r['model']} | {r['size']} {unit} | {r['addData']:,} | {r['predict']:,} |")
    return "\n".join(out) + "\n"


def as_json(acc: list[AccuracyRow], gas: list[dict]) -> dict:
    return {"accuracy": [asdict(r) for r in acc], "gas": gas}
