/**
 * The `dialects` configuration section: which tenants have which platform dialect (docs/dialects/).
 * A tenant may also have dialects enabled in the registry (`Tenant.dialects`); the two add up. The
 * `placeos` dialect has settings of its own: the zone hierarchy of its state topics, how state values
 * are embedded, the role that may publish module state, and the optional Redis input.
 * @module
 */

import type { ConfigIssue } from "../../errors.js";
import { formatPath } from "../layered-input.js";
import { type JsonSchema, type PropertiesOf, section } from "../schema-support.js";
import type { ListenerConfig } from "./listeners.js";
import { NAME_PATTERN } from "./principal-mapping.js";

export interface DialectTenantsConfig {
  /** The tenants that have the dialect. */
  readonly tenants: readonly string[];
}

/** How a state value sits in the `value` field of a PlaceOS state payload. */
export type PlaceosValueEncoding = "raw" | "string";

/** The Redis input of module state (`status/<module_id>/<key>`, as PlaceOS drivers write it). */
export interface PlaceosRedisConfig {
  readonly enabled: boolean;
  readonly url: string;
  /** A PSUBSCRIBE pattern: a literal prefix ending in `*`; what `*` matches is `<module_id>/<key>`. */
  readonly pattern: string;
}

/** PlaceOS's MQTT API for users: MQTT over WebSocket at `/api/mqtt` with a JWT or X-API-Key login. */
export interface PlaceosApiConfig {
  readonly enabled: boolean;
  /** The `ws`/`wss` listeners that serve it; empty: every one. */
  readonly listeners: readonly string[];
  readonly path: string;
  /** Roles that may publish (with {@link writeScope}); PlaceOS's "support" users (admins are support too). */
  readonly writeRoles: readonly string[];
  readonly writeScope: string;
}

export interface PlaceosDialectConfig extends DialectTenantsConfig {
  /** The zone levels of state topics, the org (the top-level scope) first. */
  readonly hierarchy: readonly string[];
  readonly valueEncoding: PlaceosValueEncoding;
  /** The role a principal needs to publish module state over MQTT. */
  readonly driverRole: string;
  /** QoS of the state and metadata messages. */
  readonly qos: 0 | 1 | 2;
  readonly redis: PlaceosRedisConfig;
  readonly api: PlaceosApiConfig;
}

export interface DialectsConfig {
  readonly gooee: DialectTenantsConfig;
  readonly placeos: PlaceosDialectConfig;
}

/** A hierarchy level: a zone tag or type, a topic parameter name, not one of the fixed levels. */
export const HIERARCHY_LEVEL_PATTERN = "^(?!(system|driver|module|index|state)$)[a-z][a-z0-9_]{0,31}$";

function tenantsSchema(dialect: string): JsonSchema {
  return {
    type: "array",
    default: [],
    description: `The tenants that have the ${dialect} dialect: their clients use its topics, payloads and errors (the default tenant is \`default\`).`,
    items: { type: "string", pattern: NAME_PATTERN, description: "A tenant id." },
  };
}

const placeosRedisProperties: PropertiesOf<PlaceosRedisConfig> = {
  enabled: {
    type: "boolean",
    default: false,
    description:
      "Take module state from Redis: PSUBSCRIBE `pattern` and read each message on `status/<module_id>/<key>` as the key's new JSON value.",
  },
  url: {
    type: "string",
    default: "redis://127.0.0.1:6379",
    pattern: "^rediss?://",
    description: "The Redis server (`redis://` or `rediss://` for TLS, user and password in the URL).",
  },
  pattern: {
    type: "string",
    default: "status/*",
    pattern: "^[^*?\\[\\]\\\\]*\\*$",
    description:
      "The channel pattern: a literal prefix ending in `*` (no other glob characters); the part `*` matches is `<module_id>/<key>`.",
  },
};

const placeosApiProperties: PropertiesOf<PlaceosApiConfig> = {
  enabled: {
    type: "boolean",
    default: true,
    description:
      "Serve PlaceOS's MQTT API for users: MQTT over WebSocket on `path` of the `ws`/`wss` listeners, where the user name and password are a user's JWT or API key (X-API-Key). Only tokens of tenants with the `placeos` dialect are accepted there, and only tokens.",
  },
  listeners: {
    type: "array",
    default: [],
    description: "The `ws` or `wss` listeners that serve the API, by name; empty: every one.",
    items: { type: "string", pattern: NAME_PATTERN, description: "A listener name." },
  },
  path: {
    type: "string",
    default: "/api/mqtt",
    pattern: "^/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$",
    description: "The HTTP path of the API (also served with a trailing `/`).",
  },
  writeRoles: {
    type: "array",
    default: ["support", "admin"],
    description:
      "Roles of which a user needs one, together with `writeScope`, to publish (module state on the ingest topic of a module of the user's org). PlaceOS lets support users (and admins, who are support too) write.",
    items: { type: "string", pattern: NAME_PATTERN, description: "A role name." },
  },
  writeScope: {
    type: "string",
    default: "mqtt:write",
    minLength: 1,
    description: "The scope a user's token or key needs, with one of `writeRoles`, to publish.",
  },
};

