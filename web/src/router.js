// @ts-check
// Start-up and routes: read the server's deployments, make the chain's client, fill the
// accounts, then draw `#/` (the models list) or `#/model/<address>` on every hash change.
import { createPublicClient, defineChain, http } from "viem";
import { UNIDATA_VERSION, tools } from "./chain.js";
import { ChainClock } from "./clock.js";
import { Connection } from "./connection.js";
import { el } from "./dom.js";
import { networkName } from "./networks.js";
import { nameDeployments } from "./pages/common.js";
import { renderHub } from "./pages/hub.js";
import { renderList } from "./pages/list.js";
import { renderModel } from "./pages/model.js";
import { Accounts } from "./wallet.js";

/**
 * @param {string} hash location.hash
 * @returns {{page: "list"} | {page: "model", address: string} | {page: "hub", address: string}}
 */
export function parseRoute(hash) {
  const m = (hash || "#/").match(/^#\/model\/(.+)$/);
  if (m) return { page: "model", address: decodeURIComponent(m[1]) };
  const h = (hash || "").match(/^#\/hub(?:\/(.+))?$/);
  return h ? { page: "hub", address: h[1] ? decodeURIComponent(h[1]) : "" } : { page: "list" };
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
    this.lastDown = "";
    /** The route last drawn (its hash): drawing it again keeps what was typed. */
    this.drawn = "";
  }

  /** @param {string} text */
  showBanner(text) {
    this.banner.textContent = text;
    this.banner.hidden = !text;
  }

  /** The server's deployments (and, in a static export, the endpoint to read from). */
  async deployments() {
    const res = await fetch("api/deployments", { cache: "no-store" });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
    return body;
  }

  async start() {
    let config;
    try {
      const body = await this.deployments();
      // A ModelHub record (ape run hub deploy) is not a model: the hub page reads it.
      const all = /** @type {any[]} */ (body.deployments);
      config = {
        chainId: body.chain_id,
        deployments: nameDeployments(all.filter((d) => d.contract !== "ModelHub")),
        hubs: all.filter((d) => d.contract === "ModelHub").map((d) => d.address),
        // Each hub record also names the HubPool deployed for it (its pools and payouts).
        hubPools: Object.fromEntries(all.filter((d) => d.contract === "ModelHub").map((d) => [d.address.toLowerCase(), d.pool || ""])),
      };
      // A static export (ape run web --static) names the public endpoint to read from;
      // otherwise the page's own server forwards to its node.
      if (body.rpc) {
        this.rpcUrl = body.rpc;
        this.nodeAccounts = false;
      }
    } catch (err) {
      this.showBanner(`cannot reach the chain through this server: ${err.message}; reload the page once the node runs`);
      this.network.textContent = "not connected";
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
    // One retry, not viem's three: a node that is down is said so at once (the connection
    // below tells the header).
    const transport = http(rpcUrl, { retryCount: 1, timeout: 20_000 });
    const client = /** @type {import("viem").PublicClient} */ (createPublicClient({ chain, transport, pollingInterval: 250 }));
    const accounts = new Accounts({ client, chain, chainId: config.chainId, rpcUrl, nodeAccounts: this.nodeAccounts }, this.accountSelect, this.balanceEl);
    this.ctx = {
      ...config,
      client,
      chain,
      rpcUrl,
      accounts,
      clock: new ChainClock(client),
      connection: new Connection(rpcUrl, { onChange: () => this.showNetwork(), onBack: () => this.reconnected() }),
      vocabularies: new Map(),
    };
    this.showNetwork();
    // The browser's Unicode must know at least what Python's does (ARABIC LETTER ALEF WITH
    // ATTACHED FATHA is new in Unicode 14), or a text with such letters would encode differently.
    if (!tools.isWordChar("\u0870")) {
      this.showBanner(`this browser's Unicode tables are older than ${UNIDATA_VERSION}: texts with recent characters may encode differently from the Python client`);
    }
    await this.ctx.clock.sync(); // finds whether the node has a pending block
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
    this.ctx.connection.start();
  }

  /** The header: the network by name, and whether its node answers. */
  showNetwork() {
    const ctx = /** @type {import("./context.js").Context} */ (this.ctx);
    const c = ctx.connection;
    const n = ctx.deployments.length;
    this.network.dataset.state = c.up ? "connected" : "down";
    this.network.replaceChildren(
      el("span", { class: `dot ${c.up ? "good" : "bad"}`, "aria-hidden": "true" }, "●"),
      ` ${networkName(ctx.chainId)} · `,
      c.up
        ? `connected${c.block !== null ? `, block ${c.block}` : ""} · ${n} deployment${n === 1 ? "" : "s"}`
        : `node not answering since ${c.downSince?.toLocaleTimeString() ?? "now"}`,
    );
    if (!c.up) this.showBanner(c.downMessage());
    else if (this.banner.textContent === this.lastDown) this.showBanner("");
    this.lastDown = c.up ? "" : c.downMessage();
  }

  /** The node answers again: it may be another chain now (a restarted node), so read the
   * deployments again and draw the page anew; another chain id reloads the page. */
  async reconnected() {
    const ctx = /** @type {import("./context.js").Context} */ (this.ctx);
    // Not ready from the moment the node is back until the page is drawn anew (called in the
    // same task as the header turns "connected", so nothing sees both "connected" and a ready
    // page that is about to be redrawn).
    document.body.dataset.ready = "0";
    try {
      const body = await this.deployments();
      if (body.chain_id !== ctx.chainId) {
        location.reload();
        return;
      }
      ctx.deployments = nameDeployments(body.deployments.filter((/** @type {any} */ d) => d.contract !== "ModelHub"));
    } catch {
      document.body.dataset.ready = "1"; // as it was drawn; the next poll tries again
      return;
    }
    this.showNetwork();
    await this.ctx?.accounts.showBalance().catch(() => {});
    await this.route();
  }

  async route() {
    document.body.dataset.ready = "0"; // "1" once the page has drawn what the chain holds
    const ctx = /** @type {import("./context.js").Context} */ (this.ctx);
    const route = parseRoute(location.hash);
    // Drawing the same page again (the node is back, another account) keeps what was typed.
    const typed = location.hash === this.drawn ? typedValues(this.app) : new Map();
    this.page?.stop();
    this.page = null;
    try {
      if (route.page === "model") this.page = await renderModel(ctx, this.app, route.address);
      else if (route.page === "hub") await renderHub(ctx, this.app, route.address || ctx.hubs.at(-1) || "");
      else await renderList(ctx, this.app);
      restoreTyped(this.app, typed);
      this.drawn = location.hash;
    } finally {
      document.body.dataset.ready = "1";
    }
  }
}

/**
 * What the visitor typed in the page's text boxes, by their `data-testid`.
 * @param {HTMLElement} root
 * @returns {Map<string, string>}
 */
function typedValues(root) {
  const typed = new Map();
  for (const box of root.querySelectorAll("input[data-testid], textarea[data-testid]")) {
    const input = /** @type {HTMLInputElement} */ (box);
    if (input.type !== "hidden" && input.value !== "") typed.set(input.dataset.testid ?? "", input.value);
  }
  return typed;
}

/**
 * Put back what was typed into the boxes drawn anew, where the new page left them empty.
 * @param {HTMLElement} root
 * @param {Map<string, string>} typed
 */
function restoreTyped(root, typed) {
  for (const [testid, value] of typed) {
    const input = /** @type {HTMLInputElement | null} */ (root.querySelector(`[data-testid="${testid}"]`));
    if (input && input.value === "") input.value = value;
  }
}
