/**
 * Request bodies of the `brokers` routes turned into what the registry accepts. A create gets its
 * defaults here: an id (a UUID), a name (the id), the forwarded tenants (the broker's own) and a random
 * `secret` (the privacy rules' HMAC key) when none is given. An update keeps the stored secrets the
 * body leaves out: an `auth` of the same kind without `password` / `privateKey` (or with `***`, what
 * the API shows for them) keeps the stored one (and a kept private key its passphrase); a privacy rule
 * set whose `key` (of the set, or of a rule: matched by the rule's id, else its position) is `***`
 * keeps the stored key; `"secret": null` generates a new secret.
 *
 * A stored auth secret (password, private key, passphrase) goes only to the endpoint it was given for:
 * an update that changes where the bridge connects or whom it trusts ({@link ENDPOINT_FIELDS}, compared
 * after defaults) and would keep one (`auth` left out, or a secret left out or sent as `***`) is
 * refused with `SECRET_REQUIRED`, naming the secret and the changed fields. Otherwise anyone allowed to
 * PATCH a broker, who cannot read its password, could point it at a host of theirs and receive it.
 * @module
 */

import { randomBytes, randomUUID } from "node:crypto";
import { defaultBridgePort } from "../bridges/index.js";
import type { OutboundBroker } from "../platform/registry/index.js";
import { ApiError } from "./api-error.js";
import { REDACTED } from "./broker-schemas.js";

type Body = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Body =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function invalid(message: string): ApiError {
  return new ApiError("BAD_REQUEST", `Invalid body: ${message}`);
}

/** 256 random bits, base64url (43 characters). */
export function generateSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** The registry input of a create body; `tenant` is the tenant the broker is created in. */
export function brokerCreateInput(body: Body, tenant: string): Record<string, unknown> {
  const id = typeof body["id"] === "string" ? body["id"] : randomUUID();
  return {
    ...body,
    id,
    tenant,
    name: body["name"] ?? id,
    tenants: body["tenants"] ?? [tenant],
    secret: body["secret"] ?? generateSecret(),
  };
}

/** The fields that say where a bridge connects and whom it trusts. */
const ENDPOINT_FIELDS = ["host", "port", "tls", "ca", "servername", "insecureSkipVerify"] as const;

/** The endpoint fields of a broker after the bridge's defaults (absent and `null` alike). */
function endpoint(fields: Body): Readonly<Record<(typeof ENDPOINT_FIELDS)[number], unknown>> {
  const tls = fields["tls"] === true;
  return {
    host: fields["host"],
    port: fields["port"] ?? defaultBridgePort(tls),
    tls,
    ca: fields["ca"] ?? undefined,
    servername: fields["servername"] ?? undefined,
    insecureSkipVerify: fields["insecureSkipVerify"] === true,
  };
}

/** The endpoint fields an update body changes (compared after defaults: `port: 1883` changes nothing). */
function endpointChanges(body: Body, current: OutboundBroker): string[] {
  const before = endpoint(current as unknown as Body);
  const after = endpoint({ ...(current as unknown as Body), ...body });
  return ENDPOINT_FIELDS.filter((field) => before[field] !== after[field]);
}

function secretRequired(field: string, changed: readonly string[]): ApiError {
  const fields = changed.map((name) => `"${name}"`).join(", ");
  return new ApiError(
    "SECRET_REQUIRED",
    `Cannot keep the stored "auth.${field}": ${fields} changed, and a stored secret goes only to the endpoint it was given for: give "auth.${field}" again`,
  );
}

/** The registry patch of an update body of `current`. */
export function brokerPatchInput(body: Body, current: OutboundBroker): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...body };
  const changed = endpointChanges(body, current);
  if (isObject(body["auth"])) patch["auth"] = keepAuthSecrets(body["auth"], current.auth, changed);
  else if (body["auth"] === undefined) checkKeptSecrets(current.auth ?? {}, {}, changed); // kept whole
  if (isObject(body["privacy"])) patch["privacy"] = keepPrivacyKeys(body["privacy"], current.privacy);
  if (body["secret"] === null) patch["secret"] = generateSecret();
  return patch;
}

