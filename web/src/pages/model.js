// @ts-check
// A model page: its facts and activity, Predict, Contribute, my and others' contributions with
// their claims, and the leaderboard.
import { getAddress } from "viem";
import {
  asX,
  checkVocabulary,
  contributionStruct,
  describeEncoder,
  encodeInput,
  featuresHash,
  loadModel,
  makeEncoder,
  scan,
  sentX,
  stateOf,
  verdictClass,
} from "../chain.js";
import { manifestFor } from "../context.js";
import { cardTable, copyable, el, setMsg } from "../dom.js";
import { UserError, explain } from "../errors.js";
import { ceilEth, duration, eth, parseEth, short, when } from "../format.js";
import { TxFailed } from "../wallet.js";
import { renderChart } from "./chart.js";
import { carried, defaultCap, quietFor, sameBlock } from "../deposits.js";
import { depositNow, incentiveWords, modelName } from "./common.js";
import { MarketPage } from "./market.js";
import { predictInto, submitOnEnter } from "./predict.js";
import { moneyOf, txLine } from "./tx.js";

/** A failure whose message already says what was sent (a first attempt that reverted). */
class Said extends Error {}

const BADGES = [
  [1000n, "1,000 points"],
  [100n, "100 points"],
  [10n, "10 points"],
  [1n, "first point"],
];

/**
 * Load the model at `address` and draw its page into `app`; returns the page (to stop its
 * timer when the route changes), or null.
 * @param {import("../context.js").Context} ctx
 * @param {HTMLElement} app
 * @param {string} address
 */
export async function renderModel(ctx, app, address) {
  app.replaceChildren(el("p", { class: "muted" }, "Loading the model from the chain…"));
  let model;
  try {
    const d = manifestFor(ctx, address);
    model = await loadModel(ctx.client, address, d ? { ...d, name: modelName(d) } : undefined);
  } catch (err) {
    app.replaceChildren(
      el("p", {}, el("a", { href: "#/" }, "← all models")),
      el("div", { class: "msg error", testid: "model-error", role: "alert" }, err instanceof UserError ? err.message : `cannot read the model: ${err.shortMessage || err.message}`),
    );
    return null;
  }
  if (model.market) {
    app.replaceChildren(new MarketPage(model, ctx).root);
    return null;
  }
  const words = ctx.vocabularies.get(model.address);
  if (!model.encoder && words) model.encoder = makeEncoder(model, words);
  const page = new ModelPage(ctx, model);
  app.replaceChildren(page.root);
  await page.refresh();
  return page;
}

