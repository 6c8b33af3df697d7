"""The web page driven as a user drives it, in headless Chromium, against this session's Anvil.

List the models; predict texts and numbers and compare with the Python encoder and contract and
with ``ape run predict``; contribute, let the refund window pass, refund; read a revert reason as
the contract wrote it; validate under Points and read the leaderboard; and the bad inputs (empty
text, no readable words, not an address, no contract, a deposit above the balance, a deposit
below the contract's, a wallet on the wrong network, a wallet that rejects), each a clear message
with nothing sent. An injected EIP-1193 wallet (a stand-in that forwards to the node) also sends
a contribution.
"""

import json
import math
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from web_helpers import Relay, advance, deploy_other, rpc

from sharedmodels.encoding.features import encoder_from_settings
from sharedmodels.runs.web import Server

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TEXTS = [
    "a gorgeous, witty film",
    "a tedious, lifeless mess",
    "Café crème — the director's best 🎬, 10/10!",
    "ΟΔΟΣ ΣΟΦΟΣ: mixed scripts, 東京 and Москва_2024",
]


#: Records the stages (sent, mined, failed) a transaction line goes through, in window.stages.
STAGES = """(testid) => {
  window.stages = [];
  const box = document.querySelector(`[data-testid=${testid}]`);
  new MutationObserver(() => {
    const line = box.querySelector("[data-stage]");
    if (line && window.stages.at(-1) !== line.dataset.stage) window.stages.push(line.dataset.stage);
  }).observe(box, { childList: true, subtree: true });
}"""


def eth(wei: int) -> str:
    """An amount as the page writes it: ETH cut to 6 decimals, trailing zeros dropped."""
    whole, frac = divmod(wei, 10**18)
    digits = f"{frac:018d}"[:6].rstrip("0")
    return f"{whole}.{digits} ETH" if digits else f"{whole} ETH"


def pending_deposit(address: str) -> int:
    """``next_deposit()`` at the pending block: what a contribution sent now is charged."""
    from eth_utils import keccak

    call = {"to": address, "data": "0x" + keccak(text="next_deposit()")[:4].hex()}
    return int(rpc("eth_call", [call, "pending"]), 16)


def chain_tx(tx_hash: str) -> dict:
    return rpc("eth_getTransactionByHash", [tx_hash])


def added_deposit(tx_hash: str) -> int:
    """The deposit a contribution was charged: its ContributionAdded event's (label, deposit,
    time), read from the receipt."""
    (log,) = (
        lg for lg in rpc("eth_getTransactionReceipt", [tx_hash])["logs"] if len(lg["topics"]) == 3
    )
    return int(log["data"][2 + 64 : 2 + 128], 16)


def open_model(page, server, address):
    page.goto(f"{server.url}#/model/{address}")
    page.wait_for_selector("[data-testid=facts] dd")
    page.wait_for_function("document.body.dataset.ready === '1'")


def use_account(page, value: str) -> None:
    """Choose an account in the header and wait until the page has been drawn again for it."""
    page.select_option("[data-testid=account]", value)
    page.wait_for_function("document.body.dataset.ready === '1'")


def nonce(address: str) -> int:
    from ape import chain

    return chain.provider.get_nonce(address)


def contract(model):
    from ape import project

    return getattr(project, model.contract).at(model.address)


def predict(page, text: str, key: str | None = None) -> tuple[str, list[int]]:
    """Ask the page (its button, or ``key`` pressed in the box); its answer and the input it
    sent (fails with the page's message)."""
    page.fill("[data-testid=predict-input]", text)
    if key:
        page.evaluate("document.querySelector('[data-testid=predict-result]').className = 'msg'")
        page.press("[data-testid=predict-input]", key)
    else:
        page.click("[data-testid=predict-btn]")
    msg = wait_msg(page, "predict-result")
    assert page.is_visible("[data-testid=predict-class]"), f"{text!r}: {msg}"
    page.click("[data-testid=predict-result] summary")
    features = [int(v) for v in json.loads(page.inner_text("[data-testid=predict-features]"))]
    return page.inner_text("[data-testid=predict-class]"), features


def wait_msg(page, testid: str) -> str:
    page.wait_for_selector(f"[data-testid={testid}].ok, [data-testid={testid}].error")
    return page.inner_text(f"[data-testid={testid}]")


