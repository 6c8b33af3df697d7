// @ts-check
// Text and numbers to model inputs, bit-identical to sharedmodels.encoding.features.
//
// Text is tokenised as scikit-learn's HashingVectorizer and CountVectorizer do by default:
// Python's str.lower() on the whole text, then every run of two or more characters that Python's
// re module counts as \w (letters, numbers, underscore). JavaScript's \w is ASCII only, so runs
// are found with the Unicode classes [\p{L}\p{N}_]. The browser's Unicode tables are usually
// newer than the Python's that defined the encoding (Python 3.11: Unicode 14.0), so code points
// that Python does not know (the `unassigned` ranges, exported from Python at build time) are
// neither word characters nor lowercased here, as Python leaves them.
//
// Hashing: MurmurHash3 (x86, 32-bit, seed 0) of each token's UTF-8 bytes, read as a signed
// 32-bit integer h; the column is abs(h) % n_features (scikit-learn's special case for
// h = -2**31 included). Binary presence, sorted unique indices, then the overflow policy for
// more than max_features (512) indices: keep the smallest (truncate), refuse (error or skip).

const WORD_CHAR = /^[\p{L}\p{N}_]$/u;
const WORD_RUN = /[\p{L}\p{N}_]{2,}/gu;
export const MAX_FEATURES = 512;
export const FIXED_POINT_SCALE = 1e9;
export const MAX_ABS = 2 ** 40;

export class EncodingError extends Error {}

/** Tools bound to one table of the code points Python's Unicode version leaves unassigned. */
export function textTools(unassigned) {
  // unassigned: sorted [first, last] code point ranges (inclusive).
  const ranges = unassigned;
  function isUnassigned(cp) {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cp < ranges[mid][0]) hi = mid - 1;
      else if (cp > ranges[mid][1]) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** Python's str.lower(): lowercase the runs of known code points, keep the others. */
  function lower(text) {
    let out = "";
    let run = "";
    for (const ch of text) {
      if (isUnassigned(ch.codePointAt(0))) {
        out += run.toLowerCase() + ch;
        run = "";
      } else {
        run += ch;
      }
    }
    return out + run.toLowerCase();
  }

  /** Python's re \w for one character (a one-code-point string). */
  function isWordChar(ch) {
    return !isUnassigned(ch.codePointAt(0)) && WORD_CHAR.test(ch);
  }

  /** scikit-learn's default analyzer: lowercase, then runs of two or more \w characters. */
  function tokenize(text) {
    const lowered = lower(text);
    const tokens = [];
    let run = [];
    const flush = () => {
      if (run.length >= 2) tokens.push(run.join(""));
      run = [];
    };
    // Fast path when no unassigned code point can occur: one regex over the text.
    if (![...lowered].some((ch) => isUnassigned(ch.codePointAt(0)))) {
      for (const m of lowered.matchAll(WORD_RUN)) tokens.push(m[0]);
      return tokens;
    }
    for (const ch of lowered) {
      if (isWordChar(ch)) run.push(ch);
      else flush();
    }
    flush();
    return tokens;
  }

  return { lower, isWordChar, tokenize, isUnassigned };
}

const utf8 = new TextEncoder();

/** MurmurHash3 x86 32-bit of `bytes` (a Uint8Array), as a signed 32-bit integer. */
export function murmurhash3(bytes, seed = 0) {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const n = bytes.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (n & 3) {
    case 3:
      k ^= bytes[blocks + 2] << 16;
    // falls through
    case 2:
      k ^= bytes[blocks + 1] << 8;
    // falls through
    case 1:
      k ^= bytes[blocks];
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** scikit-learn's column for a signed hash (C semantics of `%`, as its Cython code). */
export function hashColumn(h, nFeatures) {
  if (h === -2147483648) return (2147483647 - (nFeatures - 1)) % nFeatures;
  return Math.abs(h) % nFeatures;
}

/** Sorted unique indices, then the overflow policy ("truncate", "error", "skip"). */
export function finishIndices(set, maxFeatures = MAX_FEATURES, overflow = "truncate") {
  const idx = [...set].sort((a, b) => a - b);
  if (idx.length > maxFeatures) {
    if (overflow === "truncate") return idx.slice(0, maxFeatures);
    throw new EncodingError(
      `text has ${idx.length} distinct features, the model accepts ${maxFeatures} ` +
        `(its overflow policy is "${overflow}")`,
    );
  }
  return idx;
}

/** The hashing encoder of a `{"n_features":…,"max_features":…,"overflow":…}` setting. */
export function hashEncoder(tools, settings) {
  const n = Number(settings.n_features);
  const maxFeatures = Number(settings.max_features ?? MAX_FEATURES);
  const overflow = settings.overflow ?? "truncate";
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) {
    throw new EncodingError(`n_features must be in [1, 2**32], got ${settings.n_features}`);
  }
  return {
    kind: "sparse",
    nFeatures: n,
    encode(text) {
      const set = new Set();
      for (const token of tools.tokenize(text)) {
        set.add(hashColumn(murmurhash3(utf8.encode(token)), n));
      }
      return finishIndices(set, maxFeatures, overflow);
    },
  };
}

/** The vocabulary encoder: word i of the sorted word list is feature i. */
export function vocabEncoder(tools, settings, words) {
  const index = new Map(words.map((w, i) => [w, i]));
  const maxFeatures = Number(settings.max_features ?? MAX_FEATURES);
  const overflow = settings.overflow ?? "truncate";
  return {
    kind: "vocab",
    nFeatures: words.length,
    encode(text) {
      const set = new Set();
      for (const token of tools.tokenize(text)) {
        const i = index.get(token);
        if (i !== undefined) set.add(i);
      }
      return finishIndices(set, maxFeatures, overflow);
    },
  };
}

/** numpy.rint: round half to even. */
export function rint(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The dense encoder: round((value - offset) / divisor * 10**9), as int64 (BigInt). */
export function denseEncoder(settings) {
  const divisors = (settings.divisors ?? []).map(Number);
  const offsets = (settings.offsets ?? divisors.map(() => 0)).map(Number);
  return {
    kind: "dense",
    dim: divisors.length,
    encode(values) {
      if (values.length !== divisors.length) {
        throw new EncodingError(`expected ${divisors.length} values, got ${values.length}`);
      }
      return values.map((v, j) => {
        if (!Number.isFinite(v)) throw new EncodingError(`column ${j}: ${v} is not a finite number`);
        const r = rint(((v - offsets[j]) / divisors[j]) * FIXED_POINT_SCALE);
        if (!(Math.abs(r) <= MAX_ABS)) {
          throw new EncodingError(
            `column ${j}: value ${v} encodes to ${r}, outside the contracts' range |v| <= 2**40`,
          );
        }
        return BigInt(r);
      });
    },
  };
}
