import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FairGate } from "./fair-gate.js";

/** A task that runs until the test finishes it, and records that it started. */
function held(log: string[], name: string): { task: () => Promise<string>; finish: () => void } {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    task: async () => {
      log.push(name);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}

const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The promise of a task the gate let in. */
function admitted<T>(outcome: Promise<T> | string): Promise<T> {
  if (typeof outcome === "string") assert.fail(`refused: ${outcome}`);
  return outcome;
}

describe("FairGate", () => {
  it("runs at most `concurrency` tasks, queues up to `maxQueued`, and refuses beyond at once", async () => {
    const gate = new FairGate({ concurrency: 2, maxQueued: 1, perKey: 5 });
    const log: string[] = [];
    const tasks = ["a", "b", "c"].map((name) => held(log, name));
    const runs = tasks.map((t, i) => admitted(gate.run(`k${i}`, t.task)));
    assert.deepEqual(log, ["a", "b"]);
    assert.equal(gate.running, 2);
    assert.equal(gate.queued, 1);
    let called = false;
    assert.equal(
      gate.run("k9", () => {
        called = true;
        return Promise.resolve("d");
      }),
      "full",
    );
    assert.equal(called, false, "a refused task is never called");
    tasks[0]!.finish();
    await settled();
    assert.deepEqual(log, ["a", "b", "c"]);
    assert.equal(gate.peak, 2);
    for (const t of tasks) t.finish();
    assert.deepEqual(await Promise.all(runs), ["a", "b", "c"]);
    assert.equal(gate.running + gate.queued + gate.keys, 0);
  });

  it("refuses a key that holds `perKey` places, running or waiting, and takes it again once one is free", async () => {
    const gate = new FairGate({ concurrency: 1, maxQueued: 10, perKey: 2 });
    const log: string[] = [];
    const first = held(log, "1");
    const second = held(log, "2");
    const run1 = admitted(gate.run("x", first.task));
    const run2 = admitted(gate.run("x", second.task)); // waiting
    assert.equal(
      gate.run("x", () => Promise.resolve("3")),
      "key",
    );
    const other = admitted(gate.run("y", () => Promise.resolve("y"))); // another key is let in
    first.finish();
    await run1;
    const run3 = admitted(gate.run("x", () => Promise.resolve("3")));
    second.finish();
    assert.deepEqual(await Promise.all([run2, run3, other]), ["2", "3", "y"]);
  });

  it("serves waiting tasks in turn by key, not in arrival order", async () => {
    const gate = new FairGate({ concurrency: 1, maxQueued: 10, perKey: 10 });
    const log: string[] = [];
    const blocker = held(log, "blocker");
    const runs = [admitted(gate.run("flood", blocker.task))];
    for (const name of ["flood-1", "flood-2", "flood-3"])
      runs.push(admitted(gate.run("flood", () => (log.push(name), Promise.resolve(name)))));
    runs.push(admitted(gate.run("other", () => (log.push("other"), Promise.resolve("other")))));
    blocker.finish();
    await Promise.all(runs);
    // "flood" was served last (its blocker), so "other" comes before the rest of its tasks
    assert.deepEqual(log, ["blocker", "other", "flood-1", "flood-2", "flood-3"]);
  });

  it("gives the place back when a task rejects or throws", async () => {
    const gate = new FairGate({ concurrency: 1, maxQueued: 0, perKey: 1 });
    await assert.rejects(admitted(gate.run("a", () => Promise.reject(new Error("boom")))), /boom/);
    const thrown = gate.run("a", () => {
      throw new Error("sync");
    });
    await assert.rejects(admitted(thrown), /sync/);
    assert.equal(gate.running + gate.keys, 0);
    assert.equal(await admitted(gate.run("a", () => Promise.resolve(1))), 1);
  });
});
