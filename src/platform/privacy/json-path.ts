/**
 * The JSON path subset privacy rules use (a subset of RFC 9535, same meaning):
 *
 * | syntax             | selects                                                        |
 * | ------------------ | -------------------------------------------------------------- |
 * | `$`                | the whole value                                                |
 * | `.name`            | the member `name` of an object                                 |
 * | `['name']` `["n"]` | the same, for any name (`\'`, `\"` and `\\` escape)            |
 * | `[0]`              | the element at index 0 of an array (no negative indexes)       |
 * | `[*]` `.*`         | every element of an array, every member of an object           |
 * | `..name` `..['n']` | the member `name` of the current value and of every descendant |
 *
 * A dot name is any run of characters other than `. [ ] * ' "` and white space. Paths are parsed once
 * (`parseJsonPath`) and evaluated on parsed values (`selectPath`), never on JSON text.
 * @module
 */

export type JsonPathSegment =
  | { readonly kind: "child"; readonly name: string }
  | { readonly kind: "index"; readonly index: number }
  | { readonly kind: "wildcard" }
  | { readonly kind: "descendant"; readonly name: string };

export interface JsonPath {
  readonly text: string;
  readonly segments: readonly JsonPathSegment[];
}

/** Where a value is inside the whole: object keys and array indexes from the root. */
export type ValueLocation = readonly (string | number)[];

export type JsonPathParse =
  { readonly ok: true; readonly path: JsonPath } | { readonly ok: false; readonly error: string };

/** Values nested deeper than this are not walked (see `DepthExceeded`). */
export const MAX_DEPTH = 512;

/** Thrown by the walks when a value is nested deeper than {@link MAX_DEPTH}; the engine fails closed. */
export class DepthExceeded extends Error {
  override readonly name = "DepthExceeded";
}

const NAME_CHAR = /[^.[\]*'"\s]/u;

/**
 * Parses a path of the subset; the error names the character at fault, e.g. `expected a name, "*" or
 * "." after "." at character 3 of "$.]"`.
 */
export function parseJsonPath(text: string): JsonPathParse {
  const segments: JsonPathSegment[] = [];
  const fail = (at: number, what: string): JsonPathParse => ({
    ok: false,
    error: `${what} at character ${at + 1} of ${JSON.stringify(text)}`,
  });
  if (!text.startsWith("$")) return fail(0, `a path must start with "$"`);
  let i = 1;
  while (i < text.length) {
    const c = text[i];
    if (c === "." && text[i + 1] === ".") {
      i += 2;
      if (text[i] === "[") {
        const quoted = readQuoted(text, i + 1);
        if (typeof quoted === "string") return fail(i + 1, quoted);
        if (text[quoted.end] !== "]") return fail(quoted.end, `expected "]"`);
        segments.push({ kind: "descendant", name: quoted.name });
        i = quoted.end + 1;
        continue;
      }
      const end = nameEnd(text, i);
      if (end === i) return fail(i, `expected a key name after ".."`);
      segments.push({ kind: "descendant", name: text.slice(i, end) });
      i = end;
    } else if (c === ".") {
      i += 1;
      if (text[i] === "*") {
        segments.push({ kind: "wildcard" });
        i += 1;
        continue;
      }
      const end = nameEnd(text, i);
      if (end === i) return fail(i, `expected a key name or "*" after "."`);
      segments.push({ kind: "child", name: text.slice(i, end) });
      i = end;
    } else if (c === "[") {
      const inner = text[i + 1];
      if (inner === "*") {
        if (text[i + 2] !== "]") return fail(i + 2, `expected "]"`);
        segments.push({ kind: "wildcard" });
        i += 3;
      } else if (inner === "'" || inner === '"') {
        const quoted = readQuoted(text, i + 1);
        if (typeof quoted === "string") return fail(i + 1, quoted);
        if (text[quoted.end] !== "]") return fail(quoted.end, `expected "]"`);
        segments.push({ kind: "child", name: quoted.name });
        i = quoted.end + 1;
      } else {
        const match = /^(0|[1-9][0-9]{0,8})\]/.exec(text.slice(i + 1));
        if (match === null)
          return fail(i + 1, `expected an index (0, 1, ...), "*" or a quoted name after "["`);
        segments.push({ kind: "index", index: Number(match[1]) });
        i += 1 + match[0].length;
      }
    } else {
      return fail(i, `unexpected ${JSON.stringify(c)}: expected ".", ".." or "["`);
    }
  }
  return { ok: true, path: { text, segments } };
}

function nameEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && NAME_CHAR.test(text[i]!)) i += 1;
  return i;
}

/** Reads `'...'` or `"..."` at `from`; the name and the index after the closing quote, or an error. */
function readQuoted(text: string, from: number): { name: string; end: number } | string {
  const quote = text[from];
  if (quote !== "'" && quote !== '"') return `expected a quoted name`;
  let name = "";
  let i = from + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === quote) return { name, end: i + 1 };
    if (c === "\\") {
      const next = text[i + 1];
      if (next !== "\\" && next !== "'" && next !== '"') return `unknown escape "\\${next ?? ""}"`;
      name += next;
      i += 2;
    } else {
      name += c;
      i += 1;
    }
  }
  return `unterminated name: missing the closing ${quote}`;
}

/**
 * The locations `path` selects in `value`, in document order (a location can appear twice only
 * through `..`, never in practice). Throws {@link DepthExceeded} when `..` would walk deeper than
 * {@link MAX_DEPTH}.
 */
export function selectPath(value: unknown, path: JsonPath): ValueLocation[] {
  const out: ValueLocation[] = [];
  step(value, path.segments, 0, [], out);
  return out;
}

function step(
  node: unknown,
  segments: readonly JsonPathSegment[],
  index: number,
  location: (string | number)[],
  out: ValueLocation[],
): void {
  const segment = segments[index];
  if (segment === undefined) {
    out.push(location.slice());
    return;
  }
  if (location.length > MAX_DEPTH) throw new DepthExceeded();
  switch (segment.kind) {
    case "child":
      if (isRecord(node) && Object.hasOwn(node, segment.name))
        visit(node[segment.name], segment.name, segments, index + 1, location, out);
      return;
    case "index":
      if (Array.isArray(node) && segment.index < node.length)
        visit(node[segment.index], segment.index, segments, index + 1, location, out);
      return;
    case "wildcard":
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i++) visit(node[i], i, segments, index + 1, location, out);
      } else if (isRecord(node)) {
        for (const key of Object.keys(node)) visit(node[key], key, segments, index + 1, location, out);
      }
      return;
    case "descendant":
      descend(node, segment.name, segments, index + 1, location, out);
      return;
  }
}

function visit(
  child: unknown,
  key: string | number,
  segments: readonly JsonPathSegment[],
  next: number,
  location: (string | number)[],
  out: ValueLocation[],
): void {
  location.push(key);
  step(child, segments, next, location, out);
  location.pop();
}

/** `..name` from `node`: its own member `name`, then the same for every child, depth first. */
function descend(
  node: unknown,
  name: string,
  segments: readonly JsonPathSegment[],
  next: number,
  location: (string | number)[],
  out: ValueLocation[],
): void {
  if (location.length > MAX_DEPTH) throw new DepthExceeded();
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      location.push(i);
      descend(node[i], name, segments, next, location, out);
      location.pop();
    }
  } else if (isRecord(node)) {
    if (Object.hasOwn(node, name)) visit(node[name], name, segments, next, location, out);
    for (const key of Object.keys(node)) {
      location.push(key);
      descend(node[key], name, segments, next, location, out);
      location.pop();
    }
  }
}

/** `["user", "emails", 0]` → `$.user.emails[0]`; names that are not plain use `['...']`. */
export function formatLocation(location: ValueLocation): string {
  let text = "$";
  for (const key of location) {
    if (typeof key === "number") text += `[${key}]`;
    else if (key !== "" && nameEnd(key, 0) === key.length) text += `.${key}`;
    else text += `['${key.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}']`;
  }
  return text;
}

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
