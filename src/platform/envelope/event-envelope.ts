/**
 * The event envelope: one internal type for everything that happens on the platform. Every dialect
 * turns inbound publishes into envelopes and renders envelopes onto its own topics; projections across
 * dialects go through envelopes only, never from one dialect's topic to another's.
 * @module
 */

import type { EntityRef } from "../registry/model.js";

export interface EventEnvelope {
  /** Unique id (used as the CloudEvents `id`). */
  readonly id: string;
  readonly tenant: string;
  /** The entity the event is about (the device, module, zone...). */
  readonly source: EntityRef;
  /** What within the source: the meta name, the action type, the state key, the stream name. */
  readonly channel: string;
  /** The kind of event: "meta", "action", "fault_alarm", "head_count", "state", "command", "event"... */
  readonly type: string;
  /** The time the client gave, exactly as given (ISO 8601, microseconds preserved), if it gave one. */
  readonly sourceTime: string | undefined;
  /** Microseconds since the epoch of `sourceTime`, when it was given and parsed. */
  readonly sourceTimeMicros: number | undefined;
  /** Milliseconds since the epoch when the broker received the event. */
  readonly ingestTime: number;
  /** The event's data: any JSON value. */
  readonly data: unknown;
  /**
   * The JSON text `data` was parsed from, exactly as its source gave it, where a dialect keeps it
   * (PlaceOS module state, which PlaceOS embeds raw): checked as `data` is (well-formed, not nested
   * deeper than 256 levels, finite numbers), so a renderer may embed it as it is, keeping what parsing
   * loses (the digits of `12345678901234567890`, `1.0`, `1e2`, a repeated key). Absent on most events
   * (Gooee's, projections, registry metadata): renderers then serialize `data`.
   */
  readonly dataText?: string;
  /** Media type of `data` as produced by the source, e.g. "application/json". */
  readonly contentType: string;
  /** Extra attributes (dialect-specific metadata, CloudEvents extensions...). */
  readonly attributes: Readonly<Record<string, string>>;
  /** The dialect the event came in through. */
  readonly dialect: string;
}