def test_models_list(context, server, models, shot):
    perceptron = models["perceptron"]
    most = pending_deposit(perceptron.address)  # a deposit only falls as time passes
    page = context.new_page()
    page.goto(server.url)
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=model-link]').length === 4", timeout=60_000
    )
    least = pending_deposit(perceptron.address)
    text = page.inner_text("[data-testid=models]")
    for name, kind, classes, incentive, judging in [
        ("perceptron on rt (PerceptronStake)", "sparse Perceptron", "neg, pos", "deposit", "as-is"),
        (
            "naive_bayes on rt (NaiveBayesStake)",
            "multinomial Naive Bayes",
            "neg, pos",
            "deposit",
            "leave-one-out",
        ),
        (
            "sparse_ncc on rt (SparseNearestCentroidPoints)",
            "sparse Nearest Centroid",
            "neg, pos",
            "Points (free)",
            "leave-one-out",
        ),
        (
            "ncc on sklearn:wine (NearestCentroidStake)",
            "Nearest Centroid (numbers)",
            "class_0, class_1, class_2",
            "deposit",
            "leave-one-out",
        ),
    ]:
        row = next(line for line in text.splitlines() if line.startswith(name))
        assert kind in row and classes in row and incentive in row and judging in row, row
        assert "0 / 0 / 0" in row, row
    row = page.locator("[data-testid=model-row]", has_text="perceptron on rt (PerceptronStake)")
    shown = row.locator("[data-testid=deposit]").inner_text()
    assert shown.endswith(" ETH"), shown
    # As a transaction sent now will be charged (the pending block's clock), to 6 decimals
    # rounded down.
    assert least // 10**12 <= Decimal(shown.removesuffix(" ETH")) * 10**6 <= most // 10**12
    assert row.locator("[data-testid=counts]").inner_text() == "0 / 0 / 0"
    shot(page, "models")
    page.click("text=perceptron on rt (PerceptronStake)")
    page.wait_for_selector("[data-testid=facts] dd")
    assert models["perceptron"].address in page.inner_text("[data-testid=address]")
    # The address is copyable (with no explorer link: Anvil has none).
    copyable = page.locator(".copyable", has=page.locator("[data-testid=address]"))
    copyable.locator("button.copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == models["perceptron"].address
    assert not copyable.locator("a.explorer").count()


def test_predict_matches_python_and_ape_run_predict(context, server, models, manifests, shot):
    from ape import chain

    page = context.new_page()
    browser_answers = {}
    for name in ("perceptron", "naive_bayes_vocab"):
        man = models[name]
        encoder = encoder_from_settings(man.encoder)
        model = contract(man)
        open_model(page, server, man.address)
        held = man.pretrain["held_out"]  # the accuracy and its baseline, from the manifest
        assert held["dataset"] == "rt" and held["samples"] == 1000
        accuracy = page.inner_text("[data-testid=fact-accuracy]")
        assert accuracy.startswith(
            f"{held['accuracy']:.1%} on 1,000 held-out samples of rt (always answering their "
            f"commonest class: {held['baseline']:.1%}); from its manifest"
        ), accuracy
        for text, key in zip(TEXTS, [None, "Enter", "Control+Enter", None], strict=True):
            row = encoder.encode_one(text)
            if not row:  # none of the vocabulary's words: the page refuses, as the CLI does
                page.fill("[data-testid=predict-input]", text)
                page.click("[data-testid=predict-btn]")
                assert "no words the model reads" in wait_msg(page, "predict-result")
                continue
            answer, features = predict(page, text, key)
            assert features == row, (name, text)
            assert page.input_value("[data-testid=predict-input]") == text  # no new line added
            label = int(model.predict(row))
            assert answer == man.class_names[label]
            browser_answers[(name, text)] = man.class_names[label]
        shot(page, f"predict-{name}")
    # The command line answers the same (a separate process on the same node).
    env = {
        **os.environ,
        "APE_FOUNDRY_HOST": chain.provider.uri,
        "PATH": f"{ROOT / 'bin'}:{BIN}:{os.environ['PATH']}",
    }
    args = [str(BIN / "ape"), "run", "predict", "--manifest", str(manifests["perceptron"])]
    for text in TEXTS[:2]:
        args += ["--text", text]
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    answers = [
        ln.split()[0]
        for ln in proc.stdout.splitlines()
        if re.match(r"^\w+ \(\d\)(\s|$)", ln.strip())
    ]
    assert answers == [browser_answers[("perceptron", t)] for t in TEXTS[:2]], proc.stdout
    # Numbers, for the dense model: the manifest's column scales, encoded in the page.
    wine = models["wine_ncc"]
    from sharedmodels.encoding import datasets

    data = datasets.load_dense("sklearn:wine")
    values = [float(v) for v in data.features[150]]
    row = encoder_from_settings(wine.encoder).encode_one(values)
    open_model(page, server, wine.address)
    answer, features = predict(page, ",".join(repr(v) for v in values))
    assert features == row
    assert answer == wine.class_names[int(contract(wine).predict(row))]
    # Its columns by name, and an example row to start from.
    assert page.inner_text("[data-testid=fact-columns]").startswith("alcohol, malic_acid, ash")
    page.click("[data-testid=use-example]")
    example = wine.pretrain["example"]["values"]
    assert page.input_value("[data-testid=predict-input]") == ", ".join(
        page.evaluate("(vs) => vs.map(String)", example)
    )
    page.click("[data-testid=predict-btn]")
    wait_msg(page, "predict-result")
    page.click("[data-testid=predict-result] summary")
    features = [int(v) for v in json.loads(page.inner_text("[data-testid=predict-features]"))]
    assert features == encoder_from_settings(wine.encoder).encode_one(example)
    shot(page, "predict-numbers")


def test_contribute_wait_and_refund(context, server, models, accounts, shot):
    man = models["perceptron"]
    model = contract(man)
    me = accounts[1]
    text = "a gorgeous, witty and moving film"
    row = encoder_from_settings(man.encoder).encode_one(text)
    label = int(model.predict(row))  # the label the model agrees with: refundable
    # A quiet chain: an hour passes and no block is mined. The last block's clock would ask for
    # the deposit of a contribution right after the previous one (the page showed 3.6 ETH where
    # 0.4 was charged); the page asks at the pending block's clock, as the transaction will land.
    rpc("evm_increaseTime", [3600])
    at_last_block = int(model.next_deposit())
    page = context.new_page()
    open_model(page, server, man.address)
    use_account(page, "local:1")
    page.wait_for_function(
        "document.querySelector('[data-testid=contribute-deposit]').value !== ''"
    )
    shown = page.input_value("[data-testid=contribute-deposit]")
    assert re.fullmatch(r"\d+(\.\d{1,6})?", shown), shown  # not 18 decimals
    note = page.inner_text("[data-testid=deposit-note]")
    assert "A contribution mined now (" in note and "the pending block's time) owes" in note
    before = me.balance
    page.fill("[data-testid=contribute-input]", text)
    page.select_option("[data-testid=contribute-label]", str(label))
    page.evaluate(STAGES, "contribute-tx")
    page.click("[data-testid=contribute-btn]")
    msg = wait_msg(page, "contribute-msg")
    assert int(model.contribution_count()) == 1
    tx = page.inner_text("[data-testid=contribute-tx] [data-testid=tx-hash]")
    charged = added_deposit(tx)
    assert charged == int(model.contribution(1).claimable)
    # It carried the most typed, by default the deposit after a quiet minute (as `ape run
    # contribute`'s cap), rounded up to 6 decimals; the contract kept what it owed.
    sent = int(Decimal(shown) * 10**18)
    quiet_minute = int(model.cost_weight()) * 3600 // 7  # isqrt(60) = 7
    assert quiet_minute <= sent < quiet_minute + 10**12, (shown, quiet_minute)
    assert int(chain_tx(tx)["value"], 16) == sent
    assert charged < sent and charged * 5 < at_last_block, (charged, at_last_block)
    assert msg == (
        f"contributed #1 ({man.class_names[label]}): charged {eth(charged)} as its deposit; "
        f"{eth(sent - charged)} of the {eth(sent)} sent came back in the same transaction"
    )
    # The transaction as it went: sent (its hash), then mined, copyable.
    stages = page.evaluate("window.stages")
    assert stages[0] == "sent" and stages[-1] == "mined", stages
    assert re.fullmatch(r"0x[0-9a-f]{64}", tx)
    assert chain_tx(tx)["from"].lower() == me.address.lower()
    page.click("[data-testid=contribute-tx] button.copy")
    assert page.evaluate("navigator.clipboard.readText()") == tx
    assert not page.locator("[data-testid=contribute-tx] a.explorer").count()  # none on Anvil
    page.wait_for_selector("[data-testid=mine-1]")
    assert page.inner_text("[data-testid=state-1]") == "waiting"
    assert "refund window opens in" in page.inner_text("[data-testid=mine-1]")
    assert page.is_disabled("[data-testid=refund-1]")
    shot(page, "waiting")
    advance(int(model.refund_wait()) + 1)
    page.click("[data-testid=refresh]")
    page.wait_for_selector("[data-testid=refund-1]:not([disabled])")
    assert "the model agrees" in page.inner_text("[data-testid=mine-1]")
    page.click("[data-testid=refund-1]")
    assert wait_msg(page, "claim-msg") == f"#1: refund done, {eth(charged)} paid to you"
    page.wait_for_function(
        "document.querySelector('[data-testid=state-1]').innerText === 'refunded'"
    )
    assert model.contribution(1).good
    assert before - me.balance < 10**16  # the deposit came back; only gas was spent
    leader = page.inner_text("[data-testid=leaderboard]")
    assert me.address in leader and "(you)" in leader
    shot(page, "refunded")


def test_revert_reason_as_the_contract_wrote_it(context, server, models, accounts, shot):
    man = models["naive_bayes_vocab"]
    model = contract(man)
    text = "a gorgeous, witty, moving, beautiful film"
    row = encoder_from_settings(man.encoder).encode_one(text)
    wrong = 1 - int(model.predict(row))
    model.addData(row, wrong, sender=accounts[2], value=model.next_deposit())
    advance(int(model.refund_wait()) + 1)
    page = context.new_page()
    open_model(page, server, man.address)
    use_account(page, "local:3")  # no good contributions yet
    page.wait_for_selector("[data-testid=report-1]:not([disabled])")
    sent = nonce(accounts[3].address)
    page.click("[data-testid=report-1]")
    msg = wait_msg(page, "claim-msg")
    assert '"report: reporter has no good contributions"' in msg and "nothing was sent" in msg
    assert nonce(accounts[3].address) == sent
    shot(page, "revert-reason")
    # A most typed below the deposit now: refused before anything is sent, as `ape run
    # contribute` refuses a cap below it; one wei more than the deposit refused too.
    page.fill("[data-testid=contribute-input]", "another witty film")
    page.fill("[data-testid=contribute-deposit]", "0.000001")
    assert "is above this amount: raise it" in page.inner_text("[data-testid=deposit-carried]")
    page.click("[data-testid=contribute-btn]")
    msg = wait_msg(page, "contribute-msg")
    assert msg.startswith("the deposit now is ") and msg.endswith("; nothing was sent"), msg
    assert "above the 0.000001 ETH typed as the most to pay: raise it to " in msg
    assert nonce(accounts[3].address) == sent and int(model.contribution_count()) == 1
    # The next block's time pinned, the deposit now is known to the wei: one wei less is
    # refused, exactly it is sent and charged in full.
    head = int(rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
    rpc("evm_setNextBlockTimestamp", [head + 100])
    owed = pending_deposit(man.address)
    quiet = head + 100 - int(model.last_contribution_time())
    assert owed == int(model.cost_weight()) * 3600 // math.isqrt(quiet)
    for typed, lands in ((owed - 1, False), (owed, True)):
        page.fill("[data-testid=contribute-deposit]", f"{Decimal(typed) / 10**18:.18f}")
        page.click("[data-testid=contribute-btn]")
        msg = wait_msg(page, "contribute-msg")
        if not lands:
            assert msg.startswith(f"the deposit now is {eth(owed)}, above the "), msg
            assert msg.endswith("; nothing was sent") and nonce(accounts[3].address) == sent
    assert msg.startswith(f"contributed #2 ({man.class_names[0]}): charged {eth(owed)} "), msg
    assert msg.endswith(f"; 0 ETH of the {eth(owed)} sent came back in the same transaction")
    assert int(model.contribution(2).claimable) == owed


def test_points_validation_and_leaderboard(context, server, models, accounts, shot):
    man = models["sparse_ncc_points"]
    model = contract(man)
    text = "a funny, warm and touching film"
    row = encoder_from_settings(man.encoder).encode_one(text)
    label = int(model.predict(row))
    page = context.new_page()
    open_model(page, server, man.address)
    use_account(page, "local:4")
    assert "Free" in page.inner_text("[data-testid=deposit-note]")
    page.fill("[data-testid=contribute-input]", text)
    page.select_option("[data-testid=contribute-label]", str(label))
    page.click("[data-testid=contribute-btn]")
    assert "contributed" in wait_msg(page, "contribute-msg")
    page.wait_for_selector("[data-testid=mine-1]")
    waiting = page.inner_text("[data-testid=mine-1]")
    assert "validation opens in" in waiting and "refund" not in waiting.lower(), waiting
    advance(int(model.refund_wait()) + 1)
    page.click("[data-testid=refresh]")
    page.wait_for_selector("[data-testid=refund-1]:not([disabled])")
    page.click("[data-testid=refund-1]")
    assert wait_msg(page, "claim-msg") == "#1: validation done, +1 point"
    page.wait_for_selector("[data-testid=leader]")
    leader = page.inner_text("[data-testid=leaderboard]")
    assert accounts[4].address in leader and "first point" in leader
    assert int(model.points(accounts[4].address)) == 1
    shot(page, "leaderboard")


def test_bad_inputs_say_so_and_send_nothing(context, server, models, accounts, shot):
    man = models["perceptron"]
    model = contract(man)
    page = context.new_page()
    open_model(page, server, man.address)
    sent = nonce(accounts[0].address)
    balance = int(accounts[0].balance)
    for text, expected in [
        ("", "the text is empty"),
        ("   ", "the text is empty"),
        ("!!! ? 7 — …", "no words the model reads"),
    ]:
        page.fill("[data-testid=predict-input]", text)
        page.click("[data-testid=predict-btn]")
        page.wait_for_selector("[data-testid=predict-result].error")
        assert expected in page.inner_text("[data-testid=predict-result]")
        page.fill("[data-testid=contribute-input]", text)
        page.click("[data-testid=contribute-btn]")
        assert expected in wait_msg(page, "contribute-msg")
    page.fill("[data-testid=contribute-input]", "a witty film")
    # An account with 1 ETH: a contribution carrying 2 ETH is refused (the most it carries is
    # the same-block deposit, 3.6 ETH, so a larger amount typed would carry that).
    rpc("anvil_setBalance", [accounts[0].address, hex(10**18)])
    try:
        page.fill("[data-testid=contribute-deposit]", "2")
        page.click("[data-testid=contribute-btn]")
        msg = wait_msg(page, "contribute-msg")
    finally:
        rpc("anvil_setBalance", [accounts[0].address, hex(balance)])
    assert msg == "the deposit, 2 ETH, is above this account's balance, 1 ETH; nothing was sent"
    for typed, expected in [
        ("ten", 'the deposit "ten" is not an amount of ETH'),
        ("-1", 'the deposit "-1" is negative: a deposit is 0 ETH or more'),
        ("1e-3", 'the deposit "1e-3" is not an amount of ETH'),
    ]:
        page.fill("[data-testid=contribute-deposit]", typed)
        page.click("[data-testid=contribute-btn]")
        msg = wait_msg(page, "contribute-msg")
        assert expected in msg and msg.endswith("nothing was sent"), msg
        assert "safe integer" not in msg
    shot(page, "bad-deposit")
    assert nonce(accounts[0].address) == sent and int(model.contribution_count()) == 0
    # Addresses: not an address, no contract there, a contract that is not a model.
    for address, expected in [
        ("0x1234", "is not an address"),
        (accounts[5].address, "there is no contract at"),
    ]:
        page.goto(server.url)
        page.fill("[data-testid=open-address]", address)
        page.click("[data-testid=open-address-btn]")
        page.wait_for_selector("[data-testid=model-error]")
        assert expected in page.inner_text("[data-testid=model-error]")
    shot(page, "no-contract")


def test_a_contract_that_is_not_a_model(context, server, accounts, shot):
    other = deploy_other(accounts[0].address)
    page = context.new_page()
    page.goto(f"{server.url}#/model/{other}")
    page.wait_for_selector("[data-testid=model-error]")
    assert "is not a model" in page.inner_text("[data-testid=model-error]")
    shot(page, "not-a-model")


WALLET = """
(() => {
  const cfg = %s;
  const rpc = async (method, params) => {
    const r = await fetch("/rpc", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({jsonrpc: "2.0", id: 1, method, params})});
    const j = await r.json();
    const e = j.error;
    if (e) throw Object.assign(new Error(e.message), {code: e.code, data: e.data});
    return j.result;
  };
  const rejected = () => Object.assign(new Error("User rejected the request."), {code: 4001});
  window.walletCalls = [];
  window.ethereum = {
    on() {}, removeListener() {},
    async request({method, params}) {
      window.walletCalls.push(method);
      if (method === "eth_chainId") return "0x" + cfg.chainId.toString(16);
      if (method === "eth_accounts") return cfg.connected ? [cfg.account] : [];
      if (method === "eth_requestAccounts") {
        if (cfg.reject === "accounts") throw rejected();
        cfg.connected = true;
        return [cfg.account];
      }
      if (method === "eth_sendTransaction" && cfg.reject === "send") throw rejected();
      return rpc(method, params ?? []);
    },
  };
})();
"""


@pytest.mark.parametrize(
    "wallet, expected",
    [
        ({"chainId": 1}, "wrong network: the wallet is on chain 1, the models are on chain"),
        ({"reject": "accounts"}, "the wallet rejected the contribution: nothing was sent"),
        ({"reject": "send"}, "the wallet rejected the contribution: nothing was sent"),
        ({}, "contributed"),
    ],
    ids=["wrong-network", "rejects-connect", "rejects-send", "sends"],
)
def test_injected_wallet(browser, server, models, accounts, shot, wallet, expected):
    from ape import chain

    man = models["perceptron"]
    model = contract(man)
    me = accounts[6]
    cfg = {"chainId": chain.chain_id, "account": me.address, "connected": False, **wallet}
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    ctx.set_default_timeout(30_000)
    ctx.add_init_script(script=WALLET % json.dumps(cfg))
    try:
        page = ctx.new_page()
        open_model(page, server, man.address)
        use_account(page, "injected")
        sent = nonce(me.address)
        page.fill("[data-testid=contribute-input]", "a gorgeous, witty film")
        page.click("[data-testid=contribute-btn]")
        msg = wait_msg(page, "contribute-msg")
        assert expected in msg, msg
        if expected == "contributed":
            assert nonce(me.address) == sent + 1 and int(model.contribution_count()) == 1
            page.wait_for_selector("[data-testid=mine-1]")
        else:
            assert "nothing was sent" in msg
            assert nonce(me.address) == sent and int(model.contribution_count()) == 0
        shot(page, "wallet")
    finally:
        ctx.close()


def test_owner_takes_after_its_wait(context, server, models, accounts, shot):
    man = models["perceptron"]
    model = contract(man)
    text = "a gorgeous, witty and moving film"
    row = encoder_from_settings(man.encoder).encode_one(text)
    model.addData(row, 1 - int(model.predict(row)), sender=accounts[2], value=model.next_deposit())
    page = context.new_page()
    open_model(page, server, man.address)
    use_account(page, "local:5")  # not the owner: anyone may take only after any_wait
    assert page.is_disabled("[data-testid=take-1]")
    assert "anyone may take in" in page.inner_text("[data-testid=other-1]")
    advance(int(model.owner_wait()) + 1)
    use_account(page, "local:0")  # the owner
    page.wait_for_selector("[data-testid=take-1]:not([disabled])")
    before = int(model.contribution(1).claimable)
    assert before > 0
    page.click("[data-testid=take-1]")
    assert "take done" in wait_msg(page, "claim-msg")
    assert int(model.contribution(1).claimable) == 0
    page.wait_for_function("!document.querySelector('[data-testid=other-1]')")
    shot(page, "taken")


def test_a_pasted_address_is_read_from_the_chain(context, dist, models, shot):
    """A server with no manifests: the page reads the encoder from the chain; a vocabulary
    model needs its word list, checked against the on-chain keccak; a dense one its scales."""
    from ape import chain

    bare = Server(chain.provider.uri, port=0, dist=dist, dirs=[]).start()
    try:
        page = context.new_page()
        page.goto(bare.url)
        page.wait_for_function("document.body.dataset.ready === '1'")
        assert "No deployment on this chain yet" in page.inner_text("main")
        hashed = models["perceptron"]
        page.fill("[data-testid=open-address]", hashed.address.lower())
        page.click("[data-testid=open-address-btn]")
        page.wait_for_selector("[data-testid=facts] dd")
        assert "hashing into 2^14 columns" in page.inner_text("[data-testid=facts]")
        text = TEXTS[0]
        answer, features = predict(page, text)
        assert features == encoder_from_settings(hashed.encoder).encode_one(text)

        vocab = models["naive_bayes_vocab"]
        open_model(page, bare, vocab.address)
        page.fill("[data-testid=predict-input]", text)
        page.click("[data-testid=predict-btn]")
        assert "load its word list first" in wait_msg(page, "predict-result")
        words = vocab.encoder["words"]
        page.fill("[data-testid=vocab-input]", "\n".join(words[:-1]))
        page.click("text=Check and use")
        page.wait_for_selector("[data-testid=vocab-msg].error")
        assert "does not match the model's on-chain hash" in page.inner_text(
            "[data-testid=vocab-msg]"
        )
        page.fill("[data-testid=vocab-input]", "\n".join(words))
        page.click("text=Check and use")
        page.wait_for_selector("[data-testid=vocab-msg].ok")
        answer, features = predict(page, text)
        assert features == encoder_from_settings(vocab.encoder).encode_one(text)
        shot(page, "vocabulary-pasted")

        wine = models["wine_ncc"]
        open_model(page, bare, wine.address)
        page.fill("[data-testid=predict-input]", "1,2,3")
        page.click("[data-testid=predict-btn]")
        assert "only its manifest holds" in wait_msg(page, "predict-result")
    finally:
        bare.stop()


def test_market_phase_and_progress(context, server, accounts, shot):
    import random

    from ape import chain, project
    from market_helpers import dataset, open_market

    rows, labels = dataset(random.Random(21), 16)
    run = open_market(project, accounts[0], chain, rows, labels, pieces=2)
    page = context.new_page()
    open_model(page, server, run.contract.address)
    assert page.inner_text("[data-testid=market-phase]").startswith("open")
    assert page.inner_text("[data-testid=market-bounty]") == "1 ETH"
    assert page.inner_text("[data-testid=market-contributions]").startswith("0 of at most")
    answer, features = predict(page, "w1 w2")
    assert answer in ("neg", "pos")
    shot(page, "market")


def test_encoders_in_chromium_match_python(context, server):
    """The unit parity job (tests/unit/test_web_encoding.py runs it under Node) in Chromium,
    with the browser's own Unicode tables: every code point, and the texts through a hashing
    and a vocabulary encoder."""
    import importlib.util

    from sharedmodels.encoding.features import Encoder, VocabEncoder
    from sharedmodels.runs.web import python_lowercase, python_word_ranges, unassigned_ranges

    where = ROOT / "tests/unit/test_web_encoding.py"
    spec = importlib.util.spec_from_file_location("web_encoding_cases", where)
    cases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cases)
    texts = cases.HANDWRITTEN + cases.random_texts(500)
    encoders = [Encoder(n_features=2**20), VocabEncoder.fit(texts, 300)]
    job = {
        "unassigned": unassigned_ranges(),
        "codepoints": True,
        "texts": texts,
        "encoders": [{"settings": e.settings()} for e in encoders],
    }
    page = context.new_page()
    page.goto(server.url)
    page.wait_for_function("document.body.dataset.ready === '1'")
    out = page.evaluate("async (job) => (await import('./parity.js')).runJob(job)", job)
    assert out["word"] == python_word_ranges()
    assert out["lower"] == python_lowercase()
    for enc, got in zip(encoders, out["encoded"], strict=True):
        assert got == [cases.python_encode(enc, t) for t in texts]


ATTACK = """async (url) => {
  const tx = (method, params) => JSON.stringify({jsonrpc: "2.0", id: 1, method, params});
  const steal = [{from: %s, to: %s, value: "0xde0b6b3a7640000"}];
  const plain = {mode: "no-cors", headers: {"Content-Type": "text/plain"}};
  const json = {mode: "cors", headers: {"Content-Type": "application/json"}};
  const tries = [
    // A "simple" request: no preflight, the body read as JSON all the same by a naive proxy.
    {...plain, body: tx("eth_sendTransaction", steal)},
    {...plain, body: tx("anvil_setBalance", [%s, "0x0"])},
    {...json, body: tx("eth_sendTransaction", steal)},
  ];
  const out = [];
  for (const t of tries) {
    try {
      const r = await fetch(url, {method: "POST", ...t});
      out.push(r.type === "opaque" ? "opaque" : r.status);
    } catch (e) {
      out.push("blocked: " + e.message);
    }
  }
  return out;
}"""


def test_another_site_cannot_use_the_node(context, server, accounts, tmp_path):
    """A page of another origin open in the same browser (another port of this machine, so
    that Chromium's private-network rules do not stop it first, as Firefox's and Safari's would
    not) posts to the server's /rpc as a naive proxy would forward it, then to the node's own
    port: nothing reaches the node (the victim's nonce and balance, and the thief's balance, are
    unchanged). Before bin/anvil's --no-cors, Anvil let every origin in and the JSON request to
    its port moved 1 ETH."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from ape import chain

    victim, thief = accounts[7], accounts[8]
    (tmp_path / "evil.html").write_text("<!doctype html><p>a page on another site</p>")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    evil = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{evil.server_address[1]}/evil.html")
        before = (nonce(victim.address), victim.balance, thief.balance)
        q = json.dumps
        out = page.evaluate(
            ATTACK % (q(victim.address), q(thief.address), q(victim.address)), f"{server.url}rpc"
        )
        # The simple requests are sent (their answers are opaque); the JSON one stops at CORS.
        assert out[:2] == ["opaque", "opaque"], out
        assert (nonce(victim.address), victim.balance, thief.balance) == before
        # The node's own port: Anvil reads no text/plain body, and the JSON request stops at
        # its preflight (the node lets no origin in).
        out = page.evaluate(
            ATTACK % (q(victim.address), q(thief.address), q(victim.address)), chain.provider.uri
        )
        assert (nonce(victim.address), victim.balance, thief.balance) == before, out
        assert out[:2] == ["opaque", "opaque"] and str(out[2]).startswith("blocked"), out
    finally:
        evil.shutdown()
        evil.server_close()


def test_no_site_may_frame_the_page(context, server, tmp_path):
    """Clickjacking: another site shows the page in a frame (transparent, over a decoy button)
    to get a click on Contribute or Take. The server's answers forbid any frame: Chromium
    shows its error page in the frame instead of the page."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    (tmp_path / "frame.html").write_text(
        f'<!doctype html><iframe id="f" src="{server.url}" style="opacity:0.01"></iframe>'
    )
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    evil = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{evil.server_address[1]}/frame.html")
        page.wait_for_timeout(1500)
        frame = page.frame_locator("#f")
        assert frame.locator("[data-testid=network]").count() == 0
        child = next(f for f in page.frames if f != page.main_frame)
        assert child.url != server.url and not child.url.startswith(server.url), child.url
    finally:
        evil.shutdown()
        evil.server_close()


