"""The local side of a federated task: a participant's shard, local training with
scikit-learn from the current global parameters, clipping, optional differential privacy with
diffprivlib, and the integer update the chain takes.

The data: scikit-learn's digits (8x8 images, 64 features scaled to [0, 1], 10 classes), split
into a test set and non-IID client shards by a Dirichlet label skew: for every class, the
shares of the clients are drawn from Dirichlet(alpha) (small alpha: each client holds few
classes).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sharedmodels.encoding.features import FIXED_POINT_SCALE as SCALE
from sharedmodels.federated.rules import Terms, norm2

#: delta of the Gaussian mechanism (per round, per client).
DELTA = 1e-5
N_FEATURES = 64
N_CLASSES = 10


@dataclass
class Split:
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def digits(seed: int = 0, test_size: float = 0.3) -> Split:
    """scikit-learn's digits, pixel values / 16, stratified train/test split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y)
    return Split(Xtr, ytr, Xte, yte)


def dirichlet_shards(y: np.ndarray, n_clients: int, alpha: float, seed: int) -> list[np.ndarray]:
    """Indices of each client's shard: every class split among the clients by
    Dirichlet(alpha) proportions (non-IID label skew)."""
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in range(n_clients)]
    for k in np.unique(y):
        ids = np.flatnonzero(y == k)
        rng.shuffle(ids)
        shares = rng.dirichlet([alpha] * n_clients)
        cuts = (np.cumsum(shares) * len(ids)).astype(int)[:-1]
        for i, part in enumerate(np.split(ids, cuts)):
            parts[i].extend(part.tolist())
    return [np.array(sorted(p), dtype=int) for p in parts]


def to_float(params: Sequence[int], n_features: int, n_classes: int):
    """(W, b): the class-by-class parameter vector as scikit-learn's coef_ and intercept_."""
    m = np.asarray([int(v) for v in params], dtype=np.float64).reshape(n_classes, n_features + 1)
    m /= SCALE
    return m[:, :n_features].copy(), m[:, n_features].copy()


def accuracy(params: Sequence[int], X: np.ndarray, y: np.ndarray, n_features: int) -> float:
    """Test accuracy of integer parameters (scores in floats: ties aside, the chain's
    ``predict``; the demo checks some against the chain)."""
    n_classes = len(params) // (n_features + 1)
    W, b = to_float(params, n_features, n_classes)
    return float(((X @ W.T + b).argmax(axis=1) == y).mean())


def local_change(
    params: Sequence[int],
    X: np.ndarray,
    y: np.ndarray,
    *,
    n_features: int,
    n_classes: int,
    epochs: int = 2,
    eta0: float = 0.05,
    seed: int = 0,
) -> np.ndarray:
    """Train scikit-learn's ``SGDClassifier`` (hinge loss, one-vs-rest, constant rate
    ``eta0``) by ``partial_fit`` from the global parameters for ``epochs`` passes over the
    shard; the change of the flat parameter vector, in real units."""
    from sklearn.linear_model import SGDClassifier

    W, b = to_float(params, n_features, n_classes)
    clf = SGDClassifier(
        loss="hinge", learning_rate="constant", eta0=eta0, alpha=1e-4, random_state=seed
    )
    clf.partial_fit(X[:1], y[:1], classes=np.arange(n_classes))
    clf.coef_, clf.intercept_ = W.copy(), b.copy()
    for _ in range(epochs):
        clf.partial_fit(X, y)
    dW, db = clf.coef_ - W, clf.intercept_ - b
    return np.concatenate([dW, db[:, None]], axis=1).ravel()


def clipped(u: np.ndarray, bound: float) -> np.ndarray:
    n = float(np.linalg.norm(u))
    return u * (bound / n) if n > bound else u


@dataclass
class Privacy:
    """Client-level (epsilon, delta) differential privacy of each round's update, by the
    Gaussian mechanism on the clipped update (diffprivlib's ``GaussianAnalytic``, L2
    sensitivity 2 x clip: replacing the client's whole shard moves a clipped update by at most
    twice the bound), then clipped again (post-processing). ``accountant`` adds the rounds up
    (diffprivlib's ``BudgetAccountant``: sequential composition)."""

    epsilon: float
    delta: float = DELTA
    accountant: object = field(default=None)

    def __post_init__(self) -> None:
        from diffprivlib import BudgetAccountant

        if self.accountant is None:
            self.accountant = BudgetAccountant()

    def noisy(self, u: np.ndarray, bound: float, seed: int) -> np.ndarray:
        from diffprivlib.mechanisms import GaussianAnalytic

        # The analytic calibration searches over exp() of large arguments at large epsilons;
        # numpy's overflow there (inf, then inf * 0) is part of the search and changes nothing
        # it returns, but printed some 800 warnings per demo.
        with np.errstate(over="ignore", invalid="ignore"):
            mech = GaussianAnalytic(
                epsilon=self.epsilon, delta=self.delta, sensitivity=2 * bound, random_state=seed
            )
        out = np.array([mech.randomise(float(v)) for v in u])
        self.accountant.spend(self.epsilon, self.delta)
        return clipped(out, bound)

    def spent(self) -> tuple[float, float]:
        eps, delta = self.accountant.total()
        return float(eps), float(delta)


def to_update(u: np.ndarray, terms: Terms) -> list[int]:
    """The real-valued change as the chain's int64 update, within the clip bound."""
    out = [int(round(float(v) * SCALE)) for v in u]
    while norm2(out) > terms.clip**2:  # rounding can cross the bound by a hair
        out = [int(v * 0.999999) for v in out]
    return out


@dataclass
class Client:
    """One participant: its shard and how it behaves ("honest", "flip": trains on flipped
    labels, "scale": sends its change reversed and blown up to the clip bound, claiming the
    most samples)."""

    name: str
    X: np.ndarray
    y: np.ndarray
    kind: str = "honest"
    privacy: Privacy | None = None

    def update(
        self, params: Sequence[int], terms: Terms, round_: int, epochs: int = 2, seed: int = 0
    ) -> tuple[int, list[int]]:
        """(samples, update) for this round, trained from ``params``."""
        y = terms.n_classes - 1 - self.y if self.kind == "flip" else self.y
        s = seed * 1_000_003 + round_ * 101 + zlib.crc32(self.name.encode()) % 97
        u = local_change(
            params,
            self.X,
            y,
            n_features=terms.n_features,
            n_classes=terms.n_classes,
            epochs=epochs,
            seed=s,
        )
        bound = terms.clip / SCALE
        samples = len(self.y)
        if self.kind == "scale":
            u = -100.0 * u
            samples = terms.max_samples
        u = clipped(u, bound)
        if self.privacy is not None:
            u = self.privacy.noisy(u, bound, s)
        return samples, to_update(u, terms)


def central_accuracies(split: Split, rounds: int, epochs: int, seed: int = 0) -> list[float]:
    """The same model trained centrally on all training data: accuracy after each round's
    worth of passes (``epochs`` per round, as each client makes)."""
    from sklearn.linear_model import SGDClassifier

    clf = SGDClassifier(
        loss="hinge", learning_rate="constant", eta0=0.05, alpha=1e-4, random_state=seed
    )
    out = []
    rng = np.random.default_rng(seed)
    for _ in range(rounds):
        for _ in range(epochs):
            order = rng.permutation(len(split.y_train))
            clf.partial_fit(split.X_train[order], split.y_train[order], classes=np.arange(10))
        out.append(float(clf.score(split.X_test, split.y_test)))
    return out
