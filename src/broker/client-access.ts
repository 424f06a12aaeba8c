/**
 * What the access guard keeps per connection (`Connection.access`): its address and whether it counts
 * against the connection limits, a refusal decided when the socket was accepted, and, once admitted,
 * its tenant mount and its publish rate buckets.
 * @module
 */

import type { LimitName } from "./metrics.js";
import type { TokenBucket } from "../limits/index.js";
import { ROOT_MOUNT, type TenantMount } from "../tenancy/index.js";

/** A refusal decided before CONNECT is read, answered at CONNECT with this CONNACK reason code. */
export interface EarlyRefusal {
  readonly limit: LimitName;
  readonly reasonCode: number;
  readonly reason: string;
}

export class ClientAccess {
  /** The remote IP address (without port). */
  readonly ip: string;
  /** Set at accept when a connection limit refuses the connection. */
  refusal: EarlyRefusal | undefined;
  /** Whether the connection is counted in the global and per-address connection counts. */
  counted = false;
  /** The tenant, once admitted (after authentication). */
  tenant: string | undefined;
  /** Where the tenant's topics live (tenancy/tenant-mount.ts); the root for the default tenant. */
  mount: TenantMount = ROOT_MOUNT;
  /** Whether the connection is counted in its tenant's connection count. */
  tenantCounted = false;
  /** The key of the client's rate buckets (its session key) while it holds them. */
  rateKey: string | undefined;
  /** PUBLISH packets allowed (`limits.messageRatePerClient`); undefined without that limit. */
  messages: TokenBucket | undefined;
  /** PUBLISH payload bytes allowed (`limits.byteRatePerClient`); undefined without that limit. */
  bytes: TokenBucket | undefined;

  constructor(ip: string) {
    this.ip = ip;
  }

  /**
   * Charges one PUBLISH of `payloadBytes` to the rate buckets at `now`; returns the limit it exceeds,
   * or undefined.
   */
  chargePublish(now: number, payloadBytes: number): LimitName | undefined {
    if (this.messages !== undefined && !this.messages.take(now)) return "message-rate";
    if (this.bytes !== undefined && !this.bytes.take(now, payloadBytes)) return "byte-rate";
    return undefined;
  }
}
