/**
 * Masking a text: hide every character but the last `keepLast`. Characters are Unicode code points,
 * so a mask never splits a surrogate pair (the output stays well-formed text and valid JSON). A text
 * no longer than `keepLast` is masked entirely: a mask never returns its input unchanged.
 * @module
 */

export interface MaskOptions {
  /** The mask: one character when `preserveLength` is true. */
  readonly mask: string;
  readonly keepLast: number;
  /** Repeat `mask` once per hidden character (true), or put it once for all of them (false). */
  readonly preserveLength: boolean;
}

/**
 * @example
 * ```ts
 * maskText("+1 415 555 2671", { mask: "*", keepLast: 4, preserveLength: true }); // "***********2671"
 * maskText("ada@example.com", { mask: "[hidden]", keepLast: 0, preserveLength: false }); // "[hidden]"
 * ```
 */
export function maskText(text: string, options: MaskOptions): string {
  const chars = Array.from(text);
  const keep = chars.length > options.keepLast ? options.keepLast : 0;
  const hidden = chars.length - keep;
  const tail = keep === 0 ? "" : chars.slice(hidden).join("");
  if (hidden === 0) return tail;
  return (options.preserveLength ? options.mask.repeat(hidden) : options.mask) + tail;
}
