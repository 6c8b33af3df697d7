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
 * The name a deployment is listed under.
 * @param {import("../context.js").Deployment} d
 */
export function modelName(d) {
  const stem = d.source.split("/").pop()?.replace(/\.json$/, "");
  return `${stem} (${d.contract})`;
}
