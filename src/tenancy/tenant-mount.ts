/**
 * Tenant mounts: how each tenant's topics are kept apart inside one broker.
 *
 * Scheme. A principal of tenant `T` (other than the default tenant) has its topics mounted: the client
 * publishes `a/b`, the broker routes, retains and stores `$t/T/a/b`, and every subscriber (all of
 * tenant `T`) is sent `a/b` again. Topics whose first level begins with "$" (other than `$SYS`) go
 * under a root of their own, `$td/T/` (`$foo/bar` becomes `$td/T/$foo/bar`). Filters are mounted the
 * same way, by their first character (`#` becomes `$t/T/#`, `$foo/+` becomes `$td/T/$foo/+`,
 * `$share/g/x/+` becomes `$share/g/$t/T/x/+`, so share groups are per tenant too).
 *
 * Why it isolates. Every mounted topic begins with "$", and a filter whose first level is a wildcard
 * never matches a topic beginning with "$" [MQTT-4.7.2-1]: the default tenant's `#` and `+/x` see no
 * other tenant. Every other tenant's filters begin with their own literal `$t/T/` or `$td/T/`, so they
 * match only that tenant's topics. A client cannot escape by naming a mount itself: tenant `A`
 * publishing to `$t/B/x` writes `$td/A/$t/B/x`, and the default tenant may not use the `$t` and `$td`
 * levels at all (refused, see {@link isMountNamespace}). Tenant ids cannot contain "/", "+", "#" or
 * U+0000, so no id can reach into another's prefix.
 *
 * Why two roots. The "$" rule must also hold inside a tenant: its `#` must not match its own `$foo`
 * topics. Under one root, `$t/T/#` would match `$t/T/$foo`. A topic beginning with "$" can only be
 * matched by a filter whose first level is a literal beginning with "$", and such a filter begins with
 * "$" too; so mounting both by their first character keeps [MQTT-4.7.2-1] exact within every tenant.
 *
 * The default tenant is mounted at the root (no prefix): its internal topics are the client's topics.
 * A single-tenant broker therefore behaves, stores and performs exactly as before tenants existed, and
 * stores written before keep working. `$SYS` is never mounted: it is the broker's, one for all
 * tenants, and only administrators may use it (see the access guard).
 *
 * Egress. Since a mounted topic can only match the filters of its own tenant, every receiver of a
 * message sees the same client topic: it is computed once per message ({@link clientTopicOf}) and the
 * encoded PUBLISH frame, cached per message, carries it.
 * @module
 */

import { DEFAULT_TENANT } from "../hooks/index.js";
import { MAX_TOPIC_BYTES } from "../protocol/index.js";

/** The first level of every mounted topic that does not begin with "$". */
export const MOUNT_ROOT = "$t";
/** The first level of every mounted topic that begins with "$". */
export const DOLLAR_MOUNT_ROOT = "$td";

const DOLLAR = 0x24;

/** Where a tenant's topics live: the prefixes of its ordinary and of its "$" topics. */
export interface TenantMount {
  /** True for the default tenant: no prefixes, topics are used as they are. */
  readonly root: boolean;
  /** `$t/<tenant>/`, or "" at the root. */
  readonly plain: string;
  /** `$td/<tenant>/`, or "" at the root. */
  readonly dollar: string;
}

/** The default tenant's mount: none. */
export const ROOT_MOUNT: TenantMount = Object.freeze({ root: true, plain: "", dollar: "" });

/** Longest tenant id, in UTF-16 code units. */
export const MAX_TENANT_ID_LENGTH = 128;

/**
 * Why `tenant` cannot be a tenant id, or undefined when it can: it must be 1 to 128 characters without
 * "/", "+", "#" or U+0000, so a mount prefix is always exactly one topic level of its own.
 *
 * @example
 * ```ts
 * tenantIdError("acme"); // undefined
 * tenantIdError("a/b"); // 'Tenant id "a/b" must not contain "/", "+", "#" or U+0000'
 * ```
 */
export function tenantIdError(tenant: string): string | undefined {
  if (tenant.length === 0) return "Tenant id must not be empty";
  if (tenant.length > MAX_TENANT_ID_LENGTH)
    return `Tenant id must be at most ${MAX_TENANT_ID_LENGTH} characters, not ${tenant.length}`;
  if (["/", "+", "#", "\u0000"].some((character) => tenant.includes(character)))
    return `Tenant id ${JSON.stringify(tenant)} must not contain "/", "+", "#" or U+0000`;
  return undefined;
}

