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
}

/**
 * Why `source` is refused, or undefined when it passes, e.g. `a group repeated without bound
 * contains a repetition without bound at character 6 ("(a+)+"), which can take exponential time`.
 * `source` must already be a valid expression.
 */
export function nestedQuantifierProblem(source: string): string | undefined {
  const stack: Frame[] = [{ unbounded: false }];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === "\\") {
      i += 2;
    } else if (c === "[") {
      i = classEnd(source, i + 1);
    } else if (c === "(") {
      stack.push({ unbounded: false });
      i += 1;
    } else if (c === ")") {
      const group = stack.pop() ?? { unbounded: false };
      const quantifier = readQuantifier(source, i + 1);
      if (quantifier.unbounded && group.unbounded) {
        return `a group repeated without bound contains a repetition without bound (the group ending at character ${i + 1}), which can take exponential time: use bounded counts such as {1,10}`;
      }
      const parent = stack.at(-1);
      if (parent !== undefined && (group.unbounded || quantifier.unbounded)) parent.unbounded = true;
      i = quantifier.end;
    } else {
      const quantifier = readQuantifier(source, i);
      if (quantifier.end > i) {
        const frame = stack.at(-1);
        if (frame !== undefined && quantifier.unbounded) frame.unbounded = true;
        i = quantifier.end;
      } else {
        i += 1;
      }
    }
  }
  return undefined;
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
