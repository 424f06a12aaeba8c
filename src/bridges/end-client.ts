/**
 * Closing a bridge's MQTT.js client for good: its listeners are removed (a late event of a client the
 * bridge gave up must not reach it), errors are swallowed, and the socket is destroyed at once.
 * @module
 */

import type { MqttClient } from "mqtt";

/** Ends `client` at once; resolves when it is closed, or after a second at most. */
export function endClient(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    client.removeAllListeners();
    client.on("error", () => undefined);
    const timer = setTimeout(resolve, 1000);
    timer.unref();
    client.end(true, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
