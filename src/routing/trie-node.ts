/**
 * A node of a `TopicTrie`: one topic-filter level, its children, and the entries (key → value) of the
 * filter that ends at this node. Internal to `routing/`; the trie owns the invariants.
 *
 * Entries are kept in two parallel arrays so that matching can visit them with an index loop, which
 * allocates nothing (iterating a `Map` creates an iterator per visit). Removal swaps the last entry
 * into the gap, so entry order is not stable. Finding a key is a linear scan while a node holds few
 * entries and a `Map` from key to array position once it holds more than {@linkcode INDEX_THRESHOLD}
 * (a fan-out filter such as "broadcast/#" may have thousands of subscribers).
 * @module
 */

/** Entry count above which a node keeps a key → position index. */
export const INDEX_THRESHOLD = 8;

/** @internal */
export class TrieNode<K, V> {
  /** The node this one hangs from; undefined for the root. */
  readonly parent: TrieNode<K, V> | undefined;
  /** The filter level this node stands for: a literal level, "+" or "#"; "" for the root. */
  readonly level: string;
  /** Literal child levels, created on first use and dropped when emptied. */
  children: Map<string, TrieNode<K, V>> | undefined = undefined;
  /**
   * The literal child while it is the only one (else undefined): matching compares its level in place
   * instead of slicing the topic and hashing the slice for a `Map` lookup. Tenant mounts and common
   * prefixes ("$t/<tenant>/devices/...") make chains of such nodes.
   */
  only: TrieNode<K, V> | undefined = undefined;
  /**
   * Matching's shortcut below `only`: the levels from `only` down through nodes that have nothing but
   * one literal child (no entries, no wildcard child), joined with "/", and the node they end at. A
   * match compares the whole run at once. Valid while `chainVersion` is the trie's version.
   */
  chain = "";
  chainEnd: TrieNode<K, V> | undefined = undefined;
  chainVersion = -1;
  /** The "+" child, kept apart from literal children so matching needs no lookup for it. */
  plus: TrieNode<K, V> | undefined = undefined;
  /** The "#" child; always a leaf, since "#" is the last level of a filter. */
  hash: TrieNode<K, V> | undefined = undefined;
  /** The filter that ends here, while this node has entries. */
  filter: string | undefined = undefined;
  /** Entry keys, parallel to `values`; undefined while there are none. */
  keys: K[] | undefined = undefined;
  /** Entry values, parallel to `keys`. */
  values: V[] | undefined = undefined;
  #index: Map<K, number> | undefined = undefined;

  constructor(parent: TrieNode<K, V> | undefined, level: string) {
    this.parent = parent;
    this.level = level;
  }

  /** Number of entries at this node. */
  get entryCount(): number {
    return this.keys === undefined ? 0 : this.keys.length;
  }

  /** True when the node holds nothing and can be pruned. */
  get isEmpty(): boolean {
    return (
      this.keys === undefined &&
      this.children === undefined &&
      this.plus === undefined &&
      this.hash === undefined
    );
  }

  /** The child for `level` ("+", "#" or literal), if any. */
  child(level: string): TrieNode<K, V> | undefined {
    if (level === "+") return this.plus;
    if (level === "#") return this.hash;
    return this.children?.get(level);
  }

  /** Recomputes `chain` and `chainEnd` (this node has an `only` child) for the trie's `version`. */
  buildChain(version: number): void {
    let node = this.only!;
    let chain = node.level;
    while (
      node.keys === undefined &&
      node.plus === undefined &&
      node.hash === undefined &&
      node.only !== undefined
    ) {
      node = node.only;
      chain += `/${node.level}`;
    }
    this.chain = chain;
    this.chainEnd = node;
    this.chainVersion = version;
  }

  /** Creates and links the child for `level`; the caller checked that it does not exist. */
  addChild(level: string): TrieNode<K, V> {
    const node = new TrieNode<K, V>(this, level);
    if (level === "+") this.plus = node;
    else if (level === "#") this.hash = node;
    else {
      const children = (this.children ??= new Map());
      children.set(level, node);
      this.only = children.size === 1 ? node : undefined;
    }
    return node;
  }

  /** Unlinks this node from its parent. */
  detach(): void {
    const parent = this.parent;
    if (parent === undefined) return;
    if (this.level === "+") parent.plus = undefined;
    else if (this.level === "#") parent.hash = undefined;
    else if (parent.children !== undefined) {
      const children = parent.children;
      children.delete(this.level);
      if (children.size === 0) parent.children = undefined;
      parent.only = children.size === 1 ? children.values().next().value : undefined;
    }
  }

  /** Position of `key` in the entry arrays, or -1. */
  indexOf(key: K): number {
    if (this.keys === undefined) return -1;
    if (this.#index !== undefined) return this.#index.get(key) ?? -1;
    return this.keys.indexOf(key);
  }

  /** Adds or replaces the entry for `key`; true when it is new. */
  setEntry(filter: string, key: K, value: V): boolean {
    const at = this.indexOf(key);
    if (at !== -1) {
      this.values![at] = value;
      return false;
    }
    if (this.keys === undefined || this.values === undefined) {
      this.keys = [key];
      this.values = [value];
      this.filter = filter;
      return true;
    }
    this.keys.push(key);
    this.values.push(value);
    if (this.#index !== undefined) this.#index.set(key, this.keys.length - 1);
    else if (this.keys.length > INDEX_THRESHOLD) this.#index = new Map(this.keys.map((k, i) => [k, i]));
    return true;
  }

  /** Removes the entry for `key`; true when there was one. */
  deleteEntry(key: K): boolean {
    const at = this.indexOf(key);
    const keys = this.keys;
    const values = this.values;
    if (at === -1 || keys === undefined || values === undefined) return false;
    const last = keys.length - 1;
    if (at !== last) {
      const moved = keys[last] as K;
      keys[at] = moved;
      values[at] = values[last] as V;
      this.#index?.set(moved, at);
    }
    keys.pop();
    values.pop();
    this.#index?.delete(key);
    if (last === 0) {
      this.keys = undefined;
      this.values = undefined;
      this.filter = undefined;
      this.#index = undefined;
    } else if (this.#index !== undefined && last <= INDEX_THRESHOLD / 2) {
      this.#index = undefined; // small again: a scan is as fast and saves the Map
    }
    return true;
  }

  /** The value for `key`, if it has an entry here. */
  getEntry(key: K): V | undefined {
    const at = this.indexOf(key);
    return at === -1 ? undefined : this.values![at];
  }
}
