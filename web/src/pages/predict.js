// @ts-check
// A free prediction (eth_call) shown in a message box: the class, what was sent, how long.
import { UserError, explain } from "../errors.js";
import { el, setMsg } from "../dom.js";
import { asX, encodeInput } from "../chain.js";

/**
 * @param {any} model a model or market from chain.js
 * @param {string} raw the text or comma-separated numbers typed
 * @param {HTMLElement} msg
 * @param {import("../connection.js").Connection} [connection] refuses at once while the node is down
 */
export async function predictInto(model, raw, msg, connection) {
  const started = performance.now();
  setMsg(msg, "info", "asking the model…");
  try {
    const x = encodeInput(model, raw);
    connection?.assertUp();
    const label = Number(await model.read("predict", [asX(model, x)]));
    msg.className = "msg ok";
    msg.replaceChildren(
      el("div", { class: "answer", testid: "predict-class" }, model.classNames[label] ?? `class ${label}`),
      el("div", { class: "muted" }, `class ${label} · ${x.length} ${model.dense ? "values" : "features"} · eth_call, ${Math.round(performance.now() - started)} ms, free`),
      el("details", {}, el("summary", {}, "input sent"), el("code", { testid: "predict-features" }, JSON.stringify(x.map(String)))),
    );
  } catch (err) {
    if (!(err instanceof UserError)) connection?.check();
    setMsg(msg, "error", err instanceof UserError ? err.message : explain(err, "the prediction"));
  }
}

/**
 * Enter (or Ctrl/Cmd+Enter) in a Predict box asks the model; Shift+Enter still starts a new line
 * in a text box.
 * @param {HTMLElement} input
 * @param {() => void} run
 */
export function submitOnEnter(input, run) {
  input.addEventListener("keydown", (/** @type {KeyboardEvent} */ e) => {
    if (e.key !== "Enter" || e.isComposing) return;
    if (e.shiftKey && !(e.ctrlKey || e.metaKey)) return;
    e.preventDefault();
    run();
  });
}
