/**
 * Compiled payload schemas. Each schema is compiled once, the first time a value needs it, and kept
 * until the schema changes: a cached validator is reused while the registry hands back the same schema
 * entity or JSON Schema object (the registry keeps entities in memory, so this is one comparison), or a
 * copy with the same `updatedAt` and the same JSON; a changed schema is compiled again and the old one
 * dropped from ajv. A schema ajv cannot compile is remembered as such (and reported per value) until it
 * changes.
 *
 * ajv runs with `verbose` (errors carry the failing sub-schema, which becomes the report's `context`),
 * without format validation and without strict mode (users' schemas may carry annotations such as
 * `unit`), and never registers users' `$id`s (two tenants may use the same one); schemas are compiled
 * and dropped through registry/user-schema.ts (a dropped schema's `$id` never takes another schema
 * with it; a pattern that can take exponential time, or a schema beyond the size bounds, stored before
 * those checks, makes the schema unusable without compiling it), with the options that keep compiling
 * in proportion to the schema (`USER_SCHEMA_OPTIONS`).
 * @module
 */

import { Ajv, type AnySchemaObject, type ValidateFunction } from "ajv";
import type { JsonObject } from "../../envelope/index.js";
import type { PayloadSchema } from "../../registry/model.js";
import { compileUserSchema, USER_SCHEMA_OPTIONS } from "../../registry/user-schema.js";
import { type GooeeError, invalid, keywordCause } from "./gooee-errors.js";

interface Entry {
  readonly schema: PayloadSchema;
  readonly validate: ValidateFunction | Error;
  /** Drops the compiled schema from ajv (user-schema.ts); undefined when it did not compile. */
  readonly release: (() => void) | undefined;
}

/**
 * The second argument of a validator called on a whole value: what ajv's generated code defaults to
 * (`instancePath` "", `rootData` the value, the rest undefined), given so that the default is not
 * made: a validator's parameter is written `{instancePath = "", ...} = {}`, and that `{}` was a new
 * object per call (the validators of a meta array's values are called through one site, so they are
 * not inlined and the object not optimized away).
 */
export const WHOLE_VALUE = Object.freeze({
  instancePath: "",
  parentData: undefined,
  parentDataProperty: undefined,
  rootData: undefined,
  dynamicAnchors: undefined,
}) as unknown as NonNullable<Parameters<ValidateFunction>[1]>;

/** Schemas an ajv instance compiles before the cache starts a new one (each leaves some of ajv's bookkeeping). */
const COMPILES_PER_INSTANCE = 1024;

function newAjv(): Ajv {
  return new Ajv({
    ...USER_SCHEMA_OPTIONS,
    allErrors: false,
    verbose: true,
    strict: false,
    validateFormats: false,
    logger: false,
  });
}

export class SchemaCache {
  #ajv = newAjv();
  /** Schemas compiled in the current ajv instance. */
  #instanceCompiles = 0;
  readonly #entries = new Map<string, Entry>();
  readonly #fixed = new Map<JsonObject, ValidateFunction>();
  /** How many schemas were compiled (for tests: once per schema version). */
  compiled = 0;

  /** The validator of a registry payload schema, or the Error ajv gave compiling it. */
  validator(schema: PayloadSchema): ValidateFunction | Error {
    const entry = this.#entries.get(schema.id);
    if (entry !== undefined) {
      if (entry.schema === schema || entry.schema.schema === schema.schema) return entry.validate;
      if (entry.schema.updatedAt === schema.updatedAt && sameJson(entry.schema.schema, schema.schema)) {
        this.#entries.set(schema.id, { ...entry, schema }); // a copy of the same version
        return entry.validate;
      }
    }
    entry?.release?.();
    if (++this.#instanceCompiles > COMPILES_PER_INSTANCE) {
      // validators made by the old instance keep working for whoever holds them; the cache's own are
      // compiled again as values need them
      this.#ajv = newAjv();
      this.#instanceCompiles = 1;
      this.#entries.clear();
      this.#fixed.clear();
    }
    let validate: ValidateFunction | Error;
    let release: (() => void) | undefined;
    try {
      const compiled = compileUserSchema(this.#ajv, schema.schema);
      validate = compiled.validate;
      release = compiled.release;
      this.compiled++;
    } catch (error) {
      validate = error instanceof Error ? error : new Error(String(error));
    }
    this.#entries.set(schema.id, { schema, validate, release });
    return validate;
  }

  /** The validator of one of the dialect's own schemas (compiled once). */
  fixed(schema: JsonObject): ValidateFunction {
    let validate = this.#fixed.get(schema);
    if (validate === undefined) {
      validate = this.#ajv.compile(schema as AnySchemaObject);
      this.#fixed.set(schema, validate);
    }
    return validate;
  }

  /**
   * Whether `value` satisfies a registry payload schema (false for a schema ajv cannot compile): the
   * fast path, which makes nothing; {@link check} then says why not.
   */
  passes(schema: PayloadSchema, value: unknown): boolean {
    const validate = this.validator(schema);
    return typeof validate === "function" && validate(value, WHOLE_VALUE);
  }

  /**
   * Checks `value` against a registry payload schema; returns the error in Gooee's words, `position`
   * being where the value sits in the payload (`[0]/value`).
   */
  check(schema: PayloadSchema, value: unknown, position: string): GooeeError | undefined {
    return report(this.validator(schema), value, position, schema.schema);
  }

  /** {@link check} against one of the dialect's own schemas. */
  checkFixed(schema: JsonObject, value: unknown, position: string): GooeeError | undefined {
    return report(this.fixed(schema), value, position, schema);
  }
}

function report(
  validate: ValidateFunction | Error,
  value: unknown,
  position: string,
  context: JsonObject,
): GooeeError | undefined {
  if (validate instanceof Error)
    return invalid(`an unusable schema (${validate.message})`, position, value, context);
  if (validate(value)) return undefined;
  const error = validate.errors?.[0];
  if (error === undefined) return invalid("schema not satisfied", position, value, context);
  const missing =
    error.keyword === "required"
      ? (error.params as { missingProperty?: unknown }).missingProperty
      : undefined;
  const cause =
    typeof missing === "string" ? `missing required property "${missing}"` : keywordCause(error.keyword);
  return invalid(cause, position + error.instancePath, error.data, error.parentSchema ?? context);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
