import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Scheduler } from "./scheduler.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("Scheduler", () => {
  it("a task that throws is reported; the other due tasks fire and later deadlines still have a timer", async () => {
    const failures: unknown[] = [];
    const scheduler = new Scheduler(Date.now, (error) => failures.push(error));
    const fired: string[] = [];
    const now = Date.now();
    scheduler.schedule(now + 10, {
      fire: () => {
        throw new Error("boom");
      },
    });
    scheduler.schedule(now + 10, { fire: () => fired.push("same time") });
    scheduler.schedule(now + 60, { fire: () => fired.push("later") });
    await sleep(150);
    scheduler.stop();
    assert.deepEqual(fired, ["same time", "later"]);
    assert.equal(failures.length, 1);
    assert.match(String(failures[0]), /boom/);
  });
});
