// @ts-check
// A model page: its facts and activity, Predict, Contribute, my and others' contributions with
// their claims, and the leaderboard.
import { formatEther, getAddress, parseEther } from "viem";
import {
  checkVocabulary,
  contributionStruct,
  describeEncoder,
  encodeInput,
  featuresHash,
  loadModel,
  makeEncoder,
  scan,
  stateOf,
  verdictClass,
} from "../chain.js";
import { manifestFor } from "../context.js";
import { el, setMsg } from "../dom.js";
import { UserError, explain } from "../errors.js";
import { duration, eth, short } from "../format.js";
import { renderChart } from "./chart.js";
import { incentiveWords, modelName } from "./common.js";
import { MarketPage } from "./market.js";
import { predictInto } from "./predict.js";

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
    app.replaceChildren(new MarketPage(model).root);
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
    this.contributeInput = /** @type {HTMLInputElement} */ (
      dense
        ? el("input", { type: "text", testid: "contribute-input", placeholder: `${model.encoderSettings.dim} numbers, comma-separated` })
        : el("textarea", { testid: "contribute-input", placeholder: "A text and its class…" })
    );
    this.labelSelect = /** @type {HTMLSelectElement} */ (
      el("select", { testid: "contribute-label" }, ...model.classNames.map((/** @type {string} */ n, /** @type {number} */ i) => el("option", { value: i }, `${n} (${i})`)))
    );
    this.depositInput = /** @type {HTMLInputElement} */ (el("input", { type: "text", testid: "contribute-deposit", size: 12 }));
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
    this.chart.replaceChildren(...renderChart(this.history, clock.now()));
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
    /** @type {[string, any][]} */
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
    const head = (...hs) => el("thead", {}, el("tr", {}, ...hs.map((x) => el("th", {}, x))));

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
      else if (now < opens) note = el("span", { "data-until": String(opens), "data-prefix": "refund window opens in " }, `refund window opens in ${duration(opens - now)}`);
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
        ? el("table", {}, head("id", "label", ...(stake ? ["deposit"] : []), "state", "", ""), el("tbody", {}, mineRows))
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
      else if (now < opens) why = el("span", { "data-until": String(opens), "data-prefix": "open to reports in " }, `open to reports in ${duration(opens - now)}`);
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
        ? el("table", {}, head("id", "contributor", "label", ...(stake ? ["deposit"] : []), "", "", ...(stake ? [""] : [])), el("tbody", {}, otherRows))
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
      el(
        "table",
        {},
        el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, "account"), el("th", {}, points ? "points" : "good contributions"), el("th", {}, points ? "badges" : ""))),
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
              el("td", { testid: "badges" }, points ? BADGES.filter(([t]) => n >= /** @type {bigint} */ (t)).reverse().map(([, name]) => el("span", { class: "badge" }, name)) : ""),
            ),
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
    return predictInto(this.model, this.predictInput.value, this.predictMsg);
  }

  async contribute() {
    const m = this.model;
    const btn = /** @type {HTMLButtonElement} */ (this.root.querySelector("[data-testid=contribute-btn]"));
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
      const receipt = await this.ctx.accounts.transact(m, "addData", [x, y], value);
      setMsg(this.contributeMsg, "ok", `contributed (${m.classNames[y]}), block ${receipt.blockNumber}, gas ${receipt.gasUsed}, tx ${receipt.transactionHash}`);
      this.contributeInput.value = "";
      await this.refresh();
    } catch (err) {
      setMsg(this.contributeMsg, "error", explain(err, "the contribution"));
    } finally {
      btn.disabled = false;
    }
  }

  /**
   * @param {"refund" | "report" | "take"} action
   * @param {any} c the contribution
   */
  async claim(action, c) {
    const m = this.model;
    const words = { refund: m.incentive.kind === "points" ? "the validation" : "the refund", report: "the report", take: "the take" }[action];
    setMsg(this.claimMsg, "info", `checking ${words} of #${c.id}…`);
    try {
      const struct = contributionStruct(c);
      const args = action === "take" ? [struct, featuresHash(c.features)] : [struct, c.features];
      setMsg(this.claimMsg, "info", `sending ${words} of #${c.id}…`);
      const receipt = await this.ctx.accounts.transact(m, action, args);
      setMsg(this.claimMsg, "ok", `#${c.id}: ${action} done, gas ${receipt.gasUsed}, tx ${receipt.transactionHash}`);
      await this.refresh();
    } catch (err) {
      setMsg(this.claimMsg, "error", `#${c.id}: ${explain(err, words)}`);
    }
  }
}
