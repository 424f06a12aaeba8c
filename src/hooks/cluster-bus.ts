/**
 * The cluster plug-in interface: how a node learns about messages published and sessions claimed on
 * other nodes. A single node uses `SingleNodeBus`, which has no peers; the NATS JetStream bus comes later.
 * Every implementation runs `test/contract/cluster-bus.contract.ts`.
 * @module
 */

import type { ApplicationMessage } from "../session/index.js";

export interface ClusterEvents {
  /** A message published on another node, to be routed to this node's subscribers. */
  remoteMessage(message: ApplicationMessage): void;
  /** Another node took over `clientId`: close its connection here and drop the local session. */
  sessionClaimed(clientId: string): void;
}

export interface ClusterBus {
  readonly nodeId: string;
  start(events: ClusterEvents): Promise<void>;
  /** Hands a message published on this node to the other nodes (never back to this one). */
  forward(message: ApplicationMessage): void;
  /** Announces that this node now owns `clientId`; resolves once other nodes were told. */
  claimSession(clientId: string): Promise<void>;
  stop(): Promise<void>;
}
