/**
 * The `listeners` configuration section: its type and its JSON Schema.
 * @module
 */

import { type PropertiesOf, valuesOf, portSchema } from "../schema-support.js";
import { type ListenerTlsConfig, listenerTlsSchema } from "./listener-tls.js";

export type ListenerKind = "tcp" | "ws" | "tls" | "wss";

export interface ListenerConfig {
  /** A name for logs and metrics; defaults to `<kind>:<port>`. */
  readonly name: string;
  readonly kind: ListenerKind;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** WebSocket only: the HTTP path MQTT is served on. */
  readonly path: string;
  /** `tls` and `wss` only (required there): certificate and client certificate settings. */
  readonly tls?: ListenerTlsConfig;
}

const listenerKinds = valuesOf<ListenerKind>({ tcp: 0, ws: 0, tls: 0, wss: 0 });

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
    description:
      "Transport: `tcp` (plain MQTT over TCP), `ws` (MQTT over WebSocket), `tls` (MQTT over TLS, usually port 8883) or `wss` (MQTT over secure WebSocket). `tls` and `wss` need `tls`.",
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
    description:
      "WebSocket listeners (`ws`, `wss`) only: the HTTP path MQTT is served on. Ignored by the others.",
  },
  tls: listenerTlsSchema,
};
