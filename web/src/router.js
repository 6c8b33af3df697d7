// @ts-check
// Start-up and routes: read the server's deployments, make the chain's client, fill the
// accounts, then draw `#/` (the models list) or `#/model/<address>` on every hash change.
import { createPublicClient, defineChain, http } from "viem";
import { UNIDATA_VERSION, tools } from "./chain.js";
import { ChainClock } from "./clock.js";
import { renderList } from "./pages/list.js";
import { renderModel } from "./pages/model.js";
import { Accounts } from "./wallet.js";

/**
 * @param {string} hash location.hash
 * @returns {{page: "list"} | {page: "model", address: string}}
 */
export function parseRoute(hash) {
  const m = (hash || "#/").match(/^#\/model\/(.+)$/);
  return m ? { page: "model", address: decodeURIComponent(m[1]) } : { page: "list" };
}

export class App {
  constructor() {
    this.app = /** @type {HTMLElement} */ (document.getElementById("app"));
    this.banner = /** @type {HTMLElement} */ (document.getElementById("banner"));
    this.network = /** @type {HTMLElement} */ (document.getElementById("network"));
    this.accountSelect = /** @type {HTMLSelectElement} */ (document.getElementById("account"));
    this.balanceEl = /** @type {HTMLElement} */ (document.getElementById("balance"));
    this.rpcUrl = new URL("rpc", location.href).href;
    /** Whether the node's unlocked test accounts are offered (not in a static export). */
    this.nodeAccounts = true;
    /** @type {import("./context.js").Context | null} */
    this.ctx = null;
    /** @type {{stop(): void} | null} */
    this.page = null;
  }

  /** @param {string} text */
  showBanner(text) {
    this.banner.textContent = text;
    this.banner.hidden = !text;
  }

  async start() {
    let config;
    try {
      const res = await fetch("api/deployments", { cache: "no-store" });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
      config = { chainId: body.chain_id, deployments: body.deployments };
      // A static export (ape run web --static) names the public endpoint to read from;
      // otherwise the page's own server forwards to its node.
      if (body.rpc) {
        this.rpcUrl = body.rpc;
        this.nodeAccounts = false;
      }
    } catch (err) {
      this.showBanner(`cannot reach the chain through this server: ${err.message}`);
      this.app.replaceChildren();
      return;
    }
    const rpcUrl = this.rpcUrl;
    const chain = defineChain({
      id: config.chainId,
      name: `chain ${config.chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
    });
    const client = /** @type {import("viem").PublicClient} */ (createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 250 }));
    const accounts = new Accounts({ client, chain, chainId: config.chainId, rpcUrl, nodeAccounts: this.nodeAccounts }, this.accountSelect, this.balanceEl);
    this.ctx = {
      ...config,
      client,
      chain,
      rpcUrl,
      accounts,
      clock: new ChainClock(client),
      vocabularies: new Map(),
    };
    this.network.textContent = `chain ${config.chainId} · ${config.deployments.length} deployments`;
    // The browser's Unicode must know at least what Python's does (ARABIC LETTER ALEF WITH
    // ATTACHED FATHA is new in Unicode 14), or a text with such letters would encode differently.
    if (!tools.isWordChar("\u0870")) {
      this.showBanner(`this browser's Unicode tables are older than ${UNIDATA_VERSION}: texts with recent characters may encode differently from the Python client`);
    }
    await accounts.fill();
    this.accountSelect.addEventListener("change", async () => {
      document.body.dataset.ready = "0";
      accounts.remember();
      await accounts.showBalance().catch(() => {});
      await this.route();
    });
    const wallet = /** @type {any} */ (window).ethereum;
    if (wallet?.on) {
      wallet.on("chainChanged", () => this.route());
      wallet.on("accountsChanged", () => accounts.showBalance().then(() => this.route()));
    }
    window.addEventListener("hashchange", () => this.route());
    await this.route();
  }

  async route() {
    document.body.dataset.ready = "0"; // "1" once the page has drawn what the chain holds
    const ctx = /** @type {import("./context.js").Context} */ (this.ctx);
    const route = parseRoute(location.hash);
    this.page?.stop();
    this.page = null;
    try {
      if (route.page === "model") this.page = await renderModel(ctx, this.app, route.address);
      else await renderList(ctx, this.app);
    } finally {
      document.body.dataset.ready = "1";
    }
  }
}