def test_a_static_export_reads_the_chain_directly(context, dist, manifests, models, tmp_path):
    """``ape run web --static``: plain files on any static host, reading from the public
    endpoint named at export (here a relay to the session's Anvil that allows CORS, as public
    endpoints do; the node itself lets no origin in), no proxy and no node account offered."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from ape import chain

    from sharedmodels.runs.web import export_static

    endpoint = Relay(chain.provider.uri, cors=True).start()
    site = export_static(
        tmp_path / "site",
        chain.provider.uri,
        endpoint.url,
        dist=dist,
        dirs=[next(iter(manifests.values())).parent],
    )
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
    host = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{host.server_address[1]}/")
        page.wait_for_function(
            "document.querySelectorAll('[data-testid=model-link]').length === 4", timeout=60_000
        )
        assert page.inner_text("[data-testid=account]") == "no account available"
        open_model(
            page, type("S", (), {"url": page.url.split("#")[0]}), models["perceptron"].address
        )
        answer, features = predict(page, TEXTS[0])
        assert features == encoder_from_settings(models["perceptron"].encoder).encode_one(TEXTS[0])
    finally:
        host.shutdown()
        host.server_close()
        endpoint.stop()


def test_the_node_stops_and_comes_back(context, dist, manifests, models, shot):
    """The header names the network and says whether its node answers; when the node stops it
    no longer claims the deployments, Predict refuses at once in words, and when the node is back
    the page reloads what it shows and predicts again."""
    from ape import chain

    from sharedmodels.runs.web import Server

    relay = Relay(chain.provider.uri).start()
    srv = Server(relay.url, port=0, dist=dist, dirs=[next(iter(manifests.values())).parent])
    srv.start()
    try:
        page = context.new_page()
        page.goto(srv.url)
        page.wait_for_function("document.body.dataset.ready === '1'")
        header = "[data-testid=network]"
        page.wait_for_selector(f"{header}[data-state=connected]")
        # the head's number follows the connection in a moment: wait for it, then read
        page.wait_for_function(
            f"document.querySelector('{header}').innerText.includes('connected, block')"
        )
        text = page.inner_text(header)
        assert "local Anvil, chain 31337 · connected, block" in text and "4 deployments" in text
        open_model(page, srv, models["perceptron"].address)
        answer, _ = predict(page, TEXTS[0])

        relay.stop()
        page.wait_for_selector(f"{header}[data-state=down]")
        text = page.inner_text(header)
        assert "node not answering since" in text and "deployments" not in text, text
        assert "the node is not answering" in page.inner_text("[data-testid=banner]")
        page.fill("[data-testid=predict-input]", TEXTS[1])
        page.click("[data-testid=predict-btn]")
        msg = wait_msg(page, "predict-result")
        assert msg.startswith("the node is not answering (since"), msg
        page.fill("[data-testid=contribute-input]", TEXTS[1])
        page.click("[data-testid=contribute-btn]")
        assert wait_msg(page, "contribute-msg").startswith("the node is not answering")
        shot(page, "node-down")

        relay.start()
        page.wait_for_selector(f"{header}[data-state=connected]")
        page.wait_for_function("document.body.dataset.ready === '1'")
        assert "4 deployments" in page.inner_text(header)
        assert page.is_hidden("[data-testid=banner]")
        # drawn anew, the page keeps what was typed while the node was down
        for box in ("predict-input", "contribute-input"):
            assert page.input_value(f"[data-testid={box}]") == TEXTS[1], box
        assert predict(page, TEXTS[0])[0] == answer
    finally:
        relay.stop()
        srv.stop()


#: Whether the page is wider than the window (it would scroll sideways), and every button in
#: the contributions tables and the chart's bars, as drawn.
LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const box = (b) => {
    const r = b.getBoundingClientRect();
    return {text: b.innerText, left: r.left, right: r.right, shown: r.width > 0};
  };
  const tables = "[data-testid=mine] button, [data-testid=others] button";
  const buttons = [...document.querySelectorAll(tables)].map(box);
  const rects = [...document.querySelectorAll("svg.chart rect")];
  const bars = rects.map((r) => r.getBoundingClientRect().width);
  const legend = document.querySelector("[data-testid=chart-legend]");
  return {
    width, scroll: document.documentElement.scrollWidth, buttons, bars,
    legendPx: legend ? parseFloat(getComputedStyle(legend).fontSize) : 0,
  };
}"""


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_layout_at_phone_and_desktop_widths(
    context, server, models, accounts, screenshots, viewport
):
    """No sideways scrolling, every Refund/Report/Take button in view, a chart whose bars and
    words can be read: at a phone's width (390 px, where the page was 549 px wide and the tables
    hid their buttons) and a desktop's. The screenshots stay in web/screenshots/."""
    man = models["perceptron"]
    model = contract(man)
    row = encoder_from_settings(man.encoder).encode_one("a witty and gorgeous film")
    for who in (accounts[9], accounts[3]):
        model.addData(row, 0, sender=who, value=pending_deposit(man.address) * 2)
    width, height = viewport
    name = "phone" if width < 600 else "desktop"
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(server.url)
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=model-link]').length === 4", timeout=60_000
    )
    page.wait_for_function("!document.body.innerText.includes('loading…')")
    seen = page.evaluate(LAYOUT)
    assert seen["scroll"] <= seen["width"], seen
    page.screenshot(path=str(screenshots / f"layout-{name}-models.png"), full_page=True)
    open_model(page, server, man.address)
    use_account(page, "local:9")
    page.wait_for_selector("[data-testid=others] button")
    seen = page.evaluate(LAYOUT)
    assert seen["scroll"] <= seen["width"], seen
    texts = {b["text"] for b in seen["buttons"]}
    assert {"Refund", "Report", "Take"} <= texts, texts
    for b in seen["buttons"]:
        assert b["shown"] and 0 <= b["left"] and b["right"] <= seen["width"], b
    assert seen["bars"] and min(seen["bars"]) >= 8, seen["bars"]  # bars, not a hairline
    assert seen["legendPx"] >= 11, seen
    page.screenshot(path=str(screenshots / f"layout-{name}-model.png"), full_page=True)


