/**
 * Builds the broker's {@link Config}: defaults < YAML file < `SWITCHBOARD_*` environment < command-line
 * overrides, validated once against `config-schema.ts` (unknown keys rejected), completed with the
 * computed defaults, checked for conflicting listeners, then deep-frozen.
 *
 * Every problem becomes a {@link ConfigError} whose message names the key as a dotted path and where its
 * value came from, e.g. `Invalid configuration: "mqtt.receiveMaximum" must be <= 65535 (from
 * SWITCHBOARD_MQTT__RECEIVE_MAXIMUM)`. All problems are reported at once.
 * @module
 */

import { readFileSync } from "node:fs";
import { BlockList, isIPv4, isIPv6 } from "node:net";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import { ConfigError, type ConfigIssue } from "../errors.js";
import type { Config, ListenerConfig } from "./config.js";
import { annotationKeywords, configSchema } from "./config-schema.js";
import { readEnvironment } from "./environment.js";
import { isPlainObject, LayeredInput } from "./layered-input.js";
import { applyOverrides, type ConfigOverrides } from "./overrides.js";
import { schemaIssues } from "./schema-issues.js";
import { adminIssues } from "./sections/admin.js";
import { placeosApiIssues } from "./sections/dialects.js";
import { securityIssues } from "./sections/security-checks.js";

export interface LoadConfigOptions {
  /** Path of a YAML configuration file. */
  readonly file?: string;
  /**
   * Configuration values as the YAML file would hold them, layered above the file (for tests and
   * embedding).
   */
  readonly values?: Readonly<Record<string, unknown>>;
  /** The environment to read `SWITCHBOARD_*` variables from; pass `process.env`. None when omitted. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line flags, which override everything else. */
  readonly overrides?: ConfigOverrides;
}

/**
 * Loads, validates and freezes the configuration. Throws {@link ConfigError}: `SB_ERR_CONFIG_FILE` when
 * the file cannot be read or parsed, `SB_ERR_CONFIG_INVALID` for anything else.
 * @example
 * ```ts
 * const config = loadConfig({ file: "switchboard.yaml", env: process.env, overrides: { port: 1884 } });
 * config.listeners[0]; // { name: "tcp:1884", kind: "tcp", host: "127.0.0.1", port: 1884, path: "/mqtt" }
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const input = new LayeredInput();
  const issues: ConfigIssue[] = [];
  if (options.file !== undefined) {
    const document = readYamlFile(options.file);
    if (isPlainObject(document)) input.merge(withoutEmptySections(document), `in ${options.file}`);
    else if (document != null) {
      issues.push({
        path: "",
        message: "the top level must be a mapping of keys to values",
        source: `in ${options.file}`,
      });
    }
  }
  if (options.values !== undefined) input.merge(options.values, "in options.values");
  const environment = readEnvironment(options.env ?? {});
  issues.push(...environment.issues);
  for (const setting of environment.settings)
    input.set(setting.segments, setting.value, `from ${setting.variable}`);
  applyOverrides(input, options.overrides ?? {});

  const validate = compileValidator();
  if (!validate(input.root)) issues.push(...schemaIssues(validate.errors ?? [], input));
  if (issues.length > 0) throw ConfigError.fromIssues(issues);

  const config = complete(input.root as unknown as ValidatedInput);
  const conflicts = [
    ...listenerConflicts(config.listeners, input),
    ...securityIssues(config, (path) => input.sourceOf(path)),
    ...adminIssues(config, (path) => input.sourceOf(path)),
    ...placeosApiIssues(config, (path) => input.sourceOf(path)),
  ];
  if (conflicts.length > 0) throw ConfigError.fromIssues(conflicts);
  return deepFreeze(config);
}

/** What validation guarantees: a {@link Config} missing the two computed defaults. */
type ValidatedInput = Omit<Config, "listeners" | "auth"> & {
  readonly listeners: readonly (Omit<ListenerConfig, "name"> & { readonly name?: string })[];
  readonly auth: Omit<Config["auth"], "allowAnonymous"> & { readonly allowAnonymous?: boolean };
};

