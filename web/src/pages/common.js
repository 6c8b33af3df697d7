// @ts-check
// Words shared by the models list and a model page.

/** @param {any} model */
export function incentiveWords(model) {
  const inc = model.incentive;
  if (inc.kind === "stake") return "deposit, refund, report, take";
  if (inc.kind === "points") return "Points (free)";
  return "none (owner-trained)";
}

/**
 * The name a deployment is listed under: its model and what it was pre-trained on, as the
 * manifest says (`perceptron on rt`), with its contract; the file name only when the manifest
 * names no model.
 * @param {import("../context.js").Deployment} d
 */
export function modelName(d) {
  if (d.name) return d.name;
  const stem = d.source.split("/").pop()?.replace(/\.json$/, "");
  const data = d.pretrain?.dataset;
  const base = d.model ? (data ? `${d.model} on ${data}` : `${d.model}, not pre-trained`) : stem;
  return `${base} (${d.contract})`;
}

/**
 * Name every deployment (`name`), two that would share a name told apart by their address.
 * @param {import("../context.js").Deployment[]} deployments
 */
export function nameDeployments(deployments) {
  /** @type {Map<string, number>} */
  const seen = new Map();
  for (const d of deployments) {
    const n = modelName({ ...d, name: undefined });
    seen.set(n, (seen.get(n) ?? 0) + 1);
  }
  for (const d of deployments) {
    const n = modelName({ ...d, name: undefined });
    d.name = seen.get(n) > 1 ? `${n} at ${d.address.slice(0, 8)}…` : n;
  }
  return deployments;
}

/**
 * The deposit a contribution mined now owes: `next_deposit()` read at the clock's block (the
 * pending block where the node has one), as the contract will compute it when the transaction
 * lands; the last block's clock would overstate it on a quiet chain.
 * @param {import("../context.js").Context} ctx
 * @param {any} model
 * @returns {Promise<bigint>}
 */
export function depositNow(ctx, model) {
  return /** @type {Promise<bigint>} */ (
    ctx.client.readContract(/** @type {any} */ ({ address: model.address, abi: model.abi, functionName: "next_deposit", blockTag: ctx.clock.tag }))
  );
}
