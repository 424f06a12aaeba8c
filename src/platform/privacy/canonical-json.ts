/**
 * The text a non-string value is hashed or masked as: its JSON with object members sorted by name at
 * every level, so `{"lat": 1, "lon": 2}` and `{"lon": 2, "lat": 1}` hash the same (values still join
 * when producers order keys differently). Strings are hashed as they are, without quotes.
 * @module
 */

import { DepthExceeded, isRecord, MAX_DEPTH } from "./json-path.js";

/** The text `value` is hashed or masked as. Throws {@link DepthExceeded} past {@link MAX_DEPTH}. */
export function textOf(value: unknown): string {
  return typeof value === "string" ? value : canonicalJson(value, 0);
}

function canonicalJson(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new DepthExceeded();
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, depth + 1)).join(",")}]`;
  if (isRecord(value)) {
    const members = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key], depth + 1)}`);
    return `{${members.join(",")}}`;
  }
  return jsonText(value) ?? "null";
}

/** `JSON.stringify`, typed as it behaves: undefined for values JSON cannot hold (never in parsed JSON). */
function jsonText(value: unknown): string | undefined {
  return JSON.stringify(value);
}
