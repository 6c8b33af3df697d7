"""Choose a text model's encoder width and smoothing by measurement, never on the test split.

The training part of a dataset (rt: its first 10,000 snippets in file order) is cut again:
its first 80% trains, its last 20% validates. Every text model is trained at every width of the
hashing encoder (and, for Naive Bayes, every smoothing) through its integer mirror (the exact
arithmetic of its contract) and through its float scikit-learn family member, and scored on the
validation part. The setting with the best mirror validation accuracy is chosen (ties: the
narrower encoder, then the larger alpha). Only then is the held-out rest scored once, at the
chosen setting, trained on the whole training part, beside the majority-class baseline.

Nothing here needs a chain: the mirrors equal the contracts exactly (``ape run parity``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from sharedmodels.encoding import datasets
from sharedmodels.encoding.encoded import encode_samples, majority
from sharedmodels.encoding.features import Encoder, indices_to_csr
from sharedmodels.errors import InputError
from sharedmodels.registry import MODELS, Params, float_fit_predict, model_spec

#: The sparse (text) models, and the settings each is swept over.
TEXT_MODELS: tuple[str, ...] = tuple(m.name for m in MODELS.values() if not m.dense)
WIDTHS: tuple[int, ...] = (12, 14, 16, 18, 20)
ALPHAS: tuple[float, ...] = (1.0, 0.5, 0.25, 0.1)
#: rt's training part (the rest is held out), and the share of it kept for validation.
TRAIN_N = 10_000
VALIDATION_SHARE = 0.2


@dataclass(frozen=True)
class Cell:
    """One setting of one model, scored on the validation part."""

    model: str
    bits: int
    alpha: float
    mirror: float
    float_: float


@dataclass(kw_only=True, frozen=True)
class Choice:
    """A model's chosen setting, then scored once on the held-out part."""

    model: str
    bits: int
    alpha: float
    validation: float
    test: float
    #: The float family member at its own best validation setting, on the same test part.
    float_best: float
    float_bits: int
    float_alpha: float
    baseline: float

    @property
    def gap_points(self) -> float:
        return 100 * (self.float_best - self.test)


@dataclass
class Sweep:
    cells: list[Cell]
    choices: list[Choice]
    #: Majority-class accuracy on the validation part.
    baseline: float

    def as_json(self) -> dict:
        return {
            "cells": [asdict(c) for c in self.cells],
            "choices": [asdict(c) for c in self.choices],
            "validation_baseline": self.baseline,
        }


def _alphas(model: str) -> tuple[float, ...]:
    return ALPHAS if model == "naive_bayes" else (1.0,)


def _mirror(model, bits, alpha, train, test) -> float:
    """Accuracy of ``model``'s integer mirror trained on ``train``, tested on ``test`` (each a
    (rows, labels) pair, rows encoded at ``bits``)."""
    (tr_rows, tr_y), (te_rows, te_y) = train, test
    ref = model_spec(model).pretrain(
        Encoder(n_features=2**bits), tr_rows, tr_y, 2, Params(1, alpha)
    )
    return float(np.mean(np.asarray([ref.predict(x) for x in te_rows]) == np.asarray(te_y)))


def _float(model, bits, alpha, train, test) -> float:
    """The same for ``model``'s float scikit-learn family member."""
    (tr_rows, tr_y), (te_rows, te_y) = train, test
    X_tr, X_te = indices_to_csr(tr_rows, 2**bits), indices_to_csr(te_rows, 2**bits)
    pred = float_fit_predict(model, X_tr, tr_y, X_test=X_te, n_classes=2, alpha=alpha)
    return float(np.mean(pred == np.asarray(te_y)))


def _held_out(score, cell: Cell, encoded, train_n: int) -> float:
    """``score`` at ``cell``'s setting, trained on the whole training part, on the held-out rest."""
    rows, labels = encoded[cell.bits]
    train, test = (rows[:train_n], labels[:train_n]), (rows[train_n:], labels[train_n:])
    return score(cell.model, cell.bits, cell.alpha, train, test)


def _best(cells: Sequence[Cell], key: Callable[[Cell], float]) -> Cell:
    return max(cells, key=lambda c: (round(key(c), 9), -c.bits, c.alpha))


def sweep(
    dataset: str = "rt",
    models: Sequence[str] = TEXT_MODELS,
    widths: Sequence[int] = WIDTHS,
    train_n: int = TRAIN_N,
    on_cell: Callable[[Cell], None] | None = None,
) -> Sweep:
    """Every cell of the sweep, and each model's choice scored on the held-out part."""
    samples = datasets.load(dataset)
    if len(samples) <= train_n:
        raise InputError(f"{dataset} has {len(samples)} samples; the sweep trains on {train_n}")
    cut = int(train_n * (1 - VALIDATION_SHARE))
    encoded = {}
    for bits in widths:
        data = encode_samples(samples, Encoder(n_features=2**bits))
        encoded[bits] = (data.rows, data.labels)
    cells: list[Cell] = []
    for model in models:
        for bits in widths:
            rows, labels = encoded[bits]
            fit = (rows[:cut], labels[:cut])
            val = (rows[cut:train_n], labels[cut:train_n])
            for alpha in _alphas(model):
                args = (model, bits, alpha, fit, val)
                cell = Cell(model, bits, alpha, _mirror(*args), _float(*args))
                cells.append(cell)
                if on_cell:
                    on_cell(cell)
    choices = []
    for model in models:
        mine = [c for c in cells if c.model == model]
        pick = _best(mine, lambda c: c.mirror)
        fpick = _best(mine, lambda c: c.float_)

        test_mirror = _held_out(_mirror, pick, encoded, train_n)
        test_float = _held_out(_float, fpick, encoded, train_n)
        labels = encoded[pick.bits][1]
        choices.append(
            Choice(
                model=model,
                bits=pick.bits,
                alpha=pick.alpha,
                validation=pick.mirror,
                test=test_mirror,
                float_best=test_float,
                float_bits=fpick.bits,
                float_alpha=fpick.alpha,
                baseline=majority(labels[train_n:]),
            )
        )
    labels = encoded[widths[0]][1]
    return Sweep(cells, choices, majority(labels[cut:train_n]))


def cells_table(cells: Sequence[Cell], baseline: float) -> str:
    """Validation accuracy of every setting (mirror / float), as Markdown."""
    lines = [
        f"Validation accuracy, integer mirror / float scikit-learn (majority {baseline:.1%}):",
        "",
        "| model | width | alpha | mirror | float |",
        "|---|---|---|---|---|",
    ]
    for c in cells:
        alpha = f"{c.alpha:g}" if c.model == "naive_bayes" else "-"
        lines.append(f"| {c.model} | 2^{c.bits} | {alpha} | {c.mirror:.1%} | {c.float_:.1%} |")
    return "\n".join(lines)


def choices_table(choices: Sequence[Choice]) -> str:
    """Each model's choice and its held-out accuracy, beside its family's best and the baseline."""
    lines = [
        "| model | chosen | validation | held-out | float family best (setting) | majority |",
        "|---|---|---|---|---|---|",
    ]
    for c in choices:
        a = f", alpha {c.alpha:g}" if c.model == "naive_bayes" else ""
        fa = f", alpha {c.float_alpha:g}" if c.model == "naive_bayes" else ""
        lines.append(
            f"| {c.model} | 2^{c.bits}{a} | {c.validation:.1%} | {c.test:.1%} | "
            f"{c.float_best:.1%} (2^{c.float_bits}{fa}) | {c.baseline:.1%} |"
        )
    return "\n".join(lines)
