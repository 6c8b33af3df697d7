"""A fourth adversarial review of the prediction market, aimed at the slot fee and the work fund
(every commitment pays a fee nobody gets back; a negative scorer that dropped paid
min(slot_fee x contributions, its stake) into the fund; every `step` paid its caller its own
measured gas at the block's base fee out of the fund; an expiry returns stake minus charge).

Each test plays one attack end to end on the real contract (Anvil, base fee set per block) and
measures in wei what each side sent and got back (wallet change plus its fees). The assertions
state what a correct contract must produce. The five attacks were strict xfails; all are fixed
(each docstring says how, with the numbers before and after): a step now pays its caller
min(4/5 of its measured gas, PAY_UNIT_GAS per work unit) at the base fee, and a negative scorer
that drops pays one slot fee, only when a restart follows its pass.
"""

import dataclasses

from market_helpers import (  # the base fee fixture runs after every test here
    TERMS,
    base_fee_back_to_zero,  # noqa: F401
    got,
    open_market,
    settle,
)

from sharedmodels.market.driver import phase

#: The base fee every step's block is mined at (priority fee 0: the keeper pays the base fee).
BASE_FEE = 10**9

# 8 test samples labelled 1 on feature 0 (a distinct second feature each): the empty initial
# model gets all 8 wrong, and ((0,), 1) makes all 8 right.
ROWS = [(0, 10 + t) for t in range(8)]
LABELS = [1] * 8
STAKE = TERMS.min_stake


def _step(chain, m, who, budget):
    """One step at BASE_FEE: (gas used, what the keeper paid, what the fund paid it)."""
    chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(BASE_FEE)])
    before = int(who.balance)
    receipt = m.step(budget, sender=who, max_fee=2 * BASE_FEE, max_priority_fee=0)
    assert int(chain.blocks[receipt.block_number].base_fee) == BASE_FEE
    cost = int(receipt.total_fees_paid)
    return int(receipt.gas_used), cost, int(who.balance) - before + cost


def _fresh(chain, accounts, n):
    out = []
    for _ in range(n):
        a = accounts.generate_test_account()
        chain.set_balance(a, 10**20)
        out.append(a)
    return out


# ------------------------------------------------- 1. storage refunds at the end of a pass


def _many_droppers(chain, project, accounts, owner, alice, k):
    """alice ((0,), 1) makes all 8 right; then k times: a re-fix by one address (+8) and an
    undo sybil (-8). Every undo binds the rounds of pass 1 ((stake - fee) // 8 each) and drops,
    and its charge (one slot fee, what the rounds left) takes its balance to 0: a slot the
    restart clears, as are the progress record's counters."""
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2)
    market.contribute(alice, (0,), 1)
    fixer, *sybils = _fresh(chain, accounts, k + 1)
    for i, s in enumerate(sybils):
        market.contribute(s, (0, 30 + i), 0)
        market.contribute(fixer, (0, 50 + i), 1)
    market.end()
    market.reveal()
    return market, fixer, sybils


def test_a_keeper_is_never_paid_more_than_its_step_cost(
    chain, project, accounts, owner, alice, bob
):
    """LOW (the keeper profits from the fund). `step` pays its caller the gas measured from its
    first line, but the transaction's cost is that gas plus the intrinsic 21,000 and the payment
    MINUS the storage refunds (EIP-3529: 4,800 for every slot set from non-zero to zero, up to a
    fifth of the gas). The step that ends a pass clears the progress record's counters and, for
    every negative scorer whose charge takes its whole balance, that balance: the refunds beat
    the unmeasured overhead, and the keeper nets wei from the fund on that step (more the more
    droppers settle in it). A correct contract pays no step more than its caller paid for it:
    every step's wallet change (fee added back) is at most its fee.

    Fixed: a step is paid at most 4/5 of the gas it measured. EIP-3529 caps a transaction's
    refunds at a fifth of its gas, which is at least the measured gas, so no refund can push
    the pay over the cost. Before: 2,826,610 gas paid 2,833,392 gwei (+6,782); now the same
    step, 2,835,520 gas, is paid 2,273,720 gwei."""
    market, fixer, sybils = _many_droppers(chain, project, accounts, owner, alice, 12)
    m = market.contract
    worst = None
    while phase(m) == "reward":
        gas, cost, paid = _step(chain, m, bob, 2**20)
        print(f"step {gas:,} gas: cost {cost} wei, paid {paid} wei ({paid - cost:+} wei)")
        if worst is None or paid - cost > worst[2] - worst[1]:
            worst = (gas, cost, paid)
    market.check()
    assert int(m.progress().epoch) == 2
    assert all(int(m.accounts(s).charged) == int(m.slot_fee()) for s in sybils)
    assert all(int(m.accounts(s).balance) == 0 for s in sybils)
    gas, cost, paid = worst
    assert paid <= cost, f"a step of {gas:,} gas cost {cost} wei and was paid {paid} wei"