#: Records each stage of a transaction line with its text and the page's clock (ms).
TIMED_STAGES = """(testid) => {
  window.timed = [];
  const box = document.querySelector(`[data-testid=${testid}]`);
  new MutationObserver(() => {
    const line = box.querySelector("[data-stage]");
    if (line && window.timed.at(-1)?.stage !== line.dataset.stage)
      window.timed.push({stage: line.dataset.stage, text: line.innerText, at: performance.now()});
  }).observe(box, { childList: true, subtree: true });
}"""


def test_contribute_on_interval_mining(context, server, models, accounts, shot):
    """The session's Anvil mines a block every 2 s (automine off) while a contribution is sent
    from the page: the header names the network and its chain id, the transaction line says
    it waits to be mined (its hash shown) until the node's own next block, then mined with
    its block; nobody mines on demand. Automine again afterwards."""
    from ape import chain

    man = models["wine_ncc"]
    model = contract(man)
    before = int(model.contribution_count())
    rpc("evm_setIntervalMining", [2])
    rpc("evm_setAutomine", [False])
    try:
        page = context.new_page()
        open_model(page, server, man.address)
        use_account(page, "local:2")
        header = page.inner_text("#network")
        assert "local Anvil, chain 31337" in header and "connected, block" in header, header
        page.wait_for_function(
            "document.querySelector('[data-testid=contribute-deposit]').value !== ''"
        )
        page.fill("[data-testid=contribute-input]", ", ".join(["1"] * 13))
        page.select_option("[data-testid=contribute-label]", "0")
        page.evaluate(TIMED_STAGES, "contribute-tx")
        page.click("[data-testid=contribute-btn]")
        page.wait_for_selector("[data-testid=contribute-tx] [data-stage=sent]", timeout=20_000)
        shot(page, "pending")
        msg = wait_msg(page, "contribute-msg")
        assert msg.startswith(f"contributed #{before + 1} "), msg
        timed = page.evaluate("window.timed")
        assert [t["stage"] for t in timed] == ["sent", "mined"], timed
        tx = page.inner_text("[data-testid=contribute-tx] [data-testid=tx-hash]")
        assert tx in timed[0]["text"] and "waiting to be mined…" in timed[0]["text"]
        receipt = rpc("eth_getTransactionReceipt", [tx])
        block = int(receipt["blockNumber"], 16)
        assert f"block {block}" in timed[1]["text"]
        # The node's own interval made that block: two seconds after the one before it.
        this, prev = (rpc("eth_getBlockByNumber", [hex(n), False]) for n in (block, block - 1))
        assert int(this["timestamp"], 16) - int(prev["timestamp"], 16) in (1, 2, 3)
        assert int(model.contribution_count()) == before + 1
        shot(page, "mined")
    finally:
        rpc("evm_setIntervalMining", [0])
        rpc("evm_setAutomine", [True])
    assert chain.provider.make_request("anvil_getAutomine", [])


