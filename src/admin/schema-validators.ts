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
  // integer and number exclude Infinity in bodies (JSON.parse reads 1e400 as Infinity); a query
  // string's "1e400" is coerced to Infinity after that check, which finiteOnly (below) catches
  strictNumbers: true,
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
    compile: (part, schema) => (part === "body" ? body.compile(schema) : finiteOnly(text.compile(schema))),
  };
}

/**
 * `validate`, refusing a parameter coerced to a number that is not finite: ajv coerces `"1e400"` to
 * Infinity for `integer` and `number` and then skips the range keywords for it (they apply to finite
 * numbers only), so `?offset=1e400` passed as Infinity and failed later, as a 500. Query strings and
 * path parameters are flat: their own values are all there is to look at.
 */
function finiteOnly(validate: ValidateFunction): ValidateFunction {
  const checked = ((data: unknown): boolean => {
    if (!validate(data)) {
      checked.errors = validate.errors ?? null;
      return false;
    }
    checked.errors = null;
    if (data === null || typeof data !== "object") return true;
    for (const [key, value] of Object.entries(data))
      if (typeof value === "number" && !Number.isFinite(value)) {
        checked.errors = [
          {
            instancePath: `/${key}`,
            schemaPath: "#/maximum",
            keyword: "maximum",
            params: { comparison: "<=", limit: Number.MAX_SAFE_INTEGER },
            message: `must be <= ${Number.MAX_SAFE_INTEGER}`,
            data: value,
          },
        ];
        return false;
      }
    return true;
  }) as ValidateFunction;
  return checked;
}