# ------------------------------------------------- 2. tiny steps spend the fund on overhead


def _tiny_market(chain, project, owner, alice, bob, mallory):
    """alice (+8) and bob's undo (-8) behind 6 no-op fillers of mallory's, at a 0.01 ETH
    minimum stake: a fund of 8 fees (0.01 ETH) for pass 1, and bob's charge (one fee)."""
    terms = dataclasses.replace(TERMS, min_stake=10 * STAKE)
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2, terms=terms)
    market.contribute(alice, (0,), 1)
    for i in range(6):
        market.contribute(mallory, (0, 40 + i), 1)
    market.contribute(bob, (0, 20), 0)
    market.end()
    market.reveal()
    return market


def test_tiny_steps_do_not_spend_the_fund_on_overhead(chain, project, owner, alice, bob, mallory):
    """LOW (draining the fund). A step is paid the gas it measured, overhead included: every
    step loads and stores the 13-word progress record and the counters it reads, whatever
    the work it does. Anyone can step at the smallest budget (16 units) and make the fund pay
    that overhead once per 16 units: the pass is the same, the fund pays 3.8x as much for
    it, and what it pays for overhead is no longer there for the later passes of honest
    keepers (a griefer that stops half-way leaves them unpaid). The griefer's own loss is only
    the unmeasured 21,000 + payment per step: 1.34M gas to drain 3.02M more. A correct
    contract pays the same work the same (here: within 25 %), however it is batched.

    Fixed: a step is paid at most PAY_UNIT_GAS (1,400) gas per work unit it did, so the fixed
    overhead of a step is not paid. Before: 0.001066 ETH in 2 steps, 0.004083 ETH in 38 (3.8x);
    now 0.000872 ETH and 0.000986 ETH (1.13x; 38 steps can earn at most 704 x 1,400 gwei)."""
    market = _tiny_market(chain, project, owner, alice, bob, mallory)
    m = market.contract
    fund = int(m.work_fund())
    snap = chain.snapshot()
    spent = {}
    for who, budget in ((bob, 2**20), (mallory, 16)):
        steps = cost = paid = 0
        while phase(m) == "reward":
            _, c, p = _step(chain, m, who, budget)
            steps, cost, paid = steps + 1, cost + c, paid + p
        market.check()
        assert paid == fund + int(m.accounts(bob).charged) - int(m.work_fund())
        spent[budget] = (steps, paid, cost - paid, int(m.progress().work))
        chain.restore(snap)
        snap = chain.snapshot()
    print(spent)
    (_, big, _, work_big), (steps, small, loss, work_small) = spent[2**20], spent[16]
    assert work_big == work_small
    assert (
        4 * small <= 5 * big
    ), f"{steps} tiny steps drained {small} wei (the griefer lost {loss}), one pass {big} wei"


# ------------------------------------------------- 3. others' slots set an honest charge

SMALL_BOUNTY = 8 * 10**13  # 10**13 rounds: a round moves a balance by its score in wei


