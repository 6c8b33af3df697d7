// Reads [[costWeight, seconds, cap], ...] (decimal strings) as JSON on stdin and prints, for
// each, what web/src/deposits.js says: [isqrt(seconds), depositAfter, sameBlock, defaultCap,
// carried, quietFor], as decimal strings. tests/unit/test_web_deposits.py compares them with
// the Python client's rule.
import { carried, defaultCap, depositAfter, isqrt, quietFor, sameBlock } from "../../../web/src/deposits.js";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = JSON.parse(input).map(([w, s, c]) => {
  const [cw, secs, cap] = [BigInt(w), BigInt(s), BigInt(c)];
  return [isqrt(secs), depositAfter(cw, secs), sameBlock(cw), defaultCap(cw), carried(cw, cap), quietFor(cw, cap)].map(String);
});
process.stdout.write(JSON.stringify(out));
