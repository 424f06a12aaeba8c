/**
 * Gooee's Meta Constraints for meta names, checked character by character: the names of every meta
 * value of every publish are checked, and again when each is rendered, so this avoids running the
 * pattern's regular expression (with its look-ahead) each time. `meta-name.test.ts` holds it to the
 * pattern.
 * @module
 */

import { NAME_MAX_LENGTH } from "./gooee-errors.js";

const TILDE = 0x7e;
const UNDERSCORE = 0x5f;

/**
 * Whether `name` matches Gooee's name pattern `^(~?)(?!.*__.*)[a-z][a-z0-9_]+$` (`NAME_PATTERN`): an
 * optional `~`, a lower-case letter, then one or more lower-case letters, digits and underscores, with
 * no two underscores in a row.
 */
export function matchesNamePattern(name: string): boolean {
  const length = name.length;
  let at = name.charCodeAt(0) === TILDE ? 1 : 0;
  if (length - at < 2 || !isLetter(name.charCodeAt(at))) return false;
  let underscore = false;
  for (at++; at < length; at++) {
    const code = name.charCodeAt(at);
    if (code === UNDERSCORE) {
      if (underscore) return false;
      underscore = true;
    } else if (isLetter(code) || (code >= 0x30 && code <= 0x39)) underscore = false;
    else return false;
  }
  return true;
}

/** Whether `name` can be a meta name: the pattern, at most 100 characters, and not `rejected` (a topic level of the API). */
export function isMetaName(name: string): boolean {
  return name.length <= NAME_MAX_LENGTH && matchesNamePattern(name) && name !== "rejected";
}

function isLetter(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}
