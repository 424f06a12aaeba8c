/**
 * PlaceOS drivers' Redis status channels, `status/<module_id>/<key>`, and their messages: the key's
 * new value as JSON text. The channel prefix is the configured pattern without its final `*`, so a
 * deployment (or a test) can use another prefix; the module id runs to the first `/` after it, the key
 * is the rest (a key may itself contain `/`).
 * @module
 */

import { jsonValueProblem } from "../envelope/index.js";

/** A status update read from Redis. */
export interface StatusUpdate {
  readonly moduleId: string;
  readonly key: string;
  readonly value: unknown;
  /** The message `value` was parsed from, as it came (none for an empty message, which is null). */
  readonly valueText?: string | undefined;
}

/** The literal prefix of a PSUBSCRIBE pattern that ends in `*` and has no other glob character. */
export function patternPrefix(pattern: string): string | undefined {
  if (!pattern.endsWith("*")) return undefined;
  const prefix = pattern.slice(0, -1);
  return /[*?[\]\\]/.test(prefix) ? undefined : prefix;
}

/**
 * The module id and key of a channel, or why it is not a status channel.
 * @example
 * ```ts
 * parseStatusChannel("status/", "status/mod-1/power"); // { moduleId: "mod-1", key: "power" }
 * ```
 */
export function parseStatusChannel(
  prefix: string,
  channel: string,
): { readonly moduleId: string; readonly key: string } | string {
  if (!channel.startsWith(prefix)) return `the channel does not begin with "${prefix}"`;
  const rest = channel.slice(prefix.length);
  const slash = rest.indexOf("/");
  if (slash <= 0) return `the channel is not "${prefix}<module_id>/<key>"`;
  return { moduleId: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

/**
 * The value of a status message: its JSON, with the message as its text (kept as it is: PlaceOS embeds
 * it raw), or null for an empty message (a driver that cleared the key); `{error}` when it is not JSON.
 */
export function parseStatusValue(
  message: string,
): { readonly value: unknown; readonly text?: string } | { readonly error: string } {
  if (message.length === 0) return { value: null };
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch (error) {
    return { error: `the message is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  // kept as current state, which must be written back as JSON (json-value-problem.ts)
  const problem = jsonValueProblem(value);
  return problem === undefined ? { value, text: message } : { error: `the value is ${problem}` };
}
