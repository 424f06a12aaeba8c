/**
 * The registry's credentials in the authentication chain (`auth.chain: [..., registry, ...]`):
 *
 * - **registry API keys** (`sbk_<id>_<secret>` as the password, the format of src/auth/api-key.ts):
 *   the user name must be absent, the key id, the key's user's user name, or one of `keyUsernames`.
 *   A key the registry does not know: `defer` (a configured key may match it). Revoked, wrong secret,
 *   or its user disabled or gone: `deny` 0x86;
 * - **device tokens** (any password whose SHA-256 is a device's token hash), with no user name or the
 *   device id as user name;
 * - **user names and passwords** of users and of devices' password credentials (scrypt). An unknown
 *   login name: `defer` at once (the chain's `unknown-login` link pays its scrypt check, once every
 *   password link has deferred: src/auth/unknown-login-authenticator.ts). A known name costs one check
 *   whatever the answer: a user without a password, or a stored hash beyond the bounds, is refused
 *   after a check against a dummy hash, so the time of the answer does not tell which names exist.
 *   Checks go through the broker's bound on password checks (src/auth/password-checks.ts): one it
 *   does not compute refuses the client at once (0x9F or 0x89), whether the name has a hash or not.
 *
 * A right credential of a disabled device or user: `deny` 0x87 Not authorized. Otherwise `allow`, with
 * a principal in the entity's tenant whose attributes say where it came from: `credential: "registry"`,
 * `registryKind` (`device`, `user` or `apiKey`) and `deviceId` / `userId` / `apiKeyId` (plus the device's
 * `dialect` and `applicationId` when it has them). Devices get the roles of `deviceRoles`.
 *
 * Changes take effect at once: every registry change that withdraws or alters a credential (a device
 * disabled, deleted or given new credentials; a user disabled, deleted or given a new password, user
 * name, roles or org; a key revoked, deleted or given new roles, scopes or org) disconnects the clients that
 * authenticated with it (v5: DISCONNECT 0x98 Administrative action), through the broker's
 * `disconnectClients`. A check that waited for scrypt looks the entity up again before it allows, so a
 * change made meanwhile is not missed.
 * @module
 */

import { timingSafeEqual } from "node:crypto";
import {
  dummyPasswordHash,
  hashApiKeySecret,
  makePrincipal,
  parseApiKey,
  parsePasswordHash,
  PasswordChecks,
  type PasswordHash,
} from "../../auth/index.js";
import {
  type AuthenticationResult,
  type Authenticator,
  type AuthenticatorHost,
  type ConnectAttempt,
  DEFER,
  deny,
  type Principal,
} from "../../hooks/index.js";
import { ReasonCode } from "../../protocol/index.js";
import type { ApiKey, Device, User } from "./model.js";
import type { Registry, RegistryChange } from "./registry.js";

export interface RegistryAuthenticatorOptions {
  /** Roles of device principals. Default `["device"]`. */
  readonly deviceRoles?: readonly string[];
  /** User names accepted with any registry API key besides its id and its user's name (e.g. Gooee's `authorization`). */
  readonly keyUsernames?: readonly string[];
  /** Checks passwords against hashes, shared with the other password links (their bound). Default: its own, with scrypt. */
  readonly checks?: PasswordChecks;
}

