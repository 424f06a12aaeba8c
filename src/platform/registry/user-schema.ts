/**
 * Users' JSON Schemas (payload schemas) compiled with ajv, safely for everything else the same ajv
 * instance holds:
 *
 * - Compiled from a shallow copy, which is what ajv keys its cache by; dropping it removes that copy
 *   with its `$id` taken off first. ajv's `removeSchema(object)` also deletes whatever schema is
 *   registered under the object's `$id`, so dropping a user's schema whose `$id` was, say, draft-07's
 *   meta-schema id deleted the meta-schema, and every later compile in that instance failed (every
 *   tenant's payload schemas at once).
 * - An asynchronous schema (`"$async": true`) is refused: ajv makes its validator return a Promise,
 *   which a caller testing the answer takes for a pass, and whose rejection for a bad value nobody
 *   handles (Node then ends the process).
 * - A `pattern` (or a `patternProperties` key) that can take exponential time is refused before ajv
 *   sees it (`nestedQuantifierProblem`, as for privacy rules): every value of the name is tested
 *   against it on the broker's one thread, so `^(a+)+$` and 40 characters from any device of the
 *   tenant would stall every client.
 *
 * - A schema beyond the size bounds of `schema-size.ts` is refused before ajv sees it: compiling runs on
 *   the broker's one thread, in time that grows faster than the schema.
 *
 * - A `$id` below the root is refused: ajv keeps the sub-schemas it names for every later compile in
 *   the instance (removing the schema does not drop them), so another tenant's schema could `$ref`
 *   them, and memory would grow with each one.
 *
 * The ajv instance must run with {@link USER_SCHEMA_OPTIONS}. Every compile leaves some of ajv's own bookkeeping behind even so: an
 * instance that compiles without end (a cache of changing schemas) is replaced now and then.
 * @module
 */

import type { AnySchemaObject, Ajv, ValidateFunction } from "ajv";
import { nestedQuantifierProblem } from "../privacy/regex-safety.js";
import { schemaSizeProblem } from "./schema-size.js";

/**
 * Options of every ajv instance that compiles users' schemas:
 *
 * - `addUsedSchema: false`: a root `$id` is never registered (two tenants may use the same one);
 * - `inlineRefs: false`: else each `$ref` to a definition compiles a copy of it (a 2.5 KB schema of 50
 *   references to one definition took 300 ms to compile);
 * - `loopEnum`: a longer `enum` is checked in a loop, not compiled to one comparison per value (3,300
 *   numbers, 15 KB, took 60 ms).
 */
export const USER_SCHEMA_OPTIONS = Object.freeze({
  addUsedSchema: false,
  inlineRefs: false,
  loopEnum: 16,
} as const);

export interface CompiledUserSchema {
  readonly validate: ValidateFunction;
  /** Drops the compiled schema from its ajv instance (and nothing else). */
  readonly release: () => void;
}

/** Compiles `schema` in `ajv`; throws what ajv throws, or an Error for a schema it refuses (above). */
export function compileUserSchema(ajv: Ajv, schema: AnySchemaObject): CompiledUserSchema {
  const size = schemaSizeProblem(schema);
  if (size !== undefined) throw new Error(`the schema is too large to compile safely: ${size}`);
  const slow = slowPattern(schema);
  if (slow !== undefined) throw new Error(slow);
  if (hasNestedId(schema))
    throw new Error(
      'a "$id" below the schema\'s root is not supported (ajv would keep it for every later schema)',
    );
  const copy: AnySchemaObject = { ...schema };
  const release = (): void => {
    delete copy["$id"];
    delete copy["id"];
    ajv.removeSchema(copy);
  };
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(copy);
  } catch (error) {
    release();
    throw error;
  }
  if ((validate as { $async?: unknown }).$async === true) {
    // its validator answers a Promise: truthy whatever the value, and a rejection nobody awaits
    release();
    throw new Error('an asynchronous schema ("$async") cannot check a value as it comes in');
  }
  return { validate, release };
}

/** Why a `pattern` or `patternProperties` key of `schema` (at any depth) is refused, or undefined. */
export function slowPattern(schema: unknown): string | undefined {
  const pending: unknown[] = [schema];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== "object") continue;
    if (Array.isArray(node)) {
      pending.push(...(node as unknown[]));
      continue;
    }
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      const sources =
        key === "pattern" && typeof value === "string"
          ? [value]
          : key === "patternProperties" && value !== null && typeof value === "object"
            ? Object.keys(value)
            : [];
      for (const source of sources) {
        if (!compiles(source)) continue; // ajv reports it
        const problem = nestedQuantifierProblem(source, true);
        if (problem !== undefined) return `the pattern ${JSON.stringify(source)} is refused: ${problem}`;
      }
      pending.push(value);
    }
  }
  return undefined;
}

/** Whether a `"$id"` string sits anywhere below the root of `schema`. */
function hasNestedId(schema: AnySchemaObject): boolean {
  const pending: unknown[] = Object.values(schema);
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== "object") continue;
    if (Array.isArray(node)) pending.push(...(node as unknown[]));
    else
      for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
        if (key === "$id" && typeof value === "string") return true;
        pending.push(value);
      }
  }
  return false;
}

function compiles(source: string): boolean {
  try {
    new RegExp(source, "u");
    return true;
  } catch {
    return false;
  }
}
