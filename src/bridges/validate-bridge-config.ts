/**
 * Validates a bridge configuration and completes it with its defaults: the JSON Schema first
 * (`bridge-config-schema.ts`), then the rules a schema cannot say:
 * - every filter is a valid MQTT topic filter, not a shared subscription, not in `$SYS` and not in the
 *   tenant mount namespace (`$t`, `$td`);
 * - the topic template contains `{topic}`, no other `{...}` than `{tenant}`, and gives valid topic
 *   names (no wildcard, no U+0000);
 * - certificate authentication, a CA, a server name and `insecureSkipVerify` need `tls`;
 * - the PEM texts parse (CA and client certificates, the private key with its passphrase), so a bad
 *   certificate is refused when the bridge is added, not at every connection attempt;
 * - `reconnect.maxDelay` is not below `reconnect.initialDelay`.
 * Problems are reported together in one {@link ConfigError} naming each field.
 * @module
 */

import { createPrivateKey, X509Certificate } from "node:crypto";
import { Ajv, type ErrorObject } from "ajv";
import { describeSchemaError } from "../config/index.js";
import { ConfigError, type ConfigIssue } from "../errors.js";
import { isSysTopic, isMountNamespace } from "../tenancy/index.js";
import { topicFilterError, SHARE_PREFIX } from "../protocol/index.js";
import type { BridgeConfig, BridgeConfigInput } from "./bridge-config.js";
import { bridgeConfigSchema } from "./bridge-config-schema.js";
import { templateError } from "./topic-template.js";

type Validator = ((input: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** Compiles the schema once per manager (no module-level state). */
/** The remote's port when a bridge names none: MQTT's registered ports (1883, 8883 over TLS). */
export function defaultBridgePort(tls: boolean): number {
  return tls ? 8883 : 1883;
}

export function compileBridgeValidator(): Validator {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, discriminator: true });
  return ajv.compile(bridgeConfigSchema);
}

/**
 * The configuration with its defaults, or a {@link ConfigError} listing every problem.
 * @example
 * ```ts
 * const config = validateBridgeConfig(validator, { id: "cloud", tenants: ["acme"], host: "mqtt.example.com", tls: true });
 * config.port; // 8883
 * ```
 */
export function validateBridgeConfig(validator: Validator, input: unknown): BridgeConfig {
  const copy: unknown = structuredClone(input);
  const label = bridgeLabel(input);
  if (!validator(copy)) throw invalid(label, schemaIssues(validator.errors ?? []));
  const config = complete(copy as BridgeConfigInput);
  const issues = ruleIssues(config);
  if (issues.length > 0) throw invalid(label, issues);
  return config;
}

const S = bridgeConfigSchema.properties;

/** The input with every default; ajv has filled those in the schema, the `??` only satisfy the types. */
function complete(input: BridgeConfigInput): BridgeConfig {
  const tls = input.tls ?? S.tls.default;
  return {
    id: input.id,
    name: input.name,
    tenants: input.tenants,
    host: input.host,
    port: input.port ?? defaultBridgePort(tls),
    tls,
    ca: input.ca,
    servername: input.servername,
    insecureSkipVerify: input.insecureSkipVerify ?? S.insecureSkipVerify.default,
    auth: input.auth ?? S.auth.default,
    filters: input.filters ?? S.filters.default,
    topicTemplate: input.topicTemplate ?? S.topicTemplate.default,
    qos: input.qos ?? S.qos.default,
    retain: input.retain ?? S.retain.default,
    protocolVersion: input.protocolVersion ?? S.protocolVersion.default,
    clientId: input.clientId ?? `switchboard-bridge-${input.id}`,
    keepAlive: input.keepAlive ?? S.keepAlive.default,
    connectTimeout: input.connectTimeout ?? S.connectTimeout.default,
    maxInflight: input.maxInflight ?? S.maxInflight.default,
    maxHops: input.maxHops ?? S.maxHops.default,
    outbox: {
      maxMessages: input.outbox?.maxMessages ?? S.outbox.properties.maxMessages.default,
      maxBytes: input.outbox?.maxBytes ?? S.outbox.properties.maxBytes.default,
      maxAge: input.outbox?.maxAge ?? S.outbox.properties.maxAge.default,
    },
    reconnect: {
      initialDelay: input.reconnect?.initialDelay ?? S.reconnect.properties.initialDelay.default,
      maxDelay: input.reconnect?.maxDelay ?? S.reconnect.properties.maxDelay.default,
    },
  };
}

