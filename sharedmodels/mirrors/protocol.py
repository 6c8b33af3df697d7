"""The one interface every mirror implements, so generic code (parity checks, simulations,
the model registry) treats a model's Python twin without knowing which model it is.

A mirror repeats its contract's arithmetic (or, for the sparse Perceptron's scikit-learn
reference, reproduces it bit for bit): ``predict`` is the contract's ``predict``, and ``update``
is one training step, answering what the contract's ``ModelTrained`` event logs — the
prediction before the step and whether the step changed the model's state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol, runtime_checkable


class Step(NamedTuple):
    """What one training step reports (the fields of the contracts' ``ModelTrained`` event)."""

    prediction: int  # the class predicted before the step
    changed: bool  # whether the step changed the model (a Perceptron that agreed did not)


@runtime_checkable
class Mirror(Protocol):
    """A model's Python twin: same predictions and same state as its contract, step for step."""

    @property
    def n_classes(self) -> int: ...

    def predict(self, x: Sequence[int]) -> int: ...

    def update(self, x: Sequence[int], y: int) -> Step: ...


@runtime_checkable
class LeaveOneOutMirror(Mirror, Protocol):
    """A mirror of a model whose trainers offer leave-one-out judging."""

    def predict_without(self, x: Sequence[int], y: int) -> int: ...
