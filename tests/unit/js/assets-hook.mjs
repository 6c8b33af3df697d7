// Lets Node import the page's modules (web/src) as the bundle does: "sharedmodels-assets/…"
// (the ABIs and Unicode table web/build.mjs inlines) becomes a small stand-in, so the unit tests
// need no compiled contracts. Used as `node --import ./assets-hook.mjs --test …`.
import { register } from "node:module";

const STANDINS = {
  "sharedmodels-assets/contracts.json": "export default {};",
  "sharedmodels-assets/unicode.json": 'export default { unidata_version: "14.0.0", unassigned: [] };',
};

const hooks = `
const STANDINS = ${JSON.stringify(STANDINS)};
export async function resolve(specifier, context, next) {
  if (specifier in STANDINS) return { url: "standin:" + specifier, shortCircuit: true };
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.startsWith("standin:")) {
    return { format: "module", source: STANDINS[url.slice(8)], shortCircuit: true };
  }
  return next(url, context);
}
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
