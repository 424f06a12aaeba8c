/**
 * A guard against the classic catastrophic regular expressions. Rules run on every event of a tenant,
 * in the broker's process, so one rule like `(\w+\s?)*$` could stall every client of every tenant on
 * one crafted payload. JavaScript has no linear-time engine built in; this check refuses the shape
 * that causes most exponential backtracking: a group repeated without bound (`*`, `+`, `{n,}`) that
 * itself contains a quantifier without bound (star height above one, as `safe-regex`-style checkers
 * measure it). It is a heuristic: it refuses some safe expressions (`(\d+-)+` and `\d+(-\d+)*`: write
 * `(\d{1,9}-)+` instead) and lets some slow ones pass (overlapping alternatives or counts such as
 * `(a|ab)*c` and `(a{1,2})*b`). docs/privacy.md says how to write fast rules.
 * @module
 */

interface Frame {
  /** The group contains an unbounded quantifier (directly or in a nested group). */
  unbounded: boolean;
  /** The group contains any quantifier, bounded or not (directly or in a nested group). */
  repeats: boolean;
  /** The group contains an alternation (directly or in a nested group). */
  alternates: boolean;
}

const frame = (): Frame => ({ unbounded: false, repeats: false, alternates: false });

/**
 * Why `source` is refused, or undefined when it passes, e.g. `a group repeated without bound
 * contains a repetition without bound at character 6 ("(a+)+"), which can take exponential time`.
 * `source` must already be a valid expression.
 *
 * `strict` also refuses a group repeated without bound that holds an alternation or any repetition:
 * `(a|aa)+`, `(\w|\d)+` and `(a{1,2})+` backtrack exponentially too, on 30-odd characters, and telling
 * overlapping alternatives from disjoint ones is beyond a scan of the source. What it still allows: a
 * repeated fixed sequence (`(ab)+`, `(?:\.[a-z])*`), classes (`[ab]+`), bounded repetition of a
 * group (`(a|b){1,8}`). Payload schema patterns use it (registry/user-schema.ts).
 */
export function nestedQuantifierProblem(source: string, strict = false): string | undefined {
  const stack: Frame[] = [frame()];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === "\\") {
      i += 2;
    } else if (c === "[") {
      i = classEnd(source, i + 1);
    } else if (c === "(") {
      stack.push(frame());
      i = groupBodyStart(source, i + 1);
    } else if (c === "|") {
      stack.at(-1)!.alternates = true;
      i += 1;
    } else if (c === ")") {
      const group = stack.pop() ?? frame();
      const quantifier = readQuantifier(source, i + 1);
      if (quantifier.unbounded && group.unbounded) {
        return `a group repeated without bound contains a repetition without bound (the group ending at character ${i + 1}), which can take exponential time: use bounded counts such as {1,10}`;
      }
      if (strict && quantifier.unbounded && (group.alternates || group.repeats)) {
        return `a group repeated without bound contains ${group.alternates ? "an alternation" : "a repetition"} (the group ending at character ${i + 1}), which can take exponential time: repeat a character class ([ab]+) or a fixed sequence, or bound the group's count ({1,10})`;
      }
      const parent = stack.at(-1);
      if (parent !== undefined) {
        if (group.unbounded || quantifier.unbounded) parent.unbounded = true;
        if (group.repeats || quantifier.end > i + 1) parent.repeats = true;
        if (group.alternates) parent.alternates = true;
      }
      i = quantifier.end;
    } else {
      const quantifier = readQuantifier(source, i);
      if (quantifier.end > i) {
        const top = stack.at(-1);
        if (top !== undefined) {
          top.repeats = true;
          if (quantifier.unbounded) top.unbounded = true;
        }
        i = quantifier.end;
      } else {
        i += 1;
      }
    }
  }
  return undefined;
}

/** Where a group's body starts, `from` being just after its `(`: past `?:`, `?=`, `?!`, `?<=`, `?<!`, `?<name>`. */
function groupBodyStart(source: string, from: number): number {
  if (source[from] !== "?") return from;
  const next = source[from + 1];
  if (next === ":" || next === "=" || next === "!") return from + 2;
  if (next === "<") {
    const after = source[from + 2];
    if (after === "=" || after === "!") return from + 3;
    const close = source.indexOf(">", from + 2);
    return close < 0 ? from + 2 : close + 1;
  }
  return from + 1;
}

/** The index after the `]` closing a class whose body starts at `from`. */
function classEnd(source: string, from: number): number {
  let i = from;
  while (i < source.length) {
    const c = source[i];
    if (c === "\\") i += 2;
    else if (c === "]") return i + 1;
    else i += 1;
  }
  return i;
}

/** The quantifier at `at` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each maybe lazy), if any. */
function readQuantifier(source: string, at: number): { unbounded: boolean; end: number } {
  const c = source[at];
  let end: number;
  let unbounded = false;
  if (c === "*" || c === "+") {
    unbounded = true;
    end = at + 1;
  } else if (c === "?") {
    end = at + 1;
  } else if (c === "{") {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at, at + 24));
    if (match === null) return { unbounded: false, end: at };
    unbounded = match[2] !== undefined && match[3] === "";
    end = at + match[0].length;
  } else {
    return { unbounded: false, end: at };
  }
  if (source[end] === "?") end += 1;
  return { unbounded, end };
}
