/**
 * The command-line overrides, the highest-precedence configuration layer. They address listeners:
 *
 * - `port` and `host` set the port and host of the first tcp listener; when there is none, they add one
 *   (port 1883 unless `port` is given).
 * - `wsPort` sets the port of the first ws listener (and its host, when `host` is given); when there is
 *   none, it adds one on the first tcp listener's host, with path `/mqtt`.
 *
 * Without configured listeners these apply to the default one (`127.0.0.1:1883`).
 * @module
 */

import { configSchema, DEFAULT_LISTENER_HOST } from "./config-schema.js";
import { isPlainObject, type LayeredInput } from "./layered-input.js";

/** Values from command-line flags; each overrides every other source. */
export interface ConfigOverrides {
  /** `--port`: the port of the first tcp listener. */
  readonly port?: number;
  /** `--ws-port`: the port of the first WebSocket listener (added when there is none). */
  readonly wsPort?: number;
  /** `--host`: the host of the first tcp listener (and of the ws listener `--ws-port` addresses). */
  readonly host?: string;
}

const DEFAULT_TCP_PORT = 1883;

/** Applies `overrides` to the listeners of `input`; leaves a non-list `listeners` for validation to report. */
export function applyOverrides(input: LayeredInput, overrides: ConfigOverrides): void {
  const { port, wsPort, host } = overrides;
  if (port === undefined && wsPort === undefined && host === undefined) return;
  if (input.get(["listeners"]) === undefined) {
    input.set(["listeners"], structuredClone(configSchema.properties?.["listeners"]?.default), undefined);
  }
  const listeners = input.get(["listeners"]);
  if (!Array.isArray(listeners)) return;

  let tcp = listeners.findIndex((listener) => kindOf(listener) === "tcp");
  if (port !== undefined || host !== undefined) {
    if (tcp === -1) {
      tcp = listeners.length;
      const added = { kind: "tcp", port: port ?? DEFAULT_TCP_PORT, ...(host === undefined ? {} : { host }) };
      input.set(["listeners", tcp], added, port === undefined ? "from --host" : "from --port");
    } else {
      if (port !== undefined) input.set(["listeners", tcp, "port"], port, "from --port");
      if (host !== undefined) input.set(["listeners", tcp, "host"], host, "from --host");
    }
  }
  if (wsPort === undefined) return;

  const ws = listeners.findIndex((listener) => kindOf(listener) === "ws");
  if (ws === -1) {
    const tcpHost = tcp === -1 ? undefined : (listeners[tcp] as Record<string, unknown>)["host"];
    const wsHost = host ?? (typeof tcpHost === "string" ? tcpHost : DEFAULT_LISTENER_HOST);
    const added = { kind: "ws", host: wsHost, port: wsPort, path: "/mqtt" };
    input.set(["listeners", listeners.length], added, "from --ws-port");
  } else {
    input.set(["listeners", ws, "port"], wsPort, "from --ws-port");
    if (host !== undefined) input.set(["listeners", ws, "host"], host, "from --host");
  }
}

/** A raw listener's kind, with the schema's default (`tcp`) when it is not given. */
function kindOf(listener: unknown): unknown {
  if (!isPlainObject(listener)) return undefined;
  return listener["kind"] ?? "tcp";
}
