/**
 * `auth.passwordChecks`: how many password checks (scrypt) logins may cost at once, overall and per IP
 * address (src/auth/password-checks.ts).
 * @module
 */

import { type JsonSchema, type PropertiesOf, section } from "../schema-support.js";

export interface PasswordChecksConfig {
  /** Checks computed at once; 0: one fewer than libuv's thread pool has threads, at least 1. */
  readonly concurrency: number;
  /** Checks waiting for their turn; beyond, logins are refused with 0x89 Server busy. */
  readonly maxQueued: number;
  /** Checks, computed or waiting, of one IP address; beyond, refused with 0x9F Connection rate exceeded. */
  readonly perAddress: number;
}

const passwordChecksProperties: PropertiesOf<PasswordChecksConfig> = {
  concurrency: {
    type: "integer",
    minimum: 0,
    maximum: 1024,
    default: 0,
    "x-default":
      "`0`: one fewer than the threads of libuv's pool (`UV_THREADPOOL_SIZE`, 4 when unset), at least 1: 3 with the default pool",
    description:
      "Password checks (one scrypt hash each, about 32 MiB and 100 ms of one core with the default parameters) computed at once. They run on libuv's thread pool, which file I/O, DNS lookups and compression share: 0 leaves one of its threads to them.",
  },
  maxQueued: {
    type: "integer",
    minimum: 0,
    maximum: 100_000,
    default: 32,
    description:
      "Password checks waiting for their turn. A login beyond it is refused at once, without a check: MQTT 5 CONNACK 0x89 Server busy, MQTT 3 return code 3 Server unavailable. Keep the wait (about `maxQueued` / `concurrency` checks) well below `mqtt.connectTimeout`.",
  },
  perAddress: {
    type: "integer",
    minimum: 1,
    maximum: 100_000,
    default: 2,
    description:
      "Password checks, computed or waiting, of one client IP address. A login beyond it is refused at once, without a check: MQTT 5 CONNACK 0x9F Connection rate exceeded, MQTT 3 return code 3 Server unavailable. Waiting checks take turns by address, so one address never keeps another's login waiting behind more than this many of its own. Raise it for many clients behind one address (a NAT, a proxy) that log in at the same time.",
  },
};

export const passwordChecksSchema: JsonSchema = section(
  "Bounds on the password checks of logins (scrypt on the thread pool): they limit the work a flood of logins causes, not only the answers.",
  passwordChecksProperties,
);
