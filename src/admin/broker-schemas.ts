/**
 * The JSON Schemas of the `brokers` routes (outbound brokers, docs/bridges.md): the broker as the API
 * shows it (secrets as `***`, `secret` never, and the bridge's `status`), the bodies of a create and
 * of an update, the list filters, and the status alone (`GET /api/v1/brokers/<id>/status`).
 *
 * The bridge fields are the bridge configuration's schema (`bridgeConfigSchema`) without its defaults
 * (a broker keeps what it was given; an absent field is at its default) and with `auth` as one object
 * whose fields depend on `kind`: which fields a kind needs, and every rule between fields (a template
 * with `{topic}`, TLS for certificates, readable PEM...), is checked by the registry with the bridge
 * configuration's own validation, whose messages name the field.
 * @module
 */

import { privacyCountersSchema } from "./privacy-counters-schema.js";
import { BRIDGE_ID_PATTERN, bridgeConfigSchema } from "../bridges/index.js";
import { TENANT_ID_PATTERN } from "../platform/registry/index.js";
import type { KindSchemas } from "./entity-schemas.js";
import {
  boolean,
  idSchema,
  integer,
  list,
  nameSchema,
  nullable,
  object,
  type Schema,
  string,
  timestamps,
} from "./schema-parts.js";

/** What a stored secret is shown as. */
export const REDACTED = "***";

const P = bridgeConfigSchema.properties;

const patternWords: Readonly<Record<string, string>> = {
  "^[^\\s/]+$": 'must not contain white space or "/"',
  "-----BEGIN [A-Z0-9 ]+-----": 'must be PEM text ("-----BEGIN ...-----")',
};

/** A schema of the bridge configuration without `default`s, with the words of its patterns. */
function bridgeField(schema: Schema): Schema {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "default") continue;
    if (key === "properties")
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([name, item]) => [name, bridgeField(item)]),
      );
    else out[key] = value;
  }
  const pattern = schema["pattern"];
  if (typeof pattern === "string" && patternWords[pattern] !== undefined)
    out["x-pattern-description"] = patternWords[pattern];
  return out;
}

/** `nullable`, also for a schema with an `enum` (whose values must then include `null`). */
function clearable(schema: Schema): Schema {
  const cleared = nullable(schema);
  const values = schema["enum"];
  return Array.isArray(values) ? { ...cleared, enum: [...(values as unknown[]), null] } : cleared;
}

const pem = (description: string): Schema => bridgeField({ ...P.ca, description });
const secretText = (description: string): Schema =>
  string(`${description} Write only: shown as \`${REDACTED}\`.`, { maxLength: 65_535 });

const auth = object(
  {
    kind: string(
      "`none`; `user_password` (with `username` and `password`); `certificate` (mutual TLS: `certificate`, `privateKey`, optional `passphrase` and `username`).",
      { enum: ["none", "user_password", "certificate"] },
    ),
    username: string("The user name of its CONNECT.", { minLength: 1, maxLength: 65_535 }),
    password: secretText(
      `The password. In an update, omitted or \`${REDACTED}\` keeps the stored one (same \`kind\`).`,
    ),
    certificate: pem("PEM client certificate (with its intermediates)."),
    privateKey: secretText(
      `PEM private key of the certificate. In an update, omitted or \`${REDACTED}\` keeps the stored one (same \`kind\`).`,
    ),
    passphrase: secretText("Decrypts an encrypted `privateKey`."),
  },
  ["kind"],
  "How the bridge authenticates to the remote broker (default `none`).",
);

const privacy: Schema = {
  type: "object",
  additionalProperties: true,
  description: `A privacy rule set (docs/privacy.md) applied to every payload the bridge forwards; its \`key\`s are write only (shown as \`${REDACTED}\`; in an update \`${REDACTED}\` keeps the stored key).`,
};

const secret = string(
  "The HMAC key of the privacy rules' `hash` actions that have none of their own or of their set (16 to 1024 characters; generated when not given). Write only: never shown.",
  { minLength: 16, maxLength: 1024 },
);

const tenants = {
  ...list(
    idSchema(TENANT_ID_PATTERN, "A tenant id."),
    "The tenants whose messages are forwarded (default: the broker's own). Only a broker of the default tenant may name others.",
  ),
  minItems: 1,
};

/** The bridge fields that have a default (all optional; `null` clears them in an update). */
const optionalBridgeFields: Readonly<Record<string, Schema>> = {
  port: bridgeField(P.port),
  tls: bridgeField(P.tls),
  ca: bridgeField(P.ca),
  servername: bridgeField(P.servername),
  insecureSkipVerify: bridgeField(P.insecureSkipVerify),
  auth,
  filters: bridgeField(P.filters),
  topicTemplate: bridgeField(P.topicTemplate),
  qos: bridgeField(P.qos),
  retain: bridgeField(P.retain),
  protocolVersion: bridgeField(P.protocolVersion),
  clientId: bridgeField(P.clientId),
  keepAlive: bridgeField(P.keepAlive),
  connectTimeout: bridgeField(P.connectTimeout),
  maxInflight: bridgeField(P.maxInflight),
  maxHops: bridgeField(P.maxHops),
  outbox: bridgeField(P.outbox),
  reconnect: bridgeField(P.reconnect),
};

