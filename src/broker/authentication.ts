/**
 * The broker's side of authentication, around the authentication chain (`hooks/authentication-chain.ts`):
 *
 * - the per-connection state of MQTT 5 enhanced authentication (the method chosen at CONNECT, the
 *   exchange in progress, the CONNECT waiting for it to finish);
 * - the credential deadline: a connection whose principal has `expiresAt` (a token's `exp`) gets one
 *   small timed task on the broker's scheduler, re-armed by a re-authentication and cancelled when the
 *   connection closes. At the deadline the client is disconnected with 0xA0 Maximum connect time (v3:
 *   the connection is closed). 0xA0 rather than 0x87 Not authorized: the client did nothing it was not
 *   allowed to do; the time its credential allowed is over, and a client that gets a fresh token may
 *   reconnect at once (0x87 reads as "this client may not connect", which some clients do not retry);
 * - the backoff of failed authentications (`auth/failure-backoff.ts`), applied to the refusing CONNACK,
 *   and before the next attempt from the same address is checked at all ({@link holdOff}): a client
 *   that opens connections in parallel gets its passwords hashed no faster than its refusals come.
 *   Refusals for load (0x89 Server busy, 0x9F Connection rate exceeded: `auth/password-checks.ts`
 *   refused to compute a check) are not failures of the credential: answered at once, not counted in
 *   the backoff, and audited as an exceeded limit (`limit.exceeded`, rate-limited) not `auth.failure`;
 * - the {@link AuthenticatorHost} authenticators use to disconnect clients whose credential they revoke;
 * - the audit log (`audit.ts`) and counters.
 * @module
 */

import { addressOf, FailureBackoff, type FailureKeys, isPasswordCheckRefusal } from "../auth/index.js";
import type { AuthenticatorHost, AuthExchange, ConnectAttempt, Deny, Principal } from "../hooks/index.js";
import type { ConnectPacket, Properties } from "../protocol/index.js";
import { ReasonCode } from "../protocol/index.js";
import type { ConnectionParameters, Deadline } from "../session/index.js";
import { audit, type AuditEvent, isCredential } from "./audit.js";
import type { Broker } from "./broker.js";
import type { Connection } from "./connection.js";
import type { TimedTask } from "./scheduler.js";

/** A CONNECT whose authentication is in progress. */
export interface PendingConnect {
  readonly packet: ConnectPacket;
  readonly params: ConnectionParameters;
  readonly connackProperties: Properties | undefined;
  readonly attempt: ConnectAttempt;
}

/** Enhanced-authentication state of a connection that chose an Authentication Method. */
export interface ConnectionAuthState {
  readonly method: string;
  /** The CONNECT's attempt without its password: the base of re-authentication attempts. */
  readonly attempt: ConnectAttempt;
  /** The exchange in progress (AUTH 0x18 sent, the client's answer awaited). */
  exchange: AuthExchange | undefined;
  /** Set while the exchange is the CONNECT's (cleared once CONNACK is sent). */
  pending: PendingConnect | undefined;
}

/** Counters for `$SYS` and metrics. */
export interface AuthenticationCounters {
  /** Refused CONNECTs (and failed CONNECT exchanges). */
  failures: number;
  /** Refusals delayed by the backoff. */
  delayed: number;
  /** CONNECTs held back before their check, their address's last refusal not being due yet. */
  heldOff: number;
  /**
   * CONNECTs refused for load (0x89, 0x9F: too many password checks, overall or from the client's
   * address), not counted in `failures`.
   */
  busy: number;
  reauthenticated: number;
  reauthenticationFailures: number;
  /** Clients disconnected because their credential expired. */
  expired: number;
  /** Clients disconnected because their credential was revoked. */
  revoked: number;
}

/** The credential deadline of one connection. */
class CredentialDeadline implements TimedTask {
  entry: Deadline<TimedTask> | undefined;
  readonly #conn: Connection;
  readonly #owner: BrokerAuthentication;

  constructor(conn: Connection, owner: BrokerAuthentication) {
    this.#conn = conn;
    this.#owner = owner;
  }

  fire(): void {
    this.entry = undefined;
    this.#owner.credentialExpired(this.#conn);
  }
}

