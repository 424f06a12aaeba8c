/**
 * Hooks answer with a value or a promise of one (most answer synchronously, and the broker keeps those
 * on the fast path): telling the two apart.
 * @module
 */

/** Whether a hook's answer is a promise (a thenable) rather than the value itself. */
export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
