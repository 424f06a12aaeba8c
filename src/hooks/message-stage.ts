/**
 * A stage of the inbound publish pipeline, run after authorization and before routing. Platform
 * dialects plug in here to parse, validate, enrich or redirect messages.
 *
 * A stage sees the message as the broker routes it: `topic` is the internal (tenant-mounted) topic and
 * `clientTopic` the publisher's own view when they differ (`tenancy/tenant-mount.ts`). Every answer may
 * carry `publish`: messages the stage made (derived topics, a rejection report), which the broker
 * publishes after the processed message, on this node and the cluster, with the usual QoS and retain
 * semantics. They are the broker's messages (no publisher: No Local does not hold them back) and are not
 * run through the stages again. A stage makes them with ids from its host ({@link MessageStage.attach}).
 * @module
 */

import type { ApplicationMessage } from "../session/index.js";
import type { ClientIdentity } from "./authorizer.js";

export interface StageContinue {
  readonly kind: "continue";
  /** Replaces the message for later stages and routing (omit to keep it). */
  readonly message?: ApplicationMessage;
  /** Messages to publish after this one (see the module comment). */
  readonly publish?: readonly ApplicationMessage[];
}

export interface StageReject {
  readonly kind: "reject";
  /** v5 PUBACK/PUBREC reason code for the publisher (e.g. 0x99 Payload format invalid). */
  readonly reasonCode: number;
  /** Sent as the v5 Reason String (when the client did not turn problem information off). */
  readonly reason?: string;
  /** Messages to publish although this one is refused (e.g. a report on a `rejected` topic). */
  readonly publish?: readonly ApplicationMessage[];
}

/** The message is consumed by the stage: it is acknowledged but not routed. */
export interface StageConsume {
  readonly kind: "consume";
  /** Messages to publish instead. */
  readonly publish?: readonly ApplicationMessage[];
}

export type StageResult = StageContinue | StageReject | StageConsume;

/** What the broker offers a stage (the broker itself implements it). */
export interface MessageStageHost {
  /** A new message id, for a message the stage makes. */
  nextMessageId(): number;
  /**
   * Publishes a message the stage made outside `process` (e.g. an event that entered through the REST
   * API), on this node and the cluster; returns the number of local deliveries.
   */
  publish(message: ApplicationMessage, now: number): number;
  /** The broker's clock, milliseconds since the epoch. */
  readonly now: () => number;
}

export interface MessageStage {
  readonly name: string;
  process(message: ApplicationMessage, publisher: ClientIdentity): StageResult;
  /** Called once, when the broker is created, before any message. */
  attach?(host: MessageStageHost): void;
}
