// The page: a models list, and a model page to predict, contribute, claim and read the
// leaderboard. Reads go through the local server's /rpc (the node); writes come from the node's
// test accounts (eth_sendTransaction on /rpc) or from an injected EIP-1193 wallet.
import {
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  formatEther,
  getAddress,
  http,
  parseEther,
} from "viem";
import {
  UNIDATA_VERSION,
  UserError,
  checkVocabulary,
  contributionStruct,
  describeEncoder,
  encodeInput,
  featuresHash,
  loadModel,
  makeEncoder,
  paidOut,
  reasonOf,
  scan,
  stateOf,
  tools,
  verdictClass,
} from "./chain.js";

const RPC_URL = new URL("rpc", location.href).href;
const ACCOUNT_KEY = "sharedmodels.account";
const BADGES = [
  [1000n, "1,000 points"],
  [100n, "100 points"],
  [10n, "10 points"],
  [1n, "first point"],
];

const app = document.getElementById("app");
const banner = document.getElementById("banner");
const accountSelect = document.getElementById("account");
const balanceEl = document.getElementById("balance");

let config = { chainId: 0, deployments: [] };
let chain;
let client;
let localAccounts = [];
let route = null;
let ticker = null;
/** Word lists loaded by hand for vocabulary models opened by address, by address. */
const vocabularies = new Map();

// ---------------------------------------------------------------- small helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "testid") node.dataset.testid = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const short = (a) => `${a.slice(0, 6)}…${a.slice(-4)}`;
const eth = (wei) => `${trimEth(formatEther(wei))} ETH`;
function trimEth(s) {
  const [i, f = ""] = s.split(".");
  const frac = f.slice(0, 6).replace(/0+$/, "");
  return frac ? `${i}.${frac}` : i;
}

function duration(seconds) {
  let s = Number(seconds);
  if (s <= 0) return "now";
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return [d && `${d}d`, h && `${h}h`, m && `${m}m`, `${s}s`].filter(Boolean).join(" ");
}

function setMsg(node, kind, text) {
  node.className = `msg ${kind}`;
  node.textContent = text;
}

function showBanner(text) {
  banner.textContent = text;
  banner.hidden = !text;
}

/** A failure in words: the contract's reason as it wrote it, the wallet's refusal, or ours. */
function explain(err, what) {
  if (err instanceof UserError) return `${err.message}; nothing was sent`;
  const r = reasonOf(err);
  if (r?.kind === "revert") return `the contract refused ${what}: "${r.text}"; nothing was sent`;
  if (r?.kind === "rejected") return `the wallet rejected ${what}: nothing was sent`;
  if (r?.kind === "funds") return `${r.text}; nothing was sent`;
  console.error(err);
  return `${what} failed: ${err.shortMessage || err.message}`;
}

// ---------------------------------------------------------------- chain time and accounts

let clock = { chainTime: 0n, at: 0 };

async function syncClock() {
  const block = await client.getBlock({ blockTag: "latest" });
  clock = { chainTime: block.timestamp, at: Date.now() };
}

function chainNow() {
  return clock.chainTime + BigInt(Math.floor((Date.now() - clock.at) / 1000));
}

function selectedAccount() {
  return accountSelect.value || "local:0";
}

async function fillAccounts() {
  localAccounts = (await client.request({ method: "eth_accounts" })).map((a) => getAddress(a));
  const saved = localStorage.getItem(ACCOUNT_KEY);
  accountSelect.replaceChildren(
    ...localAccounts.map((a, i) => el("option", { value: `local:${i}` }, `Test account #${i} ${short(a)}`)),
    window.ethereum ? el("option", { value: "injected" }, "Browser wallet (EIP-1193)") : null,
  );
  if (!localAccounts.length && !window.ethereum) {
    accountSelect.append(el("option", { value: "" }, "no account available"));
  }
  if (saved && [...accountSelect.options].some((o) => o.value === saved)) accountSelect.value = saved;
  await showBalance();
}

async function showBalance() {
  const sel = selectedAccount();
  let address = null;
  if (sel.startsWith("local:")) address = localAccounts[Number(sel.slice(6))];
  else if (sel === "injected") {
    const accs = await window.ethereum.request({ method: "eth_accounts" }).catch(() => []);
    address = accs[0] ? getAddress(accs[0]) : null;
  }
  if (!address) {
    balanceEl.textContent = sel === "injected" ? "wallet not connected yet" : "";
    return null;
  }
  const balance = await client.getBalance({ address });
  balanceEl.textContent = `${short(address)} · ${eth(balance)}`;
  return address;
}

