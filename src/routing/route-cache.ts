/**
 * A memo of routing results per topic name, so a topic published again and again (a device's
 * readings, a dialect's derived topics) skips the subscription trie walks.
 *
 * What it holds is opaque: the router stores the matched (session, subscription) pairs and shared
 * groups, and replays them through its own per-message logic. Keys are the topic name or, for a
 * tenant-mounted topic, the client's topic in a map per mount prefix, so the joined topic is never
 * built or hashed (see `TopicTrie.matchBelow`).
 *
 * Validity. A route is only valid for the subscriptions it was computed from: the owner calls
 * {@link RouteCache.clear} on every subscription change, before the next lookup. A route recorded
 * across a clear is not stored: each clear starts a new generation, and {@link RouteCache.store} takes
 * the generation the recording began in.
 *
 * Cost. A lookup hashes the topic: a fresh topic string (the usual case: built per message) costs
 * about half as much to hash as a short trie walk, and a miss (marking the topic, keeping its string)
 * costs more than the walk, so the memo only pays when most lookups hit. A topic's first sighting only
 * marks it (no route recorded); the route is recorded on the second sighting and served from the third.
 * The hit rate is checked every {@linkcode ROUTE_CACHE_WINDOW} lookups: when fewer than half hit
 * (unique topics, more distinct topics than the memo holds, subscriptions changing all the time),
 * lookups stop for {@linkcode ROUTE_CACHE_PAUSE} messages, routed by the walks alone, so a stream of
 * unique topics pays its misses for one message in 65. What was remembered stays, and is served again
 * when lookups resume.
 *
 * Memory. At most `capacity` topics (marks included) are remembered: the next new one clears the memo
 * and it starts again, so unique topics cannot grow it. Topics longer than
 * {@linkcode MAX_CACHED_TOPIC_LENGTH} UTF-16 units are never looked up nor remembered (routed by the
 * walks), so the memo's keys take at most `capacity` × that many characters: a topic may have 65,535
 * bytes, and 4096 of those would pin ~256 MiB. A route the owner does not want kept (too large) is
 * remembered as such, so it is not recorded again on every sighting.
 * @module
 */

/** Topics (marks included) remembered at most, by default. */
export const ROUTE_CACHE_CAPACITY = 4096;
/** Lookups per hit-rate check. */
export const ROUTE_CACHE_WINDOW = 1024;
/** Messages routed without lookups after a window in which fewer than half of the lookups hit. */
export const ROUTE_CACHE_PAUSE = 64 * ROUTE_CACHE_WINDOW;

/**
 * Longer topics are routed without the memo: the limit of protocol/topic-fields.ts, whose memo keeps
 * the same topics. A device's topics are far shorter; the walk of a long topic costs little next to
 * receiving it.
 */
export const MAX_CACHED_TOPIC_LENGTH = 512;

/** Stored for a topic seen once. */
const SEEN: unique symbol = Symbol("seen");
/** Stored for a topic whose route is not kept. */
const SKIP: unique symbol = Symbol("skip");

type Slot<R> = R | typeof SEEN | typeof SKIP;

/**
 * Topic (or mount prefix and client topic) → route, remembered from the second sighting on.
 *
 * @example
 * ```ts
 * const cache = new RouteCache<string[]>();
 * cache.lookup(undefined, "a/b"); // undefined: first sighting, route without recording
 * const generation = cache.generation;
 * cache.lookup(undefined, "a/b"); // null: route, recording, then:
 * cache.store(undefined, "a/b", ["client-1"], generation);
 * cache.lookup(undefined, "a/b"); // ["client-1"]
 * ```
 */
export class RouteCache<R extends object> {
  readonly #capacity: number;
  readonly #plain = new Map<string, Slot<R>>();
  readonly #mounted = new Map<string, Map<string, Slot<R>>>();
  /** Topics remembered in both maps. */
  #size = 0;
  /** Lookups and hits in the current window. */
  #lookups = 0;
  #hits = 0;
  /** Lookups still to skip. */
  #pause = 0;
  /** Increases with every {@link clear}: a route recorded under an older generation is not stored. */
  #generation = 0;
  /** The mount prefix looked up last and its map. */
  #lastPrefix: string | undefined = undefined;
  #lastBelow: Map<string, Slot<R>> | undefined = undefined;

