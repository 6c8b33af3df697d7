// @ts-check
// The sparse Perceptron's packed calldata, as sharedmodels/encoding/packed.py writes it: sorted
// unique feature indices in lanes of 256-bit words, lowest lane first, 16-bit lanes when the
// model's n_features is at most 2**16 and 32-bit lanes otherwise. A word's indices end at its
// first zero lane that is not the sample's very first index; every lane above it is zero. One
// index per word (the plain array) reads the same, so the page restates a contribution with the
// words it was sent with.

/** @param {bigint} nFeatures */
export function laneBits(nFeatures) {
  return nFeatures <= 65536n ? 16n : 32n;
}

/**
 * Whether a model takes packed words: its predict takes uint256[].
 * @param {readonly any[]} abi
 */
export function isPacked(abi) {
  const f = abi.find((e) => e.type === "function" && e.name === "predict");
  return Boolean(f && f.inputs.length === 1 && f.inputs[0].type === "uint256[]");
}

/**
 * The words of sorted unique indices.
 * @param {readonly (number | bigint)[]} indices
 * @param {bigint} nFeatures
 * @returns {bigint[]}
 */
export function pack(indices, nFeatures) {
  const bits = laneBits(nFeatures);
  const perWord = 256n / bits;
  /** @type {bigint[]} */
  const words = [];
  indices.forEach((j, i) => {
    const lane = BigInt(i) % perWord;
    if (lane === 0n) words.push(0n);
    words[words.length - 1] |= BigInt(j) << (bits * lane);
  });
  return words;
}

/**
 * The indices the contract reads from `words` (packed or one per word).
 * @param {readonly (number | bigint)[]} words
 * @param {bigint} nFeatures
 * @returns {bigint[]}
 */
export function unpack(words, nFeatures) {
  const bits = laneBits(nFeatures);
  const perWord = Number(256n / bits);
  const mask = (1n << bits) - 1n;
  /** @type {bigint[]} */
  const out = [];
  for (const w of words) {
    let word = BigInt(w);
    for (let lane = 0; lane < perWord; lane++) {
      const j = word & mask;
      if (j === 0n && out.length > 0) break;
      out.push(j);
      word >>= bits;
    }
  }
  return out;
}
