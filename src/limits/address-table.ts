/**
 * Per remote address state for connection limits: how many connections an address holds and its
 * connection-rate bucket, in a {@link LimitTable} (bounded: an address with no connection and a full
 * bucket is forgotten).
 * @module
 */

import { LimitTable } from "./limit-table.js";
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

export class AddressTable {
  readonly #table: LimitTable<AddressEntry>;
  readonly #rate: number;
  readonly #burst: number;

  constructor(options: AddressTableOptions) {
    this.#rate = options.rate;
    this.#burst = options.burst;
    this.#table = new LimitTable<AddressEntry>({
      create: () => ({ connections: 0, bucket: undefined }),
      idle: (entry, now) => entry.bucket === undefined || entry.bucket.full(now),
      ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
    });
  }

  /** Number of remembered addresses. */
  get size(): number {
    return this.#table.size;
  }

  /** Connections `address` holds now. */
  connections(address: string): number {
    return this.#table.get(address)?.connections ?? 0;
  }

  /** Takes a token of `address`'s connection-rate bucket; always true without a rate limit. */
  takeConnectToken(address: string, now: number): boolean {
    if (this.#rate === 0) return true;
    const entry = this.#table.entry(address, now);
    entry.bucket ??= new TokenBucket(this.#rate, this.#burst, now);
    return entry.bucket.take(now);
  }

  /** Counts a connection of `address`. */
  opened(address: string, now: number): void {
    this.#table.opened(address, now);
  }

  /** A connection counted by {@link opened} closed. */
  closed(address: string, now: number): void {
    this.#table.closed(address, now);
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
