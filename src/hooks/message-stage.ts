/**
 * A stage of the inbound publish pipeline, run after authorization and before routing. Platform
 * dialects plug in here to parse, validate, enrich or redirect messages.
 * @module
 */

import type { ApplicationMessage } from "../session/index.js";
import type { ClientIdentity } from "./authorizer.js";

export interface StageContinue {
  readonly kind: "continue";
  /** Replaces the message for later stages and routing (omit to keep it). */
  readonly message?: ApplicationMessage;
}

export interface StageReject {
  readonly kind: "reject";
  /** v5 PUBACK/PUBREC reason code for the publisher (e.g. 0x99 Payload format invalid). */
  readonly reasonCode: number;
  readonly reason?: string;
}

/** The message is consumed by the stage: it is acknowledged but not routed. */
export interface StageConsume {
  readonly kind: "consume";
}

export type StageResult = StageContinue | StageReject | StageConsume;

export interface MessageStage {
  readonly name: string;
  process(message: ApplicationMessage, publisher: ClientIdentity): StageResult;
}
