/**
 * Turns ajv's validation errors into {@link ConfigIssue}s that name the key as a dotted path and the
 * source of its value: `"mqtt.receiveMaximum" must be <= 65535` (from SWITCHBOARD_MQTT__RECEIVE_MAXIMUM).
 * @module
 */

import type { ErrorObject } from "ajv";
import type { ConfigIssue } from "../errors.js";
import { configKeys } from "./config-keys.js";
import { describeSchemaError } from "./describe-schema-error.js";
import { configSchema, type JsonSchema } from "./config-schema.js";
import { formatPath, type LayeredInput, type PathSegment } from "./layered-input.js";
import { closestMatch } from "./suggest.js";

/** One issue per key (ajv may report several for one value), in ajv's order. */
export function schemaIssues(errors: readonly ErrorObject[], input: LayeredInput): ConfigIssue[] {
  const issues = new Map<string, ConfigIssue>();
  for (const error of errors) {
    const issue = toIssue(error, input);
    if (!issues.has(issue.path)) issues.set(issue.path, issue);
  }
  return [...issues.values()];
}

function toIssue(error: ErrorObject, input: LayeredInput): ConfigIssue {
  const at = parsePointer(error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "additionalProperties") {
    const key = [...at, String(params["additionalProperty"])];
    const path = formatPath(key);
    const suggestion = suggestKey(key);
    const hint = suggestion === undefined ? "" : `: did you mean "${suggestion}"?`;
    return { path, message: `unknown key "${path}"${hint}`, source: input.sourceOf(key) };
  }
  if (error.keyword === "required") {
    const key = [...at, String(params["missingProperty"])];
    return { path: formatPath(key), message: `"${formatPath(key)}" is required`, source: input.sourceOf(at) };
  }
  const path = formatPath(at);
  const subject = path === "" ? "the top level" : `"${path}"`;
  return { path, message: `${subject} ${describeSchemaError(error)}`, source: input.sourceOf(at) };
}

/** `/listeners/0/port` → `["listeners", 0, "port"]`. */
function parsePointer(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => raw.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/**
 * A likely intended key for an unknown one: a misspelt sibling (`mqtt.recieveMaximum` →
 * `mqtt.receiveMaximum`), else a key of that name in another section (`maxQos` → `mqtt.maxQos`).
 */
function suggestKey(key: readonly PathSegment[]): string | undefined {
  const name = String(key.at(-1));
  const parent = key.slice(0, -1);
  const siblings = Object.keys(schemaAt(parent)?.properties ?? {});
  const sibling = closestMatch(name, siblings);
  if (sibling !== undefined) return formatPath([...parent, sibling]);
  const elsewhere = configKeys().find(
    (candidate) =>
      candidate.envVar !== undefined && candidate.segments.at(-1)?.toLowerCase() === name.toLowerCase(),
  );
  return elsewhere?.path;
}

function schemaAt(path: readonly PathSegment[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = configSchema;
  for (const segment of path) {
    node = typeof segment === "number" ? node?.items : node?.properties?.[segment];
  }
  return node;
}
