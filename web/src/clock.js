// @ts-check
// The chain's clock as the page estimates it between reads: the pending block's time (what a
// transaction sent now will be mined with; on Anvil, the wall clock plus any time it was moved)
// plus the seconds since it was read. A node without a pending block gives the last block's
// time instead, and `tag` says which: reads that depend on the clock (the deposit) use it.

export class ChainClock {
  /** @param {import("viem").PublicClient} client */
  constructor(client) {
    this.client = client;
    this.chainTime = 0n;
    this.at = 0;
    /** @type {"pending" | "latest"} */
    this.tag = "pending";
  }

  async sync() {
    let block;
    if (this.tag === "pending") {
      try {
        block = await this.client.getBlock({ blockTag: "pending" });
      } catch {
        this.tag = "latest";
      }
    }
    block ??= await this.client.getBlock({ blockTag: "latest" });
    this.chainTime = block.timestamp;
    this.at = Date.now();
  }

  /** @returns {bigint} */
  now() {
    return this.chainTime + BigInt(Math.floor((Date.now() - this.at) / 1000));
  }

  /** Where the time comes from, in words. */
  basis() {
    return this.tag === "pending" ? "the pending block's time" : "the last block's time";
  }
}
