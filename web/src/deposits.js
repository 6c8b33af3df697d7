// @ts-check
// What a contribution carries under a deposit, by the rule `ape run contribute` follows
// (sharedmodels/trainers/deposits.py): the deposit is cost_weight * 3600 // isqrt(seconds since
// the last contribution), so one mined in the same block as another owes the largest,
// cost_weight * 3600. A contribution carries the most it may owe: the user's cap, or that
// same-block deposit when the cap is above it; the contract keeps what it owes and returns the
// rest in the same transaction. Carrying only the deposit read before sending loses to any other
// contribution that lands first in the same block.

/** Seconds per hour in the deposit formula. */
export const HOUR = 3600n;
/** The default cap is the deposit after this many quiet seconds (as `contribute`'s). */
export const QUIET = 60n;

/**
 * The integer square root (floor), as Vyper's `isqrt` and Python's `math.isqrt`.
 * @param {bigint} n
 */
export function isqrt(n) {
  if (n < 0n) throw new RangeError("isqrt of a negative number");
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/**
 * The deposit of a contribution mined `seconds` after the last one (0 counts as 1).
 * @param {bigint} costWeight
 * @param {bigint} seconds
 */
export function depositAfter(costWeight, seconds) {
  return (costWeight * HOUR) / isqrt(seconds > 1n ? seconds : 1n);
}

/**
 * The deposit of a contribution in the same block as another: the largest.
 * @param {bigint} costWeight
 */
export const sameBlock = (costWeight) => costWeight * HOUR;

/**
 * The cap `contribute` uses when none is given: the deposit after a quiet minute.
 * @param {bigint} costWeight
 */
export const defaultCap = (costWeight) => depositAfter(costWeight, QUIET);

/**
 * The value a contribution under `cap` carries: the cap, or the same-block deposit when the cap
 * is above it (it never owes more).
 * @param {bigint} costWeight
 * @param {bigint} cap
 */
export function carried(costWeight, cap) {
  const top = sameBlock(costWeight);
  return cap < top ? cap : top;
}

/**
 * The fewest quiet seconds after which the deposit is at most `cap`: `top // isqrt(t)` is at
 * most `cap` once `isqrt(t) > top // (cap + 1)`.
 * @param {bigint} costWeight
 * @param {bigint} cap
 */
export function quietFor(costWeight, cap) {
  const top = sameBlock(costWeight);
  if (top <= cap) return 1n;
  const root = top / (cap + 1n) + 1n;
  return root * root;
}