/** The address the page acts as, without asking a wallet anything (null if unknown). */
async function currentAddress() {
  const sel = selectedAccount();
  if (sel.startsWith("local:")) return localAccounts[Number(sel.slice(6))] ?? null;
  const accs = await window.ethereum?.request({ method: "eth_accounts" }).catch(() => []);
  return accs?.[0] ? getAddress(accs[0]) : null;
}

/** A wallet client ready to send on the models' chain, or a UserError. */
async function sender() {
  const sel = selectedAccount();
  if (sel.startsWith("local:")) {
    const address = localAccounts[Number(sel.slice(6))];
    if (!address) throw new UserError("no account is selected");
    return { address, wallet: createWalletClient({ chain, transport: http(RPC_URL), account: address }) };
  }
  if (!window.ethereum) throw new UserError("no browser wallet is present");
  const wallet = createWalletClient({ chain, transport: custom(window.ethereum) });
  const [address] = await wallet.requestAddresses();
  if (!address) throw new UserError("the wallet gave no account");
  const walletChain = await wallet.getChainId();
  if (walletChain !== config.chainId) {
    throw new UserError(
      `wrong network: the wallet is on chain ${walletChain}, the models are on chain ` +
        `${config.chainId}; switch the wallet to chain ${config.chainId}`,
    );
  }
  return { address: getAddress(address), wallet: createWalletClient({ chain, transport: custom(window.ethereum), account: address }) };
}

/** Check, simulate (eth_call: the contract's reason if it would revert), then send and wait. */
async function transact(model, functionName, args, value = 0n) {
  const { address, wallet } = await sender();
  if (value > 0n) {
    const balance = await client.getBalance({ address });
    if (value > balance) {
      throw new UserError(
        `the deposit, ${eth(value)}, is above this account's balance, ${eth(balance)}`,
      );
    }
  }
  const { request } = await client.simulateContract({
    address: model.address,
    abi: model.abi,
    functionName,
    args,
    account: address,
    value,
  });
  // The node's own estimate has fallen short for addData (the deposit's excess is paid back
  // with all remaining gas, and the pending block's clock differs from the mined one): half as
  // much again, as Ape's local networks send with a generous limit too.
  const estimate = await client.estimateContractGas({ ...request, account: address });
  const gas = (estimate * 3n) / 2n + 50_000n;
  const hash = await wallet.writeContract({ ...request, gas, account: wallet.account ?? address });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  await showBalance();
  return receipt;
}

// ---------------------------------------------------------------- models list

function manifestFor(address) {
  return config.deployments.find((d) => d.address.toLowerCase() === address.toLowerCase());
}

function incentiveWords(model) {
  const inc = model.incentive;
  if (inc.kind === "stake") return "deposit, refund, report, take";
  if (inc.kind === "points") return "Points (free)";
  return "none (owner-trained)";
}

async function renderList() {
  const tbody = el("tbody");
  const table = el(
    "table",
    { testid: "models" },
    el(
      "thead",
      {},
      el("tr", {}, ...["Model", "Kind", "Classes", "Incentive", "Judging", "Good / bad / open", "Deposit now"].map((h) => el("th", {}, h))),
    ),
    tbody,
  );
  const addressInput = el("input", { type: "text", id: "open-address", placeholder: "0x…", testid: "open-address" });
  const openForm = el(
    "form",
    {
      class: "row",
      onsubmit: (e) => {
        e.preventDefault();
        location.hash = `#/model/${addressInput.value.trim()}`;
      },
    },
    addressInput,
    el("button", { type: "submit", testid: "open-address-btn" }, "Open"),
  );
  app.replaceChildren(
    el("h2", {}, "Models"),
    el("p", { class: "muted" }, `Deployments on chain ${config.chainId} from the manifests the server found. Predicting is free; contributing sends a transaction.`),
    el("div", { class: "card" }, config.deployments.length ? table : el("p", {}, "No deployment on this chain yet: run make web, or ape run deploy.")),
    el("div", { class: "card" }, el("h3", {}, "Open any model by its address"), el("p", { class: "muted" }, "The page reads the model's encoder, classes and rules from the chain."), openForm),
  );
  for (const d of config.deployments) {
    const row = el("tr", { testid: "model-row" }, el("td", { colspan: 7 }, `${d.source}: loading…`));
    tbody.append(row);
    summarise(d)
      .then((cells) => row.replaceChildren(...cells))
      .catch((err) => row.replaceChildren(el("td", { colspan: 7, class: "bad" }, `${d.address}: ${err.message}`)));
  }
}

