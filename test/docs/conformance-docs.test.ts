import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  collectChecks,
  conformanceDocsPath,
  renderConformanceDocs,
} from "../../scripts/gen-conformance-docs.js";

describe("docs/conformance.md", () => {
  it("is up to date with the tags in the test names (run `npx tsx scripts/gen-conformance-docs.ts`)", async () => {
    const current = readFileSync(conformanceDocsPath, "utf8");
    assert.equal(current, await renderConformanceDocs());
  });

  it("indexes the core statements of each chapter the broker enforces", () => {
    const checks = collectChecks();
    for (const tag of [
      "MQTT-3.1.0-1",
      "MQTT-3.1.4-3",
      "MQTT-3.3.1-12",
      "MQTT-3.8.3-3",
      "MQTT-4.3.3-10",
      "MQTT-4.7.2-1",
    ]) {
      assert.ok((checks.get(tag)?.length ?? 0) > 0, `no test cites [${tag}]`);
    }
  });
});
