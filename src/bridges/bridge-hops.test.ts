import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bridgeHops, HOPS_PROPERTY } from "./bridge-hops.js";

describe("bridgeHops()", () => {
  it("is the largest count among the hop properties, 0 without one; other values are not counts", () => {
    assert.equal(bridgeHops(undefined), 0);
    assert.equal(bridgeHops({ contentType: "text/plain" }), 0);
    assert.equal(bridgeHops({ userProperties: [["unit", "3"]] }), 0);
    assert.equal(bridgeHops({ userProperties: [[HOPS_PROPERTY, "2"]] }), 2);
    assert.equal(
      bridgeHops({
        userProperties: [
          [HOPS_PROPERTY, "1"],
          [HOPS_PROPERTY, "3"],
          [HOPS_PROPERTY, "2"],
        ],
      }),
      3,
    );
    for (const value of ["", "-1", "1.5", "0x2", " 2", "1e3", "9999999999"])
      assert.equal(bridgeHops({ userProperties: [[HOPS_PROPERTY, value]] }), 0, value);
  });
});
