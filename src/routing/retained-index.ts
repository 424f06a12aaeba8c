/**
 * Retained messages by topic name, answering "which retained topics match this filter?" when a client
 * subscribes (spec 3.3.1.3, 4.7).
 *
 * Structure. A tree of topic levels (the mirror image of `TopicTrie`: here the stored strings are topic
 * names and the query is a filter). Each node has its literal children in a `Map`, created only when it
 * has some; a node holding a retained value remembers its full topic name, so results need no string
 * building.
 *
 * Matching walks the filter's levels depth first with an explicit stack (no recursion, so a topic with
 * tens of thousands of levels cannot overflow the call stack): a literal level follows one child, "+"
 * follows every child, and "#" yields the current node (it matches the parent level, so "sport/#"
 * yields "sport") and its whole subtree. When "+" or "#" is the first level of the filter, root children
 * whose level starts with "$" are skipped [MQTT-4.7.2-1]. The cost is proportional to the part of the
 * tree the filter covers, not to the number of retained topics.
 *
 * Invariants. Every non-root node holds a value or has children: `delete` prunes nodes left empty up to
 * the root, so the tree tracks the live retained set, not its history (`nodeCount` shows it). The root
 * never holds a value, as every topic name has at least one level.
 * @module
 */

import { topicNameError } from "../protocol/index.js";

/** Called once per retained topic matching a filter. */
export type RetainedVisitor<V> = (topic: string, value: V) => void;

class RetainedNode<V> {
  readonly parent: RetainedNode<V> | undefined;
  readonly level: string;
  children: Map<string, RetainedNode<V>> | undefined = undefined;
  /** The full topic name, while this node holds a value. */
  topic: string | undefined = undefined;
  value: V | undefined = undefined;

  constructor(parent: RetainedNode<V> | undefined, level: string) {
    this.parent = parent;
    this.level = level;
  }
}

/** Stack entry level index meaning "this node and its whole subtree" (below a "#"). */
const SUBTREE = -1;

/**
 * Retained values keyed by exact topic name, with wildcard queries.
 *
 * @example
 * ```ts
 * const retained = new RetainedIndex<string>();
 * retained.set("sport/tennis/player1", "score: 15-0");
 * retained.match("sport/+/player1", (topic, value) => console.log(topic, value));
 * ```
 */
export class RetainedIndex<V> {
  readonly #root = new RetainedNode<V>(undefined, "");
  #size = 0;
  #nodeCount = 0;

  /** Number of retained topics. */
  get size(): number {
    return this.#size;
  }

  /** Number of tree nodes, the root excluded: 0 when empty. A diagnostic for memory use. */
  get nodeCount(): number {
    return this.#nodeCount;
  }

  /**
   * Sets the retained value for `topic`, replacing any previous one. Returns true when the topic had none.
   * @throws {RangeError} when `topic` is not a valid topic name.
   */
  set(topic: string, value: V): boolean {
    const error = topicNameError(topic);
    if (error !== undefined) throw new RangeError(`Cannot retain a message: ${error}`);
    let node = this.#root;
    let start = 0;
    for (;;) {
      let end = topic.indexOf("/", start);
      if (end === -1) end = topic.length;
      const level = topic.slice(start, end);
      let child = node.children?.get(level);
      if (child === undefined) {
        child = new RetainedNode<V>(node, level);
        (node.children ??= new Map()).set(level, child);
        this.#nodeCount++;
      }
      node = child;
      if (end === topic.length) break;
      start = end + 1;
    }
    const isNew = node.topic === undefined;
    node.topic = topic;
    node.value = value;
    if (isNew) this.#size++;
    return isNew;
  }

  /** The retained value for `topic`, if any. */
  get(topic: string): V | undefined {
    return this.#find(topic)?.value;
  }

  /** Whether `topic` has a retained value. */
  has(topic: string): boolean {
    return this.#find(topic)?.topic !== undefined;
  }

  /** Deletes the retained value for `topic` and prunes nodes left empty. Returns true when there was one. */
  delete(topic: string): boolean {
    let node = this.#find(topic);
    if (node?.topic === undefined) return false;
    node.topic = undefined;
    node.value = undefined;
    this.#size--;
    while (node.parent !== undefined && node.topic === undefined && node.children === undefined) {
      const parent: RetainedNode<V> = node.parent;
      parent.children!.delete(node.level);
      if (parent.children!.size === 0) parent.children = undefined;
      this.#nodeCount--;
      node = parent;
    }
    return true;
  }

  /**
   * Calls `visit` once for every retained topic that the ordinary (non-shared) topic filter `filter`
   * matches, in no particular order. Filters starting with "+" or "#" do not match topics starting with
   * "$" [MQTT-4.7.2-1]. `filter` must be a valid topic filter. `visit` must not set or delete values.
   */
  match(filter: string, visit: RetainedVisitor<V>): void {
    const levels = filter.split("/");
    // Pending frames: a node, and the index of the filter level to apply to it (or SUBTREE).
    const nodes: RetainedNode<V>[] = [this.#root];
    const depths: number[] = [0];
    for (let node = nodes.pop(); node !== undefined; node = nodes.pop()) {
      const depth = depths.pop()!;
      let childDepth: number;
      let skipSystem = false;
      if (depth === SUBTREE || depth === levels.length) {
        if (node.topic !== undefined) visit(node.topic, node.value as V);
        if (depth !== SUBTREE) continue;
        childDepth = SUBTREE;
      } else {
        const level = levels[depth]!;
        if (level !== "+" && level !== "#") {
          const child = node.children?.get(level);
          if (child !== undefined) {
            nodes.push(child);
            depths.push(depth + 1);
          }
          continue;
        }
        skipSystem = depth === 0; // [MQTT-4.7.2-1]
        if (level === "#") {
          if (node.topic !== undefined) visit(node.topic, node.value as V); // "#" includes the parent level
          childDepth = SUBTREE;
        } else {
          childDepth = depth + 1;
        }
      }
      if (node.children === undefined) continue;
      for (const child of node.children.values()) {
        if (skipSystem && child.level.charCodeAt(0) === 0x24) continue; // "$"
        nodes.push(child);
        depths.push(childDepth);
      }
    }
  }

  #find(topic: string): RetainedNode<V> | undefined {
    let node: RetainedNode<V> | undefined = this.#root;
    let start = 0;
    for (;;) {
      let end = topic.indexOf("/", start);
      if (end === -1) end = topic.length;
      node = node.children?.get(topic.slice(start, end));
      if (node === undefined || end === topic.length) return node;
      start = end + 1;
    }
  }
}
