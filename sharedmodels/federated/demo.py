"""``ape run federated demo``: ten clients with non-IID shards of digits, two of them
poisoning, on a local chain. The same rounds under weighted FedAvg and the trimmed mean (with
the poisoners), the trimmed mean without them, and the same model trained centrally; then the
trimmed mean under differential privacy at several epsilons (on the integer mirror, whose
rounds the chain runs equal step for step: ``tests/chain/test_federated*.py``). Plots and a
summary under ``--out``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sharedmodels.encoding.features import FIXED_POINT_SCALE as SCALE
from sharedmodels.errors import SharedModelsError
from sharedmodels.federated.client import (
    N_CLASSES,
    N_FEATURES,
    Client,
    Privacy,
    Split,
    accuracy,
    central_accuracies,
    digits,
    dirichlet_shards,
)
from sharedmodels.federated.driver import (
    aggregate,
    check_history,
    commit_update,
    conservation,
    deploy_task,
    reveal_update,
)
from sharedmodels.federated.rules import RULE_FEDAVG, RULE_TRIMMED_MEAN, TaskMirror, Terms
from sharedmodels.rpc.mining import move_clock
from sharedmodels.units import ETH


@dataclass(kw_only=True)
class FederatedDemoConfig:
    clients: int = 10
    poisoners: int = 2
    rounds: int = 10
    epochs: int = 2
    alpha: float = 1.0
    clip: float = 3.0
    trim: int = 2
    min_agreement: int = 100
    budget: int = 24
    seed: int = 0
    epsilons: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0)
    pool: int = ETH
    stake: int = ETH // 100

    def terms(self, rule: int) -> Terms:
        return Terms(
            n_features=N_FEATURES,
            n_classes=N_CLASSES,
            rounds=self.rounds,
            commit_window=3600,
            reveal_window=3600,
            min_participants=2 * self.trim + 1 if rule else 1,
            max_participants=self.clients,
            stake=self.stake,
            clip=int(self.clip * SCALE),
            max_samples=10_000,
            rule=rule,
            trim=self.trim if rule else 0,
            min_agreement=self.min_agreement,
        )


@dataclass(kw_only=True)
class RunResult:
    label: str
    accuracies: list[float]
    paid: dict[str, int] = field(default_factory=dict)
    step_gas: list[int] = field(default_factory=list)
    reveal_gas: list[int] = field(default_factory=list)
    conservation: bool = True
    history_ok: bool = True


def make_clients(
    cfg: FederatedDemoConfig, split: Split, poisoned: bool, epsilon: float | None = None
):
    shards = dirichlet_shards(split.y_train, cfg.clients, cfg.alpha, cfg.seed)
    out = []
    for i, idx in enumerate(shards):
        kind = "honest"
        if poisoned and i < cfg.poisoners:
            kind = "flip" if i % 2 == 0 else "scale"
        privacy = Privacy(epsilon) if epsilon is not None else None
        out.append(Client(f"client{i}", split.X_train[idx], split.y_train[idx], kind, privacy))
    return out


def run_mirror(
    cfg: FederatedDemoConfig, terms: Terms, clients: list[Client], split: Split, label: str
):
    mirror = TaskMirror.open(terms, cfg.pool)
    for c in clients:
        mirror.join(c.name)
    accs = []
    for r in range(terms.rounds):
        for c in clients:
            samples, u = c.update(mirror.params, terms, r, cfg.epochs, cfg.seed)
            mirror.commit(c.name)
            mirror.reveal(c.name, samples, u)
        mirror.close_round()
        accs.append(accuracy(mirror.params, split.X_test, split.y_test, N_FEATURES))
    return RunResult(label=label, accuracies=accs, paid=dict(mirror.balances)), mirror


def run_chain(
    cfg: FederatedDemoConfig,
    terms: Terms,
    clients: list[Client],
    *,
    split: Split,
    label: str,
    project: Any,
    chain: Any,
    accounts: Any,
    echo: Callable[[str], None],
) -> RunResult:
    """The rounds on chain; every round checked against the mirror fed the same updates."""
    owner, people = accounts[0], [accounts[i + 1] for i in range(len(clients))]
    start = chain.blocks.height
    contract = deploy_task(project.FederatedTask, owner, terms, pool=cfg.pool)
    mirror = TaskMirror.open(terms, cfg.pool)
    for who in people:
        contract.join(sender=who, value=terms.stake)
        mirror.join(str(who.address))
    res = RunResult(label=label, accuracies=[])
    for r in range(terms.rounds):
        params = [int(v) for v in contract.parameters()]
        pending = []
        for c, who in zip(clients, people, strict=True):
            samples, u = c.update(params, terms, r, cfg.epochs, cfg.seed)
            pending.append(commit_update(contract, who, r, samples=samples, update=u, terms=terms))
            mirror.commit(str(who.address))
        c_end, d_end = (int(v) for v in contract.deadlines())
        move_clock(chain.provider, c_end, "the federated demo")
        for p, who in zip(pending, people, strict=True):
            tx = reveal_update(contract, who, p)
            res.reveal_gas.append(int(tx.gas_used))
            mirror.reveal(str(who.address), p.samples, p.update)
        move_clock(chain.provider, d_end, "the federated demo")
        res.step_gas += aggregate(contract, owner, cfg.budget)
        mirror.close_round()
        live = [int(v) for v in contract.parameters()]
        if live != mirror.params:
            raise RuntimeError(f"{label}: round {r}: the chain's model differs from the mirror")
        ok, sheet = conservation(contract)
        res.conservation &= ok
        res.accuracies.append(accuracy(live, split.X_test, split.y_test, N_FEATURES))
        echo(f"  {label}: round {r + 1}/{terms.rounds}: accuracy {res.accuracies[-1]:.3f}")
    # the chain's free predict agrees with the accuracy computed off chain
    for x, _ in zip(split.X_test[:5], range(5), strict=False):
        xi = [int(round(v * SCALE)) for v in x]
        want = int(
            max(
                range(N_CLASSES),
                key=lambda k: (
                    sum(live[k * (N_FEATURES + 1) + j] * xi[j] for j in range(N_FEATURES))
                    + live[k * (N_FEATURES + 1) + N_FEATURES] * SCALE,
                    -k,
                ),
            )
        )
        if int(contract.predict(xi)) != want:
            raise RuntimeError(f"{label}: predict differs from the parameters' argmax")
    for who in people:
        before = int(contract.participants(who).earned)
        res.paid[str(who.address)] = before
        contract.withdraw(sender=who)
    if int(contract.pool()):
        contract.withdraw(sender=owner)
    ok, sheet = conservation(contract)
    res.conservation &= ok and sheet["balance"] == 0
    res.conservation &= sheet["withdrawn"] == cfg.pool + len(people) * terms.stake
    res.history_ok = check_history(contract, start) == []
    return res


def plot(results: list[RunResult], central: list[float], eps_rows, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for res in results:
        ax.plot(range(1, len(res.accuracies) + 1), res.accuracies, marker="o", label=res.label)
    ax.plot(range(1, len(central) + 1), central, "k--", label="central (same model, all data)")
    ax.set_xlabel("round")
    ax.set_ylabel("test accuracy")
    ax.set_title("Federated digits, 10 clients (2 poisoning), on chain")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    rounds_png = folder / "accuracy_per_round.png"
    fig.tight_layout()
    fig.savefig(rounds_png, dpi=120)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 4))
    xs = [e for e, _, _ in eps_rows]
    ax.semilogx(xs, [a for _, a, _ in eps_rows], marker="o", label="trimmed mean, 2 poisoners")
    if results:
        ax.axhline(results[1].accuracies[-1], color="gray", ls=":", label="no noise")
    ax.set_xlabel("epsilon per round per client (delta = 1e-5)")
    ax.set_ylabel("final test accuracy")
    ax.set_title("Accuracy vs differential privacy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    eps_png = folder / "accuracy_vs_epsilon.png"
    fig.tight_layout()
    fig.savefig(eps_png, dpi=120)
    plt.close(fig)
    return [rounds_png, eps_png]


#: What a demo participant needs at the least (the owner's pools, stakes and gas): 10 ETH.
FUNDED = 10 * ETH


def participants(test_accounts: Any, n: int, funded: int = FUNDED) -> list[Any]:
    """``n`` test accounts holding at least ``funded`` wei each: the node's own that still do
    (one emptied in an earlier session is passed over), then fresh ones funded from the
    richest. NotFunded (one line) when even the richest cannot fund the rest."""
    own = [test_accounts[i] for i in range(len(test_accounts))]
    out = [a for a in own if int(a.balance) >= funded][:n]
    if len(out) < n:
        richest = max(own, key=lambda a: int(a.balance))
        need = (n - len(out)) * funded + (funded if richest not in out else 0)
        if int(richest.balance) < need + funded // 10:
            raise NotFunded(
                f"the demo needs {n} accounts with {funded // ETH} ETH each; the node's test "
                f"accounts hold too little (the richest, {richest.address}, has "
                f"{int(richest.balance) / ETH:.2f} ETH): restart the node (make node)"
            )
        while len(out) < n:
            extra = test_accounts.generate_test_account()
            richest.transfer(extra, funded)
            out.append(extra)
    return out


class NotFunded(SharedModelsError):
    """The node's test accounts cannot fund the demo's participants."""


def run_demo(cfg: FederatedDemoConfig, out: Path, echo: Callable[[str], None]) -> dict:
    from ape import accounts, chain, project

    t0 = time.monotonic()
    split = digits(cfg.seed)
    robust, fedavg = cfg.terms(RULE_TRIMMED_MEAN), cfg.terms(RULE_FEDAVG)
    people = participants(accounts.test_accounts, cfg.clients + 1)
    results = []
    for label, terms, poisoned in (
        ("FedAvg, 2 poisoners", fedavg, True),
        ("trimmed mean, 2 poisoners", robust, True),
        ("trimmed mean, no poisoners", robust, False),
    ):
        echo(f"{label} ({terms.rounds} rounds on chain)")
        clients = make_clients(cfg, split, poisoned)
        results.append(
            run_chain(
                cfg,
                terms,
                clients,
                split=split,
                label=label,
                project=project,
                chain=chain,
                accounts=people,
                echo=echo,
            )
        )
    central = central_accuracies(split, cfg.rounds, cfg.epochs, cfg.seed)
    eps_rows = []
    for eps in cfg.epsilons:
        clients = make_clients(cfg, split, True, epsilon=eps)
        res, _ = run_mirror(cfg, robust, clients, split, f"eps {eps}")
        spent = clients[-1].privacy.spent()
        eps_rows.append((eps, res.accuracies[-1], spent))
        echo(
            f"  epsilon {eps:g} per round: final accuracy {res.accuracies[-1]:.3f}, "
            f"privacy spent by each client over {cfg.rounds} rounds: "
            f"epsilon {spent[0]:g}, delta {spent[1]:.0e}"
        )
    pngs = plot(results, central, eps_rows, out)
    fed, rob, clean = results
    poisoners = [str(people[i + 1].address) for i in range(cfg.poisoners)]
    summary = {
        "config": {k: v for k, v in asdict(cfg).items()},
        "final_accuracy": {
            "fedavg_poisoned": fed.accuracies[-1],
            "trimmed_mean_poisoned": rob.accuracies[-1],
            "trimmed_mean_clean": clean.accuracies[-1],
            "central": central[-1],
        },
        "per_round": {r.label: r.accuracies for r in results} | {"central": central},
        "epsilon": [{"epsilon": e, "accuracy": a, "spent": s} for e, a, s in eps_rows],
        "poisoners_paid_trimmed_mean": sum(rob.paid.get(p, 0) for p in poisoners),
        "poisoners_paid_fedavg": sum(fed.paid.get(p, 0) for p in poisoners),
        "max_step_gas": max(max(r.step_gas) for r in results),
        "max_reveal_gas": max(max(r.reveal_gas) for r in results),
        "conservation": all(r.conservation for r in results),
        "history": all(r.history_ok for r in results),
        "seconds": round(time.monotonic() - t0, 1),
        "plots": [str(p) for p in pngs],
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary


def summary_lines(summary: dict) -> list[str]:
    """What ``ape run federated demo`` prints of ``run_demo``'s summary: the final accuracies,
    the robust rule's loss to the poisoners, what the poisoners were paid, the heaviest gas,
    the history and conservation checks and the plots."""
    f = summary["final_accuracy"]
    gap = 100 * (f["trimmed_mean_clean"] - f["trimmed_mean_poisoned"])
    return [
        f"final accuracy, trimmed mean with 2 poisoners: {f['trimmed_mean_poisoned']:.3f}",
        f"final accuracy, trimmed mean without poisoners: {f['trimmed_mean_clean']:.3f}",
        f"final accuracy, FedAvg with 2 poisoners: {f['fedavg_poisoned']:.3f}",
        f"final accuracy, central training: {f['central']:.3f}",
        f"robust rule's loss to the poisoners: {gap:.1f} points",
        f"poisoners paid: trimmed mean {summary['poisoners_paid_trimmed_mean'] / ETH:.4f} ETH, "
        f"FedAvg {summary['poisoners_paid_fedavg'] / ETH:.4f} ETH",
        f"most gas: step {summary['max_step_gas']:,}, reveal {summary['max_reveal_gas']:,}",
        f"history: {'ok' if summary['history'] else 'MISMATCH'}",
        f"conservation: {'ok' if summary['conservation'] else 'BROKEN'}",
        f"plots: {', '.join(summary['plots'])} ({summary['seconds']} s)",
    ]
