/**
 * State kept per key (a remote address, a client) for limits that must outlive a connection: how many
 * connections hold the key, and whatever the limit remembers (token buckets).
 *
 * Memory stays bounded by the live connections plus the recently active keys: an entry no connection
 * holds and whose state is idle (its buckets full: it remembers nothing) is dropped when its last
 * connection closes, or by a sweep. Sweeping is amortized: whenever the table has doubled since the
 * last sweep, every idle entry without a connection goes; if it is still above `maxEntries` (a flood
 * of keys), the oldest entries without a connection go too (each then starts again from its initial
 * state, which only errs on the side of letting a client in).
 * @module
 */

export interface LimitEntry {
  /** Connections holding the key now. */
  connections: number;
}

export interface LimitTableOptions<E extends LimitEntry> {
  /** A new entry at `now` (no connection yet). */
  readonly create: (now: number) => E;
  /** Whether an entry remembers nothing at `now` (it may then be forgotten once no connection holds it). */
  readonly idle: (entry: E, now: number) => boolean;
  /** Soft bound on remembered keys. */
  readonly maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 100_000;
const MIN_SWEEP_SIZE = 1024;

export class LimitTable<E extends LimitEntry> {
  readonly #entries = new Map<string, E>();
  readonly #create: (now: number) => E;
  readonly #idle: (entry: E, now: number) => boolean;
  readonly #maxEntries: number;
  #sweepAt = MIN_SWEEP_SIZE;

  constructor(options: LimitTableOptions<E>) {
    this.#create = options.create;
    this.#idle = options.idle;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** Number of remembered keys. */
  get size(): number {
    return this.#entries.size;
  }

  /** The entry of `key`, if remembered. */
  get(key: string): E | undefined {
    return this.#entries.get(key);
  }

  /** The entry of `key`, made when it is not remembered. */
  entry(key: string, now: number): E {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      if (this.#entries.size >= this.#sweepAt) this.#sweep(now);
      entry = this.#create(now);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  /** Counts a connection holding `key`; returns its entry. */
  opened(key: string, now: number): E {
    const entry = this.entry(key, now);
    entry.connections++;
    return entry;
  }

  /** A connection counted by {@link opened} closed. */
  closed(key: string, now: number): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    entry.connections--;
    if (entry.connections <= 0 && this.#idle(entry, now)) this.#entries.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries)
      if (entry.connections <= 0 && this.#idle(entry, now)) this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      for (const [key, entry] of this.#entries) {
        if (this.#entries.size < this.#maxEntries / 2) break;
        if (entry.connections <= 0) this.#entries.delete(key);
      }
    }
    this.#sweepAt = Math.min(Math.max(MIN_SWEEP_SIZE, this.#entries.size * 2), this.#maxEntries);
  }
}
