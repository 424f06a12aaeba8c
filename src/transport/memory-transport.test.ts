import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMemoryPair } from "./memory-transport.js";
import type { TransportSink } from "./transport.js";

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("memory transport: pause and resume", () => {
  it("holds what arrives while paused and delivers it in order on resume, before anything newer", async () => {
    const { server, client } = createMemoryPair();
    const got: number[] = [];
    let pauseOn: number | undefined;
    const sink: TransportSink = {
      data: (chunk) => {
        got.push(chunk[0]!);
        if (chunk[0] === pauseOn) server.pause();
      },
      drain: () => undefined,
      closed: () => undefined,
    };
    server.start(sink);
    server.pause();
    for (const b of [1, 2, 3]) client.write(Uint8Array.of(b));
    await turn();
    assert.deepEqual(got, []);
    pauseOn = 1; // the first chunk delivered pauses again: 2 and 3 stay held
    server.resume();
    assert.deepEqual(got, [1]);
    client.write(Uint8Array.of(4));
    await turn();
    assert.deepEqual(got, [1]);
    pauseOn = undefined;
    server.resume();
    assert.deepEqual(got, [1, 2, 3, 4]);
    client.write(Uint8Array.of(5));
    await turn();
    assert.deepEqual(got, [1, 2, 3, 4, 5]);
  });
});
