// @ts-check
// The Activity chart: contributions over time by state (good, bad, open), as an SVG.
import { el } from "../dom.js";
import { verdictClass } from "../chain.js";
import { duration } from "../format.js";

const NS = "http://www.w3.org/2000/svg";

/**
 * Contributions counted per time bucket and state, from the first contribution to `now`.
 * @param {{time: bigint}[]} history in chain order
 * @param {bigint} now the chain's clock
 * @param {number} buckets
 */
export function binHistory(history, now, buckets = 24) {
  const first = Number(history[0].time);
  const last = Math.max(Number(now), Number(history[history.length - 1].time) + 1);
  const span = Math.max(1, last - first);
  const bins = Array.from({ length: buckets }, () => ({ good: 0, bad: 0, open: 0 }));
  for (const c of history) {
    const i = Math.min(buckets - 1, Math.floor(((Number(c.time) - first) / span) * buckets));
    bins[i][verdictClass(c)] += 1;
  }
  return { first, span, bins };
}

/**
 * @param {any[]} history
 * @param {bigint} now
 * @returns {HTMLElement[]}
 */
export function renderChart(history, now) {
  if (!history.length) return [el("p", { class: "muted" }, "No contributions yet.")];
  const buckets = 24;
  const { first, span, bins } = binHistory(history, now, buckets);
  const max = Math.max(...bins.map((b) => b.good + b.bad + b.open));
  const W = 480;
  const H = 90;
  const bw = W / buckets;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H + 14}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("width", "100%");
  bins.forEach((b, i) => {
    let y = H;
    for (const k of /** @type {const} */ (["good", "bad", "open"])) {
      if (!b[k]) continue;
      const hh = (b[k] / max) * (H - 4);
      y -= hh;
      const r = document.createElementNS(NS, "rect");
      Object.entries({ x: i * bw + 1, y, width: bw - 2, height: hh, class: k }).forEach(([a, v]) => r.setAttribute(a, String(v)));
      svg.append(r);
    }
  });
  /** @param {number} x @param {string} text @param {string} anchor */
  const label = (x, text, anchor) => {
    const t = document.createElementNS(NS, "text");
    t.setAttribute("x", String(x));
    t.setAttribute("y", String(H + 12));
    t.setAttribute("text-anchor", anchor);
    t.textContent = text;
    svg.append(t);
  };
  label(0, new Date(first * 1000).toLocaleString(), "start");
  label(W, `${duration(span)} later`, "end");
  return [/** @type {any} */ (svg), el("p", { class: "muted" }, `Contributions over time (chain clock): ${history.length} in all; green good, red bad, orange open.`)];
}