async function summarise(d) {
  const model = await loadModel(client, d.address, { ...d, name: modelName(d) });
  const history = await scan(client, model);
  const counts = { good: 0, bad: 0, open: 0 };
  for (const c of history) counts[verdictClass(c)] += 1;
  const deposit =
    model.incentive.kind === "stake" ? eth(await model.read("next_deposit")) : model.incentive.kind === "points" ? "free" : "-";
  return [
    el("td", {}, el("a", { href: `#/model/${model.address}`, testid: "model-link" }, model.name)),
    el("td", {}, model.kind),
    el("td", {}, model.classNames.join(", ")),
    el("td", {}, incentiveWords(model)),
    el("td", {}, model.judging),
    el("td", { testid: "counts" }, el("span", { class: "good" }, counts.good), " / ", el("span", { class: "bad" }, counts.bad), " / ", el("span", { class: "open" }, counts.open)),
    el("td", { testid: "deposit" }, deposit),
  ];
}

function modelName(d) {
  const stem = d.source.split("/").pop().replace(/\.json$/, "");
  return `${stem} (${d.contract})`;
}

// ---------------------------------------------------------------- model page

async function renderModel(address) {
  app.replaceChildren(el("p", { class: "muted" }, "Loading the model from the chain…"));
  let model;
  try {
    const d = manifestFor(address);
    model = await loadModel(client, address, d ? { ...d, name: modelName(d) } : undefined);
  } catch (err) {
    app.replaceChildren(
      el("p", {}, el("a", { href: "#/" }, "← all models")),
      el("div", { class: "msg error", testid: "model-error", role: "alert" }, err instanceof UserError ? err.message : `cannot read the model: ${err.shortMessage || err.message}`),
    );
    return;
  }
  if (model.market) {
    app.replaceChildren(new MarketPage(model).root);
    return;
  }
  if (!model.encoder && vocabularies.has(model.address)) {
    model.encoder = makeEncoder(model, vocabularies.get(model.address));
  }
  const page = new ModelPage(model);
  app.replaceChildren(page.root);
  await page.refresh();
}

class ModelPage {
  constructor(model) {
    this.model = model;
    this.history = [];
    const dense = model.dense;
    this.facts = el("dl", { class: "facts", testid: "facts" });
    this.chart = el("div", { testid: "chart" });
    this.predictInput = dense
      ? el("input", { type: "text", id: "predict-input", testid: "predict-input", placeholder: `${model.encoderSettings.dim} numbers, comma-separated` })
      : el("textarea", { id: "predict-input", testid: "predict-input", placeholder: "Type a text…" });
    this.predictMsg = el("div", { class: "msg", testid: "predict-result", role: "status" });
    this.contributeInput = dense
      ? el("input", { type: "text", testid: "contribute-input", placeholder: `${model.encoderSettings.dim} numbers, comma-separated` })
      : el("textarea", { testid: "contribute-input", placeholder: "A text and its class…" });
    this.labelSelect = el("select", { testid: "contribute-label" }, ...model.classNames.map((n, i) => el("option", { value: i }, `${n} (${i})`)));
    this.depositInput = el("input", { type: "text", testid: "contribute-deposit", size: 12 });
    this.depositNote = el("span", { class: "muted", testid: "deposit-note" });
    this.contributeMsg = el("div", { class: "msg", testid: "contribute-msg", role: "status" });
    this.mine = el("div", { testid: "mine" });
    this.others = el("div", { testid: "others" });
    this.claimMsg = el("div", { class: "msg", testid: "claim-msg", role: "status" });
    this.leaders = el("div", { testid: "leaderboard" });
    this.vocabBox = model.encoder ? null : this.vocabLoader();
    const stake = model.incentive.kind === "stake";
    const trainable = model.incentive.kind !== "none";
    this.root = el(
      "div",
      {},
      el("p", {}, el("a", { href: "#/" }, "← all models")),
      el("h2", { testid: "model-name" }, model.name),
      el("div", { class: "grid" }, el("div", { class: "card" }, this.facts), el("div", { class: "card" }, el("h3", {}, "Activity"), this.chart)),
      this.vocabBox,
      el(
        "div",
        { class: "grid" },
        el(
          "div",
          { class: "card" },
          el("h3", {}, "Predict"),
          el("p", { class: "muted" }, "Free: an eth_call, no transaction. ", dense ? "Numbers in the dataset's own units." : "The text is encoded in this page."),
          this.predictInput,
          el("div", { class: "row" }, el("button", { testid: "predict-btn", onclick: () => this.predict() }, "Predict")),
          this.predictMsg,
        ),
        trainable
          ? el(
              "div",
              { class: "card" },
              el("h3", {}, "Contribute"),
              el("p", { class: "muted" }, stake ? "Send a labelled sample with a deposit. After the refund window you get the deposit back if the model then agrees with your label." : "Send a labelled sample for free; after the wait, a point if the model agrees."),
              this.contributeInput,
              el("div", { class: "row" }, el("label", {}, "Class ", this.labelSelect), stake ? el("label", {}, "Deposit (ETH) ", this.depositInput) : null),
              el("div", { class: "row" }, this.depositNote),
              el("div", { class: "row" }, el("button", { testid: "contribute-btn", onclick: () => this.contribute() }, stake ? "Send with deposit" : "Send")),
              this.contributeMsg,
            )
          : null,
      ),
      trainable
        ? el(
            "div",
            { class: "card" },
            el("div", { class: "row" }, el("h3", {}, "My contributions"), el("button", { class: "secondary", testid: "refresh", onclick: () => this.refresh() }, "Refresh")),
            this.claimMsg,
            this.mine,
            el("h3", {}, stake ? "Others' contributions: report or take" : "Others' contributions: mark bad"),
            this.others,
          )
        : null,
      trainable ? el("div", { class: "card" }, el("h3", {}, model.incentive.kind === "points" ? "Points leaderboard" : "Leaderboard: good contributions"), this.leaders) : null,
    );
  }

