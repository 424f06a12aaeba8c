/**
 * The `dialects` configuration section: which tenants have which platform dialect (docs/dialects/).
 * A tenant may also have dialects enabled in the registry (`Tenant.dialects`); the two add up. The
 * `placeos` dialect has settings of its own: the zone hierarchy of its state topics, how state values
 * are embedded, the role that may publish module state, and the optional Redis input.
 * @module
 */

import { type JsonSchema, type PropertiesOf, section } from "../schema-support.js";
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

export interface PlaceosDialectConfig extends DialectTenantsConfig {
  /** The zone levels of state topics, the org (the top-level scope) first. */
  readonly hierarchy: readonly string[];
  readonly valueEncoding: PlaceosValueEncoding;
  /** The role a principal needs to publish module state over MQTT. */
  readonly driverRole: string;
  /** QoS of the state and metadata messages. */
  readonly qos: 0 | 1 | 2;
  readonly redis: PlaceosRedisConfig;
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
      'How the state value sits in `{"time", "value"}`: `raw` embeds the JSON value, `string` embeds it serialized as a JSON string (the PlaceOS document\'s wording).',
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
