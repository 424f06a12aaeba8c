/**
 * The validators of the admin API's routes: two ajv instances, because the parts of a request differ.
 * Bodies are JSON and must match their schema exactly: no coercion (`"true"` is not a boolean), no
 * defaults filled in, unknown fields refused (never silently removed, as fastify's default ajv setup
 * would). Query and path parameters are text, coerced to the schema's types (`?limit=10`), with
 * defaults filled in. Both report the first failure only, with the failing value and its schema
 * (`verbose`), which the 400 message quotes (`api-error.ts`).
 * @module
 */

import { Ajv, type Options, type ValidateFunction } from "ajv";

const COMMON: Options = {
  allErrors: false,
  verbose: true,
  allowUnionTypes: true,
  removeAdditional: false,
  // schema annotations of ours (see schema-parts.ts)
  keywords: ["x-pattern-description"],
};

export interface SchemaValidators {
  /** Compiles the schema of one part of a route's requests, as fastify's validator compiler. */
  compile(part: string, schema: Readonly<Record<string, unknown>>): ValidateFunction;
}

export function createSchemaValidators(): SchemaValidators {
  const body = new Ajv({ ...COMMON, coerceTypes: false, useDefaults: false });
  const text = new Ajv({ ...COMMON, coerceTypes: true, useDefaults: true });
  return {
    compile: (part, schema) => (part === "body" ? body : text).compile(schema),
  };
}