  vocabLoader() {
    const area = el("textarea", { testid: "vocab-input", placeholder: "one word per line, or the manifest's JSON" });
    const msg = el("div", { class: "msg", testid: "vocab-msg" });
    const box = el(
      "div",
      { class: "card" },
      el("h3", {}, "This model's vocabulary"),
      el("p", { class: "muted" }, this.model.dense ? "This dense model's column scales are in its manifest only; open it from the models list." : `The model stores only the keccak of its ${this.model.encoderSettings.size} words. Paste the word list (from the deployment's manifest or export); the page checks it against the chain.`),
      this.model.dense ? null : area,
      this.model.dense
        ? null
        : el(
            "div",
            { class: "row" },
            el(
              "button",
              {
                onclick: () => {
                  try {
                    const text = area.value.trim();
                    let words;
                    if (text.startsWith("{")) {
                      const m = JSON.parse(text);
                      words = m.encoder?.words ?? m.words;
                    } else words = text.split(/\r?\n/).filter((w) => w.length);
                    if (!Array.isArray(words)) throw new UserError("no word list in this JSON");
                    checkVocabulary(words, this.model.encoderSettings.words_keccak);
                    vocabularies.set(this.model.address, words);
                    this.model.encoder = makeEncoder(this.model, words);
                    setMsg(msg, "ok", `${words.length} words, hash matches the chain`);
                  } catch (err) {
                    setMsg(msg, "error", err.message);
                  }
                },
              },
              "Check and use",
            ),
          ),
      msg,
    );
    return box;
  }

  async refresh() {
    const m = this.model;
    await syncClock();
    this.me = await currentAddress();
    this.history = await scan(client, m);
    this.records = new Map();
    this.verdicts = new Map();
    this.reported = new Map();
    const open = this.history.filter((c) => c.refunded === null && c.rejectedBy === null);
    await Promise.all(
      open.map(async (c) => {
        this.records.set(c.id, await m.read("contribution", [c.id]));
        if (c.features) {
          this.verdicts.set(c.id, Number(await m.read("verdict", [contributionStruct(c), c.features])));
        }
        if (m.incentive.kind === "stake" && this.me) {
          this.reported.set(c.id, await m.read("reported", [c.id, this.me]));
        }
      }),
    );
    this.deposit = m.incentive.kind === "stake" ? await m.read("next_deposit") : 0n;
    if (m.incentive.kind === "stake" && document.activeElement !== this.depositInput) {
      this.depositInput.value = formatEther(this.deposit); // exact: a rounded-down deposit is refused
    }
    this.renderFacts();
    this.renderChart();
    if (m.incentive.kind !== "none") {
      this.renderClaims();
      await this.renderLeaders();
    }
    this.depositNote.textContent =
      m.incentive.kind === "stake"
        ? `A contribution now owes ${eth(this.deposit)} (it falls as time passes since the last one; the excess comes back in the same transaction). Refund after ${duration(m.incentive.refundWait)}.`
        : m.incentive.kind === "points"
          ? `Free. Validate it after ${duration(m.incentive.refundWait)} to earn a point.`
          : "";
    this.tick();
  }

