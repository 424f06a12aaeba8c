/**
 * The answer of every link in an authentication or authorization chain (Mosquitto's DEFER semantics):
 * the first answer that is not `defer` wins; when every link defers, the request is denied.
 * @module
 */

export interface Allow {
  readonly kind: "allow";
}

export interface Deny {
  readonly kind: "deny";
  /** The MQTT 5 reason code to report (e.g. 0x87 Not authorized, 0x86 Bad User Name or Password). */
  readonly reasonCode: number;
  /** Why, for logs and (v5) the Reason String when the client asked for problem information. */
  readonly reason?: string;
}

export interface Defer {
  readonly kind: "defer";
}

export type Decision = Allow | Deny | Defer;

export const ALLOW: Allow = Object.freeze({ kind: "allow" });
export const DEFER: Defer = Object.freeze({ kind: "defer" });

export function deny(reasonCode: number, reason?: string): Deny {
  return reason === undefined ? { kind: "deny", reasonCode } : { kind: "deny", reasonCode, reason };
}
