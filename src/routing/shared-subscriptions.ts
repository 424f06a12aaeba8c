/**
 * The index of shared subscriptions (spec 4.8.2): groups keyed by (ShareName, topic filter), matched by
 * topic so the broker can deliver each message to one member per matching group.
 *
 * Design. A `TopicTrie` whose entries are the groups themselves: the trie key is the ShareName and the
 * value a `SharedGroup` of members. So "$share/a/x/+" and "$share/b/x/+" are two entries on the node for
 * "x/+", and one trie walk per message finds every matching group with the same wildcard and "$" rules
 * as ordinary subscriptions [MQTT-4.7.2-1]. Neither "$share" nor the ShareName takes part in matching
 * (4.8.2). A group exists while it has members: the last member leaving removes it from the trie, which
 * prunes the trie nodes it alone used.
 *
 * Ordinary subscriptions live in their own `TopicTrie`; the broker matches both. Keeping shared groups
 * apart keeps the hot path for ordinary subscriptions free of any check for groups, and the shared walk
 * ends at once when there are no shared subscriptions.
 * @module
 */

import { SharedGroup } from "./shared-group.js";
import { TopicTrie } from "./topic-trie.js";

/** Called once per matching group, with its ShareName and topic filter. */
export type SharedGroupVisitor<K, V> = (shareGroup: string, group: SharedGroup<K, V>, filter: string) => void;

/**
 * All shared subscription groups of a broker.
 *
 * @example
 * ```ts
 * const shared = new SharedSubscriptions<string, { qos: number }>();
 * shared.subscribe("workers", "jobs/+", "client-1", { qos: 1 });
 * shared.subscribe("workers", "jobs/+", "client-2", { qos: 1 });
 * shared.match("jobs/42", (shareGroup, group) => {
 *   const chosen = group.pick((clientId) => isOnline(clientId));
 * });
 * ```
 */
export class SharedSubscriptions<K, V> {
  readonly #groups = new TopicTrie<string, SharedGroup<K, V>>();
  #memberships = 0;

  /** Number of (group, member) memberships. */
  get size(): number {
    return this.#memberships;
  }

  /** Number of groups (distinct ShareName and filter pairs with members). */
  get groupCount(): number {
    return this.#groups.size;
  }

  /** Number of trie nodes in use; a diagnostic for memory use (0 when empty). */
  get nodeCount(): number {
    return this.#groups.nodeCount;
  }

  /**
   * Makes `key` a member of the group (`shareGroup`, `filter`) with `value`, creating the group if needed;
   * a member that subscribes again keeps its place and gets the new value. Returns true when the
   * membership is new. `filter` is the filter without the `$share/<ShareName>/` prefix.
   * @throws {RangeError} when `filter` is not a valid topic filter.
   */
  subscribe(shareGroup: string, filter: string, key: K, value: V): boolean {
    let group = this.#groups.get(filter, shareGroup);
    if (group === undefined) {
      group = new SharedGroup<K, V>(shareGroup, filter);
      this.#groups.add(filter, shareGroup, group);
    }
    if (!group.add(key, value)) return false;
    this.#memberships++;
    return true;
  }

  /** Removes `key` from the group (`shareGroup`, `filter`), and the group once empty. True when it was a member. */
  unsubscribe(shareGroup: string, filter: string, key: K): boolean {
    const group = this.#groups.get(filter, shareGroup);
    if (group === undefined || !group.remove(key)) return false;
    this.#memberships--;
    if (group.size === 0) this.#groups.remove(filter, shareGroup);
    return true;
  }

  /** The group (`shareGroup`, `filter`), if it has members. */
  group(shareGroup: string, filter: string): SharedGroup<K, V> | undefined {
    return this.#groups.get(filter, shareGroup);
  }

  /**
   * Calls `visit` once per group whose filter matches the topic name `topic`; the caller picks one
   * member of each. `visit` must not subscribe or unsubscribe (collect first, then change).
   */
  match(topic: string, visit: SharedGroupVisitor<K, V>): void {
    this.#groups.match(topic, visit);
  }

  /** {@link match} for the topic `prefix + rest` (a tenant mount and the client's topic; see TopicTrie.matchBelow). */
  matchBelow(prefix: string, rest: string, visit: SharedGroupVisitor<K, V>): void {
    this.#groups.matchBelow(prefix, rest, visit);
  }
}
