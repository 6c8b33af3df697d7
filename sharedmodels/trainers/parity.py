"""The parity check: an on-chain model against its exact reference, sample by sample.

For each sample, in order: the on-chain prediction (logged by ``update`` before it changes
anything) is compared with the reference's prediction, then both train on the sample. At the end
the model's whole state is compared exactly (``ModelSpec.mismatches``): for the sparse
Perceptron every weight either side touched and the intercept against scikit-learn itself, for
the other models every stored number against their integer mirror.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sharedmodels.encoding.packed import as_x, packer
from sharedmodels.rpc.fastpath import call_in_order, can_pipeline
from sharedmodels.rpc.reads import decode_event


@dataclass(kw_only=True)
class ParityResult:
    agree: int = 0
    total: int = 0
    mismatches: list[str] = field(default_factory=list)
    #: Features whose stored values were compared (sparse models; 0 for dense ones, whose
    #: whole state is compared).
    checked: int = 0
    disagreements: list[int] = field(default_factory=list)
    gas_used: list[int] = field(default_factory=list)
    chain_predictions: list[int] = field(default_factory=list)
    #: What the state comparison covers, for the summary ("weights" for the Perceptron).
    state_name: str = "weights"
    reference_name: str = "scikit-learn"

    @property
    def state_identical(self) -> bool:
        return not self.mismatches

    @property
    def ok(self) -> bool:
        return self.agree == self.total and self.state_identical

    def summary(self) -> str:
        same = "yes" if self.state_identical else "no"
        return f"parity: {self.agree}/{self.total} predictions, {self.state_name} identical: {same}"


def train_on_chain(contract: Any, sender: Any, row: Sequence[int], label: int) -> tuple[int, int]:
    """One owner ``update`` through Ape; returns (prediction before the update, gas used)."""
    receipt = contract.update(as_x(contract, row), label, sender=sender)
    logs = list(receipt.decode_logs(contract.ModelTrained))
    if len(logs) != 1:
        raise RuntimeError(f"update logged {len(logs)} ModelTrained events, expected 1")
    return int(logs[0].prediction), int(receipt.gas_used)


def train_stream(
    contract: Any,
    sender: Any,
    rows: Sequence[Sequence[int]],
    *,
    labels: Sequence[int],
    progress: Callable[[int], None] | None = None,
    pipelined: bool | None = None,
) -> tuple[list[int], list[int]]:
    """Train the contract on every sample in order; returns (predictions before, gas used).

    Pipelined (see ``fastpath``) when ``pipelined`` is true, or when it is None and the sender
    can sign locally; otherwise one Ape transaction per sample.
    """
    if pipelined is None:
        pipelined = can_pipeline(sender)
    if pipelined:
        to_x = packer(contract)
        receipts = call_in_order(
            sender,
            contract.update,
            calls=((to_x(r), y) for r, y in zip(rows, labels, strict=True)),
            progress=progress,
        )
        events = decode_event(contract, "ModelTrained", receipts)
        return [int(e["prediction"]) for e in events], [int(r["gasUsed"], 16) for r in receipts]
    predictions, gas = [], []
    for row, label in zip(rows, labels, strict=True):
        p, g = train_on_chain(contract, sender, row, label)
        predictions.append(p)
        gas.append(g)
        if progress:
            progress(1)
    return predictions, gas


def run_parity(
    contract: Any,
    sender: Any,
    reference: Any,
    *,
    rows: Sequence[Sequence[int]],
    labels: Sequence[int],
    kind: Any,
    progress: Callable[[int], None] | None = None,
) -> ParityResult:
    """Stream samples through the reference and the contract; compare as described above.

    The reference runs first (it does not depend on the chain); the contract logs its own
    prediction before each update, so the order of the two passes does not matter.
    """
    expected = [
        reference.update(row, label).prediction for row, label in zip(rows, labels, strict=True)
    ]
    got, gas = train_stream(contract, sender, rows, labels=labels, progress=progress)
    result = ParityResult(total=len(expected), gas_used=gas, chain_predictions=got)
    describe(result, kind)
    for i, (a, b) in enumerate(zip(got, expected, strict=True)):
        if a == b:
            result.agree += 1
        else:
            result.disagreements.append(i)
    touched = set() if kind.dense else set().union(*rows)
    if hasattr(reference, "nonzero_weights"):  # the Perceptron: pre-trained weights too
        touched |= set(reference.nonzero_weights())
    result.checked = len(touched)
    result.mismatches = kind.mismatches(contract, reference, touched)
    return result


def describe(result: ParityResult, kind: Any) -> None:
    """Name what ``result`` compares, for its summary line."""
    if kind.name != "perceptron":
        result.state_name = "state"
        result.reference_name = "the integer reference"
