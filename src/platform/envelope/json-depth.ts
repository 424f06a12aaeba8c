/**
 * How deep a parsed JSON value may nest. `JSON.parse` reads any depth, but `JSON.stringify`, ajv and
 * every other recursive walk overflow the stack somewhere between a few hundred and a few thousand
 * levels (Node 20: `JSON.stringify` of an array nested 5,000 deep throws), and a value that cannot be
 * written again would fail later, far from its cause: in a store's commit, which then fails for every
 * change it carries. So values from outside (a dialect's payloads, the admin API's bodies) are refused
 * beyond {@link MAX_JSON_DEPTH} levels, when they come in.
 * @module
 */

import { jsonValueProblem, MAX_JSON_DEPTH } from "./json-value-problem.js";

export { MAX_JSON_DEPTH };

/** Whether `value` nests arrays and objects deeper than `limit` levels; walked without recursion. */
export function exceedsJsonDepth(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  return jsonValueProblem(value, limit, false) !== undefined;
}