  renderFacts() {
    const m = this.model;
    const counts = { good: 0, bad: 0, open: 0 };
    for (const c of this.history) counts[verdictClass(c)] += 1;
    const rows = [
      ["Address", el("span", { class: "mono", testid: "address" }, m.address)],
      ["Contract", m.contract],
      ["Kind", m.kind],
      ["Classes", m.classNames.join(", ")],
      ["Encoder", describeEncoder(m)],
      ["Incentive", incentiveWords(m)],
      ["Judging", m.judging],
      ["Owner", el("span", { class: "mono" }, m.owner)],
      ["Contributions", el("span", { testid: "fact-counts" }, `${this.history.length}: `, el("span", { class: "good" }, `${counts.good} good`), ", ", el("span", { class: "bad" }, `${counts.bad} bad`), ", ", el("span", { class: "open" }, `${counts.open} open`))],
    ];
    if (m.incentive.kind === "stake") {
      rows.push(["Deposit now", el("span", { testid: "fact-deposit" }, eth(this.deposit))]);
      rows.push(["Waits", `refund after ${duration(m.incentive.refundWait)}, owner takes after ${duration(m.incentive.ownerWait)}, anyone after ${duration(m.incentive.anyWait)}`]);
    } else if (m.incentive.kind === "points") {
      rows.push(["Waits", `validation after ${duration(m.incentive.refundWait)}`]);
    }
    if (m.manifest?.pretrain) rows.push(["Pre-trained on", `${m.manifest.pretrain.samples} samples of ${m.manifest.pretrain.dataset}`]);
    this.facts.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  }

