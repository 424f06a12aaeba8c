/**
 * Starts a broker for the security tests: listeners and authentication from the test's configuration,
 * and every log line captured (as parsed JSON and as raw text), so tests can check the audit trail
 * and that no secret was ever written.
 * @module
 */

import { Writable } from "node:stream";
import { pino } from "pino";
import type { Broker } from "../../../src/broker/broker.js";
import type { Connection } from "../../../src/broker/connection.js";
import { loadConfig } from "../../../src/config/load-config.js";
import type { Authenticator } from "../../../src/hooks/authenticator.js";
import { startSwitchboard, type Switchboard } from "../../../src/main.js";

export interface CapturedLogs {
  /** Every line as written (JSON text). */
  readonly text: string[];
  /** Lines with an `event` field (the audit trail), parsed. */
  audit(event?: string): Record<string, unknown>[];
}

export interface SecureBroker {
  readonly switchboard: Switchboard;
  readonly broker: Broker;
  readonly logs: CapturedLogs;
  /** The port of the listener named `name` (default: the first one). */
  port(name?: string): number;
  /** The connection of `clientId`, once connected. */
  connection(clientId: string): Connection | undefined;
  stop(): Promise<void>;
}

export interface SecureBrokerOptions {
  /** Sections merged over the defaults (memory store, no $SYS, one tcp listener on port 0). */
  readonly config?: Readonly<Record<string, unknown>>;
  readonly authenticators?: readonly Authenticator[];
}

export async function startSecureBroker(options: SecureBrokerOptions = {}): Promise<SecureBroker> {
  const values: Record<string, unknown> = {
    listeners: [{ name: "tcp", kind: "tcp", host: "127.0.0.1", port: 0 }],
    sys: { interval: 0 },
    log: { level: "debug" },
    storage: { kind: "memory" },
    ...options.config,
  };
  // Refusals are answered at once unless the test configures the failure backoff
  const auth = (values["auth"] ?? {}) as Record<string, unknown>;
  values["auth"] = { ...auth, backoff: { initialDelay: 0, ...(auth["backoff"] as object | undefined) } };
  const text: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text.push(
        ...chunk
          .toString("utf8")
          .split("\n")
          .filter((line) => line !== ""),
      );
      done();
    },
  });
  const logger = pino({ level: "debug" }, stream);
  const switchboard = await startSwitchboard({
    config: loadConfig({ values }),
    logger,
    ...(options.authenticators === undefined ? {} : { authenticators: options.authenticators }),
  });
  const broker = switchboard.broker;
  return {
    switchboard,
    broker,
    logs: {
      text,
      audit: (event) =>
        text
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((line) => line["event"] !== undefined && (event === undefined || line["event"] === event)),
    },
    port: (name) =>
      (name === undefined ? switchboard.listeners[0] : switchboard.listeners.find((l) => l.name === name))!
        .port,
    connection: (clientId) =>
      [...broker.connections].find(
        (conn) => conn.identity?.clientId === clientId && conn.state === "connected",
      ),
    stop: () => switchboard.stop(),
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
