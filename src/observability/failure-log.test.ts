import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FailureLog } from "./failure-log.js";
import type { Logger } from "./logger.js";

interface Line {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly msg: string;
}

function capture(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (fields: object | string, msg?: string): void => {
      lines.push({
        level,
        fields: typeof fields === "string" ? {} : { ...fields },
        msg: typeof fields === "string" ? fields : (msg ?? ""),
      });
    };
  const logger: Logger = {
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    fatal: at("fatal"),
    child: () => logger,
  };
  return { logger, lines };
}

describe("FailureLog", () => {
  it("logs the first failure in full, then one summary line per interval, then the recovery", () => {
    const { logger, lines } = capture();
    let now = 0;
    const log = new FailureLog({ logger, code: "SB_ERR_STORE", interval: 30_000, now: () => now });
    const error = new Error("disk full");
    for (; now < 65_000; now += 5) log.failed(error, "Cannot commit");
    assert.equal(lines.length, 3, lines.map((l) => l.msg).join("\n"));
    assert.deepEqual(lines[0], {
      level: "error",
      fields: { code: "SB_ERR_STORE", err: error },
      msg: "Cannot commit",
    });
    assert.equal(lines[1]!.fields["code"], "SB_ERR_STORE");
    assert.equal(lines[1]!.fields["failures"], 6000);
    assert.equal(lines[1]!.msg, "Cannot commit (still failing: 6000 more failures in the last 30 s)");
    assert.equal(lines[2]!.fields["failures"], 6000);
    assert.equal(log.failing, true);
    log.recovered("Commits succeed again");
    assert.equal(lines[3]!.level, "info");
    assert.equal(lines[3]!.fields["code"], "SB_ERR_STORE");
    assert.equal(lines[3]!.fields["failures"], 13_000);
    assert.equal(log.failing, false);
    log.recovered("nothing to recover from");
    assert.equal(lines.length, 4);
    log.failed(error, "Cannot commit");
    assert.equal(lines[4]!.level, "error", "a new failure is logged in full again");
  });
});