function ruleIssues(config: BridgeConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: string, message: string): void => {
    issues.push({ path, message: `"${path}" ${message}`, source: undefined });
  };
  config.filters.forEach((filter, i) => {
    const error = filterError(filter);
    if (error !== undefined) add(`filters[${i}]`, error);
  });
  const template = templateError(config.topicTemplate);
  if (template !== undefined) add("topicTemplate", template);
  if (!config.tls) {
    if (config.auth.kind === "certificate") add("auth.kind", `"certificate" needs "tls": true`);
    if (config.ca !== undefined) add("ca", `needs "tls": true`);
    if (config.servername !== undefined) add("servername", `needs "tls": true`);
    if (config.insecureSkipVerify) add("insecureSkipVerify", `needs "tls": true`);
  }
  if (config.ca !== undefined) {
    const error = certificateError(config.ca);
    if (error !== undefined) add("ca", error);
  }
  if (config.auth.kind === "certificate") {
    const error = certificateError(config.auth.certificate);
    if (error !== undefined) add("auth.certificate", error);
    const keyError = privateKeyError(config.auth.privateKey, config.auth.passphrase);
    if (keyError !== undefined) add("auth.privateKey", keyError);
  }
  if (config.reconnect.maxDelay < config.reconnect.initialDelay)
    add("reconnect.maxDelay", `must be >= "reconnect.initialDelay" (${config.reconnect.initialDelay})`);
  return issues;
}

function filterError(filter: string): string | undefined {
  const error = topicFilterError(filter);
  if (error !== undefined) return `is not a valid topic filter: ${error}`;
  if (filter === SHARE_PREFIX || filter.startsWith(`${SHARE_PREFIX}/`))
    return "must not be a shared subscription";
  if (isSysTopic(filter)) return "must not select $SYS topics";
  if (isMountNamespace(filter)) return 'must not begin with "$t" or "$td" (filters are within each tenant)';
  return undefined;
}

function certificateError(text: string): string | undefined {
  try {
    new X509Certificate(text);
    return undefined;
  } catch (error) {
    return `is not a readable PEM certificate: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function privateKeyError(text: string, passphrase: string | undefined): string | undefined {
  try {
    createPrivateKey(passphrase === undefined ? { key: text } : { key: text, passphrase });
    return undefined;
  } catch (error) {
    return `is not a readable PEM private key${passphrase === undefined ? "" : " with this passphrase"}: ${
      error instanceof Error ? error.message : String(error)
    }`;
  }
}

function bridgeLabel(input: unknown): string {
  const id =
    typeof input === "object" && input !== null ? (input as Record<string, unknown>)["id"] : undefined;
  return typeof id === "string" ? `bridge ${JSON.stringify(id)}` : "bridge";
}

function invalid(label: string, issues: readonly ConfigIssue[]): ConfigError {
  const lines = issues.map((issue) => issue.message);
  const text = lines.length === 1 ? ` ${lines[0] ?? ""}` : lines.map((line) => `\n  - ${line}`).join("");
  return new ConfigError(`Invalid ${label}:${text}`, { issues });
}

function schemaIssues(errors: readonly ErrorObject[]): ConfigIssue[] {
  const issues = new Map<string, ConfigIssue>();
  for (const error of errors) {
    const params = error.params as Record<string, unknown>;
    const at = error.instancePath
      .split("/")
      .slice(1)
      .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
    let path = formatPath(at);
    let message: string;
    if (error.keyword === "additionalProperties") {
      path = formatPath([...at, String(params["additionalProperty"])]);
      message = `unknown field "${path}"`;
    } else if (error.keyword === "required") {
      path = formatPath([...at, String(params["missingProperty"])]);
      message = `"${path}" is required`;
    } else {
      message = `${path === "" ? "the configuration" : `"${path}"`} ${describeSchemaError(error)}`;
    }
    if (!issues.has(path)) issues.set(path, { path, message, source: undefined });
  }
  // an unknown `auth.kind` fails both its enum and the discriminator: report it once
  for (const error of errors) {
    if (error.keyword !== "discriminator") continue;
    const path = formatPath(error.instancePath.split("/").slice(1));
    if (issues.has(`${path}.kind`)) issues.delete(path);
  }
  return [...issues.values()];
}

function formatPath(parts: readonly string[]): string {
  let path = "";
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : path === "" ? part : `.${part}`;
  return path;
}
