/**
 * What keeps a parsed JSON value from outside from being taken in as it is: nesting deeper than
 * {@link MAX_JSON_DEPTH} levels (json-depth.ts says why), or a number JSON cannot hold. `JSON.parse` reads
 * `1e400` (or 400 digits) as Infinity; kept, it would be written back as `null` by `JSON.stringify`,
 * stored as Infinity, and told apart by nothing: the published text, the derived messages and the
 * stored state would disagree. One walk, without recursion.
 * @module
 */

/** Levels of arrays and objects a value from outside may nest (a scalar is 0, `[]` and `{}` are 1). */
export const MAX_JSON_DEPTH = 256;

/** The problem {@link jsonValueProblem} gives for an infinite number. */
export const NON_FINITE_NUMBER = "a number too large for JSON (it reads as Infinity)";

/**
 * Why `value` (as `JSON.parse` gave it) cannot be taken in, or undefined: `nested deeper than 256
 * levels`, or {@link NON_FINITE_NUMBER} (unless `numbers` is false: depth only).
 *
 * @example
 * ```ts
 * jsonValueProblem(JSON.parse('{"a":[1,2.5]}')); // undefined
 * jsonValueProblem(JSON.parse("[1e400]")); // "a number too large for JSON (it reads as Infinity)"
 * ```
 */
export function jsonValueProblem(
  value: unknown,
  limit: number = MAX_JSON_DEPTH,
  numbers: boolean = true,
): string | undefined {
  if (typeof value === "number") return !numbers || Number.isFinite(value) ? undefined : NON_FINITE_NUMBER;
  if (value === null || typeof value !== "object") return undefined;
  const pending: object[] = [value];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const container = pending.pop()!;
    const depth = depths.pop()!;
    if (depth > limit) return `nested deeper than ${limit} levels`;
    const children: readonly unknown[] = Array.isArray(container) ? container : Object.values(container);
    for (const child of children) {
      if (typeof child === "number") {
        if (numbers && !Number.isFinite(child)) return NON_FINITE_NUMBER;
      } else if (child !== null && typeof child === "object") {
        pending.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}