const decoder = new TextDecoder();
const BAD = "Bad user name or password";

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class RegistryAuthenticator implements Authenticator {
  readonly name = "registry";
  readonly #registry: Registry;
  readonly #hosts = new Set<AuthenticatorHost>();
  readonly #deviceRoles: readonly string[];
  readonly #keyUsernames: ReadonlySet<string>;
  readonly #checks: PasswordChecks;
  readonly #dummy: PasswordHash = dummyPasswordHash();

  constructor(registry: Registry, options: RegistryAuthenticatorOptions = {}) {
    this.#registry = registry;
    this.#deviceRoles = options.deviceRoles ?? ["device"];
    this.#keyUsernames = new Set(options.keyUsernames ?? []);
    this.#checks = options.checks ?? new PasswordChecks();
    registry.onChange((change) => this.#changed(change));
  }

  attach(host: AuthenticatorHost): void {
    this.#hosts.add(host);
  }

  authenticate(attempt: ConnectAttempt): AuthenticationResult | Promise<AuthenticationResult> {
    if (attempt.password === undefined) return DEFER;
    const password = decoder.decode(attempt.password);
    const key = parseApiKey(password);
    if (key !== undefined) return this.#apiKey(key.id, key.secret, attempt.username);
    const deviceId = this.#registry.tokenOwner(hashApiKeySecret(password));
    if (deviceId !== undefined) return this.#token(deviceId, attempt.username);
    if (attempt.username === undefined) return DEFER;
    return this.#login(attempt.username, attempt.password, attempt);
  }

  #apiKey(id: string, secret: string, username: string | undefined): AuthenticationResult {
    const key = this.#registry.get("apiKeys", id);
    if (key === undefined) return DEFER;
    if (key.revokedAt !== undefined || !sameText(hashApiKeySecret(secret), key.hash))
      return deny(ReasonCode.BadUserNameOrPassword, "Unknown, revoked or wrong API key");
    const user = key.userId === undefined ? undefined : this.#registry.get("users", key.userId);
    if (key.userId !== undefined && user?.enabled !== true)
      return deny(ReasonCode.BadUserNameOrPassword, "The API key's user is disabled or deleted");
    if (
      username !== undefined &&
      username !== key.id &&
      username !== user?.username &&
      !this.#keyUsernames.has(username)
    )
      return deny(ReasonCode.BadUserNameOrPassword, "The user name is neither the API key's id nor its user");
    return { kind: "allow", principal: keyPrincipal(key, user) };
  }

  #token(deviceId: string, username: string | undefined): AuthenticationResult {
    const device = this.#registry.device(deviceId)!;
    if (username !== undefined && username !== device.id)
      return deny(ReasonCode.BadUserNameOrPassword, "The user name is not the token's device");
    return this.#deviceResult(device);
  }

  async #login(
    username: string,
    password: Uint8Array,
    attempt: ConnectAttempt,
  ): Promise<AuthenticationResult> {
    const owner = this.#registry.loginOwner(username);
    if (owner === undefined) return DEFER;
    const hash = owner.kind === "users" ? this.#userHash(owner.id) : this.#deviceHash(owner.id, username);
    // no password, or a hash stored before the bounds on its parameters: refused, at the same cost
    const parsed = hash === undefined ? undefined : usableHash(hash);
    const verdict = await this.#checks.verify(password, parsed ?? this.#dummy, attempt);
    if (typeof verdict !== "boolean") return verdict; // not checked: too many checks
    if (parsed === undefined || !verdict) return deny(ReasonCode.BadUserNameOrPassword, BAD);
    // scrypt took a while: the credential must still be the one just checked
    const now = this.#registry.loginOwner(username);
    if (now?.kind !== owner.kind || now.id !== owner.id) return deny(ReasonCode.BadUserNameOrPassword, BAD);
    if (owner.kind === "users") {
      const user = this.#registry.get("users", owner.id)!;
      if (user.passwordHash !== hash) return deny(ReasonCode.BadUserNameOrPassword, BAD);
      if (!user.enabled) return deny(ReasonCode.NotAuthorized, "User disabled");
      return { kind: "allow", principal: userPrincipal(user) };
    }
    if (this.#deviceHash(owner.id, username) !== hash) return deny(ReasonCode.BadUserNameOrPassword, BAD);
    return this.#deviceResult(this.#registry.device(owner.id)!);
  }

  #userHash(id: string): string | undefined {
    return this.#registry.get("users", id)?.passwordHash;
  }

  #deviceHash(id: string, username: string): string | undefined {
    for (const credential of this.#registry.device(id)?.credentials ?? [])
      if (credential.kind === "password" && credential.username === username) return credential.passwordHash;
    return undefined;
  }

  #deviceResult(device: Device): AuthenticationResult {
    if (!device.enabled) return deny(ReasonCode.NotAuthorized, "Device disabled");
    return { kind: "allow", principal: devicePrincipal(device, this.#deviceRoles) };
  }

  // ---- effects of changes ----

  #changed(change: RegistryChange): void {
    switch (change.kind) {
      case "devices": {
        const { before, after } = change;
        if (before === undefined) return;
        const withdrawn =
          after === undefined ||
          (before.enabled && !after.enabled) ||
          JSON.stringify(before.credentials) !== JSON.stringify(after.credentials);
        if (withdrawn)
          this.#disconnect(
            "deviceId",
            before.id,
            after === undefined ? "Device deleted" : "Device disabled or its credentials changed",
          );
        return;
      }
      case "users": {
        const { before, after } = change;
        if (before === undefined) return;
        const withdrawn =
          after === undefined ||
          (before.enabled && !after.enabled) ||
          before.passwordHash !== after.passwordHash ||
          before.username !== after.username ||
          before.org !== after.org ||
          JSON.stringify(before.roles) !== JSON.stringify(after.roles);
        if (withdrawn)
          this.#disconnect(
            "userId",
            before.id,
            after === undefined ? "User deleted" : "User disabled or changed",
          );
        return;
      }
      case "apiKeys": {
        const { before, after } = change;
        if (before === undefined) return;
        const withdrawn =
          after === undefined ||
          (before.revokedAt === undefined && after.revokedAt !== undefined) ||
          before.org !== after.org ||
          JSON.stringify([before.roles, before.scopes]) !== JSON.stringify([after.roles, after.scopes]);
        if (withdrawn)
          this.#disconnect(
            "apiKeyId",
            before.id,
            after === undefined ? "API key deleted" : "API key revoked or changed",
          );
        return;
      }
      default:
        return;
    }
  }

  #disconnect(attribute: "deviceId" | "userId" | "apiKeyId", id: string, reason: string): void {
    for (const host of this.#hosts) {
      host.disconnectClients(
        (principal) =>
          principal.attributes["credential"] === "registry" && principal.attributes[attribute] === id,
        { reasonCode: ReasonCode.AdministrativeAction, reason, event: "auth.revoked" },
      );
    }
  }
}