function compileValidator() {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
  ajv.addVocabulary([...annotationKeywords]);
  return ajv.compile(configSchema);
}

function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new ConfigError(`Cannot read configuration file "${file}": ${describeFsError(cause)}`, {
      code: "SB_ERR_CONFIG_FILE",
      cause,
    });
  }
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message.trim() : String(cause);
    throw new ConfigError(`Cannot parse configuration file "${file}": ${detail}`, {
      code: "SB_ERR_CONFIG_FILE",
      cause,
    });
  }
}

const fsReasons: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a directory",
};

function describeFsError(cause: unknown): string {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return (
    (typeof code === "string" ? fsReasons[code] : undefined) ??
    (cause instanceof Error ? cause.message : String(cause))
  );
}

/** An empty YAML section (`mqtt:` with every key commented out) is null: treat it as absent. */
function withoutEmptySections(document: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(document).filter(([, value]) => value !== null));
}

/** Fills the defaults that depend on other values: listener names and `auth.allowAnonymous`. */
function complete(input: ValidatedInput): Config {
  const listeners = input.listeners.map(({ name, kind, host, port, path, tls }) => ({
    name: name ?? `${kind}:${port}`,
    kind,
    host,
    port,
    path,
    ...(tls === undefined ? {} : { tls }),
  }));
  const allowAnonymous =
    input.auth.allowAnonymous ?? listeners.every((listener) => isLoopbackHost(listener.host));
  return { ...input, listeners, auth: { ...input.auth, allowAnonymous } };
}

/**
 * Whether `host` is a loopback address: in 127.0.0.0/8 (also IPv4-mapped IPv6), `::1`, or `localhost`.
 * A host name other than `localhost` is not, whatever it resolves to.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost") return true;
  const family = isIPv4(bare) ? "ipv4" : isIPv6(bare) ? "ipv6" : undefined;
  if (family === undefined) return false;
  const loopback = new BlockList();
  loopback.addSubnet("127.0.0.0", 8, "ipv4");
  loopback.addAddress("::1", "ipv6");
  return loopback.check(bare, family);
}

/** Listeners sharing a name, or binding the same host and port (port 0 excepted). */
function listenerConflicts(listeners: readonly ListenerConfig[], input: LayeredInput): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  listeners.forEach((listener, index) => {
    /** Where the fields behind the conflict came from, in both listeners. */
    const sources = (other: number, fields: readonly string[]) =>
      joinSources(
        [other, index].flatMap((i) => fields.map((field) => input.sourceOf(["listeners", i, field]))),
      );
    const sameName = names.get(listener.name);
    if (sameName === undefined) names.set(listener.name, index);
    else {
      issues.push({
        path: `listeners[${index}].name`,
        message: `"listeners[${index}].name" is "${listener.name}", already the name of "listeners[${sameName}]": listener names must be unique`,
        source: sources(sameName, ["name", "kind", "port"]),
      });
    }
    if (listener.port === 0) return;
    const host = listener.host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
    const address = isIPv6(host) ? `[${host}]:${listener.port}` : `${host}:${listener.port}`;
    const sameAddress = addresses.get(address);
    if (sameAddress === undefined) addresses.set(address, index);
    else {
      issues.push({
        path: `listeners[${index}]`,
        message: `"listeners[${index}]" binds ${address}, already bound by "listeners[${sameAddress}]": each host and port may be bound once`,
        source: sources(sameAddress, ["host", "port"]),
      });
    }
  });
  return issues;
}

function joinSources(sources: readonly (string | undefined)[]): string | undefined {
  const unique = [...new Set(sources.filter((source) => source !== undefined))];
  return unique.length === 0 ? undefined : unique.join(", ");
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
