/**
 * Rule sets applied to an MQTT payload (bytes), for every output that applies them: local subscribers
 * of a tenant and outbound bridges.
 *
 * - empty: passed unchanged (a zero-length retained message clears a topic; it holds nothing);
 * - JSON (UTF-8 text `JSON.parse` accepts): the rules act on the parsed value; an unchanged event keeps
 *   its exact bytes (a PlaceOS state value as its driver wrote it: `1.0`, twenty digits), a changed one
 *   is serialised again with `JSON.stringify` (compact), and so is a text that repeats a member name
 *   (`JSON.parse` keeps the last value, the rules saw only it: the others are not sent unchecked);
 * - other UTF-8 text: the rules act on it as one JSON string value (regex and detector rules search the
 *   text; `$` selects all of it); a changed text is sent as the new text (not as a JSON string);
 * - not UTF-8 (binary): withheld, since the rules cannot check it (fail closed), counted as `failed`.
 * @module
 */

import type { CompiledRuleSet } from "./compiled-rule-set.js";
import type { PrivacyCounters } from "./privacy-counters.js";
import type { PrivacyEngine } from "./privacy-engine.js";
import { hasRepeatedKeys } from "./repeated-keys.js";

export interface PayloadRules {
  readonly engine: PrivacyEngine;
  /** The engine's counters: a binary payload is counted there as `failed`. */
  readonly counters: PrivacyCounters | undefined;
  readonly ruleSets: readonly CompiledRuleSet[];
  /** The key of hash rules whose rule and set have none. */
  readonly hashKey: string | undefined;
  /** Withhold every non-empty payload, counted as `failed` (rules that could not be compiled). */
  readonly withhold?: boolean;
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * The payload to send (the input itself when no rule changed it), or undefined when the event is
 * withheld (a drop rule, a binary payload, rules that cannot be applied).
 * @example
 * ```ts
 * const out = applyToPayload(message.payload, { engine, counters, ruleSets, hashKey });
 * if (out !== undefined) send({ ...message, payload: out });
 * ```
 */
export function applyToPayload(payload: Uint8Array, rules: PayloadRules): Uint8Array | undefined {
  if (payload.byteLength === 0) return payload;
  if (rules.withhold === true) {
    rules.counters?.recordEvent("failed");
    return undefined;
  }
  if (rules.ruleSets.length === 0) return payload;
  let text: string;
  try {
    text = decoder.decode(payload);
  } catch {
    rules.counters?.recordEvent("failed"); // binary: cannot be checked
    return undefined;
  }
  let value: unknown;
  let json = true;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
    json = false;
  }
  const outcome = rules.engine.apply(value, rules.ruleSets, { hashKey: rules.hashKey });
  if (outcome.kind === "drop") return undefined;
  if (!outcome.changed && !(json && hasRepeatedKeys(payload, value))) return payload;
  const output = !json && typeof outcome.value === "string" ? outcome.value : JSON.stringify(outcome.value);
  return encoder.encode(output);
}
