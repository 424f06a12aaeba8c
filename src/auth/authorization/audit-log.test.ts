import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Logger } from "../../observability/index.js";
import { AuditLog, type AuditEvent } from "./audit-log.js";

function capture(): { logger: Logger; lines: { fields: Record<string, unknown>; message: string }[] } {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  const logger = {
    warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }),
  } as unknown as Logger;
  return { logger, lines };
}

const EVENT: AuditEvent = {
  event: "access.denied",
  action: "publish",
  clientId: "c1",
  principal: "alice",
  tenant: "acme",
  topic: "a/b",
  rule: "r1",
  reason: "rule",
};

describe("AuditLog", () => {
  it("logs at most linesPerSecond lines and tells the next line how many it left out", () => {
    let now = 0;
    const { logger, lines } = capture();
    const audit = new AuditLog({ logger, linesPerSecond: 2, clock: () => now });
    for (let i = 0; i < 10; i++) audit.record(EVENT);
    assert.equal(lines.length, 2);
    assert.equal(audit.total, 10);
    assert.equal(audit.suppressed, 8);
    now = 1000;
    audit.record(EVENT);
    assert.equal(lines.length, 3);
    assert.equal(lines[2]!.fields["suppressed"], 8);
    assert.equal(audit.suppressed, 0);
  });

  it("writes flat structured fields, leaving out undefined ones", () => {
    const { logger, lines } = capture();
    const audit = new AuditLog({ logger, linesPerSecond: 10, clock: () => 0 });
    audit.record({ ...EVENT, rule: undefined });
    assert.deepEqual(lines[0]!.fields, {
      audit: true,
      event: "access.denied",
      action: "publish",
      clientId: "c1",
      principal: "alice",
      tenant: "acme",
      topic: "a/b",
      reason: "rule",
    });
    assert.equal(lines[0]!.message, "Denied publish");
  });
});