export class BrokerAuthentication implements AuthenticatorHost {
  readonly counters: AuthenticationCounters = {
    failures: 0,
    delayed: 0,
    heldOff: 0,
    busy: 0,
    reauthenticated: 0,
    reauthenticationFailures: 0,
    expired: 0,
    revoked: 0,
  };
  readonly #broker: Broker;
  readonly #backoff: FailureBackoff;
  readonly #states = new WeakMap<Connection, ConnectionAuthState>();
  readonly #deadlines = new WeakMap<Connection, CredentialDeadline>();

  constructor(broker: Broker) {
    this.#broker = broker;
    const { backoff } = broker.config.auth;
    this.#backoff = new FailureBackoff({ ...backoff, resetAfter: backoff.resetAfter * 1000 });
    const chain = broker.hooks.authentication;
    chain.onPluginError = (error) =>
      broker.logger.error({ err: error.cause, code: error.code, plugin: error.plugin }, error.message);
    for (const authenticator of chain.authenticators) authenticator.attach?.(this);
  }

  stateOf(conn: Connection): ConnectionAuthState | undefined {
    return this.#states.get(conn);
  }

  /** Remembers the Authentication Method a CONNECT chose (its attempt is kept without the password). */
  begin(conn: Connection, pending: PendingConnect, method: string): ConnectionAuthState {
    const state: ConnectionAuthState = {
      method,
      attempt: { ...pending.attempt, password: undefined },
      exchange: undefined,
      pending,
    };
    this.#states.set(conn, state);
    return state;
  }

  // ---- CONNECT ----

