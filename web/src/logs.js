// @ts-check
// Reading event history from nodes that limit what one request may ask (the page's twin of
// sharedmodels/rpc/logs.py). Public RPC providers cap eth_getLogs by block range, by number of
// results or by response size, and answer a client that asks too fast with HTTP 429. The page
// reads in windows with a cursor: it halves the window when the node says "too much" and grows
// it back after successes; it backs off on 429/503 (honouring Retry-After) and on network
// failures, retrying the same window; and when the retries run out, the error carries the
// cursor, so passing it back resumes after the last finished window: nothing read twice,
// nothing skipped.

/** The first window, in blocks: what most public nodes accept. */
export const WINDOW = 10_000n;
/** Attempts of one window in a row before giving up. */
export const RETRIES = 8;
const BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 8000;
const TOO_MUCH = /range|too many results|more than|limit|exceed|too large|response size|query timeout/i;

/**
 * @typedef {{ next: bigint, to: bigint, logs: any[], requests: number, backoffs: number, splits: number }} LogCursor
 */

export class LogReadError extends Error {
  /** @param {string} message @param {LogCursor} cursor */
  constructor(message, cursor) {
    super(message);
    this.name = "LogReadError";
    this.cursor = cursor;
  }
}

/** The HTTP status and every message in an error's chain (viem nests them in `cause`). */
function describe(/** @type {any} */ err) {
  let status = 0;
  const texts = [];
  for (let e = err, depth = 0; e && depth < 8; e = e.cause, depth += 1) {
    if (typeof e.status === "number" && !status) status = e.status;
    for (const t of [e.details, e.shortMessage, e.message]) if (typeof t === "string") texts.push(t);
  }
  return { status, text: texts.join(" | ") };
}

/** Milliseconds to wait after the `failures`-th failure in a row (Retry-After if the node said). */
function backoff(/** @type {any} */ err, failures) {
  const fallback = Math.min(BACKOFF_MS * 2 ** (failures - 1), MAX_BACKOFF_MS);
  for (let e = err, depth = 0; e && depth < 8; e = e.cause, depth += 1) {
    const value = e.headers?.get?.("Retry-After");
    if (value != null && !Number.isNaN(Number(value))) return Math.min(Number(value) * 1000, MAX_BACKOFF_MS);
  }
  return fallback;
}

/**
 * Every log matching `query` (viem's getLogs parameters without the block range) in
 * [fromBlock, toBlock], a window at a time.
 * @param {{ getLogs: (args: any) => Promise<any[]> }} client
 * @param {Record<string, any>} query
 * @param {bigint} fromBlock
 * @param {bigint} toBlock
 * @param {{ window?: bigint, retries?: number, cursor?: LogCursor, sleep?: (ms: number) => Promise<void> }} [options]
 * @returns {Promise<any[]>}
 */
export async function getLogsPaged(client, query, fromBlock, toBlock, options = {}) {
  const window = options.window ?? WINDOW;
  const retries = options.retries ?? RETRIES;
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const cur = options.cursor ?? { next: fromBlock, to: toBlock, logs: [], requests: 0, backoffs: 0, splits: 0 };
  let span = window > 0n ? window : 1n;
  let failures = 0;
  while (cur.next <= cur.to) {
    const stop = cur.to < cur.next + span - 1n ? cur.to : cur.next + span - 1n;
    cur.requests += 1;
    try {
      const found = await client.getLogs({ ...query, fromBlock: cur.next, toBlock: stop });
      cur.logs.push(...found);
      cur.next = stop + 1n;
      failures = 0;
      span = span * 2n < window ? span * 2n : window;
      continue;
    } catch (err) {
      const { status, text } = describe(err);
      const limited = status === 429 || status === 503;
      if (!limited && (status === 413 || TOO_MUCH.test(text)) && span > 1n) {
        span = span / 2n > 0n ? span / 2n : 1n;
        cur.splits += 1;
        continue;
      }
      failures += 1;
      if (failures >= retries) {
        throw new LogReadError(
          `reading logs failed ${failures} times in a row at blocks ${cur.next}-${stop} ` +
            `(${status ? `HTTP ${status}` : text.split(" | ")[0]}); ${cur.logs.length} logs read up to block ${cur.next - 1n}`,
          cur,
        );
      }
      cur.backoffs += 1;
      await sleep(backoff(err, failures));
    }
  }
  return cur.logs;
}
