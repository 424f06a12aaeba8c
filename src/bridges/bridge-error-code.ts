/**
 * The stable codes of a bridge's errors (`lastError.code` in its status): Node's string codes as they
 * are (`ECONNREFUSED`, `SELF_SIGNED_CERT_IN_CHAIN`...), an MQTT reason code as `MQTT_0x<rc>`.
 * @module
 */

/** An MQTT reason code in two hex digits: `0x97` -> `"97"`. */
export function hexReasonCode(code: number): string {
  return code.toString(16).padStart(2, "0");
}

/**
 * A stable code for an error: Node's string codes, `MQTT_0x<rc>` for MQTT reason codes.
 * @example
 * ```ts
 * bridgeErrorCode(Object.assign(new Error("Quota exceeded"), { code: 0x97 })); // "MQTT_0x97"
 * ```
 */
export function bridgeErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") return code;
  if (typeof code === "number") return `MQTT_0x${hexReasonCode(code)}`;
  return undefined;
}
