/**
 * The access guard: tenants, `$SYS`, limits and the audit log, around the authorizer chain.
 *
 * It is not a link of the chain and cannot be bypassed by one: the handlers ask it first. Per request:
 * - tenancy (tenancy/tenant-mount.ts): topics and filters are mounted on the way in (PUBLISH, will,
 *   SUBSCRIBE, UNSUBSCRIBE, session keys) and unmounted on the way out (Connection.sendPublish);
 * - `$SYS` is never mounted; only administrators (a role in `tenants.adminRoles`) may publish to it,
 *   and only they (and, with `tenants.loopbackSysAccess`, local default-tenant clients) may subscribe
 *   to it and receive it. The default tenant may not use the `$t` mount namespace at all;
 * - the authorizer chain (the configured rules last) then decides on the client's own topic;
 * - every denial and exceeded limit is counted in the metrics and written to the audit log.
 *
 * The broker calls it at five points: accept (connection limits), the first CONNECT (an early refusal),
 * `openSession` ({@link AccessGuard.admit}: tenant, tenant limit, will, session key), close (counts), and
 * every delivery ({@link AccessGuard.mayReceive}).
 * @module
 */

import { AuditLog, type AuditEvent, RulesAuthorizer } from "../auth/authorization/index.js";
import type { ClientIdentity } from "../hooks/index.js";
import type { ConnectPacket } from "../protocol/index.js";
import { ReasonCode, parseSubscriptionFilter } from "../protocol/index.js";
import { isLoopbackIp } from "../limits/index.js";
import {
  isMountNamespace,
  isSysTopic,
  mountFits,
  mountOf,
  prefixFor,
  tenantIdError,
  utf8Length,
} from "../tenancy/index.js";
import type { Broker } from "./broker.js";
import { Connection } from "./connection.js";
import { ConnectionAdmission } from "./connection-admission.js";
import type { GuardedAction, LimitName } from "./metrics.js";

/** Why the guard refused a topic or filter. */
export interface Refusal {
  /** A stable token for the audit log. */
  readonly reason: "sys-admin-only" | "reserved-namespace" | "topic-length" | "topic-levels";
  /** The reason code a v5 client gets. */
  readonly reasonCode: number;
}

const SYS_ADMIN_ONLY: Refusal = { reason: "sys-admin-only", reasonCode: ReasonCode.NotAuthorized };
const RESERVED: Refusal = { reason: "reserved-namespace", reasonCode: ReasonCode.NotAuthorized };
const NAME_TOO_LONG: Refusal = { reason: "topic-length", reasonCode: ReasonCode.TopicNameInvalid };
const FILTER_TOO_LONG: Refusal = { reason: "topic-length", reasonCode: ReasonCode.TopicFilterInvalid };
const DOLLAR = 0x24;
const MQTT_TOPIC_MAX = 65_535;

export class AccessGuard {
  /** The configured rules (last in the authorizer chain); `rules.setRules` replaces them at run time. */
  readonly rules: RulesAuthorizer;
  readonly audit: AuditLog;
  readonly admission: ConnectionAdmission;
  readonly #broker: Broker;
  readonly #adminRoles: ReadonlySet<string>;

  constructor(broker: Broker) {
    const config = broker.config;
    this.#broker = broker;
    this.#adminRoles = new Set(config.tenants.adminRoles);
    this.rules = new RulesAuthorizer(config.authorization);
    this.audit = new AuditLog({
      logger: broker.logger,
      linesPerSecond: config.authorization.auditLogRate,
      clock: broker.now,
    });
    this.admission = new ConnectionAdmission(config.limits);
  }

  // ---- connection lifecycle ----

