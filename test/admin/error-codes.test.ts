/**
 * The admin API's error codes: the "Admin API errors" table of docs/errors.md lists exactly the codes
 * of `apiErrorCodes`, with their statuses and meanings; docs/admin-api.md names every code.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { apiErrorCodes } from "../../src/errors.js";

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

describe("admin API: error codes", () => {
  it("are the table of docs/errors.md, with their statuses and meanings", () => {
    const section = read("docs/errors.md").split("## Admin API errors")[1] ?? "";
    const rows = [...section.matchAll(/^\| `([A-Z_]+)` +\| (\d{3}) +\| (.+?) +\|$/gm)].map((m) => [
      m[1],
      Number(m[2]),
      m[3],
    ]);
    assert.deepEqual(
      rows,
      Object.entries(apiErrorCodes).map(([code, [status, meaning]]) => [code, status, meaning]),
    );
  });

  it("are all named in docs/admin-api.md", () => {
    const doc = read("docs/admin-api.md");
    for (const code of Object.keys(apiErrorCodes)) assert.ok(doc.includes(`\`${code}\``), code);
  });
});
