/**
 * Loop protection between brokers that bridge to each other: every message a bridge forwards over
 * MQTT 5 carries the user property {@link HOPS_PROPERTY}, the number of bridges it has crossed (the
 * incoming message's count plus one), and a bridge does not take a message that has crossed
 * `maxHops` bridges already. Two Switchboards that bridge `loop/#` to each other therefore pass a
 * message once and stop, instead of for ever. MQTT 3.1.1 has no user properties: a message that
 * crossed a 3.1.1 link arrives without a count (see docs/bridges.md, Loops).
 * @module
 */

import type { MessageProperties } from "../session/index.js";

/** The user property that counts the bridges a message crossed. */
export const HOPS_PROPERTY = "sb-bridge-hops";

/** A count as a bridge writes it: a decimal integer (anything else is not a count and is ignored). */
const COUNT = /^\d{1,9}$/;

/**
 * The bridges a message has crossed: the largest count among its {@link HOPS_PROPERTY} user
 * properties, 0 without one.
 * @example
 * ```ts
 * bridgeHops({ userProperties: [["sb-bridge-hops", "1"]] }); // 1
 * bridgeHops(undefined); // 0
 * ```
 */
export function bridgeHops(properties: MessageProperties | undefined): number {
  let hops = 0;
  for (const [name, value] of properties?.userProperties ?? [])
    if (name === HOPS_PROPERTY && COUNT.test(value)) hops = Math.max(hops, Number(value));
  return hops;
}
