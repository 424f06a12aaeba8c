/**
 * How deep a parsed JSON value may nest. `JSON.parse` reads any depth, but `JSON.stringify`, ajv and
 * every other recursive walk overflow the stack somewhere between a few hundred and a few thousand
 * levels (Node 20: `JSON.stringify` of an array nested 5,000 deep throws), and a value that cannot be
 * written again would fail later, far from its cause: in a store's commit, which then fails for every
 * change it carries. So values from outside (a dialect's payloads, the admin API's bodies) are refused
 * beyond {@link MAX_JSON_DEPTH} levels, when they come in.
 * @module
 */

/** Levels of arrays and objects a value from outside may nest (a scalar is 0, `[]` and `{}` are 1). */
export const MAX_JSON_DEPTH = 256;

/** Whether `value` nests arrays and objects deeper than `limit` levels; walked without recursion. */
export function exceedsJsonDepth(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== "object") return false;
  const pending: object[] = [value];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const container = pending.pop()!;
    const depth = depths.pop()!;
    if (depth > limit) return true;
    const children: readonly unknown[] = Array.isArray(container) ? container : Object.values(container);
    for (const child of children)
      if (child !== null && typeof child === "object") {
        pending.push(child);
        depths.push(depth + 1);
      }
  }
  return false;
}
