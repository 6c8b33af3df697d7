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
