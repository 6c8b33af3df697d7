// @ts-check
// Reading the models from the chain with viem: which deployable an address holds, its encoder,
// classes and incentive, and its history rebuilt from events and calldata, as
// sharedmodels.trainers.client does in Python.
import {
  decodeFunctionData,
  encodeAbiParameters,
  getAddress,
  isAddress,
  keccak256,
  size,
  sliceHex,
  stringToBytes,
} from "viem";
import contracts from "sharedmodels-assets/contracts.json";
import unicode from "sharedmodels-assets/unicode.json";
import {
  EncodingError,
  denseEncoder,
  hashEncoder,
  textTools,
  vocabEncoder,
} from "./encoding.js";
import { UserError } from "./errors.js";
import { getLogsPaged } from "./logs.js";
import { isPacked, pack, unpack } from "./packed.js";

export const tools = textTools(unicode.unassigned);
export const UNIDATA_VERSION = unicode.unidata_version;

export { UserError, reasonOf } from "./errors.js";

const KINDS = [
  ["DensePerceptron", "dense Perceptron"],
  ["SparseNearestCentroid", "sparse Nearest Centroid"],
  ["NearestCentroid", "Nearest Centroid (numbers)"],
  ["NaiveBayes", "multinomial Naive Bayes"],
  ["SparsePerceptron", "sparse Perceptron"],
  ["Perceptron", "sparse Perceptron"],
  ["PredictionMarket", "prediction market"],
];

export function kindOf(contractName) {
  for (const [prefix, label] of KINDS) if (contractName.startsWith(prefix)) return label;
  return contractName;
}

function fnNames(abi) {
  return new Set(abi.filter((a) => a.type === "function").map((a) => a.name));
}

/** The project's deployable whose runtime code the address holds, or a UserError. */
export async function identify(client, address) {
  if (!isAddress(address, { strict: false })) {
    throw new UserError(`"${address}" is not an address (0x followed by 40 hex digits)`);
  }
  const checksummed = getAddress(address);
  const code = await client.getCode({ address: checksummed });
  if (!code || code === "0x") {
    throw new UserError(`there is no contract at ${checksummed} on this chain`);
  }
  const length = size(code);
  for (const [name, info] of Object.entries(contracts)) {
    if (info.runtime_length > length || info.runtime_length === 0) continue;
    if (keccak256(sliceHex(code, 0, info.runtime_length)) === info.runtime_keccak) {
      return { address: checksummed, contract: name, abi: info.abi };
    }
  }
  throw new UserError(
    `the contract at ${checksummed} is not a model: its code is none of the project's ` +
      `${Object.keys(contracts).length} deployables`,
  );
}

/** Everything static about a model: encoder, classes, incentive, waits. */
export async function loadModel(client, address, manifest) {
  const found = await identify(client, address);
  if (found.contract === "PredictionMarket") return loadMarket(client, found, manifest);
  const { abi } = found;
  const names = fnNames(abi);
  const read = (functionName, args = []) =>
    client.readContract({ address: found.address, abi, functionName, args });
  const encoderText = await read("encoder");
  let encoderSettings;
  try {
    encoderSettings = JSON.parse(encoderText);
  } catch {
    throw new UserError(`the model's encoder() is not JSON: ${encoderText.slice(0, 60)}`);
  }
  const nClasses = names.has("n_classes") ? Number(await read("n_classes")) : 2;
  const classNames = [];
  for (let i = 0; i < nClasses; i++) classNames.push(await read("class_names", [i]));
  let incentive = { kind: "none" };
  if (names.has("cost_weight")) {
    incentive = {
      kind: "stake",
      refundWait: await read("refund_wait"),
      ownerWait: await read("owner_wait"),
      anyWait: await read("any_wait"),
      costWeight: await read("cost_weight"),
    };
  } else if (names.has("leaderboard")) {
    incentive = { kind: "points", refundWait: await read("refund_wait") };
  }
  const judging = names.has("leave_one_out")
    ? (await read("leave_one_out"))
      ? "leave-one-out"
      : "as-is"
    : "-";
  const owner = await read("owner");
  const model = {
    ...found,
    name: manifest?.name ?? found.contract,
    manifest,
    kind: kindOf(found.contract),
    dense: encoderSettings.kind === "dense",
    encoderText,
    encoderSettings,
    classNames,
    incentive,
    judging,
    owner,
    fromBlock: manifest?.block != null ? BigInt(manifest.block) : 0n,
    read,
    // The sparse Perceptron takes its indices packed (packed.js): the model's n_features sets
    // the lane width.
    packedFeatures: isPacked(abi) ? BigInt(await read("n_features")) : null,
    /** @type {any} set below, from the settings above */
    encoder: null,
  };
  model.encoder = makeEncoder(model);
  return model;
}

/** The encoder the model's settings describe; null when the page still needs something (a
 *  vocabulary's words, a dense model's column scales) that only a manifest carries. */