def _charge_run(chain, project, owner, alice, bob, mallory, fillers):
    """alice ((0,), 1) makes all 8 right (+8); mallory's `fillers` samples the model already
    gets right (no change, score 0; stakes come back); bob's ((0, 20), 0) undoes alice (-8)."""
    snap = chain.snapshot()
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2, bounty=SMALL_BOUNTY)
    m = market.contract
    market.contribute(alice, (0,), 1)
    for i in range(fillers):
        market.contribute(mallory, (0, 40 + i), 1)
    market.contribute(bob, (0, 20), 0)
    received = settle(market, [alice, bob, mallory, owner])
    want = market.expected()
    assert market.balances() == want.balances
    fee = int(m.slot_fee())
    out = {
        "bob": got(received, bob) - STAKE - fee,
        "alice": got(received, alice) - STAKE - fee,
        "mallory": got(received, mallory) - fillers * (STAKE + fee),
        "charged": int(m.accounts(bob).charged),
        "fund": int(m.work_fund()),
        "held": int(chain.provider.get_balance(m.address)),
        "passes": int(m.progress().epoch),
    }
    chain.restore(snap)
    return out


def test_others_fillers_raise_an_honest_negative_scorers_charge(
    chain, project, owner, alice, bob, mallory
):
    """MEDIUM (griefing: an honest contributor made to pay through others' slots). A negative
    scorer that drops pays min(slot_fee x n_contributions, its stake), and the rounds keep that
    back. n counts everyone's contributions, including revealed no-ops that cost a replay 4
    work units each, so anyone can raise another's charge for one slot fee a filler (the
    filler's stake comes back). With a bounty that buys few rounds, bob (-8, one pass: his
    sample undoes alice's) loses 8 wei a round for 10**13 rounds and his charge; with 6
    fillers of mallory's (8 contributions: the charge reaches the whole 0.001 ETH stake) the
    keep-back leaves him nothing to pay rounds with, the pass pays 0 rounds, and he loses
    everything. Measured cost to mallory: 6 fees (0.00075 ETH) against bob's extra loss of
    0.00067 ETH. A correct contract charges a drop-out for the work its drop forces, which
    samples nobody changed the model with do not add to: bob ends the same with or without
    mallory's fillers.

    Fixed: the charge is one slot fee, whatever anyone else committed (and, see the next test,
    only if a restart follows). Before: bob netted -0.000455 ETH alone and -0.001125 ETH behind
    the fillers; now -0.000205 ETH both times, charged 0, in one pass both times. The check that
    the fillers pushed his charge to his whole stake is replaced by the stronger one that his
    charge and the passes are the same with and without them."""
    plain = _charge_run(chain, project, owner, alice, bob, mallory, 0)
    filled = _charge_run(chain, project, owner, alice, bob, mallory, 6)
    print(plain, filled, sep="\n")
    assert plain["alice"] == filled["alice"] == SMALL_BOUNTY - int(TERMS.min_stake) // 8
    # Stronger than today's check that the fillers pushed bob's charge to his whole stake:
    # his charge, like his net, is the same with or without them.
    assert filled["charged"] == plain["charged"]
    assert filled["passes"] == plain["passes"]
    assert filled["bob"] == plain["bob"], f"bob nets {plain['bob']} vs {filled['bob']} wei"


def test_a_drop_that_forces_no_pass_pays_no_charge(chain, project, owner, alice, bob, mallory):
    """MEDIUM (an honest contributor charged for work nobody does). The charge pays for the
    next pass a negative scorer's drop forces, but it is taken in `_apply`, before `_settle`
    knows whether a next pass follows. When the pass pays the last rounds (or leaves nobody
    active) the market finishes at once: no replay happens, yet the drop-out has paid
    min(slot_fee x n, stake) into the fund, where it stays locked (nobody steps again).
    Here the bounty buys 10**13 rounds; bob (-8) pays them (8 x 10**13 wei to alice, the
    whole bounty), the market is done after one pass, and bob is charged 2 slot fees on top.
    A correct contract charges only a drop followed by a restart: bob loses his rounds
    (and his own slot fee) only.

    Fixed: whether a restart follows (a negative score and rounds left after this pass's) is
    known once the scan has fixed the rounds, before any balance moves; the apply stage charges
    only then. Before: charged 0.00025 ETH; now 0, and bob nets -0.000205 ETH."""
    plain = _charge_run(chain, project, owner, alice, bob, mallory, 0)
    print(plain)
    assert plain["passes"] == 1
    assert plain["alice"] == SMALL_BOUNTY - int(TERMS.min_stake) // 8
    assert plain["charged"] == 0, f"charged {plain['charged']} wei for no pass"
    assert plain["bob"] == -SMALL_BOUNTY - int(TERMS.min_stake) // 8


