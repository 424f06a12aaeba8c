/**
 * The escaping of PlaceOS topic levels taken from names (zone, system and driver ids, module names,
 * state keys): a reversible percent-encoding, so that no name can change a topic's shape, be taken
 * for a wildcard, or be confused with the `_` of a missing level.
 *
 * - `%`, `/`, `+`, `#`, and the control characters U+0000 to U+001F and U+007F to U+009F become `%`
 *   and two upper-case hex digits of the character's code (`%25`, `%2F`, `%2B`, `%23`, `%00`, `%85`...;
 *   MQTT says a topic should not hold a control character, and libmosquitto drops a connection that
 *   receives a C1 one); every other character is kept;
 * - a level that is exactly `_` becomes `%5F` (a lone `_` is a missing level);
 * - the empty string becomes `%` alone (a level must not be empty; `%` alone is never produced
 *   otherwise, as every other `%` is followed by two hex digits).
 *
 * {@link unescapeLevel} inverts it and accepts only what {@link escapeLevel} produces, so each name has
 * exactly one spelling. Ids that follow the registry's id rules come out unchanged (except `_`).
 * @module
 */

const MISSING = "_";
const EMPTY = "%";
// eslint-disable-next-line no-control-regex -- control characters are escaped on purpose
const SPECIAL = /[%/+#\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex -- as above
const SPECIALS = /[%/+#\u0000-\u001f\u007f-\u009f]/g;
const ESCAPE = /%([0-9A-F]{2})/g;

function hex(character: string): string {
  return `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
}

/**
 * One topic level for `name`.
 * @example
 * ```ts
 * escapeLevel("Display"); // "Display"
 * escapeLevel("in/out 100%"); // "in%2Fout 100%25"
 * escapeLevel("_"); // "%5F"
 * ```
 */
export function escapeLevel(name: string): string {
  if (name.length === 0) return EMPTY;
  if (name === MISSING) return "%5F";
  return SPECIAL.test(name) ? name.replace(SPECIALS, hex) : name;
}

/**
 * The name a level spells, or undefined when the level is not exactly what {@link escapeLevel} makes
 * of some name (a bad or needless escape, lower-case hex, a bare `%`-less special character, `_`).
 * @example
 * ```ts
 * unescapeLevel("in%2Fout"); // "in/out"
 * unescapeLevel("in%2fout"); // undefined: not the canonical spelling
 * ```
 */
export function unescapeLevel(level: string): string | undefined {
  if (level === EMPTY) return "";
  if (level === MISSING) return undefined;
  const name = level.includes("%")
    ? level.replace(ESCAPE, (_, digits: string) => String.fromCharCode(Number.parseInt(digits, 16)))
    : level;
  return escapeLevel(name) === level ? name : undefined;
}
