/**
 * The words for one ajv validation error, after the name of the value it is about:
 * `must be <= 65535`, `must be one of "tcp", "ws"`. Shared by the configuration (`schema-issues.ts`)
 * and every other input validated against a JSON Schema the same way (bridge configurations).
 * @module
 */

import type { ErrorObject } from "ajv";

const typeNames: Readonly<Record<string, string>> = {
  integer: "an integer",
  number: "a number",
  string: "a string",
  boolean: "a boolean",
  object: "a mapping of keys to values",
  array: "a list",
};

/** What `error` says of its value, without naming the value. */
export function describeSchemaError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "type":
      return `must be ${typeNames[String(params["type"])] ?? String(params["type"])}`;
    case "enum":
      return `must be one of ${(params["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "const":
      return `must be ${JSON.stringify(params["allowedValue"])}`;
    case "minimum":
      return `must be >= ${String(params["limit"])}`;
    case "maximum":
      return `must be <= ${String(params["limit"])}`;
    case "minLength":
      return params["limit"] === 1
        ? "must not be empty"
        : `must be at least ${String(params["limit"])} characters`;
    case "maxLength":
      return `must be at most ${String(params["limit"])} characters`;
    case "minItems":
      return `must have at least ${String(params["limit"])} item(s)`;
    case "uniqueItems":
      return "must not repeat an item";
    case "pattern":
      return `must match the pattern ${JSON.stringify(params["pattern"])}`;
    default:
      return error.message ?? `fails the "${error.keyword}" rule`;
  }
}
