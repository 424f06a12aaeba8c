/**
 * The reconnection backoff of a bridge: exponential (the delay doubles after each failed attempt),
 * capped at `maxDelay`, with "equal jitter" (a random point in the upper half of the delay), so many
 * bridges that lost the same broker do not all come back at the same instant, and none waits less
 * than half the nominal delay.
 * @module
 */

import type { ReconnectConfig } from "./bridge-config.js";

/**
 * Milliseconds to wait before attempt number `attempt` (0 for the first reconnection).
 * @example
 * ```ts
 * reconnectDelay(0, { initialDelay: 500, maxDelay: 30_000 }, () => 1); // 500
 * reconnectDelay(10, { initialDelay: 500, maxDelay: 30_000 }, () => 0); // 15000
 * ```
 */
export function reconnectDelay(attempt: number, config: ReconnectConfig, random: () => number): number {
  const nominal = Math.min(config.maxDelay, config.initialDelay * 2 ** Math.min(attempt, 30));
  return Math.round(nominal / 2 + (random() * nominal) / 2);
}