#: Records each state the contribute message goes through (data-state) and each stage of each
#: transaction line, in window.states and window.lines.
STATES = """() => {
  window.states = [];
  window.lines = [];
  const msg = document.querySelector("[data-testid=contribute-msg]");
  const box = document.querySelector("[data-testid=contribute-tx]");
  new MutationObserver(() => {
    const s = msg.dataset.state;
    if (s && window.states.at(-1) !== s) window.states.push(s);
    const now = [...box.querySelectorAll("[data-stage]")].map((l) => l.dataset.stage).join(",");
    if (now && window.lines.at(-1) !== now) window.lines.push(now);
  }).observe(document.body, { childList: true, subtree: true, attributes: true });
}"""


def overtake(man, model, row, label, who) -> str:
    """Put ``who``'s contribution of ``row`` in the pool with a far higher tip than the page's:
    the node mines it first in the next block. Its hash."""
    return rpc(
        "eth_sendTransaction",
        [
            {
                "from": who.address,
                "to": man.address,
                "data": "0x" + bytes(model.addData.encode_input(row, label)).hex(),
                "value": hex(int(model.cost_weight()) * 3600),  # enough first in the block
                "gas": hex(3_000_000),
                "maxPriorityFeePerGas": hex(100 * 10**9),
                "maxFeePerGas": hex(10**12),
            }
        ],
    )


