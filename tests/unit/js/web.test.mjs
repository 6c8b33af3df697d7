// The page's modules under Node's test runner (tests/unit/test_web_page.py runs this): the
// pieces that need no browser, each as the page uses it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError, explain } from "../../../web/src/errors.js";
import { duration, eth, short, trimEth } from "../../../web/src/format.js";
import { binHistory } from "../../../web/src/pages/chart.js";
import { parseRoute } from "../../../web/src/router.js";

test("routes", () => {
  assert.deepEqual(parseRoute(""), { page: "list" });
  assert.deepEqual(parseRoute("#/"), { page: "list" });
  assert.deepEqual(parseRoute("#/model/0xAbC"), { page: "model", address: "0xAbC" });
  assert.deepEqual(parseRoute("#/model/0x%41"), { page: "model", address: "0xA" });
  assert.deepEqual(parseRoute("#/hub"), { page: "hub", address: "" });
  assert.deepEqual(parseRoute("#/hub/0xAbC"), { page: "hub", address: "0xAbC" });
});

test("amounts and durations", () => {
  assert.equal(eth(10n ** 18n), "1 ETH");
  assert.equal(eth(63_456_789_012_345_678n), "0.063456 ETH"); // cut, not rounded
  assert.equal(trimEth("0.100000"), "0.1");
  assert.equal(short("0x1234567890abcdef1234567890abcdef12345678"), "0x1234…5678");
  assert.equal(duration(0), "now");
  assert.equal(duration(-5n), "now");
  assert.equal(duration(59), "59s");
  assert.equal(duration(3600), "1h 0s");
  assert.equal(duration(86400 + 3600 + 61), "1d 1h 1m 1s");
});

test("a refusal of ours says nothing was sent", () => {
  assert.equal(explain(new UserError("the text is empty"), "the contribution"), "the text is empty; nothing was sent");
});

test("the chart counts each contribution once, in a bar of a round span, by state", () => {
  const c = (time, extra = {}) => ({ time: BigInt(time), refunded: null, rejectedBy: null, taken: null, reports: [], ...extra });
  // Four contributions in the first 17 minutes of an hour: 5-minute bars, 12 up to now.
  const history = [c(1000), c(1000, { refunded: 5n }), c(1500, { rejectedBy: "0x1" }), c(1999)];
  const { first, unit, used, bins } = binHistory(history, 1000n + 3600n);
  assert.equal(first, 1000);
  assert.equal(unit, 300);
  assert.equal(used, 12);
  assert.equal(bins.length, 12);
  // 16 minutes to now: one-minute bars, 17 of them (the last contribution bounds the span too).
  assert.equal(binHistory(history, 1960n).unit, 60);
  assert.deepEqual([binHistory(history, 1000n + 180n).used, binHistory(history, 1180n).bins.length], [17, 17]);
  assert.deepEqual(bins.slice(0, 4), [
    { good: 1, bad: 0, open: 1 },
    { good: 0, bad: 1, open: 0 },
    { good: 0, bad: 0, open: 0 },
    { good: 0, bad: 0, open: 1 },
  ]);
  assert.ok(bins.slice(4).every((b) => b.good + b.bad + b.open === 0));
  // A year of history: 30-day bars; never more than 24.
  const long = binHistory([c(0), c(365 * 86400)], BigInt(365 * 86400));
  assert.equal(long.unit, 30 * 86400);
  assert.ok(long.bins.length <= 24 && long.bins.length >= 12);
  assert.equal(long.bins.reduce((n, b) => n + b.open, 0), 2);
  // One contribution, just now: one-minute bars, the contribution in the first.
  const one = binHistory([c(5000)], 5000n);
  assert.equal(one.unit, 60);
  assert.equal(one.bins[0].open, 1);
});

test("a deposit typed by hand: wei, or one message saying what is wrong", async () => {
  const { parseEth, ceilEth } = await import("../../../web/src/format.js");
  const refuse = (m) => new UserError(m);
  assert.equal(parseEth("0.06", refuse), 60_000_000_000_000_000n);
  assert.equal(parseEth(" 1 ", refuse), 10n ** 18n);
  assert.equal(parseEth(".5", refuse), 5n * 10n ** 17n);
  assert.equal(parseEth("2.", refuse), 2n * 10n ** 18n);
  assert.equal(parseEth("0.000000000000000001", refuse), 1n);
  for (const [text, words] of [
    ["-1", "is negative"],
    ["-0.5", "is negative"],
    ["", "is empty"],
    ["ten", "is not an amount of ETH"],
    ["1e18", "is not an amount of ETH"],
    ["1,5", "is not an amount of ETH"],
    [".", "is not an amount of ETH"],
    ["0x10", "is not an amount of ETH"],
    ["0.0000000000000000001", "more than 18 decimals"],
  ]) {
    assert.throws(() => parseEth(text, refuse), (e) => e instanceof UserError && e.message.includes(words), text);
  }
  // Pre-filled: never below the amount, at most 6 decimals.
  assert.equal(ceilEth(63_456_789_012_345_678n), "0.063457");
  assert.equal(ceilEth(60_000_000_000_000_000n), "0.06");
  assert.equal(ceilEth(10n ** 18n), "1");
  assert.equal(ceilEth(1n), "0.000001");
  assert.equal(ceilEth(3_600_000_000_000_000_000n), "3.6");
  for (const wei of [1n, 999_999_999_999n, 1_000_000_000_000n, 1_000_000_000_001n, 123_456_789_123_456_789n]) {
    const shown = ceilEth(wei);
    const back = parseEth(shown, refuse);
    assert.ok(back >= wei && back - wei < 10n ** 12n, `${wei} -> ${shown}`);
  }
});

test("a deployment is named after its model and data, not its manifest's file", async () => {
  const { modelName, nameDeployments } = await import("../../../web/src/pages/common.js");
  const cli = { source: "deployments/ethereum_local.json", address: "0xaaaa1111", contract: "PerceptronStake", model: "perceptron", pretrain: { dataset: "rt", samples: 4000 } };
  assert.equal(modelName(cli), "perceptron on rt (PerceptronStake)");
  assert.equal(modelName({ ...cli, pretrain: null }), "perceptron, not pre-trained (PerceptronStake)");
  assert.equal(modelName({ source: "deployments/old.json", address: "0x1", contract: "X" }), "old (X)");
  const named = nameDeployments([cli, { ...cli, address: "0xbbbb2222" }, { ...cli, model: "naive_bayes", contract: "NaiveBayesStake" }]);
  assert.deepEqual(named.map((d) => d.name), [
    "perceptron on rt (PerceptronStake) at 0xaaaa11…",
    "perceptron on rt (PerceptronStake) at 0xbbbb22…",
    "naive_bayes on rt (NaiveBayesStake)",
  ]);
});

test("networks by chain id, and explorer links only where the chain has one", async () => {
  const { networkName, explorerUrl } = await import("../../../web/src/networks.js");
  assert.equal(networkName(1), "Ethereum, chain 1");
  assert.equal(networkName(11155111), "Sepolia (testnet), chain 11155111");
  assert.equal(networkName(31337), "local Anvil, chain 31337");
  assert.equal(networkName(424242), "chain 424242");
  const tx = "0x" + "ab".repeat(32);
  assert.equal(explorerUrl(1, "tx", tx), `https://etherscan.io/tx/${tx}`);
  assert.equal(explorerUrl(8453, "address", "0x12"), "https://basescan.org/address/0x12");
  assert.equal(explorerUrl(31337, "tx", tx), null);
  assert.equal(explorerUrl(424242, "address", "0x12"), null);
});
