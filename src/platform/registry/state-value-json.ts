/**
 * The JSON text of a current state value, as the outputs that show it write it (PlaceOS state topics,
 * `GET /api/v1/<kind>/<id>/state`): the text it came as, when that is kept, so that what parsing loses
 * (the digits of `12345678901234567890`, `1.0`, `1e2`, a repeated key) is not lost; else the value
 * serialized.
 * @module
 */

/**
 * `valueText` when there is one (checked JSON, kept as its source gave it), else `JSON.stringify(value)`
 * (`null` for no value).
 *
 * @example
 * ```ts
 * stateValueJson(1, "1.0"); // "1.0"
 * stateValueJson({ a: 1 }, undefined); // '{"a":1}'
 * ```
 */
export function stateValueJson(value: unknown, valueText: string | undefined): string {
  return valueText ?? JSON.stringify(value ?? null);
}
