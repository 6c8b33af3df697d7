// Reads a contract's logs through the page's paged reader (web/src/logs.js), as the page
// does, from the node at argv[2]: `node logs.mjs URI ADDRESS FROM TO [WINDOW [RETRIES]]`.
// Prints {logs: [[block, logIndex]...], requests, backoffs, splits} or {error, next} as JSON,
// for tests/chain/test_logs.py to compare with what a direct read returns.
import { createPublicClient, http } from "viem";
import { getLogsPaged, LogReadError } from "../../../web/src/logs.js";

const [uri, address, from, to, window = "10000", retries = "8"] = process.argv.slice(2);
// retryCount 0: the reader's own back-off is what is under test.
const client = createPublicClient({ transport: http(uri, { retryCount: 0 }) });
const options = { window: BigInt(window), retries: Number(retries), sleep: async () => {} };
try {
  const cursor = { next: BigInt(from), to: BigInt(to), logs: [], requests: 0, backoffs: 0, splits: 0 };
  const logs = await getLogsPaged(client, { address }, BigInt(from), BigInt(to), { ...options, cursor });
  const out = logs.map((g) => [Number(g.blockNumber), Number(g.logIndex)]);
  process.stdout.write(JSON.stringify({ logs: out, requests: cursor.requests, backoffs: cursor.backoffs, splits: cursor.splits }));
} catch (err) {
  if (!(err instanceof LogReadError)) throw err;
  process.stdout.write(JSON.stringify({ error: err.message, next: Number(err.cursor.next) }));
}
