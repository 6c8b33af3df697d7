"""What a batch of contributions will cost under Stake, and a cap the batch never pays above.

The deposit is ``cost_weight * 3600 // isqrt(seconds since the last contribution)``: a batch
sent at once lands within a second (on a real network, in one block), so every sample after the
first pays the largest deposit, ``cost_weight * 3600``. ``contribute`` shows the plan before
sending, caps each deposit (``--max-deposit``, by default the deposit after a quiet minute), and
either refuses a batch that would pay above the cap or paces it (``--pace``: waits until the
deposit has fallen to the cap before each sample). Each sample carries the most it may pay (the
cap, or the largest deposit when the cap is above it) as its value: the contract takes the
deposit and returns the rest, and reverts when the deposit is above what was sent, so the chain
itself enforces the cap. Carrying less (the deposit read before sending) would lose to any other
contribution that lands first in the same block: the deposit then rises to the largest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sharedmodels.errors import SharedModelsError
from sharedmodels.units import ether

#: The default cap is the deposit after this many quiet seconds.
QUIET = 60


#: The contract's reason when a contribution carries less than the deposit it owes.
TOO_LOW = "addData: deposit too low"


class AboveCap(SharedModelsError):
    """The deposit a contribution would pay is above the user's cap."""


def quiet_for(incentive: Any, cap: int) -> int:
    """The fewest quiet seconds after which the deposit is at most ``cap``: the deposit
    ``top // isqrt(t)`` is at most ``cap`` once ``isqrt(t) > top // (cap + 1)``."""
    top = incentive.cost_weight * 3600
    if incentive.kind != "stake" or top <= cap:
        return 1
    return (top // (cap + 1) + 1) ** 2


def eth_up(wei: int) -> str:
    """``wei`` in ETH with 6 decimals, rounded up (a cap given so is never below it)."""
    micro = -(-wei // 10**12)
    return f"{micro // 10**6}.{micro % 10**6:06d}"


def pending_deposit(contract: Any) -> int:
    """The deposit a contribution in the next block pays now (read at the pending block: at
    the latest block's time the deposit is the one of the same second, the largest)."""
    try:
        return int(contract.next_deposit(block_id="pending"))
    except Exception:  # a node without a pending block: the latest one overstates, never less
        return int(contract.next_deposit())


@dataclass(kw_only=True)
class Plan:
    """The deposits of ``samples`` contributions sent now, under ``cap`` per sample."""

    samples: int
    now: int  # the deposit of a contribution now
    burst: int  # the deposit of each one after the first, sent at once (the largest)
    cap: int
    pace: bool
    gap: int  # quiet seconds for the deposit to fall to the cap

    @property
    def fits(self) -> bool:
        """Sent at once, no deposit is above the cap."""
        return self.now <= self.cap and (self.samples == 1 or self.burst <= self.cap)

    @property
    def most(self) -> int:
        """The most the deposits can come to in all (each sample pays at most the cap)."""
        if self.fits:
            return self.now + (self.samples - 1) * self.burst
        return self.samples * self.cap

    def lines(self) -> list[str]:
        """What ``contribute`` prints before sending."""
        head = (
            f"deposit now {ether(self.now)} per sample; cap {ether(self.cap)} per sample "
            "(--max-deposit)"
        )
        if self.fits:
            spread = (
                ""
                if self.samples == 1
                else f" (each after the first pays {ether(self.burst)}: they land in the "
                "same second)"
            )
            return [head, f"{self.samples} samples: at most {ether(self.most)} in deposits{spread}"]
        return [
            head,
            f"{self.samples} samples paced, one when the deposit has fallen to the cap (about "
            f"every {self.gap} s): at most {ether(self.most)} in deposits",
        ]

    def refusal(self) -> str:
        """The one line when the batch does not fit and is not paced."""
        if self.samples == 1:
            what, needed = f"the deposit now is {ether(self.now)}", self.now
        else:
            what, needed = (
                (
                    f"a batch of {self.samples} sent at once pays {ether(self.burst)} for each "
                    f"sample after the first ({ether(self.now + (self.samples - 1) * self.burst)} "
                    "in all)"
                ),
                self.burst,
            )
        return (
            f"{what}, above the cap of {ether(self.cap)} per sample (--max-deposit); nothing "
            f"was sent: pass --pace to wait for it to fall (about {self.gap} s before each "
            f"sample), or --max-deposit {eth_up(needed)} to pay it"
        )


def plan(contract: Any, incentive: Any, samples: int, cap: int | None, pace: bool) -> Plan:
    """The deposits of ``samples`` contributions from now, under ``cap`` (None: the deposit
    after a quiet minute)."""
    if cap is None:
        cap = incentive.deposit(QUIET)
    return Plan(
        samples=samples,
        now=pending_deposit(contract),
        burst=incentive.max_deposit,
        cap=cap,
        pace=pace,
        gap=quiet_for(incentive, cap),
    )


def wait_until_at_most(
    contract: Any,
    cap: int,
    say: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    poll: float = 1.0,
) -> int:
    """Wait until a contribution in the next block pays at most ``cap``; return that deposit."""
    told = False
    while True:
        deposit = pending_deposit(contract)
        if deposit <= cap:
            return deposit
        if say is not None and not told:
            say(f"waiting for the deposit to fall from {ether(deposit)} to {ether(cap)}")
            told = True
        sleep(poll)


def check_cap(deposit: int, cap: int) -> None:
    """AboveCap (one line) when ``deposit`` is above ``cap``."""
    if deposit > cap:
        raise AboveCap(
            f"the deposit now is {ether(deposit)}, above the cap of {ether(cap)} per sample "
            "(--max-deposit); nothing more was sent (a rerun with --pace waits for it to fall)"
        )


def overtaken(deposit: int, cap: int) -> AboveCap:
    """AboveCap (one line) for a sample whose ``addData`` reverted because another contribution
    landed first in the same block, when the deposit is still above ``cap`` afterwards."""
    return AboveCap(
        "another contribution landed first in the same block and the deposit rose to "
        f"{ether(deposit)}, above the cap of {ether(cap)} per sample (--max-deposit); this "
        "sample was not added and paid no deposit (its reverted transaction cost gas only); a "
        "rerun resumes, with --pace it waits for the deposit to fall"
    )
