// @ts-check
// The model hub: every model a ModelHub lists, found on the chain (no manifest needed), each
// checked against the code of the kind it claims; its accuracy records drawn over time; its
// pools, periods and payouts, read from the HubPool deployed for the hub.
import contracts from "sharedmodels-assets/contracts.json";
import { identify } from "../chain.js";
import { cardTable, copyable, el, labelRow } from "../dom.js";
import { eth, when } from "../format.js";

/** The hub's and its pool contract's ABIs (read when used: the unit tests' stand-in assets
 * have neither). */
const hubAbi = () => contracts.ModelHub.abi;
const poolAbi = () => contracts.HubPool.abi;
const SVG = "http://www.w3.org/2000/svg";
const COLOURS = ["#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#4a5568"];

/**
 * @typedef {object} HubRecord
 * @property {number} evaluation
 * @property {number} samples
 * @property {number} correct
 * @property {number} block
 * @property {number} time
 * @property {string} testSet
 * @property {number} pins  times its evaluation was pinned (more than once: no pool pays for it)
 */

/**
 * @typedef {object} HubModel
 * @property {string} address
 * @property {string} name
 * @property {string} uri
 * @property {string} kind the contract the hub says it is
 * @property {boolean} listed
 * @property {string} problem why the page refuses the entry ("" when its code matches)
 * @property {HubRecord[]} records
 * @property {bigint} available what its pools hold, together
 * @property {{evaluator: string, available: bigint}[]} pools one per evaluator whose records move it
 * @property {{period: number, evaluator: string, budget: bigint, paid: bigint, shares: number, deadline: number}[]} periods
 * @property {{period: number, contributor: string, amount: bigint}[]} payouts
 * @property {{period: number, id: number, by: number, contributor: string, shares: number, restored: number, moved: boolean, block: bigint}[]} cuts
 *   each cancellation (`id` cut by `shares`, `by` the step that undid it) and each cut handed on
 *   (`by`'s cut moved to `id`: `restored` shares back to `by`, `shares` cut from `id`), in chain order
 */

/**
 * Everything the page shows about the hub at `hub` and its pool contract at `pool` ("" when
 * its record names none: no pools shown), read from the chain.
 * @param {import("viem").PublicClient} client
 * @param {`0x${string}`} hub
 * @param {string} pool
 * @returns {Promise<HubModel[]>}
 */
export async function readHub(client, hub, pool) {
  /** @param {string} functionName @param {any[]} [args] @returns {Promise<any>} */
  const read = (functionName, args = []) => client.readContract(/** @type {any} */ ({ address: hub, abi: hubAbi(), functionName, args }));
  /** @param {string} functionName @param {any[]} [args] @returns {Promise<any>} */
  const readPool = (functionName, args = []) => client.readContract(/** @type {any} */ ({ address: pool, abi: poolAbi(), functionName, args }));
  /** @param {string} eventName */
  const events = (eventName) => (pool ? client.getContractEvents(/** @type {any} */ ({ address: pool, abi: poolAbi(), eventName, fromBlock: 0n })) : Promise.resolve([]));
  const claims = await events("RewardClaimed");
  // A period's cancellations: which entry was cut, by how many shares, by which step.
  const cancelled = /** @type {any[]} */ (await events("ContributionCancelled"));
  const movedCuts = /** @type {any[]} */ (await events("CutMoved"));
  const count = Number(await read("model_count"));
  /** @type {HubModel[]} */
  const out = [];
  for (let i = 0; i < count; i++) {
    const address = await read("models", [BigInt(i)]);
    const e = await read("entries", [address]);
    const kind = (await read("kinds", [e.kind - 1n])).name;
    let problem = "";
    try {
      const found = await identify(client, address);
      if (found.contract !== kind) problem = `its code is ${found.contract}, not the ${kind} it was registered as`;
    } catch (err) {
      problem = err.message;
    }
    /** @type {HubRecord[]} */
    const records = [];
    const n = Number(await read("record_count", [address]));
    for (let r = 0; r < n; r++) {
      const id = await read("records", [address, BigInt(r)]);
      const ev = await read("evaluations", [id]);
      records.push({
        evaluation: Number(id),
        samples: Number(ev.samples),
        correct: Number(ev.correct),
        block: Number(ev.block),
        time: Number(ev.time),
        testSet: ev.test_set_hash,
        pins: Number(ev.pins),
      });
    }
    // A pool belongs to the model and to one evaluator, whose records alone close its periods.
    const pools = [];
    let available = 0n;
    const nPools = pool ? Number(await readPool("pool_count", [address])) : 0;
    for (let k = 0; k < nPools; k++) {
      const evaluator = await readPool("pool_evaluators", [address, BigInt(k)]);
      const one = await readPool("pools", [address, evaluator]);
      pools.push({ evaluator, available: one.available });
      available += one.available;
    }
    const periods = [];
    const nPeriods = pool ? Number(await readPool("period_count", [address])) : 0;
    for (let p = 0; p < nPeriods; p++) {
      const s = await readPool("periods", [address, BigInt(p)]);
      periods.push({ period: p, evaluator: s.evaluator, budget: s.budget, paid: s.paid, shares: Number(s.shares), deadline: Number(s.entry_deadline) });
    }
    const payouts = claims
      .filter((l) => /** @type {any} */ (l).args.model.toLowerCase() === address.toLowerCase())
      .map((l) => {
        const a = /** @type {any} */ (l).args;
        return { period: Number(a.period), contributor: a.contributor, amount: a.amount };
      });
    const mine = (/** @type {any} */ l) => l.args.model.toLowerCase() === address.toLowerCase();
    const order = (/** @type {any} */ l) => (BigInt(l.blockNumber) << 32n) + BigInt(l.logIndex);
    const cuts = [
      ...cancelled.filter(mine).map((l) => ({ l, period: Number(l.args.period), id: Number(l.args.id), by: Number(l.args.by_id), contributor: l.args.contributor, shares: Number(l.args.shares), restored: 0, moved: false })),
      ...movedCuts.filter(mine).map((l) => ({ l, period: Number(l.args.period), id: Number(l.args.to_id), by: Number(l.args.id), contributor: l.args.contributor, shares: Number(l.args.shares), restored: Number(l.args.restored), moved: true })),
    ]
      .sort((a, b) => (order(a.l) < order(b.l) ? -1 : 1))
      .map(({ l, ...c }) => ({ ...c, block: BigInt(l.blockNumber) }));
    out.push({ address, name: e.name, uri: e.uri, kind, listed: e.listed, problem, records, available, pools, periods, payouts, cuts });
  }
  return out;
}

