// @ts-check
// What every page is given instead of module-level state: the chain, its client, the accounts,
// the clock and the word lists loaded by hand.

/**
 * @typedef {object} Deployment a manifest the server found, with its file (`source`)
 * @property {string} address
 * @property {string} contract
 * @property {string} source
 * @property {string} [name] what the page calls it (pages/common.js)
 * @property {string} [model]
 * @property {any} [pretrain]
 * @property {any} [encoder]
 * @property {number} [block]
 */

/**
 * @typedef {object} Context
 * @property {number} chainId
 * @property {Deployment[]} deployments
 * @property {string[]} hubs the ModelHub addresses the server's records name (pages/hub.js)
 * @property {Record<string, string>} [hubPools] each hub's HubPool, by the hub's lowercase address ("" when its record names none)
 * @property {import("viem").PublicClient} client
 * @property {import("viem").Chain} chain
 * @property {string} rpcUrl
 * @property {import("./wallet.js").Accounts} accounts
 * @property {import("./clock.js").ChainClock} clock
 * @property {import("./connection.js").Connection} connection whether the node answers
 * @property {Map<string, string[]>} vocabularies word lists loaded by hand, by model address
 */

/**
 * The manifest of a deployment at `address`, if the server found one.
 * @param {Context} ctx
 * @param {string} address
 */
export function manifestFor(ctx, address) {
  return ctx.deployments.find((d) => d.address.toLowerCase() === address.toLowerCase());
}

export {};