  constructor(capacity: number = ROUTE_CACHE_CAPACITY) {
    this.#capacity = capacity;
  }

  /** Number of topics remembered (marks included). */
  get size(): number {
    return this.#size;
  }

  /** Increases with every {@link clear}; pass the value read before recording to {@link store}. */
  get generation(): number {
    return this.#generation;
  }

  /** True while lookups are paused after a window of misses. */
  get paused(): boolean {
    return this.#pause > 0;
  }

  /**
   * The remembered route of `topic` (below the mount `prefix` when given); or null: the topic was seen
   * once before, so the caller should record its route now and {@link store} it; or undefined: route
   * without recording (a first sighting, now marked; a route not kept; a topic too long to keep;
   * lookups paused).
   */
  lookup(prefix: string | undefined, topic: string): R | null | undefined {
    if (topic.length > MAX_CACHED_TOPIC_LENGTH) return undefined; // not a hit nor a miss of the window
    if (this.#pause > 0) {
      this.#pause--;
      return undefined;
    }
    if (++this.#lookups === ROUTE_CACHE_WINDOW) this.#endWindow();
    // Reading a character flattens a concatenated topic before the map hashes and compares it, which then
    // costs less (Node 20: about 90 ns less for a 35-character topic built per message). The test keeps
    // the read from being optimized away; no topic name contains U+0000 [MQTT-4.7.3-2].
    if (topic.charCodeAt(0) === 0) return undefined;
    const map = prefix === undefined ? this.#plain : this.#below(prefix);
    const slot = map?.get(topic);
    if (slot === undefined) {
      this.#mark(prefix, map, topic);
      return undefined;
    }
    if (slot === SEEN) return null;
    if (slot === SKIP) return undefined;
    this.#hits++;
    return slot;
  }

  /**
   * Remembers `route` for a topic {@link lookup} answered null for (undefined: do not record it again),
   * `generation` being {@link generation} as it was then. Ignored when the memo was cleared since: the
   * route may predate a subscription change (even if the topic was marked again in between, by a route
   * made while this one was being recorded).
   */
  store(prefix: string | undefined, topic: string, route: R | undefined, generation: number): void {
    if (generation !== this.#generation) return;
    const map = prefix === undefined ? this.#plain : this.#below(prefix);
    if (map?.get(topic) !== SEEN) return;
    map.set(topic, route ?? SKIP);
  }

  /** Forgets every topic (after any subscription change). */
  clear(): void {
    this.#generation++;
    if (this.#size === 0) return;
    this.#plain.clear();
    this.#mounted.clear();
    this.#lastPrefix = undefined;
    this.#lastBelow = undefined;
    this.#size = 0;
  }

  /** The map of topics below the mount `prefix`, if any; the last one is kept (mostly one tenant at a time). */
  #below(prefix: string): Map<string, Slot<R>> | undefined {
    if (prefix === this.#lastPrefix) return this.#lastBelow;
    const below = this.#mounted.get(prefix);
    if (below !== undefined) {
      this.#lastPrefix = prefix;
      this.#lastBelow = below;
    }
    return below;
  }

  /** Marks a first sighting; `map` is where it belongs, if it exists yet. */
  #mark(prefix: string | undefined, map: Map<string, Slot<R>> | undefined, topic: string): void {
    let into = map;
    if (this.#size >= this.#capacity) {
      this.clear(); // full: start again
      if (prefix !== undefined) into = undefined;
    }
    if (into === undefined) {
      into = new Map();
      this.#mounted.set(prefix!, into);
    }
    into.set(topic, SEEN);
    this.#size++;
  }

  #endWindow(): void {
    if (this.#hits * 2 < this.#lookups) this.#pause = ROUTE_CACHE_PAUSE;
    this.#lookups = 0;
    this.#hits = 0;
  }
}
