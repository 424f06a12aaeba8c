/**
 * Per remote address state for connection limits: how many connections an address holds and its
 * connection-rate bucket.
 *
 * Memory stays bounded by the live connections plus the recently active addresses: an entry with no
 * connection and a full bucket carries no information and is dropped. Dropping is amortized: whenever
 * the table has doubled since the last sweep, every such entry goes; if it is still above `maxEntries`
 * (an address flood), the oldest connection-less entries go too (each then starts again with a full
 * bucket, which only errs on the side of letting a connection in).
 * @module
 */

import { TokenBucket } from "./token-bucket.js";

export interface AddressEntry {
  connections: number;
  bucket: TokenBucket | undefined;
}

export interface AddressTableOptions {
  /** New connections per second per address; 0: no rate limit. */
  readonly rate: number;
  /** Connections an address may open at once before the rate applies. */
  readonly burst: number;
  /** Soft bound on remembered addresses. */
  readonly maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 100_000;
const MIN_SWEEP_SIZE = 1024;

export class AddressTable {
  readonly #entries = new Map<string, AddressEntry>();
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxEntries: number;
  #sweepAt = MIN_SWEEP_SIZE;

  constructor(options: AddressTableOptions) {
    this.#rate = options.rate;
    this.#burst = options.burst;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** Number of remembered addresses. */
  get size(): number {
    return this.#entries.size;
  }

  /** Connections `address` holds now. */
  connections(address: string): number {
    return this.#entries.get(address)?.connections ?? 0;
  }

  /** Takes a token of `address`'s connection-rate bucket; always true without a rate limit. */
  takeConnectToken(address: string, now: number): boolean {
    if (this.#rate === 0) return true;
    const entry = this.#entry(address, now);
    entry.bucket ??= new TokenBucket(this.#rate, this.#burst, now);
    return entry.bucket.take(now);
  }

  /** Counts a connection of `address`. */
  opened(address: string, now: number): void {
    this.#entry(address, now).connections++;
  }

  /** A connection counted by {@link opened} closed. */
  closed(address: string, now: number): void {
    const entry = this.#entries.get(address);
    if (entry === undefined) return;
    entry.connections--;
    if (entry.connections <= 0 && (entry.bucket === undefined || entry.bucket.full(now)))
      this.#entries.delete(address);
  }

  #entry(address: string, now: number): AddressEntry {
    let entry = this.#entries.get(address);
    if (entry === undefined) {
      if (this.#entries.size >= this.#sweepAt) this.#sweep(now);
      entry = { connections: 0, bucket: undefined };
      this.#entries.set(address, entry);
    }
    return entry;
  }

  #sweep(now: number): void {
    for (const [address, entry] of this.#entries) {
      if (entry.connections <= 0 && (entry.bucket === undefined || entry.bucket.full(now)))
        this.#entries.delete(address);
    }
    if (this.#entries.size >= this.#maxEntries) {
      for (const [address, entry] of this.#entries) {
        if (this.#entries.size < this.#maxEntries / 2) break;
        if (entry.connections <= 0) this.#entries.delete(address);
      }
    }
    this.#sweepAt = Math.min(Math.max(MIN_SWEEP_SIZE, this.#entries.size * 2), this.#maxEntries);
  }
}

/**
 * The IP address part of a transport's remote address (`<ip>:<port>`), with IPv4-mapped IPv6
 * addresses (`::ffff:1.2.3.4`) written as IPv4 so both forms count as one address.
 *
 * @example
 * ```ts
 * remoteIp("127.0.0.1:5555"); // "127.0.0.1"
 * remoteIp("::ffff:10.0.0.1:443"); // "10.0.0.1"
 * ```
 */
export function remoteIp(remoteAddress: string): string {
  const colon = remoteAddress.lastIndexOf(":");
  const ip =
    colon > 0 && /^\d+$/.test(remoteAddress.slice(colon + 1)) ? remoteAddress.slice(0, colon) : remoteAddress;
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

/** Whether an IP address (as {@link remoteIp} gives it) is a loopback address. */
export function isLoopbackIp(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1" || ip === "localhost";
}