def block_time(receipt: dict) -> int:
    return int(rpc("eth_getBlockByNumber", [receipt["blockNumber"], False])["timestamp"], 16)


def fee(receipt: dict) -> int:
    return int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)


@pytest.fixture
def paused():
    """Automine off (the test mines each block, after both contributions are in the pool);
    on again afterwards, even on failure."""
    from ape import chain

    rpc("evm_setAutomine", [False])
    try:
        yield
    finally:
        rpc("evm_setAutomine", [True])
    assert chain.provider.make_request("anvil_getAutomine", [])


def test_overtaken_in_its_block_the_contribution_is_re_priced_and_sent_once_more(
    context, server, models, accounts, shot, paused
):
    """Two contributors in one block, as on any public chain. After a quiet hour the page
    prices a contribution (0.06 ETH) and sends it carrying the default most, the deposit after a
    quiet minute (as ``ape run contribute``'s default cap); another account's contribution with a
    higher tip lands first in the same block and the deposit of the page's jumps to the
    same-block one (3.6 ETH), above what it carried: it reverts, paying no deposit. The page
    finds the other contribution in that block, says so, re-prices at the pending block (still
    above its most: it says it waits, with a Stop button), and when the chain's clock has moved
    on sends it once more: it lands, charged exactly the contract's deposit for its block; the
    account lost that deposit and the gas of both transactions, nothing else."""
    man = models["naive_bayes_vocab"]
    model = contract(man)
    me = accounts[1]
    weight = int(model.cost_weight())
    text = "a gorgeous, witty and moving film"
    row = encoder_from_settings(man.encoder).encode_one(text)
    label = int(model.predict(row))
    rpc("evm_increaseTime", [3600])  # a quiet hour: the deposit now is small
    before = int(model.contribution_count())
    page = context.new_page()
    open_model(page, server, man.address)
    use_account(page, "local:1")
    page.wait_for_function(
        "document.querySelector('[data-testid=contribute-deposit]').value !== ''"
    )
    most = int(Decimal(page.input_value("[data-testid=contribute-deposit]")) * 10**18)
    default_cap = weight * 3600 // 7  # the deposit after a quiet minute: 3600 // isqrt(60)
    assert default_cap <= most < default_cap + 10**12  # to 6 decimals, rounded up
    assert pending_deposit(man.address) < most < weight * 3600
    carried = page.inner_text("[data-testid=deposit-carried]")
    assert carried.startswith(f"Sends {eth(most)}; the deposit now is "), carried
    # The default to the wei (not rounded up): the retry's deposit below lands on it exactly.
    most = default_cap
    page.fill("[data-testid=contribute-deposit]", f"{Decimal(most) / 10**18:.18f}")
    page.fill("[data-testid=contribute-input]", text)
    page.select_option("[data-testid=contribute-label]", str(label))
    page.evaluate(STATES)
    balance = me.balance
    page.click("[data-testid=contribute-btn]")
    page.wait_for_selector("[data-testid=contribute-tx] [data-stage=sent]", timeout=20_000)
    first_tx = page.inner_text("[data-testid=contribute-tx] [data-testid=tx-hash]")
    assert int(chain_tx(first_tx)["value"], 16) == most
    rival = overtake(man, model, row, label, accounts[4])
    rpc("evm_mine", [])
    # The page's first attempt reverted; the deposit for the next block is still above its most.
    page.wait_for_selector("[data-testid=contribute-msg][data-state=waiting]", timeout=30_000)
    waiting = page.inner_text("[data-testid=contribute-msg]")
    mined, lost = (rpc("eth_getTransactionReceipt", [h]) for h in (rival, first_tx))
    race_block = int(lost["blockNumber"], 16)
    assert mined["status"] == "0x1" and lost["status"] == "0x0"
    assert mined["blockNumber"] == lost["blockNumber"]
    assert int(mined["transactionIndex"], 16) < int(lost["transactionIndex"], 16)
    assert not lost["logs"]  # no ContributionAdded of ours
    assert int(model.contribution_count()) == before + 1  # the other's only
    assert balance - me.balance == fee(lost)  # the first attempt spent gas only
    assert waiting.startswith(
        f"another contribution landed first in block {race_block} and raised the deposit above "
        f"the {eth(most)} yours carried: it reverted and paid no deposit, only its gas "
        f"({eth(fee(lost))}); the deposit is now "
    ), waiting
    assert f"above the {eth(most)} typed: waiting for it to fall (about " in waiting
    assert page.is_visible("[data-testid=contribute-stop]")
    assert page.is_disabled("[data-testid=contribute-btn]")
    line = page.inner_text("[data-testid=contribute-tx]")
    assert line.startswith("failed (reverted) ") and first_tx in line, line
    shot(page, "overtaken-waiting")
    # 49 quiet seconds pass on the chain: the deposit for the next block, 3.6 // isqrt(49),
    # is then the amount typed exactly; the page's re-pricing (at the pending block) sends
    # once more, carrying the same amount.
    rpc("evm_setNextBlockTimestamp", [block_time(mined) + 49])
    page.wait_for_selector(
        "[data-testid=contribute-tx] [data-stage=sent]:nth-child(2)", timeout=30_000
    )
    assert page.get_attribute("[data-testid=contribute-msg]", "data-state") == "retrying"
    second_tx = page.inner_text(
        "[data-testid=contribute-tx] [data-stage=sent] [data-testid=tx-hash]"
    )
    assert second_tx != first_tx and int(chain_tx(second_tx)["value"], 16) == most
    rpc("evm_mine", [])
    msg = wait_msg(page, "contribute-msg")
    landed = rpc("eth_getTransactionReceipt", [second_tx])
    assert landed["status"] == "0x1"
    assert block_time(landed) - block_time(mined) == 49
    charged = added_deposit(second_tx)
    assert charged == weight * 3600 // math.isqrt(49) == most
    assert int(model.contribution_count()) == before + 2
    assert int(model.contribution(before + 2).claimable) == charged
    assert balance - me.balance == fee(lost) + fee(landed) + charged
    assert msg == (
        f"contributed #{before + 2} ({man.class_names[label]}): charged {eth(charged)} as its "
        f"deposit; {eth(most - charged)} of the {eth(most)} sent came back in the same "
        f"transaction; sent a second time after another contribution landed first in block "
        f"{race_block} (the first attempt reverted and paid no deposit, only its gas, "
        f"{eth(fee(lost))})"
    )
    assert page.evaluate("window.states") == [
        "pricing",
        "sending",
        "overtaken",
        "waiting",
        "retrying",
        "done",
    ]
    lines = page.evaluate("window.lines")
    assert lines[0] == "sent" and "failed" in lines and lines[-1] == "failed,mined", lines
    assert page.is_enabled("[data-testid=contribute-btn]")
    page.wait_for_selector(f"[data-testid=mine-{before + 2}]")
    shot(page, "overtaken-landed")