const placeosProperties: PropertiesOf<PlaceosDialectConfig> = {
  tenants: tenantsSchema("PlaceOS"),
  hierarchy: {
    type: "array",
    default: ["org", "building", "level", "area"],
    description:
      "The zone levels of `placeos/<org>/state/...` topics, the org first; each names a zone tag or zone type (`region`, `building`, `level`, `area`, `space`). At least one level, no repeats.",
    minItems: 1,
    uniqueItems: true,
    items: { type: "string", pattern: HIERARCHY_LEVEL_PATTERN, description: "A hierarchy level." },
  },
  valueEncoding: {
    type: "string",
    enum: ["raw", "string"],
    default: "raw",
    description:
      'How the state value sits in `{"time", "value"}`: `raw` embeds its JSON text as the driver gave it (as PlaceOS does), `string` embeds that text as a JSON string (the PlaceOS document\'s wording).',
  },
  driverRole: {
    type: "string",
    pattern: NAME_PATTERN,
    default: "driver",
    description:
      "The role a principal needs to publish module state on `placeos/ingest/<module_id>/state/<key>`.",
  },
  qos: {
    type: "integer",
    minimum: 0,
    maximum: 2,
    default: 1,
    description: "The QoS of state and metadata messages (all retained).",
  },
  redis: section("The Redis input of module state (off by default).", placeosRedisProperties),
  api: section(
    "PlaceOS's MQTT over WebSocket API for users at `/api/mqtt` (see docs/dialects/placeos.md).",
    placeosApiProperties,
  ),
};

export const dialectsProperties: PropertiesOf<DialectsConfig> = {
  gooee: section("The Gooee device API (see docs/dialects/gooee.md).", {
    tenants: tenantsSchema("Gooee"),
  } satisfies PropertiesOf<DialectTenantsConfig>),
  placeos: section(
    "PlaceOS module state and metadata topics (see docs/dialects/placeos.md).",
    placeosProperties,
  ),
};

/** The listeners that serve the PlaceOS API (`dialects.placeos.api`): named ones, else every ws/wss listener. */
export function placeosApiListeners(
  api: PlaceosApiConfig,
  listeners: readonly ListenerConfig[],
): ListenerConfig[] {
  if (!api.enabled) return [];
  const web = listeners.filter((l) => l.kind === "ws" || l.kind === "wss");
  return api.listeners.length === 0 ? web : web.filter((l) => api.listeners.includes(l.name));
}

/**
 * `dialects.placeos.api.listeners` must name ws or wss listeners, and the API's path must not be a
 * listener's own MQTT path (the two would serve different logins on one URL).
 */
export function placeosApiIssues(
  config: { readonly dialects: DialectsConfig; readonly listeners: readonly ListenerConfig[] },
  sourceOf: (path: readonly (string | number)[]) => string | undefined,
): ConfigIssue[] {
  const { api } = config.dialects.placeos;
  if (!api.enabled) return [];
  const issues: ConfigIssue[] = [];
  const web = config.listeners.filter((l) => l.kind === "ws" || l.kind === "wss");
  api.listeners.forEach((name, index) => {
    if (web.some((l) => l.name === name)) return;
    const path = ["dialects", "placeos", "api", "listeners", index];
    const known =
      web.length === 0
        ? "there is none"
        : `the ws/wss listeners are ${web.map((l) => `"${l.name}"`).join(", ")}`;
    issues.push({
      path: formatPath(path),
      message: `"${formatPath(path)}" must name a ws or wss listener, not "${name}" (${known})`,
      source: sourceOf(path),
    });
  });
  const trim = (p: string): string => (p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p);
  for (const listener of placeosApiListeners(api, config.listeners))
    if (trim(listener.path) === trim(api.path)) {
      const path = ["dialects", "placeos", "api", "path"];
      issues.push({
        path: formatPath(path),
        message: `"dialects.placeos.api.path" is "${api.path}", the MQTT path of listener "${listener.name}": give one of them another path`,
        source: sourceOf(path),
      });
    }
  return issues;
}
