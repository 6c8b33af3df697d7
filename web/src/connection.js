// @ts-check
// Whether the node answers: a light poll (eth_blockNumber) that the header shows, that actions
// consult before asking the node (so they fail at once, in words, while it is down), and that
// calls `onBack` when the node answers again (the page then reloads what it shows).
import { UserError } from "./errors.js";

/** How often the node is asked, and how long an answer may take, in milliseconds. */
export const POLL_MS = 2000;
export const TIMEOUT_MS = 4000;

export class Connection {
  /**
   * @param {string} rpcUrl
   * @param {{onChange?: (c: Connection) => void, onBack?: () => void}} [hooks]
   */
  constructor(rpcUrl, hooks = {}) {
    this.rpcUrl = rpcUrl;
    this.hooks = hooks;
    this.up = true;
    /** @type {bigint | null} */
    this.block = null;
    /** @type {Date | null} */
    this.downSince = null;
    this.reason = "";
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
  }

  start() {
    const loop = async () => {
      await this.check();
      this.timer = setTimeout(loop, POLL_MS);
    };
    loop();
  }

  /** Ask the node for its block number now; returns whether it answered. */
  async check() {
    let reason = "";
    try {
      const res = await fetch(this.rpcUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const body = await res.json().catch(() => ({}));
      if (res.ok && typeof body.result === "string") this.block = BigInt(body.result);
      else reason = body.error?.message ?? body.error ?? `HTTP ${res.status}`;
    } catch (err) {
      reason = err.name === "TimeoutError" ? `no answer within ${TIMEOUT_MS / 1000} s` : `the page's server did not answer (${err.message})`;
    }
    const wasUp = this.up;
    this.up = !reason;
    this.reason = reason;
    if (!this.up && wasUp) this.downSince = new Date();
    if (this.up) this.downSince = null;
    this.hooks.onChange?.(this);
    if (this.up && !wasUp) this.hooks.onBack?.();
    return this.up;
  }

  /** Throw a UserError saying so while the node is down. */
  assertUp() {
    if (!this.up) throw new UserError(this.downMessage());
  }

  downMessage() {
    return (
      `the node is not answering (since ${this.downSince?.toLocaleTimeString() ?? "now"}: ${this.reason}); ` +
      "the page retries every few seconds and reloads when it is back"
    );
  }
}