/**
 * An SVG line chart of each model's accuracy records over time (x: days since the first record,
 * y: 0 to 100 %), one colour per model, with a legend in HTML.
 * @param {HubModel[]} models
 */
export function accuracyChart(models) {
  const drawn = models.filter((m) => m.records.length && !m.problem);
  const box = el("div", { class: "hub-chart", testid: "hub-chart" });
  if (!drawn.length) return box.appendChild(el("p", { class: "muted" }, "No accuracy record yet.")) && box;
  const times = drawn.flatMap((m) => m.records.map((r) => r.time));
  const t0 = Math.min(...times);
  const span = Math.max(Math.max(...times) - t0, 1);
  const [w, h, pad] = [560, 220, 32];
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "accuracy over time");
  /** @param {string} tag @param {Record<string, string | number>} attrs @param {string} [text] */
  const add = (tag, attrs, text) => {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text) node.textContent = text;
    svg.appendChild(node);
    return node;
  };
  const x = (/** @type {number} */ t) => pad + ((t - t0) / span) * (w - 2 * pad);
  const y = (/** @type {number} */ a) => h - pad - a * (h - 2 * pad);
  for (const a of [0, 0.5, 1]) {
    add("line", { x1: pad, x2: w - pad, y1: y(a), y2: y(a), stroke: "#ccc" });
    add("text", { x: 2, y: y(a) + 4, "font-size": 10 }, `${a * 100}%`);
  }
  add("text", { x: w - pad, y: h - 4, "font-size": 10, "text-anchor": "end" }, `${(span / 86400).toFixed(1)} days`);
  const legend = el("ul", { class: "legend" });
  drawn.forEach((m, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const points = m.records.map((r) => `${x(r.time)},${y(r.correct / r.samples)}`).join(" ");
    add("polyline", { points, fill: "none", stroke: colour, "stroke-width": 2, "data-model": m.address });
    for (const r of m.records) {
      const dot = add("circle", { cx: x(r.time), cy: y(r.correct / r.samples), r: 4, fill: colour, "data-testid": "hub-point" });
      const title = document.createElementNS(SVG, "title");
      title.textContent = `${m.name}: ${r.correct}/${r.samples} at block ${r.block}`;
      dot.appendChild(title);
    }
    legend.append(el("li", {}, el("span", { style: `color:${colour}` }, "● "), m.name));
  });
  box.append(svg, legend);
  return box;
}

/**
 * @param {import("../context.js").Context} ctx
 * @param {HTMLElement} app
 * @param {string} hub the hub's address
 */
