/**
 * The `listeners` configuration section: its type and its JSON Schema.
 * @module
 */

import { type PropertiesOf, valuesOf, portSchema } from "../schema-support.js";

export type ListenerKind = "tcp" | "ws";

export interface ListenerConfig {
  /** A name for logs and metrics; defaults to `<kind>:<port>`. */
  readonly name: string;
  readonly kind: ListenerKind;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** WebSocket only: the HTTP path MQTT is served on. */
  readonly path: string;
}

const listenerKinds = valuesOf<ListenerKind>({ tcp: 0, ws: 0 });

/** Default listener: loopback only, like Mosquitto 2 when it has no listener configured. */
export const DEFAULT_LISTENER_HOST = "127.0.0.1";

export const listenerProperties: PropertiesOf<ListenerConfig> = {
  name: {
    type: "string",
    minLength: 1,
    maxLength: 64,
    "x-default": "`<kind>:<port>`",
    description: "Name of the listener in logs and metrics; must be unique.",
  },
  kind: {
    type: "string",
    enum: listenerKinds,
    default: "tcp",
    description: "Transport: `tcp` (plain MQTT over TCP) or `ws` (MQTT over WebSocket).",
  },
  host: {
    type: "string",
    minLength: 1,
    default: DEFAULT_LISTENER_HOST,
    description:
      "Address to bind. The default accepts local connections only; `0.0.0.0` (IPv4) or `::` (IPv6 and IPv4) accepts connections from the network.",
  },
  port: portSchema,
  path: {
    type: "string",
    pattern: "^/",
    default: "/mqtt",
    description: "WebSocket listeners only: the HTTP path MQTT is served on. Ignored by tcp listeners.",
  },
};
