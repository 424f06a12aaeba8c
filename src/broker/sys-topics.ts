/**
 * `$SYS` topics: broker statistics published as retained messages every `sys.interval` seconds, only
 * when a value changed (names follow Mosquitto's where one exists). Topics beginning with `$` are not
 * matched by filters starting with a wildcard [MQTT-4.7.2-1], so `#` subscribers do not see them.
 *
 * `$SYS` is the broker's, one for all tenants, so only administrators may subscribe to it and receive
 * it (access-guard.ts). Beyond Mosquitto's names: `security/denied/<action>` counts denied requests
 * (connect, publish, subscribe, receive) and `limits/<name>` the times each limit refused or
 * disconnected a client (names in metrics.ts, docs/security.md).
 * @module
 */

import { VERSION } from "../version.js";
import type { Broker } from "./broker.js";
import { publishSysValue } from "./keyed-sys-topics.js";
import { LIMIT_NAMES } from "./metrics.js";

const encoder = new TextEncoder();

export class SysTopics {
  readonly #broker: Broker;
  readonly #last = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(broker: Broker) {
    this.#broker = broker;
  }

  start(): void {
    const interval = this.#broker.config.sys.interval;
    if (interval === 0) return;
    this.publish();
    this.#timer = setInterval(() => this.publish(), interval * 1000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The current values, by topic. */
  values(): Map<string, string> {
    const broker = this.#broker;
    const m = broker.metrics;
    const now = broker.now();
    const sessions = broker.sessions.size;
    const values = new Map<string, string>([
      ["$SYS/broker/version", `switchboard ${VERSION}`],
      ["$SYS/broker/uptime", `${Math.floor((now - m.startedAt) / 1000)} seconds`],
      ["$SYS/broker/clients/connected", String(m.clientsConnected)],
      ["$SYS/broker/clients/disconnected", String(Math.max(0, sessions - m.clientsConnected))],
      ["$SYS/broker/clients/total", String(sessions)],
      ["$SYS/broker/clients/maximum", String(m.clientsMaximum)],
      ["$SYS/broker/messages/received", String(m.messagesReceived)],
      ["$SYS/broker/messages/sent", String(m.publishSent)],
      ["$SYS/broker/publish/messages/received", String(m.publishReceived)],
      ["$SYS/broker/publish/messages/sent", String(m.publishSent)],
      ["$SYS/broker/publish/messages/dropped", String(Object.values(m.dropped).reduce((a, b) => a + b, 0))],
      ["$SYS/broker/bytes/received", String(m.bytesReceived)],
      ["$SYS/broker/bytes/sent", String(m.bytesSent)],
      ["$SYS/broker/subscriptions/count", String(broker.router.size)],
      ["$SYS/broker/retained messages/count", String(broker.retained.size)],
    ]);
    for (const [action, count] of Object.entries(m.denied))
      values.set(`$SYS/broker/security/denied/${action}`, String(count));
    for (const name of LIMIT_NAMES) values.set(`$SYS/broker/limits/${name}`, String(m.limits[name]));
    return values;
  }

  publish(): void {
    const broker = this.#broker;
    const now = broker.now();
    for (const [topic, value] of this.values()) {
      if (this.#last.get(topic) === value) continue;
      this.#last.set(topic, value);
      publishSysValue(broker, topic, encoder.encode(value), now);
    }
  }
}
