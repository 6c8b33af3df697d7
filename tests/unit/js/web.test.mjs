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

test("the chart counts each contribution once, in its time bucket and state", () => {
  const c = (time, extra = {}) => ({ time: BigInt(time), refunded: null, rejectedBy: null, taken: null, reports: [], ...extra });
  const history = [c(1000), c(1000, { refunded: 5n }), c(1500, { rejectedBy: "0x1" }), c(1999)];
  const { first, span, bins } = binHistory(history, 2000n, 4);
  assert.equal(first, 1000);
  assert.equal(span, 1000);
  assert.deepEqual(bins, [
    { good: 1, bad: 0, open: 1 },
    { good: 0, bad: 0, open: 0 },
    { good: 0, bad: 1, open: 0 },
    { good: 0, bad: 0, open: 1 },
  ]);
});
