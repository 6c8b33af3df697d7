"""Building and running prediction markets in tests, checked against the Python mirror."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from sharedmodels.encoding.features import Encoder
from sharedmodels.market.driver import (
    Participation,
    Terms,
    conservation,
    deploy_market,
    participate,
    phase,
    reveal_all,
    reveal_first,
    reveal_rest,
    window_over,
)
from sharedmodels.market.rules import (
    Contribution,
    ProviderSecrets,
    commit_test_set,
    forfeit_shares,
    reward_pass,
)

N_FEATURES = 64
SEED_DELAY = 2
TERMS = Terms(min_stake=10**15, min_duration=3600, reveal_window=3600)


#: Samples use a 16-word vocabulary: words 0-7 are "positive", 8-15 "negative".
VOCABULARY = 16


def truth(x) -> int:
    """The concept every test dataset follows: class 1 iff most words are positive."""
    positive = sum(1 for j in x if j < VOCABULARY // 2)
    return 1 if 2 * positive > len(x) else 0


def sample(rng: random.Random, size: int = 3) -> tuple[int, ...]:
    return tuple(sorted(rng.sample(range(VOCABULARY), size)))


def dataset(rng: random.Random, n: int, size: int = 3) -> tuple[list, list]:
    rows = [sample(rng, size) for _ in range(n)]
    return rows, [truth(x) for x in rows]


@dataclass
class Run:
    """One market under test: the contract, the provider's secrets, and what went in."""

    contract: Any
    secrets: ProviderSecrets
    provider: Any
    chain: Any
    terms: Terms = TERMS
    bounty: int = 10**18
    intercept: int = 0
    sent: list[Contribution] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    #: What each address's wallet got from ``withdraw_all`` (balance change plus its fee).
    received: dict[str, int] = field(default_factory=dict)
    #: Commitments made by ``contribute`` and not revealed yet (revealed by ``end``).
    pending: list[Participation] = field(default_factory=list)

    def check(self) -> None:
        ok, figures = conservation(self.contract, self.chain)
        assert ok, figures

    def contribute(self, account, x, y, stake=None):
        """Commit to ``(x, y)`` with ``stake`` now; the reveal is queued and sent by ``end``
        (right after it: no sample is public while participation is open). Returns the
        ``Participation`` (its id, salt, commit receipt; its reveal receipt once sent)."""
        stake = self.terms.min_stake if stake is None else stake
        sent = participate(self.contract, account, x, y=y, stake=stake, checked=False)
        self.pending.append(sent)
        self.sent.append(Contribution(str(account.address), tuple(x), y, stake))
        return sent

    def reveal_pending(self):
        """Reveal every queued commitment (after ``end``, within the sample window)."""
        receipts = reveal_all(self.contract, self.pending)
        self.pending = []
        return receipts

    def end(self, sender=None, grace=False):
        """End at ``open_time + min_duration`` (or later), reveal the queued commitments, and
        unless ``grace`` let the contributors' sample window pass (a block mined after it),
        so the pieces can follow."""
        p = self.chain.pending_timestamp
        opened = int(self.contract.open_time())
        self.chain.pending_timestamp = max(p, opened + self.terms.min_duration)
        receipt = self.contract.end(sender=sender or self.provider)
        if phase(self.contract) == "reveal":
            self.reveal_pending()
        if not grace:
            self.pass_window()
        return receipt

    def pass_window(self):
        """Mine a block just after the contributors' sample window, if it is not over yet."""
        if phase(self.contract) == "reveal":
            after = window_over(self.contract)
            if self.chain.pending_timestamp < after:
                self.chain.mine(timestamp=after)

    def reveal(self):
        """Reveal the other pieces, once the contributors' sample window after ``end`` is over."""
        self.pass_window()  # mined, so that the first reveal's dry run sees the time too
        return reveal_rest(self.contract, self.provider, self.secrets)

    def rewards(self, budget=1024, anyone=None, check_every_step=False):
        """Step to the end; conservation is checked at the end, or after every step."""
        while phase(self.contract) == "reward":
            receipt = self.contract.step(budget, sender=anyone or self.provider)
            self.steps.append(int(receipt.gas_used))
            if check_every_step:
                self.check()
        self.check()

    def expected(self, weights=None):
        """The mirror's outcome from what this test sent: its bounty, contributions, initial
        model, and the pieces in the order ``open_market`` and ``reveal`` revealed them."""
        return reward_pass(
            self.bounty,
            [p for i in self.reveal_order() for p in self.secrets.pieces[i]],
            self.sent,
            n_features=N_FEATURES,
            initial_weights=weights,
            initial_intercept=self.intercept,
            slot_fee=int(self.contract.slot_fee()),
        )

    def reveal_order(self) -> list[int]:
        """The drawn piece, then the others in index order (``reveal_rest``)."""
        first = int(self.contract.first_piece())
        return [first] + [i for i in range(len(self.secrets.pieces)) if i != first]

    def expected_forfeit(self):
        return forfeit_shares(self.sent)

    def fees(self) -> int:
        """The slot fees every commitment paid (never returned)."""
        return int(self.contract.slot_fee()) * int(self.contract.n_contributions())

    def kept(self) -> int:
        """What the work fund holds when no keeper was paid (a chain without a base fee, as in
        these tests): every slot fee and every drop-out's charge."""
        charged = sum(int(self.contract.accounts(w).charged) for w in {c.who for c in self.sent})
        assert int(self.contract.work_fund()) == self.fees() + charged
        return self.fees() + charged

    def balances(self) -> dict[str, int]:
        return {c.who: int(self.contract.accounts(c.who).balance) for c in self.sent}

    def withdraw_all(self, accounts) -> int:
        """Everyone owed something withdraws; returns the total their wallets received (each
        wallet's balance change plus the fee it paid, recorded in ``received``). The contract's
        own books are checked after."""
        total = 0
        for a in accounts:
            if int(self.contract.owed(a)) > 0:
                before = int(a.balance)
                receipt = self.contract.withdraw(sender=a)
                got = wallet_delta(a, receipt, before)
                self.received[str(a.address)] = self.received.get(str(a.address), 0) + got
                total += got
        self.check()
        return total