  /**
   * Refuses a CONNECT whose authentication failed: audit line, backoff delay (the connection stays
   * paused meanwhile), then the refusing CONNACK [MQTT-4.12.0-4].
   */
  async refuseConnect(conn: Connection, attempt: ConnectAttempt, result: Deny): Promise<void> {
    const broker = this.#broker;
    if (isPasswordCheckRefusal(result)) {
      // refused for load, its password not checked: not a failure of the credential (no backoff), and
      // answered at once; counted and audited as a limit, whose log lines are rate-limited
      this.counters.busy++;
      broker.guard.limitExceeded(conn, "connect", result.limit);
      broker.refuseConnectWith(conn, result.reasonCode, result.reason);
      return;
    }
    const delay = this.#backoff.failed(backoffKeys(attempt), broker.now());
    this.counters.failures++;
    if (delay > 0) this.counters.delayed++;
    this.#audit("auth.failure", conn, attempt.username, {
      reason: result.reason,
      reasonCode: result.reasonCode,
      method: attempt.authenticationMethod,
      delay,
    });
    if (delay > 0) await this.#sleep(delay);
    if (!conn.isOpen) return;
    broker.refuseConnectWith(conn, result.reasonCode, result.reason);
  }

  /**
   * Holds a CONNECT back, before its authentication runs, until the refusal of the last failure of its
   * address is due (`FailureBackoff.pending`); undefined when there is nothing to wait for (no promise
   * on the common path). The connection stays paused meanwhile, and its wait counts in
   * `mqtt.connectTimeout`.
   */
  holdOff(conn: Connection, attempt: ConnectAttempt): Promise<void> | undefined {
    const address = addressOf(attempt.remoteAddress);
    const wait = this.#backoff.pending(address, this.#broker.now());
    if (wait <= 0) return undefined;
    this.counters.heldOff++;
    return this.#holdOff(conn, address, wait);
  }

  async #holdOff(conn: Connection, address: string, wait: number): Promise<void> {
    // failures of the address's other connections meanwhile push the due time further
    while (wait > 0 && conn.isOpen) {
      await this.#sleep(wait);
      wait = this.#backoff.pending(address, this.#broker.now());
    }
  }

  /** A CONNECT was authenticated: the backoff of its address and user name starts afresh. */
  accepted(attempt: ConnectAttempt): void {
    this.#backoff.succeeded(backoffKeys(attempt));
  }

  /** Arms (or re-arms, or cancels) the credential deadline for the connection's current principal. */
  armDeadline(conn: Connection, principal: Principal): void {
    const scheduler = this.#broker.scheduler;
    let deadline = this.#deadlines.get(conn);
    if (deadline !== undefined) {
      scheduler.cancel(deadline.entry);
      deadline.entry = undefined;
    }
    if (principal.expiresAt === undefined) return;
    if (deadline === undefined) {
      deadline = new CredentialDeadline(conn, this);
      this.#deadlines.set(conn, deadline);
    }
    deadline.entry = scheduler.schedule(principal.expiresAt, deadline);
  }

  /** The credential deadline passed: disconnect with 0xA0 (see the module comment). */
  credentialExpired(conn: Connection): void {
    if (conn.state !== "connected") return;
    this.counters.expired++;
    this.#audit("auth.expired", conn, conn.identity?.username, {
      reason: "Credential expired",
      reasonCode: ReasonCode.MaximumConnectTime,
      principal: conn.identity?.principal.id,
    });
    conn.disconnect(ReasonCode.MaximumConnectTime, "Credential expired");
  }

  /** The connection closed: cancel its deadline and forget its exchange. */
  connectionClosed(conn: Connection): void {
    const deadline = this.#deadlines.get(conn);
    if (deadline !== undefined) this.#broker.scheduler.cancel(deadline.entry);
    this.#deadlines.delete(conn);
    this.#states.delete(conn);
  }

  // ---- re-authentication ----

  reauthenticated(conn: Connection, principal: Principal): void {
    this.counters.reauthenticated++;
    this.#audit("auth.reauthenticated", conn, conn.identity?.username, {
      reason: undefined,
      principal: principal.id,
      method: this.#states.get(conn)?.method,
    });
  }

  /** A re-authentication failed: audit, then DISCONNECT [MQTT-4.12.1-2]. */
  reauthenticationFailed(conn: Connection, reasonCode: number, reason: string | undefined): void {
    this.counters.reauthenticationFailures++;
    const code = DISCONNECT_CODES.has(reasonCode) ? reasonCode : ReasonCode.NotAuthorized;
    this.#audit("auth.reauth.failure", conn, conn.identity?.username, {
      reason,
      reasonCode: code,
      method: this.#states.get(conn)?.method,
      principal: conn.identity?.principal.id,
    });
    conn.disconnect(code, reason ?? "Re-authentication failed");
  }

  // ---- AuthenticatorHost ----

  disconnectClients(
    match: (principal: Principal) => boolean,
    options: { readonly reasonCode: number; readonly reason: string; readonly event: string },
  ): number {
    let count = 0;
    for (const conn of this.#broker.connections) {
      const identity = conn.identity;
      if (!conn.isOpen || identity === undefined || !match(identity.principal)) continue;
      count++;
      this.counters.revoked++;
      this.#audit(options.event as AuditEvent, conn, identity.username, {
        reason: options.reason,
        reasonCode: options.reasonCode,
        principal: identity.principal.id,
      });
      conn.disconnect(options.reasonCode, options.reason);
    }
    return count;
  }

  #audit(
    event: AuditEvent,
    conn: Connection,
    username: string | undefined,
    fields: {
      reason: string | undefined;
      reasonCode?: number;
      method?: string | undefined;
      principal?: string | undefined;
      delay?: number;
    },
  ): void {
    audit(this.#broker.logger, event, {
      // the client's own id (the session key may carry a tenant mount prefix)
      clientId: conn.identity?.clientId ?? conn.clientId,
      username,
      remote: conn.transport.remoteAddress,
      listener: conn.listener.name,
      ...fields,
    });
  }

  /** Waits on the broker's scheduler (its single timer). */
  #sleep(ms: number): Promise<void> {
    const scheduler = this.#broker.scheduler;
    return new Promise((resolve) => {
      scheduler.schedule(this.#broker.now() + ms, { fire: () => resolve() });
    });
  }
}

/**
 * The backoff keys of an attempt: its IP address, and its user name unless that is itself a token or
 * key (kept out of memory, and not a name that many clients share).
 */
function backoffKeys(attempt: ConnectAttempt): FailureKeys {
  const { username } = attempt;
  return {
    address: addressOf(attempt.remoteAddress),
    username: username === undefined || isCredential(username) ? undefined : username,
  };
}

/** DISCONNECT reason codes an authentication failure may use (table 3-10); others become 0x87. */
const DISCONNECT_CODES: ReadonlySet<number> = new Set([
  ReasonCode.UnspecifiedError,
  ReasonCode.ImplementationSpecificError,
  ReasonCode.NotAuthorized,
  ReasonCode.ServerBusy,
  ReasonCode.AdministrativeAction,
  ReasonCode.MaximumConnectTime,
]);