# ------------------------------------------------- 4. an expiry after a charged drop


def test_an_expiry_after_a_charged_drop_conserves_every_wei(
    chain, project, owner, alice, bob, mallory
):
    """Defence (conservation across the expiry ending, keepers paid at a real base fee). Pass 1
    settles (bob's undo binds, drops, pays his charge into the fund; mallory, stepping at 1
    gwei, is paid from the fund), pass 2 is left unfinished and the market expires. alice gets
    back her stake (her pass-1 gain is not paid), bob his stake less his charge, the provider
    nothing; the contract ends holding exactly the bounty and the work fund, and what went
    in (bounty, stakes, fees) equals what it holds plus what it paid (withdrawals, keepers)."""
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2)
    m = market.contract
    market.contribute(alice, (0,), 1)
    market.contribute(bob, (0, 20), 0)
    market.end()
    market.reveal()
    fee = int(m.slot_fee())
    keeper = 0
    while int(m.progress().epoch) == 1:
        keeper += _step(chain, m, mallory, 16)[2]
    assert phase(m) == "reward"
    charged = int(m.accounts(bob).charged)
    assert charged == fee  # one slot fee, whoever else committed
    chain.pending_timestamp = int(m.reward_deadline()) + 1
    m.expire(sender=mallory)
    assert phase(m) == "expired"
    market.withdraw_all([alice, bob, owner])
    received = market.received
    assert got(received, alice) == STAKE
    assert got(received, bob) == STAKE - charged
    assert got(received, owner) == 0
    held = int(chain.provider.get_balance(m.address))
    assert held == market.bounty + int(m.work_fund())
    assert int(m.work_fund()) == 2 * fee + charged - keeper
    assert market.bounty + 2 * (STAKE + fee) == held + got(received, alice, bob) + keeper


# ------------------------------------------------- 5. a keeper that refuses its payment


def _refusing_wallet(web3, sender, target: str) -> str:
    """Deploy a minimal contract wallet (hand-assembled EVM): a call with value reverts; any
    other call is forwarded to ``target`` with all gas and its result passed back."""
    code = bytes.fromhex("34156009576000" + "80fd5b")  # value? revert
    code += bytes.fromhex("366000600037")  # calldatacopy(0, 0, calldatasize)
    code += bytes.fromhex("60006000366000600073") + bytes.fromhex(target[2:]) + b"\x5a\xf1"
    code += bytes.fromhex("3d6000600" + "03e")  # returndatacopy(0, 0, returndatasize)
    ok = len(code) + 7
    code += bytes.fromhex(f"60{ok:02x}573d6000fd5b3d6000f3")
    init = bytes.fromhex(f"60{len(code):02x}600c60003960{len(code):02x}6000f3") + code
    tx = web3.eth.send_transaction({"from": sender, "data": init.hex(), "gas": 300_000})
    address = web3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
    assert web3.eth.get_code(address) == code
    sent = web3.eth.send_transaction({"from": sender, "to": address, "value": 1, "gas": 50_000})
    assert web3.eth.wait_for_transaction_receipt(sent)["status"] == 0  # it refuses ether
    return address


def test_a_keeper_wallet_that_refuses_payment_leaves_it_in_the_fund(
    chain, project, owner, alice, bob
):
    """Defence (a contract-wallet keeper refusing the payment). The step pays with 2,300 gas and
    ignores a failure: a wallet that reverts on receiving still advances the pass, nothing is
    sent to it, the fund keeps every wei (the step's `withdrawn` is undone), and the books
    still balance; a keeper paid later is paid from the full fund."""
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2)
    m = market.contract
    market.contribute(alice, (0,), 1)
    market.contribute(bob, (0, 20), 0)
    market.end()
    market.reveal()
    web3 = chain.provider.web3
    wallet = _refusing_wallet(web3, bob.address, str(m.address))
    fund = int(m.work_fund())
    withdrawn = int(m.withdrawn())
    chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(BASE_FEE)])
    tx = web3.eth.send_transaction(
        {
            "from": bob.address,
            "to": wallet,
            "data": m.step.encode_input(16).hex(),
            "gas": 3_000_000,
            "maxFeePerGas": 2 * BASE_FEE,
            "maxPriorityFeePerGas": 0,
        }
    )
    receipt = web3.eth.wait_for_transaction_receipt(tx)
    assert receipt["status"] == 1
    assert int(chain.blocks[receipt["blockNumber"]].base_fee) == BASE_FEE and fund > 0
    assert int(m.progress().work) > 0  # the step went through
    assert web3.eth.get_balance(wallet) == 0
    assert int(m.work_fund()) == fund and int(m.withdrawn()) == withdrawn
    market.check()
    _, cost, paid = _step(chain, m, alice, 2**20)
    assert 0 < paid <= cost
    market.check()