def test_a_most_above_the_same_block_deposit_lands_in_the_race(
    context, server, models, accounts, shot, paused
):
    """The most typed is above the same-block deposit: the page sends that deposit (3.6 ETH),
    never more, so another contribution landing first in the same block cannot make it too
    low: it lands in that block, after the other, at the first attempt, charged the same-block
    deposit, all of what it carried."""
    man = models["naive_bayes_vocab"]
    model = contract(man)
    me = accounts[5]
    top = int(model.cost_weight()) * 3600
    text = "a tedious, lifeless and empty film"
    row = encoder_from_settings(man.encoder).encode_one(text)
    rpc("evm_increaseTime", [3600])
    before = int(model.contribution_count())
    page = context.new_page()
    open_model(page, server, man.address)
    use_account(page, "local:5")
    page.fill("[data-testid=contribute-deposit]", "50")
    carried = page.inner_text("[data-testid=deposit-carried]")
    assert carried.startswith(f"Sends {eth(top)}; the deposit now is "), carried
    page.fill("[data-testid=contribute-input]", text)
    page.select_option("[data-testid=contribute-label]", "0")
    page.evaluate(STATES)
    balance = me.balance
    page.click("[data-testid=contribute-btn]")
    page.wait_for_selector("[data-testid=contribute-tx] [data-stage=sent]", timeout=20_000)
    tx = page.inner_text("[data-testid=contribute-tx] [data-testid=tx-hash]")
    assert int(chain_tx(tx)["value"], 16) == top
    rival = overtake(man, model, row, 1, accounts[6])
    rpc("evm_mine", [])
    msg = wait_msg(page, "contribute-msg")
    mined, landed = (rpc("eth_getTransactionReceipt", [h]) for h in (rival, tx))
    assert mined["status"] == landed["status"] == "0x1"
    assert mined["blockNumber"] == landed["blockNumber"]
    assert int(mined["transactionIndex"], 16) < int(landed["transactionIndex"], 16)
    assert added_deposit(tx) == top
    assert balance - me.balance == fee(landed) + top
    assert msg == (
        f"contributed #{before + 2} ({man.class_names[0]}): charged {eth(top)} as its deposit; "
        f"0 ETH of the {eth(top)} sent came back in the same transaction"
    )
    assert page.evaluate("window.states") == ["pricing", "sending", "done"]
    assert page.evaluate("window.lines") == ["sent", "mined"]
    shot(page, "race-under-a-high-most")


