// @ts-check
// The chain's clock as the page estimates it between reads: the last block's time plus the
// seconds since it was read.

export class ChainClock {
  /** @param {import("viem").PublicClient} client */
  constructor(client) {
    this.client = client;
    this.chainTime = 0n;
    this.at = 0;
  }

  async sync() {
    const block = await this.client.getBlock({ blockTag: "latest" });
    this.chainTime = block.timestamp;
    this.at = Date.now();
  }

  /** @returns {bigint} */
  now() {
    return this.chainTime + BigInt(Math.floor((Date.now() - this.at) / 1000));
  }
}
