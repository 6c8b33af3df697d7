"""Two contributors in one block: ours priced, another's lands first, the deposit rises under it.

The deposit is ``cost_weight * 3600 // isqrt(seconds since the last contribution)``, so a
contribution that lands right after another in the same block owes the largest one. On a real
network two contributors often share a block; ``contribute`` used to pay the deposit it read
before sending, and lost the race (``addData: deposit too low``, the rehearsal's side-by-side
runs). Here the race is made exact: the session's Anvil with mining paused, and each time
``contribute`` sends, bob's contribution is put in the pool first with a higher tip and one
block is mined holding both (bob's first, Anvil orders by fee).

The fix: each contribution carries the most it may owe (the cap, or the largest deposit when
the cap is above it) and gets the rest back; below the same-block deposit, a cap refuses in one
line, with nothing sent when the rival is already in the pool, or after the one reverted send
when it overtakes unseen (sent once more if the deposit is back under the cap).
"""

from __future__ import annotations

import pytest
from ape import chain
from conftest import STAKE

from sharedmodels.rpc.reads import RPC
from sharedmodels.trainers.actions import contribute
from sharedmodels.trainers.deposits import TOO_LOW, AboveCap

pytestmark = pytest.mark.usefixtures("wei_invariant")

POS = [1]
#: Seconds of quiet before the race: the deposit read before sending is then small.
QUIET = 600
#: Bob's tip (wei per gas): far above what Ape pays, so his contribution lands first.
RIVAL_TIP = 50 * 10**9


@pytest.fixture
def trainer(deploy_trainer, deployed, bob):
    t = deploy_trainer(weights={1: 1000, 2: -1000})
    deployed.append(t)
    t.addData(POS, 1, sender=bob, value=STAKE.max_deposit)
    chain.pending_timestamp = int(chain.blocks.head.timestamp) + QUIET
    chain.mine()
    return t


class Race:
    """Each send of ours (through Ape or the pipeline) first puts ``rival``'s contribution in
    the pool with a higher tip, then mines the block holding both; the blocks are kept."""

    def __init__(self, mempool, trainer, rival, rounds: int = 1, after=None):
        self.mempool, self.trainer, self.rival = mempool, trainer, rival
        self.rounds = rounds  # sends the rival overtakes; later sends land alone
        self.after = after  # called after each block (e.g. to move the clock)
        self.blocks: list = []
        self.rivals: list = []

    def around(self, send):
        if self.rounds:
            self.rounds -= 1
            self.rivals.append(
                self.mempool.send(
                    self.trainer.addData,
                    POS,
                    1,
                    sender=self.rival,
                    value=STAKE.max_deposit,
                    tip=RIVAL_TIP,
                )
            )
        out = send()
        self.blocks.append(self.mempool.mine())
        if self.after is not None:
            self.after(self.blocks[-1])
        return out


@pytest.fixture
def race(monkeypatch, mempool, trainer, bob):
    """``race(rounds=1, after=None)``: mining paused, Ape told it automines (so it polls for
    its receipts, which the race mines) and every send of ours overtaken as ``Race`` says."""
    provider = type(chain.provider)
    ape_send = provider._send_transaction
    pipe_batch = RPC.batch

    def start(rounds: int = 1, after=None) -> Race:
        r = Race(mempool, trainer, bob, rounds, after)

        def send_transaction(self, txn):
            return r.around(lambda: ape_send(self, txn))

        def batch(self, calls):
            if calls and all(m == "eth_sendRawTransaction" for m, _ in calls):
                return r.around(lambda: pipe_batch(self, calls))
            return pipe_batch(self, calls)

        monkeypatch.setattr(provider, "auto_mine", property(lambda self: True))
        monkeypatch.setattr(provider, "_send_transaction", send_transaction)
        monkeypatch.setattr(RPC, "batch", batch)
        return r

    rpc = chain.provider.make_request
    limit = rpc("eth_getBlockByNumber", ["latest", False])["gasLimit"]
    # Ape sends with the block's whole gas limit on a local chain: room for bob's beside it.
    rpc("evm_setBlockGasLimit", [hex(2 * int(limit, 16))])
    try:
        with mempool.paused():
            yield start
            monkeypatch.undo()
    finally:
        rpc("evm_setBlockGasLimit", [limit])


def nonce(who) -> int:
    return int(chain.provider.make_request("eth_getTransactionCount", [who.address, "pending"]), 16)


def test_one_by_one_overtaken_in_its_block_lands_under_the_cap(race, trainer, alice, bob):
    """The rehearsal's race: the deposit read before sending is small (600 quiet seconds),
    bob lands first in the same block, ours owes the largest deposit and still lands (it
    carried it); it pays exactly that, no more than the cap (here the largest, 3.6 ETH)."""
    before = int(trainer.next_deposit(block_id="pending"))
    assert before == STAKE.deposit(QUIET) < STAKE.max_deposit
    r = race()
    (a,) = contribute(trainer, alice, [POS], labels=[1], fast=False, cap=STAKE.max_deposit)
    (block,) = r.blocks
    (rival,) = r.rivals
    assert block[rival].index < block.landed[a.receipt.txn_hash].index
    assert a.deposit == STAKE.max_deposit  # the same second as bob's
    assert block.gain(alice) == -a.deposit
    assert int(trainer.contribution(a.id).claimable) == a.deposit


