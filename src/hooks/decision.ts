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
  /**
   * Ends the connection instead of refusing the one request (a platform dialect whose documentation
   * says "any other topic drops the connection"): v5 clients get a DISCONNECT with `reasonCode` first.
   * `always`: whatever the protocol version and QoS. `without-reason-code`: only when the refusal could
   * not be told in an acknowledgement (MQTT 3, or a v5 QoS 0 PUBLISH); otherwise PUBACK/PUBREC/SUBACK
   * carry `reasonCode` as usual. Unset: the broker's policy (`authorization.deniedPublish`).
   */
  readonly disconnect?: DisconnectPolicy;
}

export type DisconnectPolicy = "always" | "without-reason-code";

export interface Defer {
  readonly kind: "defer";
}

export type Decision = Allow | Deny | Defer;

export const ALLOW: Allow = Object.freeze({ kind: "allow" });
export const DEFER: Defer = Object.freeze({ kind: "defer" });

/**
 * A refusal with `reasonCode`, optionally a reason and a disconnect policy.
 * @example
 * ```ts
 * deny(ReasonCode.NotAuthorized, "Not your topic");
 * deny(ReasonCode.TopicNameInvalid, "Not a topic of the API", { disconnect: "always" });
 * ```
 */
export function deny(
  reasonCode: number,
  reason?: string,
  options?: { readonly disconnect?: DisconnectPolicy },
): Deny {
  const refusal: Deny =
    reason === undefined ? { kind: "deny", reasonCode } : { kind: "deny", reasonCode, reason };
  return options?.disconnect === undefined ? refusal : { ...refusal, disconnect: options.disconnect };
}
