// @ts-check
// A prediction market, read only: where it stands, and its model's free predictions.
import { el } from "../dom.js";
import { describeEncoder } from "../chain.js";
import { eth } from "../format.js";
import { predictInto } from "./predict.js";

export class MarketPage {
  /** @param {any} market from chain.js's loadMarket */
  constructor(market) {
    const i = market.info;
    const p = market.progress;
    /** @param {bigint} t */
    const time = (t) => (t > 0n ? new Date(Number(t) * 1000).toLocaleString() : "-");
    /** @type {[string, any][]} */
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
    const input = /** @type {HTMLTextAreaElement} */ (el("textarea", { testid: "predict-input", placeholder: "Type a text…" }));
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
