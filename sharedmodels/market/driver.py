"""Driving a ``PredictionMarket`` contract from Python: deploy, reveal, run the reward pass,
read the balance sheet. Used by ``ape run market``, its demo and the tests.

The provider's secrets (``sharedmodels.market``) stay in a file; nothing here writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sharedmodels.encoding.features import Encoder
from sharedmodels.market.rules import (
    WORK_RATE,
    Contribution,
    MarketError,
    ProviderSecrets,
    new_salt,
    sample_commitment,
    worst_work,
)
from sharedmodels.rpc.deployments import perceptron_args, upload_state
from sharedmodels.rpc.reads import RPC, create_address, revert_reason

PHASES = ("committed", "open", "reveal", "reward", "done", "cancelled", "expired")
STAGES = ("initial accuracy", "train", "evaluate", "scan", "apply")
#: Work units per ``step`` by default; a unit is about one cold storage access (2,100 gas).
DEFAULT_BUDGET = 2048


@dataclass(kw_only=True, frozen=True)
class Terms:
    """The market's rules besides the bounty and the commitments (seconds, wei and counts),
    in the contract's ``Terms`` order. ``reward_window`` 0 means: the contract's minimum for
    the worst case these caps allow, and at least a week."""

    min_stake: int
    min_duration: int = 3600
    reveal_window: int = 86400
    max_contributions: int = 500
    max_features: int = 64
    max_contributors: int = 16
    reward_window: int = 0

    def max_work(self, test_size: int) -> int:
        """What the contract's ``max_work`` will be for a test set of ``test_size``."""
        return worst_work(
            test_size, self.max_contributions, self.max_features, self.max_contributors
        )

    def min_reward_window(self, test_size: int) -> int:
        return -(-self.max_work(test_size) // WORK_RATE)

    def args(self, test_size: int) -> tuple[int, ...]:
        """The contract's ``Terms`` struct for a test set of ``test_size`` samples."""
        window = self.reward_window or max(self.min_reward_window(test_size), 7 * 86400)
        return (
            self.min_stake,
            self.min_duration,
            self.reveal_window,
            self.max_contributions,
            self.max_features,
            self.max_contributors,
            window,
        )


def deploy_market(
    container: Any,
    sender: Any,
    secrets: ProviderSecrets,
    *,
    bounty: int,
    terms: Terms,
    encoder: Encoder,
    eta: int = 1,
    class_names: Sequence[str] = ("neg", "pos"),
    weights: dict[int, int] | None = None,
    intercept: int = 0,
) -> Any:
    """Deploy with the bounty and the commitments, then upload the initial model if any. The
    commitments name the market's address (``sender``'s next contract creation) and chain:
    unbound secrets are bound here; secrets bound to another address are refused."""
    from ape import chain

    secrets.bind(create_address(str(sender.address), int(sender.nonce)), int(chain.chain_id))
    test_size = sum(len(p) for p in secrets.pieces)
    args = (
        *perceptron_args(encoder, eta, class_names),
        secrets.commitments,
        test_size,
        terms.args(test_size),
    )
    _check_deployment(container, sender, args, bounty)
    contract = container.deploy(*args, sender=sender, value=bounty)
    if weights or intercept:
        upload_state(contract, sender, weights or {}, intercept)
    return contract


def _dry_run(sender: str, to: str | None, data: bytes, value: int) -> str | None:
    """Why this transaction would fail (``reads.revert_reason``), or None. A provider
    without an HTTP endpoint (IPC) is asked through Ape's web3 instead, for its message."""
    try:
        rpc = RPC()
    except (RuntimeError, AttributeError):  # no HTTP endpoint
        from ape import chain

        tx = {"from": sender, "data": "0x" + bytes(data).hex(), "value": value}
        if to is not None:
            tx["to"] = to
        try:
            chain.provider.web3.eth.call(tx)
        except Exception as exc:  # web3's error types vary with the failure
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return text.strip("('\")").removeprefix("execution reverted: ") or "reverted"
        return None
    return revert_reason(rpc, sender, to=to, data=data, value=value)


def _check_deployment(container: Any, sender: Any, args: tuple, value: int) -> None:
    """The deployment as an ``eth_call`` first: a constructor that would revert (or a bounty
    the sender cannot pay) raises ``MarketError`` with the reason, and nothing is sent."""
    constructor = container.constructor
    converted = container.conversion_manager.convert_method_args(constructor.abi, args)
    data = bytes(constructor.deployment_bytecode) + bytes(constructor.encode_input(*converted))
    reason = _dry_run(str(sender.address), None, data, value)
    if reason is not None:
        raise MarketError(_explained(reason, sender, value))


def check(method: Any, *args: Any, sender: Any, value: int = 0) -> None:
    """Run ``method(*args)`` as an ``eth_call`` from ``sender``: if it would revert (a call in
    the wrong phase, too early, by the wrong account), raise ``MarketError`` with the
    contract's revert reason. Costs nothing and, unlike Ape's call, prints nothing
    (ape-foundry shows a call trace for a reverted call)."""
    data = method.encode_input(*args)
    reason = _dry_run(str(sender.address), str(method.contract.address), data, value)
    if reason is not None:
        raise MarketError(_explained(reason, sender, value))


def send(method: Any, *args: Any, sender: Any, value: int = 0) -> Any:
    """``method(*args)`` as a transaction, after ``check``: one that would revert raises
    ``MarketError`` with the contract's reason, and nothing is sent, mined or paid for. (On a
    local network Ape sends without estimating gas first, so a reverting call would be mined.)"""
    check(method, *args, sender=sender, value=value)
    return method(*args, sender=sender, value=value)


def _explained(reason: str, sender: Any, value: int) -> str:
    """The node's terse "insufficient funds" with the figures a user needs."""
    if "insufficient funds" not in reason.lower():
        return reason
    from sharedmodels.units import ether

    return (
        f"insufficient funds: {sender.address} has {ether(int(sender.balance))}, "
        f"and this needs {ether(value)} plus gas"
    )


def phase(contract: Any) -> str:
    return PHASES[contract.phase()]


def first_piece(contract: Any, chain: Any) -> int:
    """The piece the first ``reveal`` must open: ``blockhash(seed_block) % K``, as the contract
    draws it. Raises ``MarketError`` while the seed block is not mined or out of reach."""
    if contract.drawn():
        return int(contract.first_piece())
    seed = int(contract.seed_block())
    head = chain.blocks.head.number
    if head < seed:
        raise MarketError(f"seed block {seed} is not mined yet (head {head}); wait or mine")
    if head + 1 > seed + 256:
        raise MarketError(
            "the draw is lost: nobody recorded it within 256 blocks of the seed block, so this "
            "market can never open"
        )
    block_hash = bytes(chain.blocks[seed].hash)
    return int.from_bytes(block_hash, "big") % int(contract.n_pieces())


def reveal_first(contract: Any, sender: Any, secrets: ProviderSecrets, chain: Any) -> int:
    """Reveal the drawn piece, which opens participation. Returns its index."""
    i = first_piece(contract, chain)
    salt, piece = secrets.reveal(i)
    send(contract.reveal, i, salt, _samples(piece), sender=sender)
    return i


def window_over(contract: Any) -> int:
    """The first second at which the provider may reveal the other pieces: after ``end``,
    contributors have ``SAMPLE_WINDOW`` seconds to reveal their commitments (and none before
    ``end``)."""
    return int(contract.end_time()) + int(contract.SAMPLE_WINDOW()) + 1


def reveal_rest(contract: Any, sender: Any, secrets: ProviderSecrets) -> list[int]:
    """Reveal every piece not yet revealed, in index order. Returns the gas of each. The first
    is checked with an ``eth_call`` first (``send``): in the wrong phase nothing is sent. Before
    participation opens this refuses too (the contract would take the drawn piece as the
    opening reveal: that is ``reveal_first``)."""
    if phase(contract) == "committed":
        raise MarketError(
            "market: not in a reveal phase (participation has not opened: reveal-init first)"
        )
    gas = []
    for i in range(len(secrets.pieces)):
        if contract.revealed(i):
            continue
        salt, piece = secrets.reveal(i)
        reveal = send if not gas else _unchecked
        gas.append(int(reveal(contract.reveal, i, salt, _samples(piece), sender=sender).gas_used))
    return gas


@dataclass
class Participation:
    """One sample sent in two transactions: its commitment while participation is open, then
    its reveal after ``end`` (``reveal`` stays None until ``reveal_participation``)."""

    id: int
    salt: bytes
    commit: Any
    reveal: Any
    sender: Any = None
    x: tuple[int, ...] = ()
    y: int = 0

    @property
    def gas(self) -> int:
        """Gas of the commitment, plus the reveal's once it is sent."""
        revealed = 0 if self.reveal is None else int(self.reveal.gas_used)
        return int(self.commit.gas_used) + revealed


def commitment_of(contract: Any, sender: Any, salt: bytes, x: Sequence[int], y: int) -> bytes:
    """The hash ``commit`` takes for ``(x, y)`` sent by ``sender`` to ``contract``."""
    from ape import chain

    return sample_commitment(
        str(contract.address), chain.chain_id, str(sender.address), salt=salt, x=x, y=y
    )


def commit_sample(
    contract: Any,
    sender: Any,
    x: Sequence[int],
    *,
    y: int,
    stake: int,
    salt: bytes | None = None,
    checked: bool = True,
) -> tuple[int, bytes, Any]:
    """``commit`` the hash of ``(x, y)`` with ``stake``, sending the market's slot fee with it
    (``stake + slot_fee`` wei): returns (contribution id, the salt to reveal with, the
    receipt). With ``checked`` a call that would revert raises ``MarketError`` and nothing is
    sent."""
    salt = new_salt() if salt is None else salt
    h = commitment_of(contract, sender, salt, x, y)
    value = stake + int(contract.slot_fee())
    receipt = (send if checked else _unchecked)(contract.commit, h, sender=sender, value=value)
    (log,) = receipt.decode_logs(contract.Committed)
    return int(log.id), salt, receipt


def participate(
    contract: Any, sender: Any, x: Sequence[int], *, y: int, stake: int, checked: bool = True
) -> Participation:
    """Commit to ``(x, y)``; the sample stays sealed until ``end`` (the contract refuses any
    reveal before it): keep the returned ``Participation`` and pass it to
    ``reveal_participation`` once participation has ended. With ``checked``, a sample the
    reveal would refuse raises ``MarketError`` before anything is sent (the reveal cannot be
    tried as an ``eth_call`` before its commitment is mined)."""
    if checked:
        check_sample(contract, x, y)
    k, salt, committed = commit_sample(contract, sender, x, y=y, stake=stake, checked=checked)
    return Participation(k, salt, committed, None, sender, tuple(x), y)


def reveal_participation(contract: Any, sent: Participation, checked: bool = False) -> Any:
    """Reveal a commitment made by ``participate``, after ``end`` and within the sample window;
    records and returns the receipt. With ``checked`` a reveal that would revert raises
    ``MarketError`` and nothing is sent."""
    reveal = send if checked else _unchecked
    sent.reveal = reveal(
        contract.reveal_sample, sent.salt, list(sent.x), sent.y, sender=sent.sender
    )
    return sent.reveal


def reveal_all(contract: Any, pending: Sequence[Participation]) -> list[Any]:
    """Reveal every commitment of ``pending`` not revealed yet, in order (after ``end``)."""
    return [reveal_participation(contract, p) for p in pending if p.reveal is None]


def check_sample(contract: Any, x: Sequence[int], y: int) -> None:
    """The contract's checks of a revealed sample, in Python (reasons as the contract's)."""
    from sharedmodels.encoding.features import check_indices

    if y not in (0, 1):
        raise MarketError("market: label out of range")
    try:
        check_indices(list(x), int(contract.n_features()), int(contract.max_features()))
    except ValueError as exc:
        raise MarketError(f"market: {exc}") from None


def _unchecked(method: Any, *args: Any, sender: Any, value: int = 0) -> Any:
    return method(*args, sender=sender, value=value)


def _samples(piece: Sequence[tuple[Sequence[int], int]]) -> list[tuple[list[int], int]]:
    return [(list(x), y) for x, y in piece]


@dataclass
class StepLog:
    """Gas and work of each ``step`` of a reward pass."""

    gas: list[int]

    @property
    def heaviest(self) -> int:
        return max(self.gas, default=0)


def run_rewards(
    contract: Any,
    sender: Any,
    budget: int = DEFAULT_BUDGET,
    on_step: Callable[[Any], None] | None = None,
    limit: int = 100_000,
) -> StepLog:
    """Call ``step(budget)`` until the market is done; ``on_step(progress)`` after each. Outside
    the reward phase: ``MarketError`` with the contract's reason, nothing sent."""
    log = StepLog([])
    while not log.gas or phase(contract) == "reward":
        if len(log.gas) >= limit:
            raise MarketError(f"the reward pass is not done after {limit} steps")
        step = send if not log.gas else _unchecked  # the first tells a wrong phase or sender
        receipt = step(contract.step, budget, sender=sender)
        log.gas.append(int(receipt.gas_used))
        if on_step:
            on_step(contract.progress())
    return log


def test_samples(contract: Any) -> list[tuple[tuple[int, ...], int]]:
    """The revealed test set, in reveal order (what the reward pass evaluates on)."""
    out = []
    for t in range(contract.revealed_samples()):
        s = contract.test_sample(t)
        out.append((tuple(int(v) for v in s.x), int(s.y)))
    return out


def contributions(contract: Any) -> list[Contribution]:
    """Every contribution with its stake, from the ``Committed`` events and storage (an
    unrevealed one has label 2 and no features)."""
    stakes = _stakes(contract)
    out = []
    for k in range(contract.n_contributions()):
        who, sample = contract.contribution(k)
        out.append(
            Contribution(str(who), tuple(int(v) for v in sample.x), int(sample.y), stakes[k])
        )
    return out


def _stakes(contract: Any) -> dict[int, int]:
    return {int(log.id): int(log.stake) for log in contract.Committed}


def contributor_list(contract: Any) -> list[str]:
    return [str(contract.contributors(i)) for i in range(contract.n_contributors())]


def pool_now(contract: Any) -> int:
    """The wei in no balance (after a forfeit: the locked bounty). During a pass's APPLY stage
    the pool settles only at the end of the stage, so its moves are added here."""
    pool = int(contract.pool())
    if contract.phase() != PHASES.index("reward"):
        return pool
    p = contract.progress()
    if p.stage == STAGES.index("apply"):
        return pool + int(p.losses) - int(p.gains)
    return pool


def conservation(contract: Any, chain: Any) -> tuple[bool, dict[str, int]]:
    """bounty + stakes + slot fees in == what the contract holds + what it paid out (keepers'
    gas included), and what it holds == the balances owed + the pool + the locked stakes +
    the work fund (to the wei), as the contract's own counters tell it. Returns (ok, the
    figures). (Tests also check wallets against what they sent: see the tests.)"""
    held = int(chain.provider.get_balance(contract.address))
    owed = sum(int(contract.owed(w)) for w in contributor_list(contract))
    owed += int(contract.provider_balance())
    figures = {
        "bounty": int(contract.bounty()),
        "stakes": int(contract.total_stake()),
        "fees": int(contract.slot_fee()) * int(contract.n_contributions()),
        "work_fund": int(contract.work_fund()),
        "held": held,
        "withdrawn": int(contract.withdrawn()),
        "owed": owed,
        "pool": pool_now(contract),
        # Stakes of commitments never revealed: locked for good.
        "unrevealed": int(contract.total_stake()) - int(contract.revealed_stake()),
    }
    if contract.phase() == PHASES.index("cancelled"):
        ok = held == 0 and figures["withdrawn"] == figures["bounty"]
    else:
        ok = (
            figures["bounty"] + figures["stakes"] + figures["fees"] == held + figures["withdrawn"]
            and held == owed + figures["pool"] + figures["unrevealed"] + figures["work_fund"]
        )
    return ok, figures
