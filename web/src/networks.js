// @ts-check
// Networks the page can name, and their block explorers (for links to addresses and
// transactions). A chain id not listed is shown as "chain N", with no explorer.

/** @type {Record<number, {name: string, explorer?: string, local?: boolean}>} */
export const NETWORKS = {
  1: { name: "Ethereum", explorer: "https://etherscan.io" },
  11155111: { name: "Sepolia (testnet)", explorer: "https://sepolia.etherscan.io" },
  17000: { name: "Holesky (testnet)", explorer: "https://holesky.etherscan.io" },
  560048: { name: "Hoodi (testnet)", explorer: "https://hoodi.etherscan.io" },
  10: { name: "OP Mainnet", explorer: "https://optimistic.etherscan.io" },
  11155420: { name: "OP Sepolia (testnet)", explorer: "https://sepolia-optimism.etherscan.io" },
  8453: { name: "Base", explorer: "https://basescan.org" },
  84532: { name: "Base Sepolia (testnet)", explorer: "https://sepolia.basescan.org" },
  42161: { name: "Arbitrum One", explorer: "https://arbiscan.io" },
  421614: { name: "Arbitrum Sepolia (testnet)", explorer: "https://sepolia.arbiscan.io" },
  137: { name: "Polygon PoS", explorer: "https://polygonscan.com" },
  100: { name: "Gnosis", explorer: "https://gnosisscan.io" },
  31337: { name: "local Anvil", local: true },
  1337: { name: "local development chain", local: true },
};

/**
 * "Sepolia (testnet), chain 11155111", or "chain 5" for an unknown id.
 * @param {number} chainId
 */
export function networkName(chainId) {
  const n = NETWORKS[chainId];
  return n ? `${n.name}, chain ${chainId}` : `chain ${chainId}`;
}

/**
 * The explorer's page for an address or a transaction, or null when the chain has none known.
 * @param {number} chainId
 * @param {"address" | "tx"} kind
 * @param {string} value
 */
export function explorerUrl(chainId, kind, value) {
  const base = NETWORKS[chainId]?.explorer;
  return base ? `${base}/${kind}/${value}` : null;
}