export class ModelPage {
  /**
   * @param {import("../context.js").Context} ctx
   * @param {any} model from chain.js's loadModel
   */
  constructor(ctx, model) {
    this.ctx = ctx;
    this.model = model;
    /** @type {any[]} */
    this.history = [];
    /** @type {Map<bigint, any>} the contract's record of each open contribution */
    this.records = new Map();
    /** @type {Map<bigint, number>} the class `verdict` gives each open contribution */
    this.verdicts = new Map();
    /** @type {Map<bigint, boolean>} whether the current account has reported it */
    this.reported = new Map();
    /** @type {string | null} */
    this.me = null;
    this.deposit = 0n;
    this.busy = false;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.timer = undefined;
    const dense = model.dense;
    this.facts = el("dl", { class: "facts", testid: "facts" });
    this.chart = el("div", { testid: "chart" });
    this.predictInput = /** @type {HTMLInputElement} */ (
      dense
        ? el("input", { type: "text", id: "predict-input", testid: "predict-input", placeholder: `${model.encoderSettings.dim} numbers, comma-separated` })
        : el("textarea", { id: "predict-input", testid: "predict-input", placeholder: "Type a text…" })
    );
    this.predictMsg = el("div", { class: "msg", testid: "predict-result", role: "status" });
    submitOnEnter(this.predictInput, () => this.predict());
    this.contributeInput = /** @type {HTMLInputElement} */ (
      dense
        ? el("input", { type: "text", testid: "contribute-input", placeholder: `${model.encoderSettings.dim} numbers, comma-separated` })
        : el("textarea", { testid: "contribute-input", placeholder: "A text and its class…" })
    );
    this.labelSelect = /** @type {HTMLSelectElement} */ (
      el("select", { testid: "contribute-label" }, ...model.classNames.map((/** @type {string} */ n, /** @type {number} */ i) => el("option", { value: i }, `${n} (${i})`)))
    );
    this.depositInput = /** @type {HTMLInputElement} */ (el("input", { type: "text", testid: "contribute-deposit", size: 12 }));
    // A cap typed by hand stays; until then each refresh pre-fills the default (see refresh).
    this.capTyped = false;
    this.depositInput.addEventListener("input", () => {
      this.capTyped = true;
      this.showCarried();
    });
    this.depositNote = el("span", { class: "muted", testid: "deposit-note" });
    this.carriedNote = el("span", { testid: "deposit-carried" });
    this.contributeMsg = el("div", { class: "msg", testid: "contribute-msg", role: "status" });
    this.contributeTx = el("div", { testid: "contribute-tx" });
    this.claimTx = el("div", { testid: "claim-tx" });
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
          this.exampleBox(),
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
              el("div", { class: "row" }, el("label", {}, "Class ", this.labelSelect), stake ? el("label", {}, "Deposit, at most (ETH) ", this.depositInput) : null),
              stake ? el("div", { class: "row" }, this.carriedNote) : null,
              el("div", { class: "row" }, this.depositNote),
              el("div", { class: "row" }, el("button", { testid: "contribute-btn", onclick: () => this.contribute() }, stake ? "Send with deposit" : "Send")),
              this.contributeMsg,
              this.contributeTx,
            )
          : null,
      ),
      trainable
        ? el(
            "div",
            { class: "card" },
            el("div", { class: "row" }, el("h3", {}, "My contributions"), el("button", { class: "secondary", testid: "refresh", onclick: () => this.refresh() }, "Refresh")),
            this.claimMsg,
            this.claimTx,
            this.mine,
            el("h3", {}, stake ? "Others' contributions: report or take" : "Others' contributions: mark bad"),
            this.others,
          )
        : null,
      trainable ? el("div", { class: "card" }, el("h3", {}, model.incentive.kind === "points" ? "Points leaderboard" : "Leaderboard: good contributions"), this.leaders) : null,
    );
  }

  /** A dense model's example row (from its manifest), with a button that fills it in. */
  exampleBox() {
    const ex = this.model.dense ? this.model.manifest?.pretrain?.example : null;
    if (!ex) return null;
    const text = ex.values.join(", ");
    return el(
      "p",
      { class: "muted", testid: "example" },
      `An example row (class ${ex.label}): `,
      el("code", {}, text),
      " ",
      el("button", { class: "secondary", type: "button", testid: "use-example", onclick: () => (this.predictInput.value = text) }, "Use it"),
    );
  }

  /** Stop the countdown (the route changed). */
  stop() {
    clearInterval(this.timer);
  }

  vocabLoader() {
    const area = /** @type {HTMLTextAreaElement} */ (el("textarea", { testid: "vocab-input", placeholder: "one word per line, or the manifest's JSON" }));
    const msg = el("div", { class: "msg", testid: "vocab-msg" });
    const dense = this.model.dense;
    const use = () => {
      try {
        const text = area.value.trim();
        let words;
        if (text.startsWith("{")) {
          const m = JSON.parse(text);
          words = m.encoder?.words ?? m.words;
        } else words = text.split(/\r?\n/).filter((w) => w.length);
        if (!Array.isArray(words)) throw new UserError("no word list in this JSON");
        checkVocabulary(words, this.model.encoderSettings.words_keccak);
        this.ctx.vocabularies.set(this.model.address, words);
        this.model.encoder = makeEncoder(this.model, words);
        setMsg(msg, "ok", `${words.length} words, hash matches the chain`);
      } catch (err) {
        setMsg(msg, "error", err.message);
      }
    };
    return el(
      "div",
      { class: "card" },
      el("h3", {}, "This model's vocabulary"),
      el("p", { class: "muted" }, dense ? "This dense model's column scales are in its manifest only; open it from the models list." : `The model stores only the keccak of its ${this.model.encoderSettings.size} words. Paste the word list (from the deployment's manifest or export); the page checks it against the chain.`),
      dense ? null : area,
      dense ? null : el("div", { class: "row" }, el("button", { onclick: use }, "Check and use")),
      msg,
    );
  }

  async refresh() {
    const m = this.model;
    const { client, clock, accounts } = this.ctx;
    await clock.sync();
    this.me = await accounts.current();
    this.history = await scan(client, m);
    this.records = new Map();
    this.verdicts = new Map();
    this.reported = new Map();
    const open = this.history.filter((c) => c.refunded === null && c.rejectedBy === null);
    await Promise.all(
      open.map(async (c) => {
        this.records.set(c.id, await m.read("contribution", [c.id]));
        if (c.features) {
          this.verdicts.set(c.id, Number(await m.read("verdict", [contributionStruct(c), sentX(c)])));
        }
        if (m.incentive.kind === "stake" && this.me) {
          this.reported.set(c.id, await m.read("reported", [c.id, this.me]));
        }
      }),
    );
    // The deposit as the contract will compute it for a transaction mined now: at the pending
    // block (its clock), not the last block, which on a quiet chain is long past.
    this.deposit = m.incentive.kind === "stake" ? await depositNow(this.ctx, m) : 0n;
    if (m.incentive.kind === "stake" && !this.capTyped && document.activeElement !== this.depositInput) {
      // The most a contribution pays: `contribute`'s default cap (the deposit after a quiet
      // minute), or the deposit now when that is higher (rounded up), so that what is
      // pre-filled is never refused.
      const cap = defaultCap(m.incentive.costWeight);
      this.depositInput.value = ceilEth(this.deposit > cap ? this.deposit : cap);
    }
    this.renderFacts();
    this.chart.replaceChildren(...renderChart(this.history, clock.now()));
    if (m.incentive.kind !== "none") {
      this.renderClaims();
      await this.renderLeaders();
    }
    this.depositNote.textContent =
      m.incentive.kind === "stake"
        ? `A contribution mined now (${when(clock.now())}, ${clock.basis()}) owes ${eth(this.deposit)}; ` +
          "the deposit falls as time passes since the last contribution and jumps after one: " +
          `one mined in the same block as another owes ${eth(sameBlock(m.incentive.costWeight))}. ` +
          "Yours carries the most it may pay (the amount above, or that same-block deposit if lower) and the contract returns what it does not owe in the same transaction; " +
          "if another contribution lands first in its block and raises the deposit above what it carries, it reverts, paying no deposit, and the page re-prices it and sends it once more when the deposit is back under your amount. " +
          `Refund after ${duration(m.incentive.refundWait)}.`
        : m.incentive.kind === "points"
          ? `Free. Validate it after ${duration(m.incentive.refundWait)} to earn a point.`
          : "";
    this.showCarried();
    this.tick();
  }

  /** The value the next contribution carries under the amount typed, next to the deposit now. */
  showCarried() {
    const m = this.model;
    if (m.incentive.kind !== "stake") return;
    let cap;
    try {
      cap = parseEth(this.depositInput.value, (words) => new UserError(words));
    } catch {
      this.carriedNote.textContent = "";
      return;
    }
    const w = m.incentive.costWeight;
    this.carriedNote.className = this.deposit > cap ? "bad" : "muted";
    this.carriedNote.textContent =
      this.deposit > cap
        ? `The deposit now, ${eth(this.deposit)}, is above this amount: raise it, or wait for the deposit to fall (about ${duration(this.secondsUntil(cap))}).`
        : `Sends ${eth(carried(w, cap))}; the deposit now is ${eth(this.deposit)}, the rest comes back.`;
  }

  /**
   * About how many seconds until the deposit is at most `cap`, from the last contribution's
   * time and the page's clock.
   * @param {bigint} cap
   * @param {bigint} [last] the last contribution's time (default: the newest in the history read)
   */
  secondsUntil(cap, last = this.history.reduce((t, c) => (c.time > t ? c.time : t), 0n)) {
    return last + quietFor(this.model.incentive.costWeight, cap) - this.ctx.clock.now();
  }

  renderFacts() {
    const m = this.model;
    const counts = { good: 0, bad: 0, open: 0 };
    for (const c of this.history) counts[verdictClass(c)] += 1;
    /** @type {[string, any][]} */
    const rows = [
      ["Address", copyable(m.address, { chainId: this.ctx.chainId, kind: "address", testid: "address" })],
      ["Contract", m.contract],
      ["Kind", m.kind],
      ["Classes", m.classNames.join(", ")],
      ["Encoder", describeEncoder(m)],
      ["Incentive", incentiveWords(m)],
      ["Judging", m.judging],
      ["Owner", copyable(m.owner, { chainId: this.ctx.chainId, kind: "address" })],
      ["Contributions", el("span", { testid: "fact-counts" }, `${this.history.length}: `, el("span", { class: "good" }, `${counts.good} good`), ", ", el("span", { class: "bad" }, `${counts.bad} bad`), ", ", el("span", { class: "open" }, `${counts.open} open`))],
    ];
    if (m.incentive.kind === "stake") {
      rows.push(["Deposit now", el("span", { testid: "fact-deposit" }, `${eth(this.deposit)} for a contribution mined at ${when(this.ctx.clock.now())}`)]);
      rows.push(["Waits", `refund after ${duration(m.incentive.refundWait)}, owner takes after ${duration(m.incentive.ownerWait)}, anyone after ${duration(m.incentive.anyWait)}`]);
    } else if (m.incentive.kind === "points") {
      rows.push(["Waits", `validation after ${duration(m.incentive.refundWait)}`]);
    }
    if (m.manifest?.pretrain) rows.push(["Pre-trained on", `${m.manifest.pretrain.samples} samples of ${m.manifest.pretrain.dataset}`]);
    rows.push(["Accuracy", el("span", { testid: "fact-accuracy" }, accuracyWords(m.manifest))]);
    const columns = m.manifest?.pretrain?.feature_names;
    if (m.dense && columns) rows.push(["Columns", el("span", { testid: "fact-columns" }, columns.join(", "))]);
    if (m.manifest?.source) rows.push(["Manifest", el("span", { class: "mono" }, m.manifest.source)]);
    this.facts.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  }

  renderClaims() {
    const m = this.model;
    const stake = m.incentive.kind === "stake";
    const now = this.ctx.clock.now();
    const me = this.me?.toLowerCase();
    const mine = this.history.filter((c) => c.contributor.toLowerCase() === me);
    const others = this.history.filter((c) => c.contributor.toLowerCase() !== me && c.refunded === null && c.rejectedBy === null && c.taken === null);
    /** @param {number} i */
    const cls = (i) => m.classNames[i] ?? `class ${i}`;
    /** @param {...string} hs */

    const mineRows = mine.map((c) => {
      const state = stateOf(c, now, m.incentive.refundWait);
      const opens = c.time + m.incentive.refundWait;
      const record = this.records.get(c.id);
      const verdict = this.verdicts.get(c.id);
      /** @type {any} */
      let note = "";
      let enabled = false;
      if (c.refunded !== null || record?.good) note = stake ? `refunded ${eth(c.refunded ?? 0n)}` : "validated: +1 point";
      else if (c.rejectedBy !== null) note = "marked bad";
      else if (!c.features) note = "features not readable from this transaction's calldata";
      else if (now < opens) {
        const prefix = stake ? "refund window opens in " : "validation opens in ";
        note = el("span", { "data-until": String(opens), "data-prefix": prefix }, `${prefix}${duration(opens - now)}`);
      }
      else if (verdict !== c.label) note = `the model now says ${cls(verdict ?? -1)}: no ${stake ? "refund" : "point"}`;
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
        ? cardTable({}, ["id", "label", ...(stake ? ["deposit"] : []), "state", "", ""], mineRows)
        : el("p", { class: "muted" }, this.me ? `No contributions from ${short(this.me)} yet.` : "Connect a wallet or choose a test account to see yours."),
    );

    const otherRows = others.map((c) => {
      const opens = c.time + m.incentive.refundWait;
      const record = this.records.get(c.id);
      const verdict = this.verdicts.get(c.id);
      const claimable = record?.claimable ?? 0n;
      const reportOk = c.features && now >= opens && verdict !== c.label && (stake ? claimable > 0n && !this.reported.get(c.id) : true);
      /** @type {any} */
      let why = "";
      if (!c.features) why = "features unreadable";
      else if (now < opens) {
        const prefix = stake ? "open to reports in " : "may be marked bad in ";
        why = el("span", { "data-until": String(opens), "data-prefix": prefix }, `${prefix}${duration(opens - now)}`);
      }
      else if (verdict === c.label) why = "the model agrees with it";
      else if (stake && this.reported.get(c.id)) why = "you reported it";
      else why = `the model says ${cls(verdict ?? -1)}`;
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
        ? cardTable({}, ["id", "contributor", "label", ...(stake ? ["deposit"] : []), "", "", ...(stake ? [""] : [])], otherRows)
        : el("p", { class: "muted" }, "Nothing open from others."),
    );
  }

  async renderLeaders() {
    const m = this.model;
    /** @type {[string, bigint][]} */
    let rows;
    if (m.incentive.kind === "points") {
      const board = await m.read("leaderboard");
      rows = board.map((/** @type {any} */ l) => [getAddress(l.player), l.points]);
    } else {
      /** @type {Map<string, bigint>} */
      const good = new Map();
      for (const c of this.history) if (c.refunded !== null) good.set(c.contributor, (good.get(c.contributor) ?? 0n) + 1n);
      rows = [...good.entries()].sort((a, b) => (a[1] === b[1] ? 0 : a[1] > b[1] ? -1 : 1)).slice(0, 10);
    }
    if (!rows.length) {
      this.leaders.replaceChildren(el("p", { class: "muted" }, "Nobody yet."));
      return;
    }
    const me = this.me?.toLowerCase();
    const points = m.incentive.kind === "points";
    this.leaders.replaceChildren(
      cardTable(
        {},
        ["#", "account", points ? "points" : "good contributions", points ? "badges" : ""],
        rows.map(([who, n], i) =>
          el(
            "tr",
            { testid: "leader" },
            el("td", {}, i + 1),
            el("td", { class: "mono" }, who, who.toLowerCase() === me ? " (you)" : ""),
            el("td", {}, String(n)),
            el("td", { testid: "badges" }, points ? BADGES.filter(([t]) => n >= /** @type {bigint} */ (t)).reverse().map(([, name]) => el("span", { class: "badge" }, name)) : ""),
          ),
        ),
      ),
    );
  }

  tick() {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      if (!this.root.isConnected) return clearInterval(this.timer);
      const now = this.ctx.clock.now();
      let due = false;
      for (const span of /** @type {NodeListOf<HTMLElement>} */ (this.root.querySelectorAll("[data-until]"))) {
        const left = BigInt(span.dataset.until ?? "0") - now;
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
    return predictInto(this.model, this.predictInput.value, this.predictMsg, this.ctx.connection);
  }

  /**
   * Send the contribution typed. Under a deposit, as `ape run contribute` does: priced at the
   * pending block, refused when the deposit is above the amount typed (the most it pays), sent
   * carrying that amount or the same-block deposit if lower. When it reverts because another
   * contribution landed first in its block (gas only, no deposit), it is re-priced and sent
   * once more when the deposit is back under the amount, waiting for it to fall if need be.
   * `contributeMsg.dataset.state` says where it stands: pricing, sending, overtaken, waiting,
   * retrying, done, failed.
   */
  async contribute() {
    const m = this.model;
    const stake = m.incentive.kind === "stake";
    const btn = /** @type {HTMLButtonElement} */ (this.root.querySelector("[data-testid=contribute-btn]"));
    btn.disabled = true;
    this.contributeTx.replaceChildren();
    /** @param {string} state @param {"info" | "ok" | "error"} kind @param {string} text */
    const say = (state, kind, text) => {
      setMsg(this.contributeMsg, kind, text);
      this.contributeMsg.dataset.state = state;
    };
    say("pricing", "info", "checking…");
    try {
      const x = encodeInput(m, this.contributeInput.value);
      const y = Number(this.labelSelect.value);
      const cap = stake ? parseEth(this.depositInput.value, (words) => new UserError(words)) : 0n;
      this.ctx.connection.assertUp();
      let value = 0n;
      if (stake) {
        await this.ctx.clock.sync();
        this.deposit = await depositNow(this.ctx, m);
        this.showCarried();
        if (this.deposit > cap) {
          throw new UserError(
            `the deposit now is ${eth(this.deposit)}, above the ${eth(cap)} typed as the most to pay: ` +
              `raise it to ${ceilEth(this.deposit)} or wait for the deposit to fall (about ${duration(this.secondsUntil(cap))})`,
          );
        }
        value = carried(m.incentive.costWeight, cap);
      }
      say("sending", "info", stake ? `sending, carrying ${eth(value)} (the deposit now is ${eth(this.deposit)}; what it does not owe comes back)…` : "sending…");
      /** @type {HTMLElement | null} the first attempt's line, kept above the second's */
      let first = null;
      const send = () =>
        this.ctx.accounts.transact(m, "addData", [asX(m, x), y], {
          value,
          blockTag: this.ctx.clock.tag,
          onStage: (st) => this.contributeTx.replaceChildren(...(first ? [first] : []), txLine(this.ctx.chainId, st)),
        });
      let receipt;
      let retried = "";
      try {
        receipt = await send();
      } catch (err) {
        if (!(stake && err instanceof TxFailed && value < sameBlock(m.incentive.costWeight) && (await this.overtaken(err.receipt)))) throw err;
        const lost = err.receipt;
        first = /** @type {HTMLElement} */ (this.contributeTx.firstElementChild);
        const gas = eth(lost.gasUsed * lost.effectiveGasPrice);
        const what = `another contribution landed first in block ${lost.blockNumber} and raised the deposit above the ${eth(value)} yours carried: it reverted and paid no deposit, only its gas (${gas})`;
        say("overtaken", "info", `${what}; re-pricing…`);
        retried = `; sent a second time after another contribution landed first in block ${lost.blockNumber} (the first attempt reverted and paid no deposit, only its gas, ${gas})`;
        try {
          await this.waitUnder(cap, what, (state, text) => say(state, "info", text));
          say("retrying", "info", `${what}; re-priced: the deposit is now ${eth(this.deposit)}, sending once more, carrying ${eth(value)}…`);
          receipt = await send();
        } catch (again) {
          // Said in full here: the first attempt was sent (and reverted), whatever the second did.
          if (again instanceof Said) throw again;
          const second = again instanceof TxFailed ? `the second attempt: ${again.message}` : `the second attempt: ${explain(again, "the contribution")}`;
          throw new Said(`${what}; ${second}; it is not sent again`);
        }
      }
      const money = moneyOf(m, receipt, value);
      const what = `contributed #${money.id} (${m.classNames[y]})`;
      say(
        "done",
        "ok",
        stake
          ? `${what}: charged ${eth(money.charged ?? 0n)} as its deposit; ${eth(money.returned ?? 0n)} of the ${eth(value)} sent came back in the same transaction${retried}`
          : `${what}, free`,
      );
      this.contributeInput.value = "";
      btn.disabled = false; // done: another may be sent while the tables below are read again
      await this.refresh();
    } catch (err) {
      say("failed", "error", err instanceof TxFailed || err instanceof Said ? err.message : explain(err, "the contribution"));
    } finally {
      btn.disabled = false;
    }
  }

  /**
   * Whether the contribution of `receipt` (mined, reverted) was overtaken: another contribution
   * to this model was added earlier in the same block, so it owed the same-block deposit.
   * @param {import("viem").TransactionReceipt} receipt
   */
  async overtaken(receipt) {
    const m = this.model;
    const event = m.abi.find((/** @type {any} */ e) => e.type === "event" && e.name === "ContributionAdded");
    const logs = await this.ctx.client.getLogs({ address: m.address, event, blockHash: receipt.blockHash });
    return logs.some((l) => (l.transactionIndex ?? receipt.transactionIndex) < receipt.transactionIndex);
  }

  /**
   * Re-price at the pending block until the deposit is at most `cap`, saying how long it may
   * take; a Stop button (or leaving the page) gives up, and nothing more is sent.
   * @param {bigint} cap
   * @param {string} what what happened to the first attempt
   * @param {(state: string, text: string) => void} say
   */
  async waitUnder(cap, what, say) {
    let stop = false;
    const stopBtn = el("button", { class: "secondary", type: "button", testid: "contribute-stop", onclick: () => (stop = true) }, "Stop waiting");
    for (;;) {
      await this.ctx.clock.sync();
      this.deposit = await depositNow(this.ctx, this.model);
      this.renderFacts();
      this.showCarried();
      if (this.deposit <= cap) return;
      if (stop || !this.root.isConnected) throw new Said(`${what}; you stopped waiting for the deposit (${eth(this.deposit)}) to fall to ${eth(cap)}: it is not sent again`);
      const last = /** @type {bigint} */ (await this.model.read("last_contribution_time"));
      say("waiting", `${what}; the deposit is now ${eth(this.deposit)}, above the ${eth(cap)} typed: waiting for it to fall (about ${duration(this.secondsUntil(cap, last))}), then sending once more…`);
      this.contributeMsg.append(" ", stopBtn);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /**
   * @param {"refund" | "report" | "take"} action
   * @param {any} c the contribution
   */
  async claim(action, c) {
    const m = this.model;
    const words = { refund: m.incentive.kind === "points" ? "the validation" : "the refund", report: "the report", take: "the take" }[action];
    this.claimTx.replaceChildren();
    setMsg(this.claimMsg, "info", `checking ${words} of #${c.id}…`);
    try {
      this.ctx.connection.assertUp();
      const struct = contributionStruct(c);
      const args = action === "take" ? [struct, featuresHash(sentX(c))] : [struct, sentX(c)];
      setMsg(this.claimMsg, "info", `sending ${words} of #${c.id}…`);
      const receipt = await this.ctx.accounts.transact(m, action, args, {
        blockTag: this.ctx.clock.tag,
        onStage: (st) => this.claimTx.replaceChildren(txLine(this.ctx.chainId, st)),
      });
      const money = moneyOf(m, receipt);
      const paid = money.point ? "+1 point" : `${eth(money.paid ?? 0n)} paid to you`;
      const done = action === "refund" && money.point ? "validation" : action;
      setMsg(this.claimMsg, "ok", `#${c.id}: ${done} done, ${paid}`);
      await this.refresh();
    } catch (err) {
      setMsg(this.claimMsg, "error", `#${c.id}: ${err instanceof TxFailed ? err.message : explain(err, words)}`);
    }
  }
}

/**
 * The model's accuracy in words, with its baseline and where the numbers come from.
 * @param {any} manifest
 */
export function accuracyWords(manifest) {
  const h = manifest?.pretrain?.held_out;
  if (!h) {
    return manifest
      ? "not measured: its manifest records no held-out score (pre-trained on its data to the end, or deployed before scores were recorded)"
      : "not known: the chain holds no score, and this address has no manifest here";
  }
  const pct = (/** @type {number} */ x) => `${(x * 100).toFixed(1)}%`;
  return (
    `${pct(h.accuracy)} on ${h.samples.toLocaleString("en")} held-out samples of ${h.dataset} ` +
    `(always answering their commonest class: ${pct(h.baseline)}); from its manifest, scored by ` +
    `${h.scored_by}: contributions since may have moved it`
  );
}
