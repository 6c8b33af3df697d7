// @ts-check
// Building the page's DOM: elements from attributes and children, status messages, copyable
// addresses and hashes.
import { explorerUrl } from "./networks.js";

/**
 * An element with attributes (`class`, `testid` → data-testid, `on<event>` → a listener; false,
 * null and undefined are left out) and children (nodes, or anything else as text).
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...any} children
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, ...children) {
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

/**
 * A message box's kind (info, ok, error) and text.
 * @param {HTMLElement} node
 * @param {"info" | "ok" | "error"} kind
 * @param {string} text
 */
export function setMsg(node, kind, text) {
  node.className = `msg ${kind}`;
  node.textContent = text;
}

/**
 * An address or hash in full, with a Copy button and, when the chain has a known explorer, a
 * link to it.
 * @param {string} value
 * @param {{chainId?: number, kind?: "address" | "tx", testid?: string}} [opts]
 */
export function copyable(value, opts = {}) {
  const text = el("span", { class: "mono", testid: opts.testid }, value);
  const btn = el("button", { class: "copy secondary", type: "button", title: "copy to the clipboard", "data-copy": value }, "Copy");
  btn.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(value);
      btn.textContent = "Copied";
    } catch {
      // No clipboard (an insecure origin or a refusal): select the text for Ctrl+C instead.
      const range = document.createRange();
      range.selectNodeContents(text);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      btn.textContent = "Selected";
    }
    setTimeout(() => (btn.textContent = "Copy"), 1500);
  });
  const url = opts.chainId !== undefined && opts.kind ? explorerUrl(opts.chainId, opts.kind, value) : null;
  return el(
    "span",
    { class: "copyable" },
    text,
    " ",
    btn,
    url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: "explorer" }, "explorer ↗") : null,
  );
}

/**
 * Label a row's cells with their column's header (data-label), which a phone's stylesheet shows
 * when the table becomes one card per row.
 * @param {Element} tr
 * @param {string[]} headers
 */
export function labelRow(tr, headers) {
  [...tr.children].forEach((td, i) => {
    if (headers[i]) td.setAttribute("data-label", headers[i]);
  });
  return tr;
}

/**
 * A table with a header row and body rows, shown as cards on a phone (style.css).
 * @param {Record<string, any>} attrs
 * @param {string[]} headers
 * @param {Element[]} rows
 */
export function cardTable(attrs, headers, rows) {
  return el(
    "table",
    { ...attrs, class: `cards ${attrs.class ?? ""}`.trim() },
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows.map((r) => labelRow(r, headers))),
  );
}
