/**
 * Checks of the authentication and TLS settings that JSON Schema cannot express: unique names, one
 * token provider per issuer, one key source per token provider, algorithms that fit the key, sane
 * scrypt parameters, TLS settings only (and always) on `tls` and `wss` listeners, a backoff shorter
 * than the connect timeout. Run once at start by `loadConfig`, after the schema; every problem is
 * reported at once.
 * @module
 */

import { passwordHashProblem } from "../../auth/password-hash.js";
import type { ConfigIssue } from "../../errors.js";
import { formatPath } from "../layered-input.js";
import type { AuthConfig } from "./auth.js";
import type { JwtProviderConfig } from "./auth-jwt.js";
import type { ListenerConfig } from "./listeners.js";

type Path = readonly (string | number)[];

/** What the checks need of the configuration. */
export interface SecuritySettings {
  readonly listeners: readonly ListenerConfig[];
  readonly auth: AuthConfig;
  readonly mqtt: { readonly connectTimeout: number };
}

/** Where a value came from (the loader's `LayeredInput.sourceOf`). */
export type SourceOf = (path: Path) => string | undefined;

/** Every problem of the authentication and listener TLS settings. */
export function securityIssues(config: SecuritySettings, sourceOf: SourceOf): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: Path, message: string): void => {
    issues.push({ path: formatPath(path), message, source: sourceOf(path) });
  };
  const { auth } = config;
  duplicates(auth.chain, (_, i) =>
    add(["auth", "chain", i], `"auth.chain[${i}]" names an authenticator twice`),
  );
  duplicates(
    auth.users.map((u) => u.username),
    (name, i) => add(["auth", "users", i, "username"], `"auth.users[${i}].username" repeats "${name}"`),
  );
  auth.users.forEach((user, i) => {
    const problem = passwordHashProblem(user.password);
    if (problem !== undefined)
      add(["auth", "users", i, "password"], `"auth.users[${i}].password" ${problem}`);
  });
  duplicates(
    auth.apiKeys.map((k) => k.id),
    (id, i) => add(["auth", "apiKeys", i, "id"], `"auth.apiKeys[${i}].id" repeats "${id}"`),
  );
  duplicates(
    auth.jwt.providers.map((p) => p.name),
    (name, i) =>
      add(["auth", "jwt", "providers", i, "name"], `"auth.jwt.providers[${i}].name" repeats "${name}"`),
  );
  // a token goes to the first provider of its issuer (else the first without an issuer): a later
  // provider of the same issuer would never verify one (several keys of one issuer: one JWKS)
  duplicates(
    auth.jwt.providers.map((p) => p.issuer),
    (issuer, i, first) => {
      const path = issuer === undefined ? [i] : [i, "issuer"];
      add(["auth", "jwt", "providers", ...path], issuerClash(auth.jwt.providers, i, first));
    },
  );
  auth.jwt.providers.forEach((provider, i) => {
    const problem = providerProblem(provider);
    if (problem !== undefined) add(["auth", "jwt", "providers", i], `"auth.jwt.providers[${i}]" ${problem}`);
  });
  duplicates(
    auth.certificates.mappings.map((m) => m.identity),
    (identity, i) =>
      add(
        ["auth", "certificates", "mappings", i, "identity"],
        `"auth.certificates.mappings[${i}].identity" repeats "${identity}"`,
      ),
  );
  const { backoff } = auth;
  if (backoff.initialDelay > 0 && backoff.maxDelay < backoff.initialDelay)
    add(["auth", "backoff", "maxDelay"], `"auth.backoff.maxDelay" must be >= "auth.backoff.initialDelay"`);
  if (backoff.initialDelay > 0 && backoff.maxDelay >= config.mqtt.connectTimeout * 1000)
    add(
      ["auth", "backoff", "maxDelay"],
      `"auth.backoff.maxDelay" must be below "mqtt.connectTimeout" (${config.mqtt.connectTimeout * 1000} ms): a delayed refusal would never arrive`,
    );
  config.listeners.forEach((listener, i) => {
    for (const message of listenerTlsProblems(listener, i)) add(["listeners", i, "tls"], message);
  });
  return issues;
}

function listenerTlsProblems(listener: ListenerConfig, i: number): string[] {
  const secure = listener.kind === "tls" || listener.kind === "wss";
  const at = `"listeners[${i}].tls"`;
  if (!secure)
    return listener.tls === undefined
      ? []
      : [`${at} is only for "tls" and "wss" listeners, not "${listener.kind}"`];
  if (listener.tls === undefined)
    return [`${at} is required for a "${listener.kind}" listener (certFile and keyFile)`];
  if (listener.tls.requestCert && listener.tls.caFile === undefined)
    return [
      `"listeners[${i}].tls.caFile" is required with requestCert: the CAs client certificates must chain to`,
    ];
  return [];
}

function issuerClash(providers: readonly JwtProviderConfig[], index: number, first: number): string {
  const [later, earlier] = [providers[index]!, providers[first]!];
  const at = (i: number, p: JwtProviderConfig): string => `"auth.jwt.providers[${i}]" ("${p.name}")`;
  const clash =
    later.issuer === undefined
      ? `has no issuer, nor has ${at(first, earlier)}: tokens of other issuers go to the first provider without one`
      : `repeats the issuer "${later.issuer}" of ${at(first, earlier)}: tokens go to the first provider of their issuer`;
  return `${at(index, later)} ${clash}, so this one would never be used; give each provider its own issuer (several keys of one issuer: one provider with a "jwksUrl")`;
}

const KEY_SOURCES = ["secret", "secretFile", "publicKey", "publicKeyFile", "jwksUrl"] as const;

function providerProblem(provider: JwtProviderConfig): string | undefined {
  const sources = KEY_SOURCES.filter((key) => provider[key] !== undefined);
  if (sources.length !== 1) {
    return sources.length === 0
      ? `needs one of ${KEY_SOURCES.map((k) => `"${k}"`).join(", ")}`
      : `has ${sources.map((k) => `"${k}"`).join(" and ")}: give exactly one key source`;
  }
  const symmetric = sources[0] === "secret" || sources[0] === "secretFile";
  const wrong = provider.algorithms.filter((alg) => alg.startsWith("HS") !== symmetric);
  if (wrong.length > 0) {
    return `lists ${wrong.map((a) => `"${a}"`).join(", ")} in "algorithms", which ${symmetric ? "a shared secret" : "a public key"} cannot verify`;
  }
  return undefined;
}

/** Calls `report` for each value an earlier one repeats, with its index and the first one's. */
function duplicates<T>(values: readonly T[], report: (value: T, index: number, first: number) => void): void {
  const seen = new Map<T, number>();
  values.forEach((value, index) => {
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    else report(value, index, first);
  });
}
