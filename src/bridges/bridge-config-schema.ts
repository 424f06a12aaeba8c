/**
 * The JSON Schema (draft-07, with OpenAPI's `discriminator` on `auth.kind`) of a bridge configuration
 * as a user writes it ({@link BridgeConfigInput}). Defaults are in the schema, except `port` (1883, or
 * 8883 with TLS) and `clientId` (`switchboard-bridge-<id>`), which depend on other fields. Rules a
 * schema cannot say (valid topic filters, a template with `{topic}`, TLS required by certificate
 * authentication, readable PEM) are checked by `validateBridgeConfig`.
 *
 * The admin API can use it as the request body schema of the future `brokers` routes.
 * @module
 */

import type { BridgeConfigInput } from "./bridge-config.js";

/** Bridge ids: a letter or digit, then letters, digits, `.`, `_`, `-`; at most 128 characters. */
export const BRIDGE_ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";

const MIB = 1_048_576;

const pem = (description: string) => ({
  type: "string",
  description,
  minLength: 1,
  maxLength: 65_536,
  pattern: "-----BEGIN [A-Z0-9 ]+-----",
});

const positive = (description: string, defaultValue: number, maximum: number, minimum = 1) => ({
  type: "integer",
  description,
  minimum,
  maximum,
  default: defaultValue,
});

/** The schema of {@link BridgeConfigInput}. */
export const bridgeConfigSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "BridgeConfig",
  description: "An outbound bridge: forwards a tenant's messages to another MQTT broker.",
  type: "object",
  additionalProperties: false,
  required: ["id", "tenants", "host"],
  properties: {
    id: {
      type: "string",
      description: "Unique id of the bridge (names its outbox in the store).",
      pattern: BRIDGE_ID_PATTERN,
    },
    name: { type: "string", description: "A name for people.", minLength: 1, maxLength: 256 },
    tenants: {
      type: "array",
      description: "Tenants whose messages are forwarded (`default` is the default tenant).",
      minItems: 1,
      maxItems: 256,
      uniqueItems: true,
      items: { type: "string", minLength: 1, maxLength: 128, pattern: "^[^/+#\\u0000]+$" },
    },
    host: {
      type: "string",
      description: "Host name or IP address of the remote broker.",
      minLength: 1,
      maxLength: 253,
      pattern: "^[^\\s/]+$",
    },
    port: {
      type: "integer",
      description: "TCP port of the remote broker (default 1883, or 8883 with TLS).",
      minimum: 1,
      maximum: 65_535,
    },
    tls: { type: "boolean", description: "Connect with TLS (the certificate is verified).", default: false },
    ca: pem("PEM CA certificate(s) the server certificate must chain to (default: Node's trusted roots)."),
    servername: {
      type: "string",
      description: "Name sent as SNI and checked against the server certificate (default: `host`).",
      minLength: 1,
      maxLength: 253,
    },
    insecureSkipVerify: {
      type: "boolean",
      description: "Accept any server certificate (for tests only; logged as a warning).",
      default: false,
    },
    auth: {
      type: "object",
      description: "How the bridge authenticates.",
      default: { kind: "none" },
      required: ["kind"],
      properties: { kind: { type: "string", enum: ["none", "user_password", "certificate"] } },
      discriminator: { propertyName: "kind" },
      oneOf: [
        {
          type: "object",
          additionalProperties: false,
          required: ["kind"],
          properties: { kind: { const: "none" } },
        },
        {
          type: "object",
          additionalProperties: false,
          required: ["kind", "username", "password"],
          properties: {
            kind: { const: "user_password" },
            username: { type: "string", minLength: 1, maxLength: 65_535 },
            password: { type: "string", maxLength: 65_535 },
          },
        },
        {
          type: "object",
          additionalProperties: false,
          required: ["kind", "certificate", "privateKey"],
          properties: {
            kind: { const: "certificate" },
            certificate: pem("PEM client certificate (with its intermediates)."),
            privateKey: pem("PEM private key of the client certificate."),
            passphrase: { type: "string", maxLength: 1024 },
            username: { type: "string", minLength: 1, maxLength: 65_535 },
          },
        },
      ],
    },
    filters: {
      type: "array",
      description: "Topic filters over each tenant's own topics: what is forwarded.",
      minItems: 1,
      maxItems: 256,
      uniqueItems: true,
      default: ["#"],
      items: { type: "string", minLength: 1, maxLength: 65_535 },
    },
    topicTemplate: {
      type: "string",
      description: "Remote topic: `{topic}` is the tenant's topic, `{tenant}` the tenant id.",
      minLength: 1,
      maxLength: 1024,
      default: "{topic}",
    },
    qos: { type: "integer", description: "QoS of the forwarded messages.", enum: [0, 1, 2], default: 1 },
    retain: {
      type: "string",
      description: "RETAIN flag of the forwarded messages.",
      enum: ["as-published", "always", "never"],
      default: "as-published",
    },
    protocolVersion: {
      type: "integer",
      description: "MQTT version: 4 (3.1.1) or 5.",
      enum: [4, 5],
      default: 5,
    },
    clientId: {
      type: "string",
      description: "Client identifier (default `switchboard-bridge-<id>`).",
      minLength: 1,
      maxLength: 256,
    },
    keepAlive: positive("Keep-alive in seconds (0: off).", 60, 65_535, 0),
    connectTimeout: positive("Seconds to wait for the CONNACK.", 10, 300),
    maxInflight: positive(
      "Messages sent and not yet acknowledged at most (at QoS 1 and 2, never more than the remote's Receive Maximum).",
      32,
      65_535,
    ),
    maxHops: positive(
      "Bridges a forwarded message may have crossed, this one included (1: only messages published on this broker). Loop protection.",
      1,
      255,
    ),
    outbox: {
      type: "object",
      description: "Bounds of the durable outbox; beyond them it is coalesced to the latest value per topic.",
      additionalProperties: false,
      default: {},
      properties: {
        maxMessages: positive("Messages waiting at most.", 100_000, 100_000_000),
        maxBytes: positive(
          "Bytes (topic, properties and payload) waiting at most.",
          64 * MIB,
          1024 * 1024 * MIB,
          1024,
        ),
        maxAge: positive(
          "Seconds after which a waiting message gives way to a newer one of its topic.",
          86_400,
          31_536_000,
        ),
      },
    },
    reconnect: {
      type: "object",
      description: "Reconnection backoff: doubled after each failure, capped, jittered.",
      additionalProperties: false,
      default: {},
      properties: {
        initialDelay: positive("Milliseconds before the first attempt.", 500, 3_600_000, 10),
        maxDelay: positive("Milliseconds the delay never exceeds.", 30_000, 3_600_000, 10),
      },
    },
  },
} as const;

/**
 * `true` when every input field has a schema and the schema no field the type lacks, `never`
 * otherwise (checked at compile time by `validate-bridge-config.test.ts`).
 */
export type SchemaCoversInput =
  Exclude<keyof BridgeConfigInput, keyof typeof bridgeConfigSchema.properties> extends never
    ? Exclude<keyof typeof bridgeConfigSchema.properties, keyof BridgeConfigInput> extends never
      ? true
      : never
    : never;
