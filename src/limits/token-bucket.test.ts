import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  it("take() allows a burst, then refills at the rate from the elapsed time", () => {
    const bucket = new TokenBucket(2, 3, 0);
    assert.ok(bucket.take(0) && bucket.take(0) && bucket.take(0));
    assert.ok(!bucket.take(0), "the burst is spent");
    assert.ok(!bucket.take(400), "0.8 tokens after 400 ms");
    assert.ok(bucket.take(500), "1 token after 500 ms");
    assert.ok(!bucket.take(500));
    assert.ok(bucket.full(10_000), "refilled, never above the burst");
    assert.equal(bucket.tokens(10_000), 3);
  });

  it("take() with a cost above the burst succeeds on a full bucket and leaves a debt", () => {
    const bucket = new TokenBucket(10, 100, 0);
    assert.ok(bucket.take(0, 250));
    assert.equal(bucket.tokens(0), -150);
    assert.ok(!bucket.take(10_000, 1), "still in debt after 10 s: -50");
    assert.ok(!bucket.take(15_050, 1), "0.5 tokens");
    assert.ok(bucket.take(15_100, 1), "1 token");
  });

  it("ignores time going backwards", () => {
    const bucket = new TokenBucket(1, 1, 1000);
    assert.ok(bucket.take(1000));
    assert.ok(!bucket.take(500));
    assert.ok(bucket.take(2000));
  });
});
