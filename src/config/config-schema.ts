/**
 * The JSON Schema (draft-07, validated with ajv) of {@link Config}. It is the single source of the
 * configuration's bounds, defaults and descriptions: `load-config.ts` validates against it, the
 * `SWITCHBOARD_*` environment variables are derived from it, and `docs/configuration.md` is generated
 * from it (`scripts/gen-config-docs.ts`).
 *
 * Two defaults cannot be static and are filled in after validation (their `x-default` annotation says
 * so): a listener's `name` (`<kind>:<port>`) and `auth.allowAnonymous` (true only when every listener is
 * on a loopback address, as Mosquitto 2 does).
 * @module
 */

import type { Config } from "./config.js";
import { type JsonSchema, type PropertiesOf, section } from "./schema-support.js";
import { adminProperties } from "./sections/admin.js";
import { authProperties } from "./sections/auth.js";
import { authorizationProperties } from "./sections/authorization.js";
import { dialectsProperties } from "./sections/dialects.js";
import { DEFAULT_LISTENER_HOST, listenerProperties } from "./sections/listeners.js";
import { logProperties } from "./sections/log.js";
import { mqttProperties } from "./sections/mqtt.js";
import { queueProperties } from "./sections/queue.js";
import { storageProperties } from "./sections/storage.js";
import { sysProperties } from "./sections/sys.js";
import { limitsProperties } from "./sections/limits.js";
import { tenantsProperties } from "./sections/tenants.js";

export { annotationKeywords, type JsonSchema } from "./schema-support.js";
export { DEFAULT_LISTENER_HOST } from "./sections/listeners.js";

const configProperties: PropertiesOf<Config> = {
  listeners: {
    type: "array",
    description:
      "Sockets the broker accepts MQTT connections on. Without any, the broker listens on 127.0.0.1:1883 only. Giving this list replaces the default.",
    default: [{ kind: "tcp", host: DEFAULT_LISTENER_HOST, port: 1883 }],
    items: {
      type: "object",
      description: "One listener.",
      additionalProperties: false,
      required: ["port"],
      properties: listenerProperties,
    },
  },
  mqtt: section("MQTT protocol limits and the features advertised to clients.", mqttProperties),
  queue: section("Per-session message queues.", queueProperties),
  auth: section(
    "Authentication: the authenticator chain and its settings (see docs/security.md).",
    authProperties,
  ),
  tenants: section(
    "Tenants: who administers the broker and how `$SYS` is shared (see docs/security.md).",
    tenantsProperties,
  ),
  authorization: section(
    "Authorization rules and what happens to denied requests (see docs/security.md).",
    authorizationProperties,
  ),
  limits: section(
    "Connection, subscription, topic and rate limits (see docs/security.md).",
    limitsProperties,
  ),
  sys: section("The `$SYS` status topics.", sysProperties),
  storage: section(
    "Persistence of sessions, queues, in-flight and retained messages and wills (see docs/storage.md).",
    storageProperties,
  ),
  dialects: section(
    "Platform dialects enabled per tenant: the topic APIs of other platforms (see docs/dialects/README.md).",
    dialectsProperties,
  ),
  admin: section("The admin REST API (see docs/admin-api.md).", adminProperties),
  log: section("Logging.", logProperties),
};

/** The JSON Schema of the whole configuration file. */
export const configSchema: JsonSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "Switchboard configuration",
  description: "The broker configuration, as written in the YAML configuration file.",
  type: "object",
  additionalProperties: false,
  properties: configProperties,
};
