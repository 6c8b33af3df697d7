// @ts-check
// Failures in words: a refusal of ours (UserError), the contract's revert reason as it wrote it,
// the wallet's refusal.
import {
  BaseError,
  ContractFunctionRevertedError,
  InsufficientFundsError,
  UserRejectedRequestError,
} from "viem";

/** A refusal the page explains in one message; nothing was sent. */
export class UserError extends Error {}

/**
 * The contract's own words for a failed call, or the wallet's, or null.
 * @param {unknown} err
 * @returns {{kind: "revert" | "rejected" | "funds", text: string} | null}
 */
export function reasonOf(err) {
  if (!(err instanceof BaseError)) return null;
  const reverted = /** @type {ContractFunctionRevertedError | null} */ (
    err.walk((e) => e instanceof ContractFunctionRevertedError)
  );
  if (reverted) {
    if (reverted.reason) return { kind: "revert", text: reverted.reason };
    if (reverted.data?.errorName) return { kind: "revert", text: reverted.data.errorName };
    return { kind: "revert", text: "reverted without a reason" };
  }
  const rejected = /** @type {BaseError | null} */ (
    err.walk((e) => e instanceof UserRejectedRequestError || /** @type {any} */ (e)?.code === 4001)
  );
  if (rejected) return { kind: "rejected", text: rejected.shortMessage || rejected.message };
  if (err.walk((e) => e instanceof InsufficientFundsError)) {
    return { kind: "funds", text: "the account cannot pay for this transaction and its gas" };
  }
  return null;
}

/**
 * A failure in words: the contract's reason as it wrote it, the wallet's refusal, or ours.
 * @param {any} err
 * @param {string} what what failed, as "the contribution"
 */
export function explain(err, what) {
  if (err instanceof UserError) return `${err.message}; nothing was sent`;
  const r = reasonOf(err);
  if (r?.kind === "revert") return `the contract refused ${what}: "${r.text}"; nothing was sent`;
  if (r?.kind === "rejected") return `the wallet rejected ${what}: nothing was sent`;
  if (r?.kind === "funds") return `${r.text}; nothing was sent`;
  console.error(err);
  return `${what} failed: ${err.shortMessage || err.message}`;
}
