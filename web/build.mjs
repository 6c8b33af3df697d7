// Bundles the page into web/dist/ (make web-build): esbuild resolves viem from node_modules and
// inlines the assets `python -m sharedmodels.runs.web assets` exported to web/build/ (ABIs,
// runtime code hashes, Unicode table), so the page needs nothing from the network at run time.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = dirname(fileURLToPath(import.meta.url));
const dist = join(web, "dist");
for (const asset of ["contracts.json", "unicode.json"]) {
  if (!existsSync(join(web, "build", asset))) {
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
});
for (const file of ["index.html", "style.css"]) copyFileSync(join(web, file), join(dist, file));
console.error("web: bundled web/dist/app.js");
