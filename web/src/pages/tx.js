// @ts-check
// A transaction as it goes (sent, mined, failed) and the money it moved, read from its receipt.
import { parseEventLogs } from "viem";
import { copyable, el } from "../dom.js";
import { eth } from "../format.js";

/**
 * One line for a transaction's stage: its hash (copyable, with an explorer link when the chain
 * has one), then where it stands.
 * @param {number} chainId
 * @param {import("../wallet.js").TxStage} s
 */
export function txLine(chainId, s) {
  const hash = copyable(s.hash, { chainId, kind: "tx", testid: "tx-hash" });
  if (s.stage === "sent") {
    return el("div", { class: "tx pending", testid: "tx", "data-stage": "sent" }, "sent ", hash, " · waiting to be mined…");
  }
  const r = s.receipt;
  const gas = `gas ${r.gasUsed.toLocaleString("en")} (${eth(r.gasUsed * r.effectiveGasPrice)})`;
  return el(
    "div",
    { class: `tx ${s.stage}`, testid: "tx", "data-stage": s.stage },
    s.stage === "mined" ? "mined " : "failed (reverted) ",
    hash,
    ` · block ${r.blockNumber} · ${gas}`,
  );
}

/**
 * The money a mined transaction of `model` moved, from its events: a contribution's deposit
 * charged (and what came back of `sent`), a refund, a report's share, a take, a point.
 * @param {any} model
 * @param {import("viem").TransactionReceipt} receipt
 * @param {bigint} [sent] the value the transaction carried
 * @returns {{id?: bigint, charged?: bigint, returned?: bigint, paid?: bigint, point?: boolean}}
 */
export function moneyOf(model, receipt, sent = 0n) {
  const logs = parseEventLogs({ abi: model.abi, logs: receipt.logs, strict: false });
  /** @type {{id?: bigint, charged?: bigint, returned?: bigint, paid?: bigint, point?: boolean}} */
  const out = {};
  for (const log of /** @type {any[]} */ (logs)) {
    if (log.address.toLowerCase() !== model.address.toLowerCase()) continue;
    const a = log.args;
    if (log.eventName === "ContributionAdded") {
      out.id = a.id;
      out.charged = a.deposit;
      out.returned = sent - a.deposit;
    } else if (["DepositRefunded", "DepositReported", "DepositTaken"].includes(log.eventName)) {
      out.paid = (out.paid ?? 0n) + a.amount;
    } else if (log.eventName === "PointEarned") out.point = true;
  }
  return out;
}
