// @ts-check
// Building the page's DOM: elements from attributes and children, status messages.

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
