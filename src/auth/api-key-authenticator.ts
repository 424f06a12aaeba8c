/**
 * API keys as passwords (`api-key.ts` has the key format and why a SHA-256 is enough). The user name
 * must be the key id or the key's user (or absent, which MQTT 5 allows). Keys come from
 * `auth.apiKeys` and can be added, listed and revoked at run time; revoking a key disconnects every
 * client that authenticated with it (v5: DISCONNECT 0x98 Administrative action).
 *
 * Answers: a password that is not shaped like a key, or a key whose id is not configured (it may be a
 * registry key, see platform/registry/registry-authenticator.ts): `defer`. A key that is revoked (the
 * chain then finds nobody), wrong, or sent with another user name: `deny` 0x86. Otherwise `allow`, with the principal id the key's user
 * (or the key id) and the attributes `credential: "apiKey"` and `apiKeyId`.
 * @module
 */

import type { ApiKeyConfig } from "../config/index.js";
import {
  type AuthenticationResult,
  type Authenticator,
  type AuthenticatorHost,
  type ConnectAttempt,
  DEFER,
  deny,
  type Principal,
} from "../hooks/index.js";
import { ReasonCode } from "../protocol/index.js";
import { apiKeySecretMatches, generateApiKey, parseApiKey, storedApiKeyDigest } from "./api-key.js";
import { makePrincipal } from "./principals.js";

/** An API key as it is kept: its digest, never the key. */
export interface ApiKeyEntry {
  readonly id: string;
  /** `sha256$...` of the key's secret. */
  readonly hash: string;
  readonly user?: string | undefined;
  readonly tenant: string;
  readonly roles: readonly string[];
  readonly scopes?: readonly string[] | undefined;
  /** The org of the key's user (principal attribute `org`, for the PlaceOS API). */
  readonly org?: string | undefined;
}

/** What {@link ApiKeyAuthenticator.list} shows of a key (no hash). */
export interface ApiKeyInfo {
  readonly id: string;
  readonly user: string | undefined;
  readonly tenant: string;
  readonly roles: readonly string[];
}

interface KeyRecord {
  readonly info: ApiKeyInfo;
  readonly digest: Buffer;
  readonly principal: Principal;
}

const decoder = new TextDecoder();

export class ApiKeyAuthenticator implements Authenticator {
  readonly name = "apiKey";
  readonly #keys = new Map<string, KeyRecord>();
  readonly #hosts = new Set<AuthenticatorHost>();

  constructor(keys: readonly ApiKeyConfig[] = []) {
    for (const key of keys) this.add(key);
  }

  attach(host: AuthenticatorHost): void {
    this.#hosts.add(host);
  }

  authenticate(attempt: ConnectAttempt): AuthenticationResult {
    if (attempt.password === undefined) return DEFER;
    const key = parseApiKey(decoder.decode(attempt.password));
    if (key === undefined) return DEFER;
    const record = this.#keys.get(key.id);
    if (record === undefined) return DEFER;
    if (!apiKeySecretMatches(key.secret, record.digest))
      return deny(ReasonCode.BadUserNameOrPassword, "Unknown, revoked or wrong API key");
    const { username } = attempt;
    if (username !== undefined && username !== key.id && username !== record.info.user)
      return deny(ReasonCode.BadUserNameOrPassword, "The user name is neither the API key's id nor its user");
    return { kind: "allow", principal: record.principal };
  }

  /** Whether any key is held (keys are added and revoked at run time). */
  get holdsKeys(): boolean {
    return this.#keys.size > 0;
  }

  /** Adds a key by its hash; throws when the id is taken. */
  add(entry: ApiKeyEntry): void {
    if (this.#keys.has(entry.id)) throw new Error(`Cannot add API key "${entry.id}": the id is taken`);
    const info: ApiKeyInfo = {
      id: entry.id,
      user: entry.user,
      tenant: entry.tenant,
      roles: [...entry.roles],
    };
    this.#keys.set(entry.id, {
      info: Object.freeze(info),
      digest: storedApiKeyDigest(entry.hash),
      principal: makePrincipal({
        id: entry.user ?? entry.id,
        tenant: entry.tenant,
        roles: entry.roles,
        scopes: entry.scopes ?? [],
        attributes: {
          credential: "apiKey",
          apiKeyId: entry.id,
          ...(entry.org === undefined ? {} : { org: entry.org }),
        },
      }),
    });
  }

  /**
   * Makes and adds a new key; returns it (the only time it is visible: the broker keeps its hash).
   * @example
   * ```ts
   * const key = apiKeys.create({ id: "sensor-7", tenant: "acme", roles: ["device"] });
   * ```
   */
  create(entry: Omit<ApiKeyEntry, "hash">): string {
    const { key, hash } = generateApiKey(entry.id);
    this.add({ ...entry, hash });
    return key;
  }

  /**
   * Revokes a key: it is forgotten and every client connected with it is disconnected (v5: DISCONNECT
   * 0x98 Administrative action). Returns whether the key existed and how many clients were disconnected.
   */
  revoke(id: string): { readonly revoked: boolean; readonly disconnected: number } {
    const revoked = this.#keys.delete(id);
    let disconnected = 0;
    for (const host of this.#hosts) {
      disconnected += host.disconnectClients(
        (principal) =>
          principal.attributes["credential"] === "apiKey" && principal.attributes["apiKeyId"] === id,
        { reasonCode: ReasonCode.AdministrativeAction, reason: "API key revoked", event: "auth.revoked" },
      );
    }
    return { revoked, disconnected };
  }

  /** The keys, without their hashes. */
  list(): ApiKeyInfo[] {
    return [...this.#keys.values()].map((record) => record.info);
  }
}