def wallet_delta(account, receipt, before: int) -> int:
    """What came into ``account`` since its balance was ``before``, the fee of ``receipt``
    (its only transaction since) added back."""
    return int(account.balance) - before + int(receipt.total_fees_paid)


def open_market(
    project,
    provider,
    chain,
    rows,
    labels,
    pieces=4,
    bounty=10**18,
    terms=TERMS,
    weights=None,
    intercept=0,
    reveal=True,
) -> Run:
    secrets = commit_test_set(rows, labels, pieces, n_features=N_FEATURES)
    contract = deploy_market(
        project.PredictionMarket,
        provider,
        secrets,
        bounty=bounty,
        terms=terms,
        encoder=Encoder(n_features=N_FEATURES),
        weights=weights,
        intercept=intercept,
    )
    run = Run(contract, secrets, provider, chain, terms, bounty, intercept)
    if reveal:
        chain.mine(SEED_DELAY + 1)
        reveal_first(contract, provider, secrets, chain)
    return run


def settle(market: Any, everyone: Any) -> dict:
    """End (at open_time + min_duration), reveal every piece, run the pass, withdraw all;
    returns what each address received."""
    if phase(market.contract) == "open":
        market.end()
    market.reveal()
    market.rewards()
    assert phase(market.contract) == "done"
    market.withdraw_all(everyone)
    return market.received


def got(received: dict, *who: Any) -> int:
    """What the addresses ``who`` received, together."""
    return sum(received.get(str(a.address), 0) for a in who)


@pytest.fixture(autouse=True)
def base_fee_back_to_zero(chain):
    """For test modules that price steps at a real base fee (imported, it runs after every test
    there): the rest of the suite runs at the test chain's base fee of 0 (a keeper's pay is
    then 0, and books that leave it out hold to the wei), and Anvil keeps a set base fee
    across the snapshot revert that isolates tests, so the next block's is set back to 0."""
    yield
    chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", ["0x0"])
