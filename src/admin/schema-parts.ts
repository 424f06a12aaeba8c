/**
 * Pieces of the admin API's JSON Schemas (what ajv validates requests with and what the OpenAPI 3.1
 * document shows as they are): the error body, pagination, and the field shapes the entity schemas are
 * made of. Every object schema has
 * `additionalProperties: false`: an unknown field is a 400 naming it.
 *
 * `x-pattern-description` (an annotation) says in words what a `pattern` requires; the 400 message
 * uses it instead of the regular expression.
 * @module
 */

import { apiErrorCodes } from "../errors.js";
import { ID_PATTERN, MAX_NAME_LENGTH } from "../platform/registry/index.js";

export type Schema = Readonly<Record<string, unknown>>;

/** A name: no `/`, `+`, `#` or control characters, no surrounding white space (as `nameError`). */
export const NAME_SCHEMA_PATTERN = "^(?!\\s)[^/+#\\u0000-\\u001f\\u007f]+(?<!\\s)$";

export function object(
  properties: Readonly<Record<string, Schema>>,
  required: readonly string[] = [],
  description?: string,
): Schema {
  return {
    type: "object",
    ...(description === undefined ? {} : { description }),
    additionalProperties: false,
    properties,
    ...(required.length === 0 ? {} : { required }),
  };
}

export function string(description: string, extra: Schema = {}): Schema {
  return { type: "string", description, ...extra };
}

export function integer(description: string, extra: Schema = {}): Schema {
  return { type: "integer", description, ...extra };
}

export function boolean(description: string): Schema {
  return { type: "boolean", description };
}

/** The schema, also accepting `null` (to clear an optional field in a PATCH). */
export function nullable(schema: Schema): Schema {
  return {
    ...schema,
    type: [schema["type"], "null"],
    description: `${String(schema["description"])} \`null\` clears it.`,
  };
}

export function list(items: Schema, description: string, maxItems = 256): Schema {
  return { type: "array", description, items, uniqueItems: true, maxItems };
}

export function idSchema(pattern: string, description: string): Schema {
  return string(description, {
    pattern,
    "x-pattern-description": patternWords[pattern] ?? `must match ${pattern}`,
  });
}

const patternWords: Readonly<Record<string, string>> = {
  [ID_PATTERN]: 'must be 1 to 128 letters, digits or ". _ : ~ -", beginning with a letter, digit or "_"',
  "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$":
    'must be 1 to 64 letters, digits or ". _ : -", beginning with a letter or digit',
  "^[A-Za-z0-9-]{1,64}$": "must be 1 to 64 letters, digits or dashes",
  "^[a-z][a-z0-9-]{0,31}$": "must be a lower-case letter, then up to 31 lower-case letters, digits or dashes",
  "^[\\x21-\\x7e]{1,128}$": "must be 1 to 128 printable ASCII characters without spaces",
  "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$":
    'must be 1 to 128 letters, digits or ". _ -", beginning with a letter or digit',
};

export function nameSchema(description: string): Schema {
  return string(description, {
    minLength: 1,
    maxLength: MAX_NAME_LENGTH,
    pattern: NAME_SCHEMA_PATTERN,
    "x-pattern-description":
      'must not contain "/", "+", "#" or control characters, nor begin or end with white space',
  });
}

export function reference(what: string): Schema {
  return idSchema(ID_PATTERN, `The id of ${what} of the same tenant.`);
}

export const timestamps: Readonly<Record<string, Schema>> = {
  createdAt: integer("When the entity was created, in milliseconds since the epoch."),
  updatedAt: integer("When the entity last changed, in milliseconds since the epoch."),
};

export const errorSchema: Schema = object(
  {
    error: object(
      {
        code: string("A stable code (docs/errors.md).", { enum: Object.keys(apiErrorCodes) }),
        message: string("What is wrong, naming the field, the value and the rule."),
      },
      ["code", "message"],
    ),
  },
  ["error"],
  "An error.",
);

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export const paginationQuery: Readonly<Record<string, Schema>> = {
  limit: integer(`How many items to return (default ${DEFAULT_PAGE_SIZE}).`, {
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
  }),
  // Infinity (a query string's "1e400", coerced) is refused by schema-validators.ts's finiteOnly
  offset: integer("How many matching items to skip (default 0).", {
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 0,
  }),
};

/** A page of `item`s: `items`, `total` (across all pages), `offset` and `limit`. */
export function page(item: Schema, description: string): Schema {
  return object(
    {
      items: { type: "array", items: item, description: "This page's items." },
      total: integer("How many items match, across all pages."),
      offset: integer("The offset of this page."),
      limit: integer("The page size asked for."),
    },
    ["items", "total", "offset", "limit"],
    description,
  );
}

/** A page of an already filtered and ordered list. */
export function paginate<T>(
  items: readonly T[],
  { limit, offset }: { readonly limit: number; readonly offset: number },
) {
  return { items: items.slice(offset, offset + limit), total: items.length, offset, limit };
}
