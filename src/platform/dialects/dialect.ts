/**
 * What a platform dialect is: a topic table (patterns with publish/subscribe permissions, and an
 * inbound handler for the topics clients publish to), how it refuses topics, and how it renders
 * envelopes onto its topics. The framework (`dialect-layer.ts`) plugs dialects into the broker through
 * the hooks: an Authorizer for the table and a MessageStage for inbound publishes. A dialect does no
 * I/O and keeps no broker state; it reads and writes the registry it is given.
 *
 * docs/dialects/README.md explains how to write one.
 * @module
 */

import type { ClientIdentity, Deny } from "../../hooks/index.js";
import type { Logger } from "../../observability/index.js";
import type { QoS } from "../../protocol/index.js";
import type { MessageProperties } from "../../session/index.js";
import type { EventEnvelope } from "../envelope/index.js";
import type { RegistryView, StateWrite } from "../registry/registry-view.js";
import type { RegistryFeed } from "./registry-feed.js";
import type { TopicParams } from "./topic-pattern.js";

/** A permission of a table row: fixed, or decided per client and topic (a role, the client's own project). */
export type Permission = boolean | ((client: ClientIdentity, params: TopicParams) => boolean);

/** A PUBLISH on a row of the table, as the dialect's handler sees it. */
export interface InboundPublish {
  readonly tenant: string;
  readonly client: ClientIdentity;
  /** The topic as the client wrote it (never the tenant mount). */
  readonly topic: string;
  readonly params: TopicParams;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: MessageProperties | undefined;
}

/** What a dialect may use while handling a publish or rendering an envelope. */
export interface DialectContext {
  readonly registry: RegistryView;
  readonly tenant: string;
  /** The ingest time (or the time of the render), milliseconds since the epoch. */
  readonly now: number;
  /**
   * When rendering the envelopes of a publish that is routed on its own topic: that topic. Renderings
   * onto it are dropped (the publish itself is the rendering there), so a dialect may skip making them.
   */
  readonly inboundTopic?: string;
}

/** A message a dialect makes: a topic of its table in the tenant's namespace (as clients see it). */
export interface Rendered {
  readonly topic: string;
  readonly payload: Uint8Array;
  /** Defaults to the inbound publish's QoS (0 for an envelope emitted outside a publish). */
  readonly qos?: QoS;
  /** Defaults to the inbound publish's RETAIN flag (false outside a publish). */
  readonly retain?: boolean;
  readonly properties?: MessageProperties;
}

/** The publish is accepted: its events, the state values it sets, and what is routed. */
export interface IngestAccepted {
  readonly kind: "accept";
  /** The events the publish carries; every dialect enabled for the tenant renders them. */
  readonly envelopes: readonly EventEnvelope[];
  /** Current values to record (`RegistryView.setState`). */
  readonly state?: readonly StateWrite[];
  /**
   * What is routed on the publish's own topic: `true` (default) the message as published, `false`
   * nothing, or a replacement payload (e.g. with the ingest time filled in). Renderings of the
   * envelopes onto the publish's own topic are skipped unless this is `false`.
   */
  readonly forward?: boolean | Uint8Array;
  /** Further messages to publish, besides the renderings of the envelopes. */
  readonly publish?: readonly Rendered[];
}

/** The publish is refused: the publisher's v5 acknowledgement, and any report to publish. */
export interface IngestRejected {
  readonly kind: "reject";
  /** v5 PUBACK/PUBREC reason code (e.g. 0x99 Payload format invalid, 0x83 Implementation specific error). */
  readonly reasonCode: number;
  /** The v5 Reason String. */
  readonly reason: string;
  /** Reports to publish (e.g. on a `rejected` topic). */
  readonly publish?: readonly Rendered[];
}

export type IngestOutcome = IngestAccepted | IngestRejected;

/** Handles a PUBLISH on one row of the table. */
export type IngestHandler = (publish: InboundPublish, context: DialectContext) => IngestOutcome;