def test_overtaken_and_stopped_while_waiting_sends_nothing_more(
    context, server, models, accounts, shot, paused
):
    """As in the race above, but the user stops the wait: the page says what happened to the
    first attempt (reverted, gas only) and that it is not sent again; nothing more is sent and
    the account lost only that gas."""
    man = models["naive_bayes_vocab"]
    model = contract(man)
    me = accounts[2]
    text = "a gorgeous and moving film"
    row = encoder_from_settings(man.encoder).encode_one(text)
    rpc("evm_increaseTime", [3600])
    before = int(model.contribution_count())
    page = context.new_page()
    open_model(page, server, man.address)
    use_account(page, "local:2")
    page.wait_for_function(
        "document.querySelector('[data-testid=contribute-deposit]').value !== ''"
    )
    page.fill("[data-testid=contribute-input]", text)
    page.evaluate(STATES)
    balance = me.balance
    page.click("[data-testid=contribute-btn]")
    page.wait_for_selector("[data-testid=contribute-tx] [data-stage=sent]", timeout=20_000)
    tx = page.inner_text("[data-testid=contribute-tx] [data-testid=tx-hash]")
    overtake(man, model, row, 1, accounts[4])
    rpc("evm_mine", [])
    page.click("[data-testid=contribute-msg][data-state=waiting] [data-testid=contribute-stop]")
    msg = wait_msg(page, "contribute-msg")
    sent = nonce(me.address)
    lost = rpc("eth_getTransactionReceipt", [tx])
    assert lost["status"] == "0x0"
    assert msg.startswith(
        f"another contribution landed first in block {int(lost['blockNumber'], 16)} "
    )
    assert f"only its gas ({eth(fee(lost))}); you stopped waiting for the deposit (" in msg
    value = int(chain_tx(tx)["value"], 16)
    assert msg.endswith(f") to fall to {eth(value)}: it is not sent again"), msg
    assert page.evaluate("window.states") == [
        "pricing",
        "sending",
        "overtaken",
        "waiting",
        "failed",
    ]
    rpc("evm_mine", [])
    assert nonce(me.address) == sent  # nothing more in the pool
    assert int(model.contribution_count()) == before + 1  # the other's only
    assert balance - me.balance == fee(lost)
    assert page.is_enabled("[data-testid=contribute-btn]")
    shot(page, "overtaken-stopped")
