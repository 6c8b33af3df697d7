// Bundles the page into web/dist/ (make web-build): esbuild resolves viem from node_modules and
// inlines the assets `python -m sharedmodels.runs.web assets` exported to web/build/ (ABIs,
// runtime code hashes, Unicode table), so the page needs nothing from the network at run time.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const web = dirname(fileURLToPath(import.meta.url));
// node web/build.mjs [--out DIR] [--assets DIR]: the browser tests bundle into a directory of
// their own, from assets they export themselves.
const option = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]) : fallback;
};
const dist = option("--out", join(web, "dist"));
const assets = option("--assets", join(web, "build"));
for (const asset of ["contracts.json", "unicode.json"]) {
  if (!existsSync(join(assets, asset))) {
    console.error(`error: web/build/${asset} is missing: run python -m sharedmodels.runs.web assets`);
    process.exit(1);
  }
}
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: [join(web, "src", "main.js")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  outfile: join(dist, "app.js"),
  logLevel: "warning",
  alias: { "sharedmodels-assets": assets },
});
// The encoders alone, for the browser tests' parity check (the page does not load this).
await build({
  entryPoints: [join(web, "src", "parity.js")],
  bundle: true,
  format: "esm",
  target: "es2022",
  outfile: join(dist, "parity.js"),
  logLevel: "warning",
});
for (const file of ["index.html", "style.css"]) copyFileSync(join(web, file), join(dist, file));
console.error(`web: bundled ${join(dist, "app.js")}`);
