// @ts-check
// The models list: every deployment the server found, summarised from the chain, and a form to
// open any address.
import { cardTable, el, labelRow } from "../dom.js";
import { loadModel, scan, verdictClass } from "../chain.js";
import { eth } from "../format.js";
import { depositNow, incentiveWords, modelName } from "./common.js";

/**
 * @param {import("../context.js").Context} ctx
 * @param {HTMLElement} app where the page goes
 */
export async function renderList(ctx, app) {
  const headers = ["Model", "Kind", "Classes", "Incentive", "Judging", "Good / bad / open", "Deposit now"];
  const table = cardTable({ testid: "models" }, headers, []);
  const tbody = /** @type {HTMLElement} */ (table.querySelector("tbody"));
  const addressInput = /** @type {HTMLInputElement} */ (el("input", { type: "text", id: "open-address", placeholder: "0x…", testid: "open-address" }));
  const openForm = el(
    "form",
    {
      class: "row",
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        location.hash = `#/model/${addressInput.value.trim()}`;
      },
    },
    addressInput,
    el("button", { type: "submit", testid: "open-address-btn" }, "Open"),
  );
  app.replaceChildren(
    el("h2", {}, "Models"),
    el("p", { class: "muted" }, `Deployments on chain ${ctx.chainId} from the manifests the server found. Predicting is free; contributing sends a transaction.`),
    el("div", { class: "card" }, ctx.deployments.length ? table : el("p", {}, "No deployment on this chain yet: run make web, or ape run deploy.")),
    ctx.hubs?.length
      ? el("p", {}, el("a", { href: `#/hub/${ctx.hubs.at(-1)}`, testid: "hub-link" }, "Model hub"), ": models found on this chain through a hub, with their accuracy records and pools.")
      : null,
    el("div", { class: "card" }, el("h3", {}, "Open any model by its address"), el("p", { class: "muted" }, "The page reads the model's encoder, classes and rules from the chain."), openForm),
  );
  for (const d of ctx.deployments) {
    const row = el("tr", { testid: "model-row" }, el("td", { colspan: 7 }, `${d.source}: loading…`));
    tbody.append(row);
    summarise(ctx, d)
      .then((cells) => {
        row.replaceChildren(...cells);
        labelRow(row, headers);
      })
      .catch((err) => row.replaceChildren(el("td", { colspan: 7, class: "bad" }, `${d.address}: ${err.message}`)));
  }
}

/**
 * One row of the list.
 * @param {import("../context.js").Context} ctx
 * @param {import("../context.js").Deployment} d
 */
async function summarise(ctx, d) {
  const model = await loadModel(ctx.client, d.address, { ...d, name: modelName(d) });
  const history = await scan(ctx.client, model);
  const counts = { good: 0, bad: 0, open: 0 };
  for (const c of history) counts[verdictClass(c)] += 1;
  const deposit =
    model.incentive.kind === "stake" ? eth(await depositNow(ctx, model)) : model.incentive.kind === "points" ? "free" : "-";
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
