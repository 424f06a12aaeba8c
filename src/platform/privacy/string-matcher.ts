/**
 * Finding text inside string values: the user's regular expressions and the built-in detectors share
 * one small interface, so the engine does not care which it runs.
 * @module
 */

/** A found piece of text, `[start, end)` in UTF-16 code units; reused between calls. */
export interface TextSpan {
  start: number;
  end: number;
}

export interface StringMatcher {
  /**
   * Finds the first non-empty match in `text` starting at or after `from`; writes it to `span` and
   * returns true, or returns false when there is none. Matches never overlap when the caller continues
   * from `span.end`.
   */
  find(text: string, from: number, span: TextSpan): boolean;
}

/** A matcher over a compiled regular expression (which must have the `g` flag). */
export class RegexMatcher implements StringMatcher {
  readonly #regex: RegExp;

  constructor(regex: RegExp) {
    this.#regex = regex;
  }

  find(text: string, from: number, span: TextSpan): boolean {
    const regex = this.#regex;
    regex.lastIndex = from;
    for (;;) {
      const match = regex.exec(text);
      if (match === null) return false;
      if (match[0].length > 0) {
        span.start = match.index;
        span.end = match.index + match[0].length;
        return true;
      }
      // An empty match: step over it (a whole code point with the u flag) and look again.
      const at = match.index;
      if (at >= text.length) return false;
      regex.lastIndex = at + (regex.unicode && isHighSurrogateAt(text, at) ? 2 : 1);
    }
  }
}

function isHighSurrogateAt(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  return code >= 0xd800 && code <= 0xdbff;
}

/** True when `matcher` finds anything in `text`. */
export function containsMatch(matcher: StringMatcher, text: string): boolean {
  return matcher.find(text, 0, { start: 0, end: 0 });
}