# ------------------------------------------------- 6. a whole pass in one transaction


def _looping_keeper(web3, sender, target: str, calls: int) -> str:
    """Deploy a minimal keeper contract (hand-assembled EVM): it accepts ether sent with value
    and, called without value, calls ``target`` ``calls`` times with its own calldata (failed
    calls ignored) in the one transaction."""
    code = bytes.fromhex("3415600657005b366000600037")  # value? stop; calldatacopy
    code += bytes.fromhex(f"60{calls:02x}5b")  # counter; loop at byte 15
    code += bytes.fromhex("60006000366000600073") + bytes.fromhex(target[2:]) + b"\x5a\xf1"
    code += bytes.fromhex("506001900380600f5700")  # pop; counter - 1; loop while non-zero
    init = bytes.fromhex(f"60{len(code):02x}600c60003960{len(code):02x}6000f3") + code
    tx = web3.eth.send_transaction({"from": sender, "data": init.hex(), "gas": 300_000})
    address = web3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
    assert web3.eth.get_code(address) == code
    return address


def test_a_keeper_contract_running_a_pass_in_one_transaction_is_paid_no_more_than_it_burnt(
    chain, project, owner, alice, bob, mallory
):
    """LOW (the keeper profits from the fund, per pass). Each `step` measures its own gas, and
    the progress record's counters (cursor, test cursor, right answers, rounds, negative,
    active, gains, losses) start a pass at 0, are written non-zero by one step (22,100 gas
    each, measured and paid) and set back to 0 by the restart. When both steps are in one
    transaction (a keeper contract calling `step` a few times), EIP-2200/3529 refunds 19,900
    of each such write at the end of the transaction: the fund paid 22,200 gas for what cost
    the keeper 2,300. The refunds beat the unmeasured 21,000 and the payments, and the
    keeper nets about 14 % of the pass's gas from the fund, every pass (the fund then lacks
    it for later passes). A correct contract pays a transaction's steps no more than the
    transaction cost (e.g. pays only what the step can prove it burnt net of refunds, or pays
    per work unit at a rate below the cheapest way to do it).

    Fixed: each step is paid at most 4/5 of its measured gas, and refunds are at most a fifth
    of the transaction's gas (at least the sum of its steps' measured gas), so a transaction's
    steps together are never paid more than it cost. Before: 631,269 gas paid 717,000 gwei
    (+13.6 %); now 625,488 gas paid 330,400 gwei (the per-unit cap binds: 236 units)."""
    terms = dataclasses.replace(TERMS, min_stake=10 * STAKE)
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2, terms=terms)
    m = market.contract
    market.contribute(alice, (0,), 1, 10 * STAKE)
    market.contribute(bob, (0, 20), 0, 10 * STAKE)
    market.end()
    market.reveal()
    web3 = chain.provider.web3
    keeper = _looping_keeper(web3, mallory.address, str(m.address), 3)
    fund = int(m.work_fund())
    chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(BASE_FEE)])
    tx = web3.eth.send_transaction(
        {
            "from": mallory.address,
            "to": keeper,
            "data": m.step.encode_input(120).hex(),
            "gas": 10_000_000,
            "maxFeePerGas": 2 * BASE_FEE,
            "maxPriorityFeePerGas": 0,
        }
    )
    receipt = web3.eth.wait_for_transaction_receipt(tx)
    assert receipt["status"] == 1 and receipt["effectiveGasPrice"] == BASE_FEE
    assert int(m.progress().epoch) == 2  # pass 1 ran to its restart in this transaction
    cost = receipt["gasUsed"] * BASE_FEE
    paid = web3.eth.get_balance(keeper)
    market.check()
    assert paid == fund + int(m.accounts(bob).charged) - int(m.work_fund())
    print(f"{receipt['gasUsed']:,} gas: cost {cost} wei, paid {paid} wei ({paid - cost:+})")
    assert paid <= cost, f"{receipt['gasUsed']:,} gas cost {cost} wei and was paid {paid} wei"