  renderChart() {
    const h = this.history;
    if (!h.length) {
      this.chart.replaceChildren(el("p", { class: "muted" }, "No contributions yet."));
      return;
    }
    const first = Number(h[0].time);
    const last = Math.max(Number(chainNow()), Number(h[h.length - 1].time) + 1);
    const buckets = 24;
    const span = Math.max(1, last - first);
    const bins = Array.from({ length: buckets }, () => ({ good: 0, bad: 0, open: 0 }));
    for (const c of h) {
      const i = Math.min(buckets - 1, Math.floor(((Number(c.time) - first) / span) * buckets));
      bins[i][verdictClass(c)] += 1;
    }
    const max = Math.max(...bins.map((b) => b.good + b.bad + b.open));
    const W = 480;
    const H = 90;
    const bw = W / buckets;
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H + 14}`);
    svg.setAttribute("class", "chart");
    svg.setAttribute("width", "100%");
    bins.forEach((b, i) => {
      let y = H;
      for (const k of ["good", "bad", "open"]) {
        if (!b[k]) continue;
        const hh = (b[k] / max) * (H - 4);
        y -= hh;
        const r = document.createElementNS(ns, "rect");
        Object.entries({ x: i * bw + 1, y, width: bw - 2, height: hh, class: k }).forEach(([a, v]) => r.setAttribute(a, v));
        svg.append(r);
      }
    });
    const label = (x, text, anchor) => {
      const t = document.createElementNS(ns, "text");
      t.setAttribute("x", x);
      t.setAttribute("y", H + 12);
      t.setAttribute("text-anchor", anchor);
      t.textContent = text;
      svg.append(t);
    };
    label(0, new Date(first * 1000).toLocaleString(), "start");
    label(W, `${duration(span)} later`, "end");
    this.chart.replaceChildren(svg, el("p", { class: "muted" }, `Contributions over time (chain clock): ${h.length} in all; green good, red bad, orange open.`));
  }

  renderClaims() {
    const m = this.model;
    const stake = m.incentive.kind === "stake";
    const now = chainNow();
    const me = this.me?.toLowerCase();
    const mine = this.history.filter((c) => c.contributor.toLowerCase() === me);
    const others = this.history.filter((c) => c.contributor.toLowerCase() !== me && c.refunded === null && c.rejectedBy === null && c.taken === null);
    const cls = (i) => m.classNames[i] ?? `class ${i}`;
    const head = (...hs) => el("thead", {}, el("tr", {}, ...hs.map((x) => el("th", {}, x))));

    const mineRows = mine.map((c) => {
      const state = stateOf(c, now, m.incentive.refundWait);
      const opens = c.time + m.incentive.refundWait;
      const record = this.records.get(c.id);
      const verdict = this.verdicts.get(c.id);
      let note = "";
      let enabled = false;
      if (c.refunded !== null || record?.good) note = stake ? `refunded ${eth(c.refunded ?? 0n)}` : "validated: +1 point";
      else if (c.rejectedBy !== null) note = "marked bad";
      else if (!c.features) note = "features not readable from this transaction's calldata";
      else if (now < opens) note = el("span", { "data-until": String(opens), "data-prefix": "refund window opens in " }, `refund window opens in ${duration(opens - now)}`);
      else if (verdict !== c.label) note = `the model now says ${cls(verdict)}: no ${stake ? "refund" : "point"}`;
      else {
        note = `the model agrees${stake ? `: ${eth(record?.claimable ?? 0n)} to refund` : ""}`;
        enabled = true;
      }
      const btn = el(
        "button",
        { testid: `refund-${c.id}`, disabled: !enabled, onclick: () => this.claim("refund", c) },
        stake ? "Refund" : "Validate",
      );
      return el(
        "tr",
        { testid: `mine-${c.id}` },
        el("td", {}, `#${c.id}`),
        el("td", {}, cls(c.label)),
        stake ? el("td", {}, eth(c.deposit)) : null,
        el("td", { testid: `state-${c.id}` }, state),
        el("td", {}, note),
        el("td", {}, btn),
      );
    });
    this.mine.replaceChildren(
      mine.length
        ? el("table", {}, head("id", "label", ...(stake ? ["deposit"] : []), "state", "", ""), el("tbody", {}, mineRows))
        : el("p", { class: "muted" }, this.me ? `No contributions from ${short(this.me)} yet.` : "Connect a wallet or choose a test account to see yours."),
    );

    const otherRows = others.map((c) => {
      const opens = c.time + m.incentive.refundWait;
      const record = this.records.get(c.id);
      const verdict = this.verdicts.get(c.id);
      const claimable = record?.claimable ?? 0n;
      const reportOk = c.features && now >= opens && verdict !== c.label && (stake ? claimable > 0n && !this.reported.get(c.id) : true);
      let why = "";
      if (!c.features) why = "features unreadable";
      else if (now < opens) why = el("span", { "data-until": String(opens), "data-prefix": "open to reports in " }, `open to reports in ${duration(opens - now)}`);
      else if (verdict === c.label) why = "the model agrees with it";
      else if (stake && this.reported.get(c.id)) why = "you reported it";
      else why = `the model says ${cls(verdict)}`;
      const cells = [
        el("td", {}, `#${c.id}`),
        el("td", { class: "mono" }, short(c.contributor)),
        el("td", {}, cls(c.label)),
        stake ? el("td", {}, `${eth(claimable)} left`) : null,
        el("td", {}, why),
        el("td", {}, el("button", { testid: `report-${c.id}`, disabled: !reportOk, onclick: () => this.claim("report", c) }, stake ? "Report" : "Mark bad")),
      ];
      if (stake) {
        const isOwner = me && me === m.owner.toLowerCase();
        const takeAt = c.time + (isOwner ? m.incentive.ownerWait : m.incentive.anyWait);
        const takeOk = claimable > 0n && now >= takeAt;
        cells.push(
          el(
            "td",
            {},
            el("button", { testid: `take-${c.id}`, disabled: !takeOk, onclick: () => this.claim("take", c) }, "Take"),
            now < takeAt ? el("div", { class: "muted", "data-until": String(takeAt), "data-prefix": `${isOwner ? "owner" : "anyone"} may take in ` }, `${isOwner ? "owner" : "anyone"} may take in ${duration(takeAt - now)}`) : null,
          ),
        );
      }
      return el("tr", { testid: `other-${c.id}` }, ...cells);
    });
    this.others.replaceChildren(
      others.length
        ? el("table", {}, head("id", "contributor", "label", ...(stake ? ["deposit"] : []), "", "", ...(stake ? [""] : [])), el("tbody", {}, otherRows))
        : el("p", { class: "muted" }, "Nothing open from others."),
    );
  }

  async renderLeaders() {
    const m = this.model;
    let rows;
    if (m.incentive.kind === "points") {
      const board = await m.read("leaderboard");
      rows = board.map((l) => [getAddress(l.player), l.points]);
    } else {
      const good = new Map();
      for (const c of this.history) if (c.refunded !== null) good.set(c.contributor, (good.get(c.contributor) ?? 0n) + 1n);
      rows = [...good.entries()].sort((a, b) => (a[1] === b[1] ? 0 : a[1] > b[1] ? -1 : 1)).slice(0, 10);
    }
    if (!rows.length) {
      this.leaders.replaceChildren(el("p", { class: "muted" }, "Nobody yet."));
      return;
    }
    const me = this.me?.toLowerCase();
    this.leaders.replaceChildren(
      el(
        "table",
        {},
        el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, "account"), el("th", {}, m.incentive.kind === "points" ? "points" : "good contributions"), el("th", {}, m.incentive.kind === "points" ? "badges" : ""))),
        el(
          "tbody",
          {},
          rows.map(([who, n], i) =>
            el(
              "tr",
              { testid: "leader" },
              el("td", {}, i + 1),
              el("td", { class: "mono" }, who, who.toLowerCase() === me ? " (you)" : ""),
              el("td", {}, String(n)),
              el("td", { testid: "badges" }, m.incentive.kind === "points" ? BADGES.filter(([t]) => n >= t).reverse().map(([, name]) => el("span", { class: "badge" }, name)) : ""),
            ),
          ),
        ),
      ),
    );
  }

  tick() {
    clearInterval(ticker);
    ticker = setInterval(() => {
      if (!this.root.isConnected) return clearInterval(ticker);
      const now = chainNow();
      let due = false;
      for (const span of this.root.querySelectorAll("[data-until]")) {
        const left = BigInt(span.dataset.until) - now;
        if (left <= 0n) due = true;
        span.textContent = `${span.dataset.prefix}${duration(left)}`;
      }
      if (due && !this.busy) {
        this.busy = true;
        this.refresh().finally(() => (this.busy = false));
      }
    }, 1000);
  }

  predict() {
    return predictInto(this.model, this.predictInput.value, this.predictMsg);
  }

  async contribute() {
    const m = this.model;
    const btn = this.root.querySelector("[data-testid=contribute-btn]");
    btn.disabled = true;
    setMsg(this.contributeMsg, "info", "checking…");
    try {
      const x = encodeInput(m, this.contributeInput.value);
      const y = Number(this.labelSelect.value);
      let value = 0n;
      if (m.incentive.kind === "stake") {
        try {
          value = parseEther(this.depositInput.value.trim());
        } catch {
          throw new UserError(`the deposit "${this.depositInput.value}" is not an amount of ETH`);
        }
      }
      setMsg(this.contributeMsg, "info", m.incentive.kind === "stake" ? `sending with a deposit of ${eth(value)}…` : "sending…");
      const receipt = await transact(m, "addData", [x, y], value);
      const added = receipt.logs.length;
      setMsg(this.contributeMsg, "ok", `contributed (${m.classNames[y]}), block ${receipt.blockNumber}, gas ${receipt.gasUsed}, tx ${receipt.transactionHash}` + (added ? "" : ""));
      this.contributeInput.value = "";
      await this.refresh();
    } catch (err) {
      setMsg(this.contributeMsg, "error", explain(err, "the contribution"));
    } finally {
      btn.disabled = false;
    }
  }

  async claim(action, c) {
    const m = this.model;
    const words = { refund: m.incentive.kind === "points" ? "the validation" : "the refund", report: "the report", take: "the take" }[action];
    setMsg(this.claimMsg, "info", `checking ${words} of #${c.id}…`);
    try {
      const struct = contributionStruct(c);
      const args = action === "take" ? [struct, featuresHash(c.features)] : [struct, c.features];
      setMsg(this.claimMsg, "info", `sending ${words} of #${c.id}…`);
      const receipt = await transact(m, action, args);
      setMsg(this.claimMsg, "ok", `#${c.id}: ${action} done, gas ${receipt.gasUsed}, tx ${receipt.transactionHash}`);
      await this.refresh();
    } catch (err) {
      setMsg(this.claimMsg, "error", `#${c.id}: ${explain(err, words)}`);
    }
  }
}

