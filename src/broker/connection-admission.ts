/**
 * Connection limits: at most `limits.maxConnections` connections, `limits.maxConnectionsPerIp` per
 * address, `limits.connectionRatePerIp` new connections per second per address (a token bucket), and
 * `limits.maxConnectionsPerTenant` connected clients per tenant.
 *
 * When. The global, per-address and rate limits are decided when the socket is accepted, before any
 * byte is read; the refusal is answered when the CONNECT arrives, so the client learns why (CONNACK
 * 0x97 Quota exceeded or 0x9F Connection rate exceeded; MQTT 3: return code 3 Server unavailable) and
 * no authentication work is spent on it. A socket that never sends CONNECT is closed by the connect
 * timeout as always. The tenant limit is decided after authentication (the tenant is known then).
 *
 * Counting. A connection counts from accept to close unless it was refused; a client counts in its
 * tenant from admission to close. A client that takes over its own session (same tenant and client id)
 * is admitted even at the tenant limit: the connection it replaces is about to go.
 *
 * Publish rates (`limits.messageRatePerClient`, `limits.byteRatePerClient`) are buckets per client
 * (its session key: tenant and client id), kept across its connections while they are not full: a
 * client that reconnects, or is disconnected for its rate, goes on with the bucket it left, not a new
 * burst.
 * @module
 */

import type { Config } from "../config/index.js";
import { AddressTable, type LimitEntry, LimitTable, remoteIp, TokenBucket } from "../limits/index.js";
import { ReasonCode } from "../protocol/index.js";
import { ClientAccess, type EarlyRefusal } from "./client-access.js";
import type { LimitName } from "./metrics.js";

const QUOTA = ReasonCode.QuotaExceeded;

export class ConnectionAdmission {
  readonly #limits: Config["limits"];
  /** Per-address state; undefined when neither per-address limit is set. */
  readonly #addresses: AddressTable | undefined;
  readonly #tenants = new Map<string, number>();
  /** Per client: its publish rate buckets; undefined when neither rate limit is set. */
  readonly #clients: LimitTable<ClientRates> | undefined;
  #connections = 0;

  constructor(limits: Config["limits"]) {
    this.#limits = limits;
    if (limits.maxConnectionsPerIp > 0 || limits.connectionRatePerIp > 0) {
      this.#addresses = new AddressTable({
        rate: limits.connectionRatePerIp,
        burst: limits.connectionBurstPerIp,
      });
    }
    if (limits.messageRatePerClient > 0 || limits.byteRatePerClient > 0) {
      const bucket = (rate: number, burst: number, now: number): TokenBucket | undefined =>
        rate > 0 ? new TokenBucket(rate, burst, now) : undefined;
      this.#clients = new LimitTable<ClientRates>({
        create: (now) => ({
          connections: 0,
          messages: bucket(limits.messageRatePerClient, limits.messageBurstPerClient, now),
          bytes: bucket(limits.byteRatePerClient, limits.byteBurstPerClient, now),
        }),
        idle: (entry, now) => (entry.messages?.full(now) ?? true) && (entry.bytes?.full(now) ?? true),
      });
    }
  }

  /** Connections counted now. */
  get connections(): number {
    return this.#connections;
  }

  /** Connected clients of `tenant` counted now. */
  tenantConnections(tenant: string): number {
    return this.#tenants.get(tenant) ?? 0;
  }

  /** A socket was accepted: its access state, with a refusal when a limit is exceeded. */
  accepted(remoteAddress: string, now: number): ClientAccess {
    const access = new ClientAccess(remoteIp(remoteAddress));
    access.refusal = this.#refusal(access.ip, now);
    if (access.refusal !== undefined) return access;
    access.counted = true;
    this.#connections++;
    this.#addresses?.opened(access.ip, now);
    return access;
  }

  /** Whether a client of `tenant` may be admitted (`takeover`: it replaces a connection of the tenant). */
  tenantHasRoom(tenant: string, takeover: boolean): boolean {
    const max = this.#limits.maxConnectionsPerTenant;
    return max === 0 || takeover || this.tenantConnections(tenant) < max;
  }

  /** Counts an admitted client in its tenant, and gives it its publish rate buckets. */
  admitted(access: ClientAccess, tenant: string, sessionKey: string, now: number): void {
    access.tenant = tenant;
    const clients = this.#clients;
    if (clients !== undefined) {
      const rates = clients.opened(sessionKey, now);
      access.rateKey = sessionKey;
      access.messages = rates.messages;
      access.bytes = rates.bytes;
    }
    if (this.#limits.maxConnectionsPerTenant === 0) return;
    access.tenantCounted = true;
    this.#tenants.set(tenant, this.tenantConnections(tenant) + 1);
  }

  /** A connection closed: it stops counting. */
  closed(access: ClientAccess, now: number): void {
    if (access.counted) {
      access.counted = false;
      this.#connections--;
      this.#addresses?.closed(access.ip, now);
    }
    if (access.rateKey !== undefined) {
      this.#clients?.closed(access.rateKey, now);
      access.rateKey = undefined;
    }
    if (access.tenantCounted && access.tenant !== undefined) {
      access.tenantCounted = false;
      const left = this.tenantConnections(access.tenant) - 1;
      if (left > 0) this.#tenants.set(access.tenant, left);
      else this.#tenants.delete(access.tenant);
    }
  }

  #refusal(ip: string, now: number): EarlyRefusal | undefined {
    const limits = this.#limits;
    if (limits.maxConnections > 0 && this.#connections >= limits.maxConnections)
      return refusal("connections", QUOTA, "Too many connections");
    const addresses = this.#addresses;
    if (addresses === undefined) return undefined;
    if (limits.maxConnectionsPerIp > 0 && addresses.connections(ip) >= limits.maxConnectionsPerIp)
      return refusal("connections-per-ip", QUOTA, "Too many connections from this address");
    if (!addresses.takeConnectToken(ip, now))
      return refusal("connection-rate", ReasonCode.ConnectionRateExceeded, "Connection rate exceeded");
    return undefined;
  }
}

/** A client's publish rate buckets, shared by its connections (a takeover's too). */
interface ClientRates extends LimitEntry {
  readonly messages: TokenBucket | undefined;
  readonly bytes: TokenBucket | undefined;
}

function refusal(limit: LimitName, reasonCode: number, reason: string): EarlyRefusal {
  return { limit, reasonCode, reason };
}
