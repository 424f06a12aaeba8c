/**
 * `auth.backoff`: failed authentications are answered later and later, per IP address and per user
 * name (exponential backoff).
 * @module
 */

import { INT32_MAX, type JsonSchema, type PropertiesOf, section } from "../schema-support.js";

export interface BackoffConfig {
  /** Milliseconds the refusal of a first failure waits; 0 disables the backoff. */
  readonly initialDelay: number;
  /** Longest wait, in milliseconds. */
  readonly maxDelay: number;
  /** Seconds without a failure after which an address or user name starts afresh. */
  readonly resetAfter: number;
  /** Most addresses and user names remembered (the least recently failing are forgotten first). */
  readonly maxEntries: number;
}

const backoffProperties: PropertiesOf<BackoffConfig> = {
  initialDelay: {
    type: "integer",
    minimum: 0,
    maximum: 60_000,
    default: 200,
    description:
      "Milliseconds the refusing CONNACK of a first failed authentication waits; each further failure from the same IP address or for the same user name doubles it (the larger of the two counts). 0 turns the backoff off.",
  },
  maxDelay: {
    type: "integer",
    minimum: 0,
    maximum: 60_000,
    default: 5000,
    description:
      "Longest wait, in milliseconds. Must stay below `mqtt.connectTimeout`, which also bounds the whole authentication.",
  },
  resetAfter: {
    type: "integer",
    minimum: 1,
    maximum: 86_400,
    default: 900,
    description:
      "Seconds without a failure after which an IP address or user name starts again from `initialDelay`. A successful authentication resets both at once.",
  },
  maxEntries: {
    type: "integer",
    minimum: 1,
    maximum: INT32_MAX,
    default: 10_000,
    description:
      "Most IP addresses and user names remembered; beyond it the least recently failing are forgotten.",
  },
};

export const backoffSchema: JsonSchema = section(
  "Slowing down repeated authentication failures.",
  backoffProperties,
);