export function makeEncoder(model, words) {
  const s = model.encoderSettings;
  if (s.kind === "dense") {
    const m = model.manifest?.encoder;
    if (!m || m.kind !== "dense") return null;
    return denseEncoder(m);
  }
  if (s.kind === "vocab") {
    const list = words ?? model.manifest?.encoder?.words;
    if (!list) return null;
    checkVocabulary(list, s.words_keccak);
    return vocabEncoder(tools, s, list);
  }
  return hashEncoder(tools, s);
}

/** Refuse a word list whose keccak is not the model's. */
export function checkVocabulary(words, expected) {
  const got = keccak256(stringToBytes(words.join("\n")));
  if (got.toLowerCase() !== String(expected).toLowerCase()) {
    throw new UserError(
      `vocabulary hash ${got} does not match the model's on-chain hash (${expected}): ` +
        "this word list is not the one the model was built on",
    );
  }
}

export function describeEncoder(model) {
  const s = model.encoderSettings;
  if (s.kind === "dense") return `${s.dim} numbers, fixed point ×10⁹`;
  if (s.kind === "vocab") return `vocabulary of ${s.size} words (keccak ${s.words_keccak.slice(0, 10)}…)`;
  const bits = Math.log2(Number(s.n_features));
  const width = Number.isInteger(bits) ? `2^${bits}` : s.n_features;
  return `hashing into ${width} columns (scikit-learn HashingVectorizer)`;
}

/** Text (or comma-separated numbers) → the model's input, or a UserError saying why not. */
/**
 * What to send as `x` for the indices (or values) `x`: packed words for a sparse Perceptron.
 * @param {any} model
 * @param {readonly (number | bigint)[]} x
 */
export function asX(model, x) {
  return model.packedFeatures ? pack(x, model.packedFeatures) : x;
}

/**
 * What a contribution is restated with (refund, report, verdict, take): the words it was sent
 * with when they differ from its features.
 * @param {any} c
 */
export function sentX(c) {
  return c.x ?? c.features;
}

export function encodeInput(model, raw) {
  if (!model.encoder) {
    throw new UserError(
      model.dense
        ? "this model reads numbers scaled by column scales that only its manifest holds; " +
            "open it from the models list"
        : "this model reads a vocabulary whose words are not on the chain: load its word list first",
    );
  }
  if (model.dense) {
    const text = raw.trim();
    if (!text) throw new UserError(`type ${model.encoder.dim} numbers, separated by commas`);
    const values = text.split(",").map((v) => Number(v.trim()));
    if (values.some((v, i) => text.split(",")[i].trim() === "" || Number.isNaN(v))) {
      throw new UserError("give numbers separated by commas");
    }
    try {
      return model.encoder.encode(values);
    } catch (e) {
      if (e instanceof EncodingError) throw new UserError(e.message);
      throw e;
    }
  }
  if (!raw.trim()) throw new UserError("the text is empty: type a text first");
  let x;
  try {
    x = model.encoder.encode(raw);
  } catch (e) {
    if (e instanceof EncodingError) throw new UserError(e.message);
    throw e;
  }
  if (x.length === 0) {
    throw new UserError(
      "this text has no words the model reads (words of two or more letters or digits" +
        (model.encoderSettings.kind === "vocab" ? " from its vocabulary" : "") +
        "); its answer would be the bias alone",
    );
  }
  return x;
}

const CLAIM_EVENTS = [
  "ContributionAdded",
  "ContributionSkipped",
  "DepositRefunded",
  "DepositReported",
  "DepositTaken",
  "PointEarned",
  "ContributionRejected",
];

