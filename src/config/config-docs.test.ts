import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { configDocsPath, renderConfigDocs } from "../../scripts/gen-config-docs.js";
import { configKeys } from "./config-keys.js";

describe("docs/configuration.md", () => {
  it("is up to date with the schema (run `npx tsx scripts/gen-config-docs.ts` to regenerate)", async () => {
    const actual = readFileSync(configDocsPath, "utf8");
    assert.ok(actual === (await renderConfigDocs()), "docs/configuration.md is stale");
  });

  it("documents every key and its environment variable", () => {
    const docs = readFileSync(configDocsPath, "utf8");
    for (const key of configKeys()) {
      assert.ok(docs.includes(`\`${key.path}\``), key.path);
      if (key.envVar !== undefined) assert.ok(docs.includes(`\`${key.envVar}\``), key.envVar);
    }
  });
});
