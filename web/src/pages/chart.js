// @ts-check
// The Activity chart: contributions over time by state (good, bad, open). Bars cover a round
// span each (a minute, 5 minutes, an hour, a day…) from the first contribution to now, so a
// handful of contributions are a handful of bars; its words (the time axis, the legend) are
// HTML, readable at any width.
import { el } from "../dom.js";
import { verdictClass } from "../chain.js";
import { duration, when } from "../format.js";

const NS = "http://www.w3.org/2000/svg";
/** Bar spans, in seconds: the smallest that needs at most MAX_BARS bars is used. */
const UNITS = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400];
/** @type {Record<number, string>} */
const UNIT_WORDS = { 60: "a minute", 300: "5 minutes", 900: "15 minutes", 3600: "an hour", 10800: "3 hours", 21600: "6 hours", 86400: "a day", 604800: "a week", 2592000: "30 days" };
const MAX_BARS = 24;
/** Fewer bars than this are padded with empty ones after now, so a bar never fills the chart. */
const MIN_BARS = 12;

/**
 * Contributions counted per bar and state, from the first contribution to `now`.
 * @param {{time: bigint}[]} history in chain order
 * @param {bigint} now the chain's clock
 */
export function binHistory(history, now) {
  const first = Number(history[0].time);
  const span = Math.max(1, Number(now) - first, Number(history[history.length - 1].time) - first + 1);
  const unit = UNITS.find((u) => Math.ceil(span / u) <= MAX_BARS) ?? Math.ceil(span / MAX_BARS);
  const used = Math.ceil(span / unit);
  const bins = Array.from({ length: Math.max(MIN_BARS, used) }, () => ({ good: 0, bad: 0, open: 0 }));
  for (const c of history) {
    const i = Math.min(used - 1, Math.floor((Number(c.time) - first) / unit));
    bins[i][verdictClass(/** @type {any} */ (c))] += 1;
  }
  return { first, unit, used, bins };
}

/**
 * @param {any[]} history
 * @param {bigint} now
 * @returns {Element[]}
 */
export function renderChart(history, now) {
  if (!history.length) return [el("p", { class: "muted" }, "No contributions yet.")];
  const { first, unit, used, bins } = binHistory(history, now);
  const max = Math.max(...bins.map((b) => b.good + b.bad + b.open));
  const W = 480;
  const H = 100;
  const bw = W / bins.length;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  const totals = { good: 0, bad: 0, open: 0 };
  bins.forEach((b, i) => {
    let y = H;
    for (const k of /** @type {const} */ (["good", "bad", "open"])) {
      totals[k] += b[k];
      if (!b[k]) continue;
      const hh = (b[k] / max) * (H - 2);
      y -= hh;
      const r = document.createElementNS(NS, "rect");
      const attrs = { x: i * bw + bw * 0.1, y, width: bw * 0.8, height: hh, class: k };
      for (const [a, v] of Object.entries(attrs)) r.setAttribute(a, String(v));
      const title = document.createElementNS(NS, "title");
      title.textContent = `${b[k]} ${k}, ${when(first + i * unit)}`;
      r.append(title);
      svg.append(r);
    }
  });
  svg.setAttribute("aria-label", `${history.length} contributions: ${totals.good} good, ${totals.bad} bad, ${totals.open} open`);
  const key = (/** @type {string} */ k, /** @type {number} */ n) => el("span", { class: `key ${k}` }, el("i", { "aria-hidden": "true" }), `${n} ${k}`);
  return [
    el("div", { class: "chart-box" }, el("span", { class: "chart-max muted" }, `${max}`), svg),
    el("div", { class: "chart-axis muted" }, el("span", {}, when(first)), el("span", {}, used < bins.length ? "" : "now")),
    el(
      "p",
      { class: "chart-legend muted", testid: "chart-legend" },
      key("good", totals.good),
      key("bad", totals.bad),
      key("open", totals.open),
      ` · a bar per ${UNIT_WORDS[unit] ?? duration(unit)} of the chain's clock, from the first contribution to now`,
    ),
  ];
}