/** The parsed hash, or undefined when it is beyond the bounds (stored before them) or malformed. */
function usableHash(hash: string): PasswordHash | undefined {
  try {
    return parsePasswordHash(hash);
  } catch {
    return undefined;
  }
}

function devicePrincipal(device: Device, roles: readonly string[]): Principal {
  return makePrincipal({
    id: device.id,
    tenant: device.tenant,
    roles,
    attributes: {
      credential: "registry",
      registryKind: "device",
      deviceId: device.id,
      ...(device.dialect === undefined ? {} : { dialect: device.dialect }),
      ...(device.applicationId === undefined ? {} : { applicationId: device.applicationId }),
    },
  });
}

function userPrincipal(user: User): Principal {
  return makePrincipal({
    id: user.username,
    tenant: user.tenant,
    roles: user.roles,
    attributes: {
      credential: "registry",
      registryKind: "user",
      userId: user.id,
      ...orgOf(user.org),
    },
  });
}

function keyPrincipal(key: ApiKey, user: User | undefined): Principal {
  return makePrincipal({
    id: user?.username ?? key.id,
    tenant: key.tenant,
    roles: key.roles,
    scopes: key.scopes,
    attributes: {
      credential: "registry",
      registryKind: "apiKey",
      apiKeyId: key.id,
      ...(user === undefined ? {} : { userId: user.id }),
      ...orgOf(key.org ?? user?.org),
    },
  });
}

function orgOf(org: string | undefined): { org?: string } {
  return org === undefined ? {} : { org };
}
