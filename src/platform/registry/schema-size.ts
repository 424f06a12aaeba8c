/**
 * Bounds of a payload schema's size, checked before ajv sees it. ajv compiles a schema into
 * JavaScript on the broker's one thread, in time that grows faster than the schema (a 39 KB schema of
 * 1,000 properties blocked every client for over a second; 4,000 overflowed the stack), and any
 * tenant's administrator may submit one. Within these bounds (and with `USER_SCHEMA_OPTIONS`) a compile
 * takes some 5 to 40 ms on a small, busy server, measured with the largest schema of each shape they
 * admit. Every object member and array item counts, whatever it means to JSON Schema (a `const`
 * value's too), so counting needs no knowledge of keywords.
 * @module
 */

/** Bytes of the schema as JSON (UTF-8). */
export const MAX_SCHEMA_BYTES = 16 * 1024;
/** Members of its objects at any depth: keywords and property names (code is generated for each). */
export const MAX_SCHEMA_MEMBERS = 128;
/** Items of its arrays at any depth (`enum` values, `required` names...: ajv checks each). */
export const MAX_SCHEMA_ITEMS = 1024;
/** Levels of objects and arrays, the root's included. */
export const MAX_SCHEMA_DEPTH = 32;

/**
 * Why `schema` is beyond the bounds, e.g. `1001 keywords and property names, at most 128`; undefined
 * when it is within them.
 */
export function schemaSizeProblem(schema: object): string | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(schema));
  if (bytes > MAX_SCHEMA_BYTES) return `${bytes} bytes as JSON, at most ${MAX_SCHEMA_BYTES} (16 KiB)`;
  // at most 16 KiB: the walk is short
  let members = 0;
  let items = 0;
  let deepest = 0;
  const pending: [unknown, number][] = [[schema, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth);
    const values = Array.isArray(node) ? (node as unknown[]) : Object.values(node);
    if (Array.isArray(node)) items += values.length;
    else members += values.length;
    for (const value of values) pending.push([value, depth + 1]);
  }
  if (members > MAX_SCHEMA_MEMBERS)
    return `${members} keywords and property names, at most ${MAX_SCHEMA_MEMBERS}`;
  if (items > MAX_SCHEMA_ITEMS) return `${items} array items, at most ${MAX_SCHEMA_ITEMS}`;
  if (deepest > MAX_SCHEMA_DEPTH)
    return `${deepest} levels of objects and arrays, at most ${MAX_SCHEMA_DEPTH}`;
  return undefined;
}
