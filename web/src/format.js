// @ts-check
// Amounts, addresses and durations as the page shows them.
import { formatEther } from "viem";

/** @param {string} a an address or hash */
export const short = (a) => `${a.slice(0, 6)}…${a.slice(-4)}`;

/** @param {bigint} wei */
export const eth = (wei) => `${trimEth(formatEther(wei))} ETH`;

/**
 * A decimal amount cut (not rounded) to 6 decimals, trailing zeros dropped.
 * @param {string} s
 */
export function trimEth(s) {
  const [i, f = ""] = s.split(".");
  const frac = f.slice(0, 6).replace(/0+$/, "");
  return frac ? `${i}.${frac}` : i;
}

/**
 * Seconds as "1d 2h 3m 4s" (zero parts left out), "now" when not positive.
 * @param {bigint | number} seconds
 */
export function duration(seconds) {
  let s = Number(seconds);
  if (s <= 0) return "now";
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return [d && `${d}d`, h && `${h}h`, m && `${m}m`, `${s}s`].filter(Boolean).join(" ");
}

/**
 * An amount of ETH typed by hand, in wei; a UserError (thrown by `refuse`) saying what is wrong.
 * Digits with at most one point and 18 decimals: no sign, exponent or thousands separator.
 * @param {string} text
 * @param {(message: string) => Error} refuse
 * @returns {bigint}
 */
export function parseEth(text, refuse) {
  const t = text.trim();
  if (!t) throw refuse("the deposit is empty: type an amount of ETH such as 0.06");
  if (/^-/.test(t)) throw refuse(`the deposit "${t}" is negative: a deposit is 0 ETH or more`);
  const m = t.match(/^(\d*)(?:\.(\d*))?$/);
  if (!m || (m[1] === "" && !m[2])) {
    throw refuse(`the deposit "${t}" is not an amount of ETH (digits and one point, such as 0.06)`);
  }
  const frac = m[2] ?? "";
  if (frac.length > 18) throw refuse(`the deposit "${t}" has more than 18 decimals, the smallest unit of ETH`);
  return BigInt(m[1] || "0") * 10n ** 18n + BigInt((frac + "0".repeat(18)).slice(0, 18));
}

/**
 * Wei as ETH rounded up to `decimals` places, trailing zeros dropped: an amount to pre-fill
 * that is never below `wei` (the contract keeps what it asks and returns the rest).
 * @param {bigint} wei
 * @param {number} [decimals]
 */
export function ceilEth(wei, decimals = 6) {
  const unit = 10n ** BigInt(18 - decimals);
  const up = ((wei + unit - 1n) / unit) * unit;
  const s = formatEther(up);
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

/**
 * A chain time (seconds) as the page states it: local date and time.
 * @param {bigint | number} t
 */
export function when(t) {
  return new Date(Number(t) * 1000).toLocaleString();
}