/** The mount of a (valid) tenant: {@link ROOT_MOUNT} for the default tenant. */
export function mountOf(tenant: string): TenantMount {
  if (tenant === DEFAULT_TENANT) return ROOT_MOUNT;
  return { root: false, plain: `${MOUNT_ROOT}/${tenant}/`, dollar: `${DOLLAR_MOUNT_ROOT}/${tenant}/` };
}

/** The prefix `mount` puts in front of `topic` (a topic name or filter), by its first character. */
export function prefixFor(mount: TenantMount, topic: string): string {
  return topic.charCodeAt(0) === DOLLAR ? mount.dollar : mount.plain;
}

/**
 * Whether `prefix + topic` stays within the 65,535 bytes of UTF-8 a topic may have [MQTT-4.7.3-3], so
 * the mounted form of a valid client topic is still valid. Counts bytes only for topics long enough to
 * be in doubt.
 */
export function mountFits(prefix: string, topic: string): boolean {
  if ((prefix.length + topic.length) * 3 <= MAX_TOPIC_BYTES) return true;
  return utf8Length(prefix) + utf8Length(topic) <= MAX_TOPIC_BYTES;
}

/** UTF-8 length of a string whose surrogates are paired (as validated topics are). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Whether a topic name or filter is in `$SYS` (its first level is exactly `$SYS`). */
export function isSysTopic(topic: string): boolean {
  return topic.startsWith("$SYS") && (topic.length === 4 || topic.charCodeAt(4) === 0x2f);
}

/** Whether a topic name or filter lies in a mount namespace (its first level is `$t` or `$td`). */
export function isMountNamespace(topic: string): boolean {
  return firstLevelIs(topic, MOUNT_ROOT) || firstLevelIs(topic, DOLLAR_MOUNT_ROOT);
}

function firstLevelIs(topic: string, level: string): boolean {
  return (
    topic.startsWith(level) && (topic.length === level.length || topic.charCodeAt(level.length) === 0x2f)
  );
}

/**
 * The topic a client of any tenant sees for the internal topic `topic`: the mount prefix removed, or
 * `topic` itself when it is not mounted (the default tenant's topics, `$SYS`).
 *
 * @example
 * ```ts
 * unmountTopic("$t/acme/a/b"); // "a/b"
 * unmountTopic("$td/acme/$foo/b"); // "$foo/b"
 * unmountTopic("a/b"); // "a/b"
 * ```
 */
export function unmountTopic(topic: string): string {
  if (!isMountNamespace(topic)) return topic;
  const tenantStart = topic.indexOf("/") + 1;
  const end = tenantStart === 0 ? -1 : topic.indexOf("/", tenantStart);
  return end === -1 ? topic : topic.slice(end + 1);
}

/**
 * The tenant whose namespace the internal topic `topic` lies in: the tenant of its mount, or the
 * default tenant for a topic that is not mounted (`$SYS` included).
 *
 * @example
 * ```ts
 * tenantOfTopic("$t/acme/a/b"); // "acme"
 * tenantOfTopic("$td/acme/$foo"); // "acme"
 * tenantOfTopic("a/b"); // "default"
 * ```
 */
export function tenantOfTopic(topic: string): string {
  if (topic.charCodeAt(0) !== DOLLAR || !isMountNamespace(topic)) return DEFAULT_TENANT;
  const tenantStart = topic.indexOf("/") + 1;
  const end = tenantStart === 0 ? -1 : topic.indexOf("/", tenantStart);
  return end === -1 ? DEFAULT_TENANT : topic.slice(tenantStart, end);
}

/** What {@link clientTopicOf} needs of a message: its internal topic and a slot to cache the result. */
export interface MountedMessage {
  readonly topic: string;
  clientTopic?: string | undefined;
}

/**
 * The topic to send to subscribers of `message`. Topics not beginning with "$" (the default tenant's,
 * the common case) cost one character test; a mounted topic is unmounted once per message and kept on
 * it, so a message delivered to many subscribers does no string work per delivery.
 */
export function clientTopicOf(message: MountedMessage): string {
  // a topic mounted where it entered already carries its client topic: the mounted string, a fresh
  // concatenation, is then not read at all (reading it would flatten it)
  const known = message.clientTopic;
  if (known !== undefined) return known;
  const topic = message.topic;
  if (topic.charCodeAt(0) !== DOLLAR) return topic;
  return (message.clientTopic = unmountTopic(topic));
}
