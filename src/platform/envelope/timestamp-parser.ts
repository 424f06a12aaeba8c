/**
 * {@link parseIsoTimestamp} that remembers the last text it parsed: the values of one publish mostly
 * carry the same timestamp (a device reads its sensors at one moment, as in Gooee's examples), so
 * all but the first are a string comparison.
 * @module
 */

import { parseIsoTimestamp } from "./timestamps.js";

/** Make one per owner (a dialect instance). */
export class TimestampParser {
  #text = "";
  #micros: number | undefined;

  /**
   * The text last parsed: after {@link parse}, a string equal to the one parsed, and the same string as
   * long as the texts are equal. A caller that keeps it rather than its own makes later comparisons of
   * equal timestamps (its own, or a renderer's) pointer comparisons.
   */
  get text(): string {
    return this.#text;
  }

  /** {@link parseIsoTimestamp} of `text`. */
  parse(text: string): number | undefined {
    if (text !== this.#text) {
      this.#micros = parseIsoTimestamp(text);
      this.#text = text;
    }
    return this.#micros;
  }
}
