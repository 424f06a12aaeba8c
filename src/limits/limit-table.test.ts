import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LimitTable } from "./limit-table.js";

interface Counted {
  connections: number;
  used: number;
}

describe("LimitTable", () => {
  const table = (maxEntries?: number) =>
    new LimitTable<Counted>({
      create: () => ({ connections: 0, used: 0 }),
      idle: (entry) => entry.used === 0,
      ...(maxEntries === undefined ? {} : { maxEntries }),
    });

  it("keeps an entry while a connection holds it or it remembers something; forgets it otherwise", () => {
    const t = table();
    const entry = t.opened("a", 0);
    entry.used = 1;
    t.opened("a", 0);
    t.closed("a", 0);
    t.closed("a", 0);
    assert.equal(t.get("a"), entry, "not idle: kept without a connection");
    assert.equal(t.opened("a", 0), entry, "and found again by the next connection");
    entry.used = 0;
    t.closed("a", 0);
    assert.equal(t.get("a"), undefined);
  });

  it("stays bounded under a flood of keys, keeping those that hold connections", () => {
    const t = table(2000);
    t.opened("held", 0);
    for (let i = 0; i < 10_000; i++) t.entry(`k${i}`, 0).used = 1;
    assert.ok(t.size <= 2000, `size ${t.size}`);
    assert.equal(t.get("held")?.connections, 1);
  });
});
