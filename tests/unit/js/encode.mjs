// Runs the page's encoders (web/src/encoding.js) on a JSON job read from stdin and prints the
// results as JSON, for tests/unit/test_web_encoding.py to compare with the Python encoders.
import { readFileSync } from "node:fs";
import {
  textTools,
  hashEncoder,
  vocabEncoder,
  denseEncoder,
  murmurhash3,
  EncodingError,
} from "../../../web/src/encoding.js";

const job = JSON.parse(readFileSync(0, "utf8"));
const tools = textTools(job.unassigned);
const out = {};

if (job.codepoints) {
  // Word characters as inclusive ranges, and every code point whose lowercase differs.
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
  return job.texts.map((t) => {
    try {
      return enc.encode(t);
    } catch (e) {
      if (e instanceof EncodingError) return null;
      throw e;
    }
  });
});
out.dense = (job.dense ?? []).map((spec) => {
  const enc = denseEncoder(spec.settings);
  return spec.rows.map((row) => {
    try {
      return enc.encode(row.map(Number)).map(String);
    } catch (e) {
      if (e instanceof EncodingError) return null;
      throw e;
    }
  });
});
process.stdout.write(JSON.stringify(out));