function keepAuthSecrets(next: Body, stored: OutboundBroker["auth"], changed: readonly string[]): Body {
  const same = stored !== undefined && stored.kind === next["kind"] ? (stored as Body) : undefined;
  const kept: Record<string, unknown> = { ...next };
  const keptKey = keep(kept, same, "privateKey", next["kind"] === "certificate");
  keep(kept, same, "password", next["kind"] === "user_password");
  if (next["passphrase"] === REDACTED || (keptKey && next["passphrase"] === undefined))
    keep(kept, same, "passphrase", false, true);
  checkKeptSecrets(kept, next, changed);
  return kept;
}

/** Refuses a stored secret `kept` holds but `given` did not give, once an endpoint field `changed`. */
function checkKeptSecrets(kept: Body, given: Body, changed: readonly string[]): void {
  if (changed.length === 0) return;
  for (const field of ["privateKey", "password", "passphrase"])
    if (kept[field] !== undefined && kept[field] !== given[field]) throw secretRequired(field, changed);
}

/**
 * Puts the stored `field` back when the body omits it (and `omittedKeeps`) or gives `***`; returns
 * whether the stored value was kept.
 */
function keep(
  kept: Record<string, unknown>,
  stored: Body | undefined,
  field: string,
  omittedKeeps: boolean,
  force = false,
): boolean {
  const given = kept[field];
  if (!force && given !== REDACTED && !(omittedKeeps && given === undefined)) return false;
  const value = stored?.[field];
  if (value === undefined) {
    if (given === REDACTED)
      throw invalid(`"auth.${field}" is "${REDACTED}" but no ${field} of this kind is stored: give it`);
    return false; // omitted, and nothing stored to keep
  }
  kept[field] = value;
  return true;
}

function keepPrivacyKeys(next: Body, stored: OutboundBroker["privacy"]): Body {
  const kept: Record<string, unknown> = { ...next };
  if (next["key"] === REDACTED) kept["key"] = storedKey(stored?.["key"], "privacy.key");
  const rules = next["rules"];
  if (!Array.isArray(rules)) return kept;
  const storedRules: unknown[] = Array.isArray(stored?.["rules"]) ? (stored["rules"] as unknown[]) : [];
  kept["rules"] = rules.map((rule: unknown, index) => {
    if (!isObject(rule) || rule["key"] !== REDACTED) return rule;
    const counterpart =
      typeof rule["id"] === "string"
        ? storedRules.find((r) => isObject(r) && r["id"] === rule["id"])
        : storedRules[index];
    const key = isObject(counterpart) ? counterpart["key"] : undefined;
    return { ...rule, key: storedKey(key, `privacy.rules[${index}].key`) };
  });
  return kept;
}

function storedKey(key: unknown, field: string): string {
  if (typeof key !== "string")
    throw invalid(`"${field}" is "${REDACTED}" but no key is stored for it: give the key`);
  return key;
}

/** The broker as the API shows it: secrets as `***`, `secret` never. */
export function brokerView(broker: OutboundBroker): Record<string, unknown> {
  const { secret: _secret, auth, privacy, ...view } = broker;
  return {
    ...view,
    ...(auth === undefined ? {} : { auth: redactAuth(auth) }),
    ...(privacy === undefined ? {} : { privacy: redactPrivacy(privacy) }),
  };
}

function redactAuth(auth: NonNullable<OutboundBroker["auth"]>): Body {
  const shown: Record<string, unknown> = { ...auth };
  for (const field of ["password", "privateKey", "passphrase"])
    if (shown[field] !== undefined) shown[field] = REDACTED;
  return shown;
}

function redactPrivacy(privacy: Body): Body {
  const shown: Record<string, unknown> = { ...privacy };
  if (shown["key"] !== undefined) shown["key"] = REDACTED;
  if (Array.isArray(privacy["rules"]))
    shown["rules"] = (privacy["rules"] as unknown[]).map((rule) =>
      isObject(rule) && rule["key"] !== undefined ? { ...rule, key: REDACTED } : rule,
    );
  return shown;
}