export async function renderHub(ctx, app, hub) {
  if (!hub) {
    app.replaceChildren(el("h2", {}, "Model hub"), el("p", { testid: "hub-none" }, "No hub on this chain yet: run ape run hub deploy (or ape run hub demo)."));
    return;
  }
  app.replaceChildren(el("h2", {}, "Model hub"), el("p", { class: "muted" }, "Reading the hub…"));
  const pool = ctx.hubPools?.[hub.toLowerCase()] || "";
  const models = await readHub(ctx.client, /** @type {`0x${string}`} */ (hub), pool);
  const headers = ["Model", "Kind", "Listed", "Accuracy records", "Pool", "Paid out"];
  const rows = models.map((m) => {
    const latest = m.records.at(-1);
    const paid = m.payouts.reduce((s, p) => s + p.amount, 0n);
    const tr = el(
      "tr",
      { testid: "hub-row", "data-address": m.address, class: m.problem ? "bad" : "" },
      el("td", {}, m.problem ? el("span", {}, `${m.name}: refused (${m.problem})`) : el("a", { href: `#/model/${m.address}` }, m.name)),
      el("td", {}, m.kind),
      el("td", {}, m.listed ? "yes" : "withdrawn"),
      el(
        "td",
        { testid: "hub-accuracy" },
        latest ? `${m.records.map((r) => `${r.correct}/${r.samples}`).join(" → ")} (latest ${((latest.correct / latest.samples) * 100).toFixed(1)} %)` : "none",
      ),
      el("td", { testid: "hub-pool" }, eth(m.available)),
      el("td", { testid: "hub-paid" }, eth(paid)),
    );
    labelRow(tr, headers);
    return tr;
  });
  const details = models
    .filter((m) => m.records.length || m.periods.length || m.pools.length)
    .map((m) =>
      el(
        "div",
        { class: "card", testid: "hub-model" },
        el("h3", {}, m.name),
        el("p", {}, copyable(m.address, { chainId: ctx.chainId, kind: "address" })),
        m.uri ? el("p", { class: "muted" }, m.uri) : null,
        el(
          "ul",
          {},
          m.records.map((r) =>
            el(
              "li",
              {},
              `evaluation ${r.evaluation}: ${r.correct}/${r.samples} correct at block ${r.block} (${when(r.time)}), test set ${r.testSet.slice(0, 10)}…` +
                (r.pins > 1 ? ` (pinned ${r.pins} times: its samples may have been shown before the record; it pays no pool)` : ""),
            ),
          ),
        ),
        m.pools.length
          ? el(
              "ul",
              { testid: "hub-pools" },
              m.pools.map((p) => el("li", {}, `pool closed by ${p.evaluator}'s records: ${eth(p.available)}`)),
            )
          : null,
        m.periods.length
          ? el(
              "ul",
              { testid: "hub-periods" },
              m.periods.map((p) => el("li", {}, `period ${p.period} (${p.evaluator}'s records): released ${eth(p.budget)}, paid ${eth(p.paid)} to ${p.shares} share${p.shares === 1 ? "" : "s"}`)),
            )
          : null,
        m.cuts.length
          ? el(
              "ul",
              { testid: "hub-cancellations" },
              m.cuts.map((c) =>
                el(
                  "li",
                  {},
                  c.moved
                    ? `period ${c.period}: the cut of entry #${c.by} moved to entry #${c.id} (${c.contributor}): ${c.restored} share${c.restored === 1 ? "" : "s"} back to #${c.by}, ${c.shares} cut from #${c.id}`
                    : `period ${c.period}: entry #${c.id} (${c.contributor}) cut by ${c.shares} share${c.shares === 1 ? "" : "s"}, undone by step #${c.by}`,
                ),
              ),
            )
          : null,
        m.payouts.length
          ? el(
              "ul",
              { testid: "hub-payouts" },
              m.payouts.map((p) => el("li", {}, `period ${p.period}: ${p.contributor} got ${eth(p.amount)}`)),
            )
          : null,
      ),
    );
  app.replaceChildren(
    el("h2", {}, "Model hub"),
    el("p", { class: "muted" }, `Models registered in the hub at ${hub}, read from the chain${pool ? `; pools from its pool contract at ${pool}` : " (its record names no pool contract)"}. An entry whose code is not the kind it claims is refused. Accuracy records are scored on chain on test sets committed before they were revealed. A pool is funded for one evaluator's records; a contribution's shares are how far it moved that evaluator's closing test set toward its labels.`),
    el("div", { class: "card" }, models.length ? cardTable({ testid: "hub-models" }, headers, rows) : el("p", {}, "No model registered yet.")),
    el("div", { class: "card" }, el("h3", {}, "Accuracy over time"), accuracyChart(models)),
    ...details,
  );
}