const id = idSchema(
  BRIDGE_ID_PATTERN,
  "The broker's id (a UUID is generated when not given); names its outbox.",
);
const ownerTenant = idSchema(TENANT_ID_PATTERN, "The tenant the broker belongs to (default: the caller's).");
const host = bridgeField(P.host);

const privacyCounters = privacyCountersSchema(
  "What the broker's privacy rules did since they were set (absent without rules).",
);

/** `GET /api/v1/brokers/<id>/status` (and `status` in a broker). */
export const brokerStatusSchema: Schema = object(
  {
    id: string("The broker's id."),
    state: string("The connection: `waiting` is the backoff between two attempts.", {
      enum: ["connecting", "connected", "waiting", "stopped"],
    }),
    connected: boolean("Whether the bridge is connected to the remote broker."),
    queueDepth: integer("Messages in the outbox, in flight included."),
    queueBytes: integer("Bytes (topic + payload) in the outbox."),
    inflight: integer("Messages sent and not yet acknowledged."),
    lastError: object(
      {
        message: string("What failed."),
        code: string("A stable code: Node's TLS and socket codes, `MQTT_0x<rc>`, `CONNECT_TIMEOUT`..."),
        at: integer("When, in milliseconds since the epoch."),
      },
      ["message", "at"],
      "The last failure (connection, TLS, refusal, an invalid configuration), kept after recovery.",
    ),
    lastConnectedAt: integer("When it last connected, in milliseconds since the epoch."),
    published: integer("Messages the remote broker acknowledged (QoS 1/2) or that were written (QoS 0)."),
    failed: integer(
      "Messages given up (refused, or above the remote's Maximum Packet Size); not those in flight when a connection is lost (sent again).",
    ),
    refused: integer("Messages the remote broker refused (removed)."),
    coalesced: integer(
      "Messages removed because a newer value of their topic waited (outbox bounds or age).",
    ),
    dropped: integer("Messages removed with one message per topic left (outbox bounds too small)."),
    expired: integer("Messages whose Message Expiry Interval ran out before they were sent."),
    filtered: integer("Messages the privacy rules withheld."),
    hopLimited: integer(
      "Messages not forwarded because they had crossed `maxHops` bridges already (a loop, or a longer chain).",
    ),
    resyncs: integer("Full resyncs queued since the bridge started."),
    lastResyncAt: integer("When the last resync was queued, in milliseconds since the epoch."),
    privacy: privacyCounters,
  },
  [
    "id",
    "state",
    "connected",
    "queueDepth",
    "queueBytes",
    "inflight",
    "published",
    "failed",
    "refused",
    "coalesced",
    "dropped",
    "expired",
    "filtered",
    "hopLimited",
    "resyncs",
  ],
  "The status of a broker's bridge. Counters start at 0 when the bridge (re)starts; the outbox persists.",
);

export const outboundBrokerSchemas: KindSchemas = {
  description: "Outbound brokers: other MQTT brokers a tenant's messages are forwarded to (bridges).",
  idPattern: BRIDGE_ID_PATTERN,
  entity: object(
    {
      id,
      tenant: ownerTenant,
      name: nameSchema("The broker's name."),
      tenants,
      host,
      ...optionalBridgeFields,
      privacy,
      ...timestamps,
      status: brokerStatusSchema,
    },
    ["id", "tenant", "name", "tenants", "host", "createdAt", "updatedAt"],
    "An outbound broker: fields as given (an absent one is at its default), secrets never shown, and its bridge's status.",
  ),
  create: object(
    {
      id,
      tenant: ownerTenant,
      name: nameSchema("The broker's name (default: its id)."),
      tenants,
      host,
      ...optionalBridgeFields,
      privacy,
      secret,
    },
    ["host"],
  ),
  update: {
    ...object({
      name: nameSchema("The broker's name."),
      tenants,
      host,
      ...Object.fromEntries(
        Object.entries(optionalBridgeFields).map(([field, schema]) => [field, clearable(schema)]),
      ),
      privacy: clearable(privacy),
      secret: {
        ...clearable(secret),
        description: `${String(secret["description"])} \`null\` generates a new one.`,
      },
    }),
    minProperties: 1,
  },
  filters: {
    tenant: idSchema(TENANT_ID_PATTERN, "The tenant's id."),
    name: nameSchema("Only brokers of this name."),
    host: string("Only brokers of this host."),
  },
};
