/**
 * The members of one shared subscription `$share/<ShareName>/<filter>` (spec 4.8.2), and the choice of
 * the one member that receives each matching message.
 *
 * Selection is round robin over members in the order they joined. The spec leaves the choice to the
 * server, "on a message by message basis" (4.8.2), as long as exactly one session per group gets each
 * message. `pick(canAccept)` starts at the member after the last one picked and returns the first one
 * `canAccept` approves (say: connected, with room in its in-flight window), so a busy or offline member
 * is skipped rather than blocking the group.
 *
 * When no member can accept, `pick` still returns a member (and advances past it): the first, in
 * round-robin order, that `mayWait` approves (say: connected, its window full for the moment), else the
 * next member. The message then waits in that member's session queue, like any message for a
 * subscriber that is offline or at its Receive Maximum, instead of being dropped: for QoS 1 and 2 a
 * shared subscription must not lose messages just because every member is momentarily busy. Preferring
 * a member that is only busy keeps messages moving while some member is online: an offline member's
 * queue waits for it to come back (and is lost if its session expires first). Dropping QoS 0 messages
 * in that case, if wanted, is the caller's decision, since it knows the QoS. Falling back in
 * round-robin order spreads such backlogs across members rather than piling them on the first.
 *
 * Structure. Members form a circular doubly linked list in join order, indexed by key in a `Map`, with a
 * cursor at the member to try next. Joining, leaving and advancing are O(1); a pick calls `canAccept`
 * at most once per member. A member that joins again keeps its place and gets the new value
 * (re-subscribing does not add a second membership, spec 4.8.2).
 *
 * Name. A group knows its ShareName and filter, and so the `$share/<ShareName>/<filter>` topic filter
 * its members subscribed with: what names it outside the process (a persistent session's stored
 * deliveries record the group they were given for, so a restarted broker can find it again).
 * @module
 */

/** A member's link in the round-robin ring. */
interface Member<K, V> {
  readonly key: K;
  value: V;
  prev: Member<K, V>;
  next: Member<K, V>;
}

/**
 * The members of one shared subscription group, with round-robin selection.
 *
 * @example
 * ```ts
 * const group = new SharedGroup<string, number>("workers", "jobs/+");
 * group.topicFilter; // "$share/workers/jobs/+"
 * group.add("worker-a", 1);
 * group.add("worker-b", 1);
 * group.pick(() => true); // ["worker-a", 1]
 * group.pick((key) => key !== "worker-a"); // ["worker-b", 1]
 * ```
 */
export class SharedGroup<K, V> {
  /** The ShareName. */
  readonly shareName: string;
  /** The topic filter matched, without the `$share/<ShareName>/` prefix. */
  readonly filter: string;
  /** `$share/<ShareName>/<filter>`: the topic filter its members subscribed with. */
  readonly topicFilter: string;
  readonly #members = new Map<K, Member<K, V>>();
  /** The longest-standing member; new members join just before it, at the end of the ring. */
  #first: Member<K, V> | undefined = undefined;
  /** The member `pick` tries first. */
  #cursor: Member<K, V> | undefined = undefined;

  constructor(shareName: string, filter: string) {
    this.shareName = shareName;
    this.filter = filter;
    this.topicFilter = `$share/${shareName}/${filter}`;
  }

  /** Number of members. */
  get size(): number {
    return this.#members.size;
  }

  /** Adds `key` as a member with `value`, or replaces its value in place. Returns true when it is new. */
  add(key: K, value: V): boolean {
    const existing = this.#members.get(key);
    if (existing !== undefined) {
      existing.value = value;
      return false;
    }
    const first = this.#first;
    if (first === undefined) {
      const member = { key, value } as Member<K, V>;
      member.prev = member;
      member.next = member;
      this.#first = member;
      this.#cursor = member;
      this.#members.set(key, member);
      return true;
    }
    const last = first.prev;
    const member: Member<K, V> = { key, value, prev: last, next: first };
    last.next = member;
    first.prev = member;
    this.#members.set(key, member);
    return true;
  }

  /** Removes member `key`. Returns true when it was a member. */
  remove(key: K): boolean {
    const member = this.#members.get(key);
    if (member === undefined) return false;
    this.#members.delete(key);
    if (this.#members.size === 0) {
      this.#first = undefined;
      this.#cursor = undefined;
      return true;
    }
    member.prev.next = member.next;
    member.next.prev = member.prev;
    if (this.#first === member) this.#first = member.next;
    if (this.#cursor === member) this.#cursor = member.next; // the turn passes to the next member
    return true;
  }

  /** The value of member `key`, if it is a member. */
  get(key: K): V | undefined {
    return this.#members.get(key)?.value;
  }

  /** Whether `key` is a member. */
  has(key: K): boolean {
    return this.#members.has(key);
  }

  /** Members in join order. */
  *[Symbol.iterator](): IterableIterator<[K, V]> {
    let member = this.#first;
    for (let i = 0; i < this.#members.size && member !== undefined; i++) {
      yield [member.key, member.value];
      member = member.next;
    }
  }

  /**
   * Chooses the member to deliver the next message to: the first, in round-robin order from the member
   * after the last pick, for which `canAccept` returns true; when none can, the first that `mayWait`
   * approves, else the next member in round-robin order anyway (see the module notes). Undefined only
   * when the group is empty.
   */
  pick(
    canAccept: (key: K, value: V) => boolean,
    mayWait?: (key: K, value: V) => boolean,
  ): [K, V] | undefined {
    const start = this.#cursor;
    if (start === undefined) return undefined;
    let member = start;
    let waiting: Member<K, V> | undefined;
    do {
      if (canAccept(member.key, member.value)) return this.#take(member);
      if (waiting === undefined && mayWait?.(member.key, member.value) === true) waiting = member;
      member = member.next;
    } while (member !== start);
    return this.#take(waiting ?? start);
  }

  #take(member: Member<K, V>): [K, V] {
    this.#cursor = member.next;
    return [member.key, member.value];
  }
}
