/**
 * The cluster bus of a broker that runs alone: there are no other nodes to forward to or to tell
 * about session claims.
 * @module
 */

import type { ClusterBus, ClusterEvents } from "../hooks/index.js";

export class SingleNodeBus implements ClusterBus {
  readonly nodeId: string;
  #started = false;

  constructor(nodeId = "single") {
    this.nodeId = nodeId;
  }

  start(_events: ClusterEvents): Promise<void> {
    if (this.#started)
      return Promise.reject(new Error("Cannot start the cluster bus: it is already started"));
    this.#started = true;
    return Promise.resolve();
  }

  forward(_message: ApplicationMessageLike): void {
    // No other node.
  }

  claimSession(_clientId: string): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.#started = false;
    return Promise.resolve();
  }
}

type ApplicationMessageLike = Parameters<ClusterBus["forward"]>[0];
