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
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from web_helpers import advance, deploy_other

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


def predict(page, text: str) -> tuple[str, list[int]]:
    """Ask the page; its answer and the input it sent (fails with the page's message)."""
    page.fill("[data-testid=predict-input]", text)
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
    perceptron = contract(models["perceptron"])
    most = int(perceptron.next_deposit())  # a deposit only falls as time passes
    page = context.new_page()
    page.goto(server.url)
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=model-link]').length === 4", timeout=60_000
    )
    least = int(perceptron.next_deposit())
    text = page.inner_text("[data-testid=models]")
    for name, kind, classes, incentive, judging in [
        ("perceptron (PerceptronStake)", "sparse Perceptron", "neg, pos", "deposit", "as-is"),
        (
            "naive_bayes_vocab (NaiveBayesStake)",
            "multinomial Naive Bayes",
            "neg, pos",
            "deposit",
            "leave-one-out",
        ),
        (
            "sparse_ncc_points (SparseNearestCentroidPoints)",
            "sparse Nearest Centroid",
            "neg, pos",
            "Points (free)",
            "leave-one-out",
        ),
        (
            "wine_ncc (NearestCentroidStake)",
            "Nearest Centroid (numbers)",
            "class_0, class_1, class_2",
            "deposit",
            "leave-one-out",
        ),
    ]:
        row = next(line for line in text.splitlines() if line.startswith(name))
        assert kind in row and classes in row and incentive in row and judging in row, row
        assert "0 / 0 / 0" in row, row
    row = page.locator("[data-testid=model-row]", has_text="perceptron (PerceptronStake)")
    shown = row.locator("[data-testid=deposit]").inner_text()
    assert shown.endswith(" ETH"), shown
    # Shown to 6 decimals, rounded down.
    assert least // 10**12 <= Decimal(shown.removesuffix(" ETH")) * 10**6 <= most // 10**12
    assert row.locator("[data-testid=counts]").inner_text() == "0 / 0 / 0"
    shot(page, "models")
    page.click("text=perceptron (PerceptronStake)")
    page.wait_for_selector("[data-testid=facts] dd")
    assert models["perceptron"].address in page.inner_text("[data-testid=address]")


def test_predict_matches_python_and_ape_run_predict(context, server, models, manifests, shot):
    from ape import chain

    page = context.new_page()
    browser_answers = {}
    for name in ("perceptron", "naive_bayes_vocab"):
        man = models[name]
        encoder = encoder_from_settings(man.encoder)
        model = contract(man)
        open_model(page, server, man.address)
        for text in TEXTS:
            row = encoder.encode_one(text)
            if not row:  # none of the vocabulary's words: the page refuses, as the CLI does
                page.fill("[data-testid=predict-input]", text)
                page.click("[data-testid=predict-btn]")
                assert "no words the model reads" in wait_msg(page, "predict-result")
                continue
            answer, features = predict(page, text)
            assert features == row, (name, text)
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
        ln.split()[0] for ln in proc.stdout.splitlines() if re.match(r"^\w+ \(\d\)$", ln.strip())
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
    shot(page, "predict-numbers")


def test_contribute_wait_and_refund(context, server, models, accounts, shot):
    man = models["perceptron"]
    model = contract(man)
    me = accounts[1]
    text = "a gorgeous, witty and moving film"
    row = encoder_from_settings(man.encoder).encode_one(text)
    label = int(model.predict(row))  # the label the model agrees with: refundable
    page = context.new_page()
    open_model(page, server, man.address)
    use_account(page, "local:1")
    page.wait_for_function(
        "document.querySelector('[data-testid=contribute-deposit]').value !== ''"
    )
    shown = page.input_value("[data-testid=contribute-deposit]")
    assert shown and float(shown) > 0
    assert "A contribution now owes" in page.inner_text("[data-testid=deposit-note]")
    before = me.balance
    page.fill("[data-testid=contribute-input]", text)
    page.select_option("[data-testid=contribute-label]", str(label))
    page.click("[data-testid=contribute-btn]")
    assert "contributed" in wait_msg(page, "contribute-msg")
    assert int(model.contribution_count()) == 1
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
    assert "refund done" in wait_msg(page, "claim-msg")
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
    # A deposit typed below what the contract asks: its own reason again, nothing sent.
    page.fill("[data-testid=contribute-input]", "another witty film")
    page.fill("[data-testid=contribute-deposit]", "0.000001")
    page.click("[data-testid=contribute-btn]")
    msg = wait_msg(page, "contribute-msg")
    assert '"addData: deposit too low"' in msg and "nothing was sent" in msg
    assert nonce(accounts[3].address) == sent and int(model.contribution_count()) == 1


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
    advance(int(model.refund_wait()) + 1)
    page.click("[data-testid=refresh]")
    page.wait_for_selector("[data-testid=refund-1]:not([disabled])")
    page.click("[data-testid=refund-1]")
    assert "refund done" in wait_msg(page, "claim-msg")
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
    # A deposit above the balance.
    page.fill("[data-testid=contribute-input]", "a witty film")
    page.fill("[data-testid=contribute-deposit]", "100000000")
    page.click("[data-testid=contribute-btn]")
    msg = wait_msg(page, "contribute-msg")
    assert "above this account's balance" in msg and "nothing was sent" in msg
    page.fill("[data-testid=contribute-deposit]", "ten")
    page.click("[data-testid=contribute-btn]")
    assert "is not an amount of ETH" in wait_msg(page, "contribute-msg")
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
    not) posts to the server's /rpc as a naive proxy would forward it: nothing reaches the node
    (the victim's nonce and balance, and the thief's balance, are unchanged)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

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
    finally:
        evil.shutdown()
        evil.server_close()


def test_a_static_export_reads_the_chain_directly(context, dist, manifests, models, tmp_path):
    """``ape run web --static``: plain files on any static host, reading from the public
    endpoint named at export (here the session's Anvil, which allows CORS), no proxy and no
    node account offered."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from ape import chain

    from sharedmodels.runs.web import export_static

    site = export_static(
        tmp_path / "site",
        chain.provider.uri,
        chain.provider.uri,
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
