/**
 * The `admin` configuration section: the admin REST API (docs/admin-api.md), served on the HTTP server
 * of a WebSocket listener next to MQTT over WebSocket.
 * @module
 */

import type { ConfigIssue } from "../../errors.js";
import { formatPath } from "../layered-input.js";
import type { PropertiesOf } from "../schema-support.js";
import type { ListenerConfig } from "./listeners.js";
import { NAME_PATTERN } from "./principal-mapping.js";

export interface AdminConfig {
  /** Whether the admin API is served. */
  readonly enabled: boolean;
  /** The `ws` or `wss` listener that serves it; undefined: the first one. */
  readonly listener?: string;
  /** Roles that make a principal an administrator of the API. */
  readonly roles: readonly string[];
  /** Largest request body, in bytes. */
  readonly bodyLimit: number;
}

export const adminProperties: PropertiesOf<AdminConfig> = {
  enabled: {
    type: "boolean",
    default: true,
    description:
      "Whether the admin REST API (`/api/v1/...`, docs/admin-api.md) is served. Every route but `/api/v1/health` and `/api/v1/openapi.json` needs an administrator's API key or token.",
  },
  listener: {
    type: "string",
    minLength: 1,
    "x-default": "the first `ws` or `wss` listener",
    description:
      "The name of the `ws` or `wss` listener whose HTTP server serves the API (requests that are not WebSocket upgrades to its MQTT path). To keep the API off a public port, add a `ws` listener on `127.0.0.1` and name it here. Without any `ws` or `wss` listener the API is not served.",
  },
  roles: {
    type: "array",
    default: ["admin"],
    items: { type: "string", pattern: NAME_PATTERN, description: "A role name." },
    description:
      "Roles that make a principal an administrator of the API. An administrator of the `default` tenant administers every tenant; one of another tenant only its own.",
  },
  bodyLimit: {
    type: "integer",
    minimum: 1024,
    maximum: 16 * 1024 * 1024,
    default: 1024 * 1024,
    description: "Largest request body the API accepts, in bytes (larger: 413).",
  },
};

/** The listener that serves the API, or undefined when none does. */
export function adminListener(
  admin: AdminConfig,
  listeners: readonly ListenerConfig[],
): ListenerConfig | undefined {
  if (!admin.enabled) return undefined;
  if (admin.listener !== undefined) return listeners.find((l) => l.name === admin.listener);
  return listeners.find((l) => l.kind === "ws" || l.kind === "wss");
}

/** `admin.listener` must name a `ws` or `wss` listener. */
export function adminIssues(
  config: { readonly admin: AdminConfig; readonly listeners: readonly ListenerConfig[] },
  sourceOf: (path: readonly (string | number)[]) => string | undefined,
): ConfigIssue[] {
  const name = config.admin.listener;
  if (name === undefined) return [];
  const listener = config.listeners.find((l) => l.name === name);
  if (listener !== undefined && (listener.kind === "ws" || listener.kind === "wss")) return [];
  const path = ["admin", "listener"];
  const names = config.listeners.filter((l) => l.kind === "ws" || l.kind === "wss").map((l) => `"${l.name}"`);
  const known = names.length === 0 ? "there is none" : `the ws/wss listeners are ${names.join(", ")}`;
  const message =
    listener === undefined
      ? `"admin.listener" names no listener: "${name}" (${known})`
      : `"admin.listener" must name a ws or wss listener, and "${name}" is a ${listener.kind} listener (${known})`;
  return [{ path: formatPath(path), message, source: sourceOf(path) }];
}