/** A prediction market, read only: where it stands, and its model's free predictions. */
class MarketPage {
  constructor(market) {
    const i = market.info;
    const p = market.progress;
    const time = (t) => (t > 0n ? new Date(Number(t) * 1000).toLocaleString() : "-");
    const facts = [
      ["Address", el("span", { class: "mono", testid: "address" }, market.address)],
      ["Phase", el("span", { testid: "market-phase" }, market.phase)],
      ["Bounty", el("span", { testid: "market-bounty" }, eth(i.bounty))],
      ["Provider", el("span", { class: "mono" }, i.provider)],
      ["Test set", `${i.test_size} samples in ${i.n_pieces} pieces, ${i.pieces_revealed} revealed`],
      ["Contributions", el("span", { testid: "market-contributions" }, `${i.n_contributions} of at most ${i.max_contributions}, from ${i.n_contributors} participants`)],
      ["Stakes", `${eth(i.total_stake)} in all (at least ${eth(i.min_stake)} each)`],
      ["Timeline", [
        `opened ${time(i.open_time)}`,
        i.end_time > 0n ? `ended ${time(i.end_time)}` : i.open_time > 0n ? `may end from ${time(i.open_time + i.min_duration)}` : null,
        i.reveal_deadline > 0n ? `reveal by ${time(i.reveal_deadline)}` : null,
        i.reward_deadline > 0n ? `rewards by ${time(i.reward_deadline)}` : null,
        i.done_time > 0n ? `done ${time(i.done_time)}` : null,
      ].filter(Boolean).join("; ")],
      ["Reward pass", `epoch ${p.epoch}, stage ${p.stage}, contribution ${p.cursor}, test sample ${p.test_cursor}; pool ${eth(i.pool)}`],
      ["Encoder", describeEncoder(market)],
    ];
    const input = el("textarea", { testid: "predict-input", placeholder: "Type a text…" });
    const msg = el("div", { class: "msg", testid: "predict-result", role: "status" });
    this.root = el(
      "div",
      {},
      el("p", {}, el("a", { href: "#/" }, "← all models")),
      el("h2", { testid: "model-name" }, market.name),
      el("div", { class: "card" }, el("dl", { class: "facts", testid: "facts" }, ...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]))),
      el(
        "div",
        { class: "card" },
        el("h3", {}, "Predict with the market's model"),
        input,
        el("div", { class: "row" }, el("button", { testid: "predict-btn", onclick: () => predictInto(market, input.value, msg) }, "Predict")),
        msg,
      ),
      el("p", { class: "muted" }, "Taking part (stake, withdraw) is done with ape run market for now (docs/market.md)."),
    );
  }
}

