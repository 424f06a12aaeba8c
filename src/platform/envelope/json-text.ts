/**
 * JSON text of one value, as `JSON.stringify` writes it, with fast paths for the values derived
 * payloads are mostly made of (numbers, short strings), so a dialect can build a small payload as a
 * string instead of stringifying an object made for the purpose.
 * @module
 */

/**
 * `JSON.stringify(value)`, byte for byte: `undefined` for what JSON cannot hold (undefined, a
 * function, a symbol), `"null"` for a number that is not finite.
 *
 * @example
 * ```ts
 * `{"value":${jsonText(21.5)},"unit":${jsonText("°C")}}`; // '{"value":21.5,"unit":"°C"}'
 * ```
 */
export function jsonText(value: unknown): string | undefined {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "string":
      return jsonString(value);
    case "boolean":
      return value ? "true" : "false";
    default:
      return JSON.stringify(value);
  }
}

/** A string as a JSON string literal: quoted as it is when nothing in it needs an escape. */
export function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // control characters, quote and backslash are escaped; so are lone surrogates (any surrogate here)
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code & 0xf800) === 0xd800)
      return JSON.stringify(text);
  }
  return `"${text}"`;
}