  /** A socket was accepted: decides the connection limits (answered at CONNECT, see below). */
  accepted(conn: Connection): void {
    conn.access = this.admission.accepted(conn.transport.remoteAddress, this.#broker.now());
    const refusal = conn.access.refusal;
    if (refusal !== undefined) this.#broker.metrics.limits[refusal.limit]++;
  }

  /** Answers the first CONNECT of a connection refused at accept; true when it did. */
  refuseAtConnect(conn: Connection, packet: ConnectPacket): boolean {
    const refusal = conn.access?.refusal;
    if (refusal === undefined) return false;
    conn.version = packet.protocolVersion;
    this.#record(conn, {
      event: "limit.exceeded",
      action: "connect",
      clientId: packet.clientId,
      reason: refusal.limit,
    });
    this.#broker.refuseConnectWith(conn, refusal.reasonCode, refusal.reason);
    return true;
  }

  /**
   * The session key a client of `tenant` with `clientId` gets when admitted (a mounted tenant's is
   * mounted): what other nodes know its session by, so the one to claim before it is opened. Undefined
   * when {@link admit} will refuse the client for its tenant id or a reserved client id.
   */
  sessionKeyOf(tenant: string, clientId: string): string | undefined {
    if (tenantIdError(tenant) !== undefined) return undefined;
    const mount = mountOf(tenant);
    if (mount.root && isMountNamespace(clientId)) return undefined;
    return mount.plain + clientId;
  }

  /**
   * Admits an authenticated client (called by `Broker.openSession` before anything else): checks its
   * tenant id, the tenant's connection limit and its will topic; mounts the will and the session key
   * (a client id is unique per tenant, so no tenant can take over another's session). Returns the
   * CONNACK refusal, or undefined.
   */
  admit(conn: Connection): { readonly reasonCode: number; readonly reason: string } | undefined {
    const access = conn.access!;
    const principal = conn.identity!.principal;
    const tenant = principal.tenant;
    const tenantError = tenantIdError(tenant);
    if (tenantError !== undefined) {
      conn.log.error({ principal: principal.id }, `Cannot admit the client: ${tenantError}`);
      return this.#refuseConnect(conn, "invalid-tenant", ReasonCode.NotAuthorized, "Invalid tenant");
    }
    const mount = mountOf(tenant);
    const params = conn.params!;
    if (mount.root && isMountNamespace(params.clientId)) {
      const reason = 'Client identifiers beginning with "$t/" or "$td/" are reserved';
      return this.#refuseConnect(conn, "reserved-namespace", ReasonCode.ClientIdentifierNotValid, reason);
    }
    // a client id is unique per tenant: the session key of a mounted tenant's client is mounted too
    const sessionKey = mount.plain + params.clientId;
    const previous = this.#broker.sessions.get(sessionKey)?.link;
    const takeover = previous instanceof Connection && previous.access?.tenant === tenant;
    if (!this.admission.tenantHasRoom(tenant, takeover)) {
      this.#broker.metrics.limits["connections-per-tenant"]++;
      this.#record(conn, { event: "limit.exceeded", action: "connect", reason: "connections-per-tenant" });
      return { reasonCode: ReasonCode.QuotaExceeded, reason: "Too many connections for this tenant" };
    }
    access.mount = mount;
    const will = conn.will;
    if (will !== undefined) {
      const mounted = this.#checkedTopic(conn, will.topic);
      if (typeof mounted !== "string") {
        const code = mounted.reason.startsWith("topic-")
          ? ReasonCode.TopicNameInvalid
          : ReasonCode.NotAuthorized;
        return this.#refuseConnect(conn, mounted.reason, code, "Will topic not authorized", will.topic);
      }
      if (mounted !== will.topic) conn.will = { ...will, topic: mounted };
    }
    if (!mount.root) conn.params = { ...params, clientId: sessionKey };
    this.admission.admitted(access, tenant, sessionKey, this.#broker.now());
    return undefined;
  }

  /** A connection closed: it stops counting against the limits. */
  closed(conn: Connection): void {
    if (conn.access !== undefined) this.admission.closed(conn.access, this.#broker.now());
  }

  // ---- requests ----

  /**
   * Whether `identity` has an administrator role. Never a principal that logged in on a dialect's own
   * endpoint (PlaceOS's `/api/mqtt`): a PlaceOS admin is not the broker's administrator.
   */
  isAdmin(identity: ClientIdentity): boolean {
    if (identity.principal.attributes["endpoint"] !== undefined) return false;
    for (const role of identity.principal.roles) if (this.#adminRoles.has(role)) return true;
    return false;
  }

  /**
   * Whether the client administers the broker: an administrator of the default tenant. `$SYS` shows
   * and counts every tenant, so another tenant's administrator (who administers that tenant only) may
   * neither read nor write it.
   */
  isBrokerAdmin(conn: Connection): boolean {
    return conn.access?.mount.root === true && this.isAdmin(conn.identity!);
  }

  /** Whether the client may subscribe to and receive `$SYS`. */
  maySeeSys(conn: Connection): boolean {
    if (this.isBrokerAdmin(conn)) return true;
    return (
      this.#broker.config.tenants.loopbackSysAccess &&
      conn.access?.mount.root === true &&
      conn.listener.loopback &&
      isLoopbackIp(conn.access.ip)
    );
  }

  /** The limit a topic name or filter exceeds (`limits.maxTopicLength`, `limits.maxTopicLevels`), if any. */
  topicLimit(topic: string): "topic-length" | "topic-levels" | undefined {
    const { maxTopicLength, maxTopicLevels } = this.#broker.config.limits;
    if (
      maxTopicLength < MQTT_TOPIC_MAX &&
      topic.length * 3 > maxTopicLength &&
      (topic.length > maxTopicLength || utf8Length(topic) > maxTopicLength)
    ) {
      return "topic-length";
    }
    // n characters hold at most n + 1 levels, so only long topics need counting
    if (maxTopicLevels > 0 && topic.length >= maxTopicLevels && levelCount(topic) > maxTopicLevels)
      return "topic-levels";
    return undefined;
  }

  /**
   * The internal topic for a PUBLISH (or will) to the client topic `topic`, or why the client may not
   * publish there. Publishing to `$SYS` needs an administrator of the default tenant (it is never
   * mounted).
   */
  mountTopic(conn: Connection, topic: string): string | Refusal {
    const mount = conn.access!.mount;
    if (topic.charCodeAt(0) === DOLLAR) {
      if (isSysTopic(topic)) return this.isBrokerAdmin(conn) ? topic : SYS_ADMIN_ONLY;
      if (mount.root && isMountNamespace(topic)) return RESERVED;
    }
    if (mount.root) return topic;
    const prefix = prefixFor(mount, topic);
    return mountFits(prefix, topic) ? prefix + topic : NAME_TOO_LONG;
  }

  /** The internal filter for a subscription to `filter` (without `$share/<group>/`), or why not. */
  mountFilter(conn: Connection, filter: string): string | Refusal {
    const mount = conn.access!.mount;
    if (filter.charCodeAt(0) === DOLLAR) {
      if (isSysTopic(filter)) return this.maySeeSys(conn) ? filter : SYS_ADMIN_ONLY;
      if (mount.root && isMountNamespace(filter)) return RESERVED;
    }
    if (mount.root) return filter;
    const prefix = prefixFor(mount, filter);
    return mountFits(prefix, filter) ? prefix + filter : FILTER_TOO_LONG;
  }

  /** The session key of the subscription an UNSUBSCRIBE names (the client's filter, mounted). */
  mountUnsubscribe(conn: Connection, topicFilter: string): string {
    const mount = conn.access!.mount;
    if (mount.root) return topicFilter;
    const parsed = parseSubscriptionFilter(topicFilter);
    if ("error" in parsed || isSysTopic(parsed.filter)) return topicFilter;
    const mounted = prefixFor(mount, parsed.filter) + parsed.filter;
    return parsed.shareGroup === undefined ? mounted : `$share/${parsed.shareGroup}/${mounted}`;
  }

  /**
   * Whether the client may receive a message on `topic` (its own view, see `clientTopicOf`), asked for
   * every delivery: `$SYS` needs `$SYS` access; then the authorizers' receive checks.
   */
  mayReceive(conn: Connection, topic: string): boolean {
    if (topic.charCodeAt(0) === DOLLAR && isSysTopic(topic) && !this.maySeeSys(conn)) {
      this.denied(conn, "receive", topic, SYS_ADMIN_ONLY);
      return false;
    }
    const hooks = this.#broker.hooks;
    if (!hooks.checksReceive || hooks.authorizeReceive(conn.identity!, topic)) return true;
    this.denied(conn, "receive", topic, undefined);
    return false;
  }

  // ---- accounting ----

  /**
   * Counts and audits a denial of `action` on `topic`: by the guard (`refusal`), or, when `refusal` is
   * undefined, by the authorizer chain (the rules then say which rule, if it was theirs).
   */
  denied(
    conn: Connection,
    action: Exclude<GuardedAction, "connect">,
    topic: string,
    refusal: Refusal | undefined,
  ): void {
    this.#broker.metrics.denied[action]++;
    if (refusal !== undefined) {
      this.#record(conn, { event: "access.denied", action, topic, reason: refusal.reason });
      return;
    }
    const source = this.rules.denialSource(conn.identity!, action, topic);
    const reason = source.kind === "rule" ? "rule" : source.kind === "no-match" ? "no-match" : "authorizer";
    const rule = source.kind === "rule" ? source.rule : undefined;
    this.#record(conn, { event: "access.denied", action, topic, rule, reason });
  }

  /** Counts and audits an exceeded limit. */
  limitExceeded(conn: Connection, action: GuardedAction, limit: LimitName, topic?: string): void {
    this.#broker.metrics.limits[limit]++;
    this.#record(conn, { event: "limit.exceeded", action, topic, reason: limit });
  }

  #refuseConnect(
    conn: Connection,
    reason: string,
    reasonCode: number,
    message: string,
    topic?: string,
  ): { readonly reasonCode: number; readonly reason: string } {
    this.#broker.metrics.denied.connect++;
    this.#record(conn, { event: "access.denied", action: "connect", reason, topic });
    return { reasonCode, reason: message };
  }

  /** The will's topic checked against the limits and mounted. */
  #checkedTopic(conn: Connection, topic: string): string | Refusal {
    const limit = this.topicLimit(topic);
    if (limit !== undefined) {
      this.#broker.metrics.limits[limit]++;
      return { reason: limit, reasonCode: ReasonCode.TopicNameInvalid };
    }
    return this.mountTopic(conn, topic);
  }

  #record(
    conn: Connection,
    event: Omit<AuditEvent, "clientId" | "principal" | "tenant"> & { readonly clientId?: string },
  ): void {
    const identity = conn.identity;
    this.audit.record({
      ...event,
      clientId: event.clientId ?? identity?.clientId,
      principal: identity?.principal.id,
      tenant: identity?.principal.tenant,
      remote: conn.access?.ip,
    });
  }
}

function levelCount(topic: string): number {
  let levels = 1;
  for (let i = topic.indexOf("/"); i !== -1; i = topic.indexOf("/", i + 1)) levels++;
  return levels;
}
