import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Deadline, DeadlineQueue } from "./deadline-queue.js";

/** mulberry32: a small seeded PRNG so random tests are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function popAll<T>(q: DeadlineQueue<T>, now = Number.POSITIVE_INFINITY): Deadline<T>[] {
  const out: Deadline<T>[] = [];
  for (let e = q.popDue(now); e !== undefined; e = q.popDue(now)) out.push(e);
  return out;
}

describe("DeadlineQueue", () => {
  it("DeadlineQueue starts empty: size 0, nextAt undefined, popDue undefined", () => {
    const q = new DeadlineQueue<string>();
    assert.equal(q.size, 0);
    assert.equal(q.nextAt, undefined);
    assert.equal(q.popDue(Number.POSITIVE_INFINITY), undefined);
  });

  it("DeadlineQueue.popDue() returns entries earliest first whatever the push order", () => {
    const q = new DeadlineQueue<string>();
    const ats = [50, 10, 40, 30, 20, 60, 5, 45];
    for (const at of ats) q.push(at, `item-${at}`);
    assert.equal(q.size, ats.length);
    assert.equal(q.nextAt, 5);
    const popped = popAll(q);
    assert.deepEqual(
      popped.map((e) => e.at),
      [...ats].sort((a, b) => a - b),
    );
    assert.deepEqual(
      popped.map((e) => e.item),
      [...ats].sort((a, b) => a - b).map((at) => `item-${at}`),
    );
    assert.equal(q.size, 0);
    assert.equal(q.nextAt, undefined);
  });

  it("DeadlineQueue.popDue(now) returns only entries due at or before now", () => {
    const q = new DeadlineQueue<number>();
    q.push(100, 1);
    q.push(200, 2);
    q.push(150, 3);
    assert.equal(q.popDue(99), undefined);
    assert.equal(q.size, 3);
    assert.equal(q.popDue(100)?.item, 1, "an entry due exactly now is due");
    assert.equal(q.popDue(149), undefined);
    assert.equal(q.nextAt, 150);
    assert.deepEqual(
      popAll(q, 1000).map((e) => e.item),
      [3, 2],
    );
  });

  it("DeadlineQueue keeps entries with equal deadlines, all of them due together", () => {
    const q = new DeadlineQueue<string>();
    for (const item of ["a", "b", "c", "d"]) q.push(7, item);
    q.push(3, "early");
    const popped = popAll(q, 7);
    assert.equal(popped[0]?.item, "early");
    assert.deepEqual(
      popped
        .slice(1)
        .map((e) => e.item)
        .sort(),
      ["a", "b", "c", "d"],
    );
  });

  it("DeadlineQueue.cancel() removes the root, a middle entry and the last entry; index becomes -1", () => {
    const q = new DeadlineQueue<number>();
    const entries = [10, 20, 30, 40, 50, 60, 70].map((at) => q.push(at, at));
    const [e10, , e30, , , , e70] = entries;
    q.cancel(e30!);
    assert.equal(e30!.index, -1);
    q.cancel(e10!);
    assert.equal(q.nextAt, 20);
    q.cancel(e70!);
    assert.equal(q.size, 4);
    assert.deepEqual(
      popAll(q).map((e) => e.at),
      [20, 40, 50, 60],
    );
  });

  it("DeadlineQueue.cancel() of a cancelled, popped or foreign entry is a no-op", () => {
    const q = new DeadlineQueue<number>();
    const other = new DeadlineQueue<number>();
    const a = q.push(1, 1);
    const b = q.push(2, 2);
    q.push(3, 3);
    const foreign = other.push(0, 0);
    q.cancel(b);
    q.cancel(b);
    assert.equal(q.size, 2);
    const popped = q.popDue(10);
    assert.equal(popped, a);
    assert.equal(a.index, -1);
    q.cancel(a);
    q.cancel(foreign);
    assert.equal(q.size, 1);
    assert.equal(other.size, 1);
    assert.equal(q.popDue(10)?.item, 3);
  });

  it("DeadlineQueue, random pushes/cancels/popDue against a sorted-array oracle (seeded)", () => {
    for (const seed of [1, 7, 42, 1234, 99999]) {
      const random = prng(seed);
      const q = new DeadlineQueue<number>();
      let oracle: Deadline<number>[] = [];
      let now = 0;
      let nextItem = 0;
      for (let step = 0; step < 4000; step++) {
        const op = random();
        if (op < 0.45) {
          const at = now + Math.floor(random() * 1000);
          oracle.push(q.push(at, nextItem++));
        } else if (op < 0.65 && oracle.length > 0) {
          const victim = oracle[Math.floor(random() * oracle.length)]!;
          q.cancel(victim);
          assert.equal(victim.index, -1);
          oracle = oracle.filter((e) => e !== victim);
        } else if (op < 0.7 && oracle.length > 0) {
          // cancelling twice changes nothing
          const victim = oracle[Math.floor(random() * oracle.length)]!;
          q.cancel(victim);
          q.cancel(victim);
          oracle = oracle.filter((e) => e !== victim);
        } else {
          now += Math.floor(random() * 300);
          const due = [...oracle].filter((e) => e.at <= now).sort((a, b) => a.at - b.at);
          const popped = popAll(q, now);
          assert.deepEqual(
            popped.map((e) => e.at),
            due.map((e) => e.at),
            `seed ${seed} step ${step}: due deadlines at ${now}`,
          );
          for (const e of popped) {
            assert.ok(oracle.includes(e), "popped an entry that was not live");
            assert.equal(e.index, -1);
          }
          oracle = oracle.filter((e) => !popped.includes(e));
        }
        assert.equal(q.size, oracle.length);
        const min = oracle.reduce<number | undefined>(
          (m, e) => (m === undefined || e.at < m ? e.at : m),
          undefined,
        );
        assert.equal(q.nextAt, min, `seed ${seed} step ${step}: nextAt`);
        for (const e of oracle) assert.ok(e.index >= 0, "a live entry has a heap position");
      }
      // Everything left comes out in order.
      const rest = popAll(q);
      assert.deepEqual(
        rest.map((e) => e.at),
        oracle.map((e) => e.at).sort((a, b) => a - b),
      );
    }
  });
});