# ------------------------------------------------- 7. the edges of "a restart follows"


def test_a_pass_that_leaves_one_round_restarts_and_pays_it(chain, project, owner, alice, bob):
    """Boundary (the finish at 0 rounds left, the charge when rounds are left). The bounty
    buys exactly one round more than bob (-8, his sample undoes alice's) can pay after
    keeping back his one-fee charge. Pass 1 pays his (stake - fee) // 8 rounds and leaves 1:
    a restart follows, so he is charged one slot fee, and pass 2 (alice alone) pays the last
    round to alice. She gets the whole bounty; the provider gets what bob's rounds paid into
    the pool (8 wei a round); bob gets back what is left of his stake after his rounds and
    his charge (0 wei). Finishing at one round left would give that round to the provider."""
    fee = -(-STAKE // 8)
    rounds = (STAKE - fee) // 8
    bounty = 8 * (rounds + 1)
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2, bounty=bounty)
    m = market.contract
    assert int(m.slot_fee()) == fee
    market.contribute(alice, (0,), 1)
    market.contribute(bob, (0, 20), 0)
    received = settle(market, [alice, bob, owner])
    want = market.expected()
    assert market.balances() == want.balances
    assert [p.rounds for p in want.passes] == [rounds, 1]
    assert int(m.progress().epoch) == 2
    assert int(m.accounts(bob).charged) == fee == want.charged[str(bob.address)]
    assert got(received, alice) == STAKE + bounty
    assert got(received, bob) == STAKE - 8 * rounds - fee == 0
    assert got(received, owner) == 8 * rounds
    assert m.balance == int(m.work_fund()) == 2 * fee + fee


def test_a_negative_scorer_that_can_pay_exactly_one_more_round_stays(
    chain, project, owner, alice, bob, carol, mallory
):
    """Boundary (the drop rule `balance < slot_fee - score`), at an 8 wei minimum stake (fee
    1 wei). alice fixes all 8 (+8), bob undoes her (-8, stake 8), mallory re-fixes (+8), carol
    undoes again (-8, stake 9). Pass 1: bob can pay (8 - 1) // 8 = 0 rounds, so it pays none;
    bob drops and is charged 1 wei; carol holds exactly one round plus her charge (9 = 1 + 8)
    and stays in. Pass 2 (without bob): carol is the only negative scorer, pays her one round
    to alice, drops, is charged her last wei. Pass 3 pays alice the rest. A rule that dropped
    carol at exactly one round plus charge would leave her 8 wei and end a pass earlier."""
    terms = dataclasses.replace(TERMS, min_stake=8)
    market = open_market(project, owner, chain, ROWS, LABELS, pieces=2, terms=terms)
    m = market.contract
    assert int(m.slot_fee()) == 1
    market.contribute(alice, (0,), 1, 8)
    market.contribute(bob, (0, 20), 0, 8)
    market.contribute(mallory, (0, 50), 1, 8)
    market.contribute(carol, (0, 30), 0, 9)
    received = settle(market, [alice, bob, carol, mallory, owner])
    want = market.expected()
    assert market.balances() == want.balances
    assert [p.rounds for p in want.passes[:2]] == [0, 1]
    assert [p.dropped for p in want.passes] == [[str(bob.address)], [str(carol.address)], []]
    assert int(m.progress().epoch) == 3
    assert {w: int(m.accounts(w).charged) for w in want.charged} == want.charged
    assert want.charged == {str(bob.address): 1, str(carol.address): 1}
    assert got(received, carol) == 0
    assert got(received, bob) == 7
    rounds = market.bounty // 8
    assert got(received, alice) == 8 + 8 * (rounds - 1) + 8  # pass 2's round, pass 3's rest