/** Every contribution of a trainer, rebuilt from its events (and features from calldata). */
export async function scan(client, model) {
  const events = model.abi.filter((a) => a.type === "event" && CLAIM_EVENTS.includes(a.name));
  if (!events.some((e) => e.name === "ContributionAdded")) return [];
  // In windows a public node accepts, with back-off on rate limits (logs.js).
  // cacheTime 0: viem otherwise answers from a head cached for its polling interval, and a
  // claim mined a moment ago would be missed until the next poll.
  const head = await client.getBlockNumber({ cacheTime: 0 });
  const logs = await getLogsPaged(client, { address: model.address, events }, model.fromBlock, head);
  const byId = new Map();
  const byTx = new Map();
  for (const log of logs) {
    const a = log.args;
    if (log.eventName === "ContributionSkipped") {
      if (!byTx.has(log.transactionHash)) byTx.set(log.transactionHash, []);
      byTx.get(log.transactionHash).push(null);
      continue;
    }
    if (log.eventName === "ContributionAdded") {
      const c = {
        id: a.id,
        contributor: getAddress(a.contributor),
        time: a.time,
        label: Number(a.label),
        deposit: a.deposit,
        txHash: log.transactionHash,
        block: log.blockNumber,
        refunded: null,
        reports: [],
        taken: null,
        rejectedBy: null,
        point: false,
        features: null,
      };
      byId.set(a.id, c);
      if (!byTx.has(log.transactionHash)) byTx.set(log.transactionHash, []);
      byTx.get(log.transactionHash).push(c);
      continue;
    }
    const c = byId.get(a.id);
    if (!c) continue;
    if (log.eventName === "DepositRefunded") c.refunded = a.amount;
    else if (log.eventName === "PointEarned") {
      c.refunded = 0n;
      c.point = true;
    } else if (log.eventName === "DepositReported") c.reports.push([a.reporter, a.amount]);
    else if (log.eventName === "DepositTaken") c.taken = [a.taker, a.amount, a.as_owner];
    else if (log.eventName === "ContributionRejected") c.rejectedBy = a.reporter;
  }
  await Promise.all(
    [...byTx.entries()].map(async ([hash, items]) => {
      const tx = await client.getTransaction({ hash });
      if (!tx.to || tx.to.toLowerCase() !== model.address.toLowerCase()) return;
      let rows = [];
      try {
        const call = decodeFunctionData({ abi: model.abi, data: tx.input });
        if (call.functionName === "addData") rows = [call.args[0]];
        else if (call.functionName === "addDataBatch") rows = /** @type {any[]} */ (call.args[0]).map((item) => item.x);
      } catch {
        return; // not a call the page can read; the contribution shows without features
      }
      if (rows.length !== items.length) return;
      items.forEach((c, i) => {
        if (!c) return;
        const sent = rows[i].map((v) => (typeof v === "bigint" ? v : BigInt(v)));
        if (model.packedFeatures) {
          c.x = sent;
          c.features = unpack(sent, model.packedFeatures);
        } else c.features = sent;
      });
    }),
  );
  return [...byId.values()].sort((p, q) => (p.id < q.id ? -1 : 1));
}

/**
 * What a contribution has paid out so far: its refund, report shares and take.
 * @param {any} c
 * @returns {bigint}
 */
export function paidOut(c) {
  return (
    (c.refunded ?? 0n) +
    c.reports.reduce((/** @type {bigint} */ s, /** @type {[string, bigint]} */ [, a]) => s + a, 0n) +
    (c.taken ? c.taken[1] : 0n)
  );
}

/** good / bad / open, as the summary counts them. */
export function verdictClass(c) {
  if (c.refunded !== null) return "good";
  if (c.rejectedBy !== null || c.taken !== null || c.reports.length) return "bad";
  return "open";
}

export function stateOf(c, now, refundWait) {
  if (c.refunded !== null) return c.point ? "validated" : "refunded";
  if (c.rejectedBy !== null) return "rejected";
  if (c.taken !== null) return "taken";
  if (c.reports.length) return c.deposit - paidOut(c) === 0n ? "reported" : "partly reported";
  if (now < c.time + refundWait) return "waiting";
  return "open";
}

export function contributionStruct(c) {
  return {
    id: c.id,
    contributor: c.contributor,
    time: c.time,
    label: c.label,
    deposit: c.deposit,
  };
}

export function featuresHash(features) {
  // Packed words may use the top bit: uint256[] encodes any list without a negative value the
  // same way int256[] does.
  const type = features.some((v) => BigInt(v) < 0n) ? "int256[]" : "uint256[]";
  return keccak256(encodeAbiParameters([{ type }], [features]));
}

export const MARKET_PHASES = [
  "committed: the test set is committed, participation not open yet",
  "open: participants may contribute",
  "reveal: the provider reveals the test set",
  "reward: the reward pass scores contributions",
  "done: balances may be withdrawn",
  "cancelled by the provider",
  "expired: the reward pass ran out of time",
];

/** A prediction market: its phase, bounty and progress (read only), and its model's encoder. */
export async function loadMarket(client, found, manifest) {
  const read = (functionName, args = []) =>
    client.readContract({ address: found.address, abi: found.abi, functionName, args });
  const names = [
    "phase", "bounty", "provider", "n_pieces", "pieces_revealed", "test_size", "n_contributions",
    "max_contributions", "n_contributors", "total_stake", "min_stake", "min_duration", "open_time", "end_time",
    "reveal_deadline", "reward_deadline", "done_time", "pool", "encoder",
  ];
  const values = await Promise.all(names.map((n) => read(n)));
  const info = Object.fromEntries(names.map((n, i) => [n, values[i]]));
  const progress = await read("progress");
  const classNames = [await read("class_names", [0]), await read("class_names", [1])];
  let encoderSettings;
  try {
    encoderSettings = JSON.parse(info.encoder);
  } catch {
    throw new UserError(`the market's encoder() is not JSON: ${info.encoder.slice(0, 60)}`);
  }
  const market = {
    ...found,
    market: true,
    name: manifest?.name ?? `prediction market ${found.address.slice(0, 10)}…`,
    manifest,
    kind: "prediction market (sparse Perceptron)",
    dense: false,
    encoderSettings,
    classNames,
    info,
    progress,
    phase: MARKET_PHASES[Number(info.phase)] ?? `phase ${info.phase}`,
    read,
  };
  market.encoder = hashEncoder(tools, encoderSettings);
  return market;
}