async function predictInto(model, raw, msg) {
  const started = performance.now();
  setMsg(msg, "info", "asking the model…");
  try {
    const x = encodeInput(model, raw);
    const label = Number(await model.read("predict", [x]));
    msg.className = "msg ok";
    msg.replaceChildren(
      el("div", { class: "answer", testid: "predict-class" }, model.classNames[label] ?? `class ${label}`),
      el("div", { class: "muted" }, `class ${label} · ${x.length} ${model.dense ? "values" : "features"} · eth_call, ${Math.round(performance.now() - started)} ms, free`),
      el("details", {}, el("summary", {}, "input sent"), el("code", { testid: "predict-features" }, JSON.stringify(x.map(String)))),
    );
  } catch (err) {
    setMsg(msg, "error", err instanceof UserError ? err.message : explain(err, "the prediction"));
  }
}

// ---------------------------------------------------------------- start

async function route_() {
  document.body.dataset.ready = "0"; // "1" once the page has drawn what the chain holds
  const hash = location.hash || "#/";
  const m = hash.match(/^#\/model\/(.+)$/);
  route = m ? { page: "model", address: decodeURIComponent(m[1]) } : { page: "list" };
  clearInterval(ticker);
  try {
    if (route.page === "model") await renderModel(route.address);
    else await renderList();
  } finally {
    document.body.dataset.ready = "1";
  }
}

async function start() {
  try {
    const res = await fetch("api/deployments", { cache: "no-store" });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
    config = { chainId: body.chain_id, deployments: body.deployments };
  } catch (err) {
    showBanner(`cannot reach the chain through this server: ${err.message}`);
    app.replaceChildren();
    return;
  }
  chain = defineChain({
    id: config.chainId,
    name: `chain ${config.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [RPC_URL] } },
  });
  client = createPublicClient({ chain, transport: http(RPC_URL), pollingInterval: 250 });
  document.getElementById("network").textContent = `chain ${config.chainId} · ${config.deployments.length} deployments`;
  // The browser's Unicode must know at least what Python's does (ARABIC LETTER ALEF WITH
  // ATTACHED FATHA is new in Unicode 14), or a text with such letters would encode differently.
  if (!tools.isWordChar("\u0870")) {
    showBanner(`this browser's Unicode tables are older than ${UNIDATA_VERSION}: texts with recent characters may encode differently from the Python client`);
  }
  await fillAccounts();
  accountSelect.addEventListener("change", async () => {
    document.body.dataset.ready = "0";
    localStorage.setItem(ACCOUNT_KEY, accountSelect.value);
    await showBalance().catch(() => {});
    await route_();
  });
  if (window.ethereum?.on) {
    window.ethereum.on("chainChanged", () => route_());
    window.ethereum.on("accountsChanged", () => showBalance().then(route_));
  }
  window.addEventListener("hashchange", route_);
  await route_();
}

start();
