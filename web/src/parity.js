// @ts-check
// The page's encoders on a batch of inputs, for the parity tests: tests/unit/test_web_encoding.py
// runs this under Node (tests/unit/js/encode.mjs) and tests/browser in Chromium (web/build.mjs
// bundles it as dist/parity.js; the page itself does not load it). Both compare the answers
// with sharedmodels.encoding.features.
import {
  EncodingError,
  denseEncoder,
  hashEncoder,
  murmurhash3,
  textTools,
  vocabEncoder,
} from "./encoding.js";

function orNull(f) {
  try {
    return f();
  } catch (e) {
    if (e instanceof EncodingError) return null;
    throw e;
  }
}

/**
 * job: {unassigned, codepoints?, tokens?, texts?, encoders?: [{settings}], dense?: [{settings, rows}]}
 * → {word, lower} (every code point's word class as ranges, and each lowercase that differs),
 *   hashes, tokens, encoded (per encoder, per text: indices or null), dense (strings or null).
 */
export function runJob(job) {
  const tools = textTools(job.unassigned);
  const out = {};
  if (job.codepoints) {
    const word = [];
    const lower = {};
    for (let cp = 0; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (tools.isWordChar(ch)) {
        if (word.length && word[word.length - 1][1] === cp - 1) word[word.length - 1][1] = cp;
        else word.push([cp, cp]);
      }
      const l = tools.lower(ch);
      if (l !== ch) lower[cp] = l;
    }
    out.word = word;
    out.lower = lower;
  }
  const utf8 = new TextEncoder();
  out.hashes = (job.tokens ?? []).map((t) => murmurhash3(utf8.encode(t)));
  out.tokens = (job.texts ?? []).map((t) => tools.tokenize(t));
  out.encoded = (job.encoders ?? []).map((spec) => {
    const enc =
      spec.settings.kind === "vocab"
        ? vocabEncoder(tools, spec.settings, spec.settings.words)
        : hashEncoder(tools, spec.settings);
    return job.texts.map((t) => orNull(() => enc.encode(t)));
  });
  out.dense = (job.dense ?? []).map((spec) => {
    const enc = denseEncoder(spec.settings);
    return spec.rows.map((row) => orNull(() => enc.encode(row.map(Number)).map(String)));
  });
  return out;
}
