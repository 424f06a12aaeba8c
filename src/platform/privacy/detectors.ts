/**
 * The built-in detectors: e-mail addresses and phone numbers inside string values. Both look for
 * shapes, not for validity (no DNS, no numbering plan); both err towards finding a value rather than
 * missing one, but not so far that dates, times, IP addresses, version numbers, decimal numbers,
 * timestamps or hex digests are taken for phone numbers.
 *
 * E-mail: a local part of letters (any script), digits and `. _ % + -` (dots only between other
 * characters: in `.ada@x.com` the address found is `ada@x.com`, in `ada..b@x.com` it is `b@x.com`), `@`, one or more domain labels (letters, digits, inner `-`) and a top-level domain of at least
 * two letters (or an `xn--` label). `ada@localhost` and quoted local parts are not detected.
 *
 * Phone: an optional `+` and country code, an optional area code in parentheses, then groups of ASCII
 * digits separated by single spaces, dots or dashes; 7 to 15 digits in all (E.164's maximum), not part
 * of a longer run of letters, digits or separators. Without a `+`, the number needs at least 9 digits
 * and either parentheses or three or more groups (so `2024-01-15`, `3.14159` and `555-2671` are not
 * phones), and is refused when it has the shape of an IPv4 address (`192.168.100.200`) or of a number
 * with thousands separators (`1 000 000 000`). A number held as a JSON number is not a string and is
 * not scanned: match it by path or key.
 * @module
 */

import type { DetectorName } from "./privacy-rule-set.js";
import { RegexMatcher, type StringMatcher, type TextSpan } from "./string-matcher.js";

const LOCAL_CHAR = String.raw`[\p{L}\p{M}\p{N}_%+\-]`;
const LABEL_CHAR = String.raw`[\p{L}\p{M}\p{N}]`;
const EMAIL_SOURCE = [
  String.raw`(?<![\p{L}\p{M}\p{N}_%+\-])`,
  `${LOCAL_CHAR}{1,64}(?:\\.${LOCAL_CHAR}{1,64}){0,16}`,
  "@",
  String.raw`(?:${LABEL_CHAR}(?:[\p{L}\p{M}\p{N}\-]{0,61}${LABEL_CHAR})?\.){1,8}`,
  String.raw`(?:\p{L}[\p{L}\p{M}]{1,62}|xn--[a-z0-9\-]{1,59})`,
  String.raw`(?![\p{L}\p{M}\p{N}_\-]|\.${LABEL_CHAR})`,
].join("");

const PHONE_SOURCE = [
  String.raw`(?<![\p{L}\p{N}_+(])(?<![0-9][ .\-])`,
  String.raw`(?:\+[0-9]{1,3}[ .\-]?)?`,
  String.raw`(?:\([0-9]{1,4}\)[ .\-]?)?`,
  String.raw`[0-9]{1,14}(?:[ .\-][0-9]{1,14}){0,6}`,
  String.raw`(?![\p{L}\p{N}_]|[ .\-][0-9])`,
].join("");

/** A new matcher for a detector (each has its own regular expression state). */
export function createDetector(name: DetectorName): StringMatcher {
  switch (name) {
    case "email":
      return new EmailDetector();
    case "phone":
      return new PhoneDetector();
  }
}

class EmailDetector implements StringMatcher {
  readonly #regex = new RegexMatcher(new RegExp(EMAIL_SOURCE, "gu"));

  find(text: string, from: number, span: TextSpan): boolean {
    if (!text.includes("@", from)) return false;
    return this.#regex.find(text, from, span);
  }
}

class PhoneDetector implements StringMatcher {
  readonly #regex = new RegExp(PHONE_SOURCE, "gu");

  find(text: string, from: number, span: TextSpan): boolean {
    const regex = this.#regex;
    regex.lastIndex = from;
    for (;;) {
      const match = regex.exec(text);
      if (match === null) return false;
      if (isPhoneLike(match[0])) {
        span.start = match.index;
        span.end = match.index + match[0].length;
        return true;
      }
    }
  }
}

/** Whether a candidate the phone expression found has the shape of a phone number. */
export function isPhoneLike(candidate: string): boolean {
  const groups = candidate.split(/[^0-9]+/).filter((group) => group !== "");
  let digits = 0;
  for (const group of groups) digits += group.length;
  if (digits < 7 || digits > 15) return false;
  if (candidate.startsWith("+")) return true;
  if (digits < 9) return false;
  if (candidate.includes("(")) return true;
  if (groups.length < 3) return false;
  const separators = new Set(candidate.replaceAll(/[0-9]/g, ""));
  if (
    groups.length === 4 &&
    separators.size === 1 &&
    separators.has(".") &&
    groups.every((group) => group.length <= 3 && Number(group) <= 255)
  )
    return false; // an IPv4 address
  if (separators.size === 1 && groups[0]!.length <= 3 && groups.slice(1).every((group) => group.length === 3))
    return false; // thousands separators
  return true;
}