def test_one_by_one_alone_pays_its_own_deposit_not_what_it_carried(trainer, alice):
    """No race: what ours carried above the deposit of its block comes back at once."""
    before, last = int(alice.balance), int(trainer.last_contribution_time())
    (a,) = contribute(trainer, alice, [POS], labels=[1], fast=False)
    assert a.deposit == STAKE.deposit(int(trainer.last_contribution_time()) - last)
    fee = int(a.receipt.gas_used) * int(a.receipt.gas_price)
    assert before - int(alice.balance) == a.deposit + fee < STAKE.max_deposit


def test_the_pipelined_path_overtaken_in_its_block_lands(race, trainer, alice):
    """The pipelined path carries the largest deposit in each transaction: bob's contribution
    landing first in the block of its batch makes none of them too low."""
    r = race()
    added = contribute(trainer, alice, [POS, [2], POS], labels=[1, 0, 1], fast=True)
    assert [a.deposit for a in added] == [STAKE.max_deposit] * 3
    (block,) = r.blocks
    assert min(t.index for t in block.landed.values() if t.sender == alice.address) > 0
    assert all(t.ok for t in block.landed.values())
    assert block.gain(alice) == -3 * STAKE.max_deposit


def test_a_cap_below_the_same_block_deposit_refuses_with_nothing_sent(mempool, trainer, alice, bob):
    """Bob's contribution waits in the pool when ours is priced: the deposit for the next
    block is then the largest, above the cap, and nothing is sent."""
    cap = STAKE.deposit(60)
    with mempool.paused():
        mempool.send(trainer.addData, POS, 1, sender=bob, value=STAKE.max_deposit)
        sent = nonce(alice)
        with pytest.raises(AboveCap, match=r"^the deposit now is 3\.600000 ETH, above the cap"):
            contribute(trainer, alice, [POS], labels=[1], fast=False, cap=cap)
        assert nonce(alice) == sent
        assert int(mempool._rpc("txpool_status", [])["pending"], 16) == 1  # bob's alone


def test_a_capped_contribution_overtaken_unseen_is_refused_in_one_line(race, trainer, alice):
    """Bob overtakes after ours was priced under its cap: ours reverts (gas only, no wei
    moved) and, the deposit still above the cap, is refused in one line, not sent again."""
    cap = STAKE.deposit(60)
    count = int(trainer.contribution_count())
    sent = nonce(alice)
    r = race()
    with pytest.raises(AboveCap) as refused:
        contribute(trainer, alice, [POS], labels=[1], fast=False, cap=cap)
    line = str(refused.value)
    assert "\n" not in line
    assert line.startswith("another contribution landed first in the same block and the deposit")
    assert "above the cap of 0.514286 ETH per sample (--max-deposit)" in line
    (block,) = r.blocks
    (mine,) = (t for t in block.landed.values() if t.sender == alice.address)
    assert mine.reason == TOO_LOW
    assert block.gain(alice) == 0
    assert nonce(alice) == sent + 1
    assert int(trainer.contribution_count()) == count + 1  # bob's


@pytest.mark.parametrize("paced", [False, True], ids=["slow blocks", "paced"])
def test_a_capped_contribution_overtaken_is_sent_again_once_under_the_cap(
    race, trainer, alice, paced
):
    """As above, but the deposit is back under the cap for the retry: the next block comes a
    quiet hour later by itself (slow blocks), or ``wait`` (``--pace``) waits for it. Sent once
    more, it lands paying the cap exactly (the deposit after a quiet hour)."""
    cap = STAKE.deposit(3600)
    waited = []

    def an_hour_later(_block=None) -> None:
        head = int(chain.blocks.head.timestamp)
        chain.provider.make_request("evm_setNextBlockTimestamp", [head + 3600])

    def wait(limit: int) -> None:
        waited.append(limit)
        an_hour_later()

    # Two quiet hours first: the deposit for the next block is under the cap when ours is sent.
    chain.provider.make_request(
        "evm_setNextBlockTimestamp", [int(chain.blocks.head.timestamp) + 7200]
    )
    r = race(after=None if paced else an_hour_later)
    (a,) = contribute(
        trainer, alice, [POS], labels=[1], fast=False, cap=cap, wait=wait if paced else None
    )
    first, second = r.blocks
    assert [t.reason for t in first.landed.values() if t.sender == alice.address] == [TOO_LOW]
    assert a.deposit == cap
    assert second.gain(alice) == -a.deposit
    assert waited == ([cap] if paced else [])
