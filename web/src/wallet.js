// @ts-check
// Who the page acts as: one of the node's test accounts (the node signs, through the server's
// /rpc) or an injected EIP-1193 wallet; and sending a transaction after checking and simulating it.
import { createWalletClient, custom, getAddress, http } from "viem";
import { el } from "./dom.js";
import { UserError } from "./errors.js";
import { eth, short } from "./format.js";

const ACCOUNT_KEY = "sharedmodels.account";

/** @returns {any} the injected EIP-1193 provider, if any */
const injected = () => /** @type {any} */ (window).ethereum;

export class Accounts {
  /**
   * @param {{client: import("viem").PublicClient, chain: import("viem").Chain, chainId: number, rpcUrl: string, nodeAccounts?: boolean}} opts
   * @param {HTMLSelectElement} select the header's account choice
   * @param {HTMLElement} balanceEl where the chosen account's balance goes
   */
  constructor({ client, chain, chainId, rpcUrl, nodeAccounts = true }, select, balanceEl) {
    this.client = client;
    this.chain = chain;
    this.chainId = chainId;
    this.rpcUrl = rpcUrl;
    this.nodeAccounts = nodeAccounts;
    this.select = select;
    this.balanceEl = balanceEl;
    /** @type {`0x${string}`[]} */
    this.local = [];
  }

  /** "local:N" or "injected" */
  selected() {
    return this.select.value || "local:0";
  }

  /** Remember the choice for the next visit. */
  remember() {
    localStorage.setItem(ACCOUNT_KEY, this.select.value);
  }

  async fill() {
    const accounts = this.nodeAccounts
      ? /** @type {string[]} */ (await this.client.request(/** @type {any} */ ({ method: "eth_accounts" })))
      : [];
    this.local = accounts.map((a) => getAddress(a));
    const saved = localStorage.getItem(ACCOUNT_KEY);
    this.select.replaceChildren(
      ...this.local.map((a, i) => el("option", { value: `local:${i}` }, `Test account #${i} ${short(a)}`)),
      injected() ? el("option", { value: "injected" }, "Browser wallet (EIP-1193)") : null,
    );
    if (!this.local.length && !injected()) {
      this.select.append(el("option", { value: "" }, "no account available"));
    }
    if (saved && [...this.select.options].some((o) => o.value === saved)) this.select.value = saved;
    await this.showBalance();
  }

  async showBalance() {
    const sel = this.selected();
    let address = null;
    if (sel.startsWith("local:")) address = this.local[Number(sel.slice(6))];
    else if (sel === "injected") {
      const accs = await injected().request({ method: "eth_accounts" }).catch(() => []);
      address = accs[0] ? getAddress(accs[0]) : null;
    }
    if (!address) {
      this.balanceEl.textContent = sel === "injected" ? "wallet not connected yet" : "";
      return null;
    }
    const balance = await this.client.getBalance({ address });
    this.balanceEl.textContent = `${short(address)} · ${eth(balance)}`;
    return address;
  }

  /** The address the page acts as, without asking a wallet anything (null if unknown). */
  async current() {
    const sel = this.selected();
    if (sel.startsWith("local:")) return this.local[Number(sel.slice(6))] ?? null;
    const accs = await injected()?.request({ method: "eth_accounts" }).catch(() => []);
    return accs?.[0] ? getAddress(accs[0]) : null;
  }

  /** A wallet client ready to send on the models' chain, or a UserError. */
  async sender() {
    const sel = this.selected();
    if (sel.startsWith("local:")) {
      const address = this.local[Number(sel.slice(6))];
      if (!address) throw new UserError("no account is selected");
      return { address, wallet: createWalletClient({ chain: this.chain, transport: http(this.rpcUrl), account: address }) };
    }
    if (!injected()) throw new UserError("no browser wallet is present");
    const wallet = createWalletClient({ chain: this.chain, transport: custom(injected()) });
    const [address] = await wallet.requestAddresses();
    if (!address) throw new UserError("the wallet gave no account");
    const walletChain = await wallet.getChainId();
    if (walletChain !== this.chainId) {
      throw new UserError(
        `wrong network: the wallet is on chain ${walletChain}, the models are on chain ` +
          `${this.chainId}; switch the wallet to chain ${this.chainId}`,
      );
    }
    return {
      address: getAddress(address),
      wallet: createWalletClient({ chain: this.chain, transport: custom(injected()), account: address }),
    };
  }

  /**
   * Check, simulate (eth_call: the contract's reason if it would revert), then send and wait.
   * @param {any} model
   * @param {string} functionName
   * @param {any[]} args
   * @param {bigint} [value]
   */
  async transact(model, functionName, args, value = 0n) {
    const client = this.client;
    const { address, wallet } = await this.sender();
    if (value > 0n) {
      const balance = await client.getBalance({ address });
      if (value > balance) {
        throw new UserError(`the deposit, ${eth(value)}, is above this account's balance, ${eth(balance)}`);
      }
    }
    /** @type {{request: any}} */
    const { request } = await client.simulateContract({
      address: model.address,
      abi: model.abi,
      functionName,
      args,
      account: address,
      value,
    });
    // The node's own estimate has fallen short for addData (the deposit's excess is paid back
    // with all remaining gas, and the pending block's clock differs from the mined one): half as
    // much again, as Ape's local networks send with a generous limit too.
    const estimate = await client.estimateContractGas({ ...request, account: address });
    const gas = (estimate * 3n) / 2n + 50_000n;
    const hash = await wallet.writeContract(/** @type {any} */ ({ ...request, gas, account: wallet.account ?? address }));
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    await this.showBalance();
    return receipt;
  }
}