/** One row of a dialect's topic table. */
export interface DialectTopic {
  /** Levels are literals or `{param}` (one non-empty level): `devices/{id}/meta/{name}`. */
  readonly pattern: string;
  readonly publish: Permission;
  readonly subscribe: Permission;
  /** For docs and the AsyncAPI document. */
  readonly description: string;
  /** Required when clients may publish: turns the publish into envelopes (or a rejection). */
  readonly ingest?: IngestHandler;
}

/** How a dialect refuses what its table does not allow, as its own documentation says. */
export interface DialectRefusals {
  /** A PUBLISH to a topic that no row matches. */
  readonly publishOutside: Deny;
  /** A PUBLISH to a row whose publish permission does not hold. */
  readonly publishNotPermitted: Deny;
  /** A subscription whose filter can match no row. */
  readonly subscribeOutside: Deny;
  /** A subscription to a row whose subscribe permission does not hold. */
  readonly subscribeNotPermitted: Deny;
  /**
   * Filters with `+` or `#`: `"within-table"` grants one that can match a row the client may
   * subscribe to (a dialect whose rows are all subscribable to every client of the tenant); a Deny
   * refuses every wildcard filter (e.g. Drogue's 0xA2).
   */
  readonly wildcards: "within-table" | Deny;
}

/**
 * What the layer gives a dialect that has a lifecycle ({@link Dialect.start}): the way to emit events
 * that do not come from a publish (registry changes), and to publish its own maintenance renderings.
 */
export interface DialectRuntime {
  readonly registry: RegistryView;
  /** The registry's change feed and lists; undefined when the layer has only a view of the registry. */
  readonly feed: RegistryFeed | undefined;
  readonly logger: Logger;
  /** The broker's clock, milliseconds since the epoch. */
  now(): number;
  /** Renders `envelope` on every dialect of its tenant and publishes the renderings (`DialectLayer.emit`). */
  emit(envelope: EventEnvelope): number;
  /**
   * Publishes renderings of the dialect itself in `tenant`'s namespace, without an envelope: a full
   * sync, or the clearing of topics no event explains (a tenant that lost the dialect, stale retained
   * messages found at start). Returns the number of local deliveries.
   */
  publish(tenant: string, rendered: readonly Rendered[]): number;
  /** Whether `tenant` has the dialect now. */
  enabled(tenant: string): boolean;
  /** The tenants that have the dialect now: the configuration's and the registry's. */
  tenants(): string[];
  /** The tenants the configuration or the registry knows that do not have the dialect now. */
  otherTenants(): string[];
  /**
   * Calls `visit` with the topic (as the tenant's clients see it) of each retained message of `tenant`
   * matching `filter`, and whether the broker made it (a dialect's rendering, not a client's publish);
   * nothing when the layer was started without the broker's retained messages.
   */
  retained(tenant: string, filter: string, visit: (topic: string, brokerMade: boolean) => void): void;
}

export interface Dialect {
  /** The name tenants enable it by (`dialects.<name>` in the configuration, `Tenant.dialects`). */
  readonly name: string;
  readonly topics: readonly DialectTopic[];
  readonly refusals: DialectRefusals;
  /**
   * The endpoint of the dialect's own login, when it has one (PlaceOS's `/api/mqtt`: `placeos-api`):
   * a principal that logged in there (attribute `endpoint`) is this dialect's client only, and the
   * tables of the tenant's other dialects neither allow nor refuse it anything.
   */
  readonly endpoint?: string;
  /**
   * Where and how an envelope appears on this dialect's topics: adds its renderings to `out` (none:
   * adds nothing). Pushing onto the caller's list spares a list per envelope: a meta publish of 5
   * values is rendered 5 times.
   */
  render(envelope: EventEnvelope, context: DialectContext, out: Rendered[]): void;
  /**
   * Called once by `DialectLayer.start`, after the broker has loaded its state: a dialect that follows
   * registry changes or publishes a snapshot starts here.
   */
  start?(runtime: DialectRuntime): void;
  /** Called once by `DialectLayer.stop`. */
  stop?(): void;
}

/** A source of events outside MQTT that the layer starts and stops (the PlaceOS Redis input). */
export interface DialectInput {
  readonly name: string;
  /** Begins taking events (connecting happens in the background). */
  start(): void;
  /** Stops taking events and closes connections. */
  stop(): Promise<void>;
}
