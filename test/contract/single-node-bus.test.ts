import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SingleNodeBus } from "../../src/cluster/single-node-bus.js";
import { RecordingEvents, runClusterBusContract } from "./cluster-bus.contract.js";

runClusterBusContract("SingleNodeBus", { create: () => Promise.resolve(new SingleNodeBus()) });

describe("SingleNodeBus", () => {
  it('SingleNodeBus is node "single" unless given a node id', () => {
    assert.equal(new SingleNodeBus().nodeId, "single");
    assert.equal(new SingleNodeBus("node-7").nodeId, "node-7");
  });

  it("SingleNodeBus can be started again after stop()", async () => {
    const bus = new SingleNodeBus();
    await bus.start(new RecordingEvents());
    await bus.stop();
    await bus.start(new RecordingEvents());
    await assert.rejects(bus.start(new RecordingEvents()));
    await bus.stop();
  });
});
