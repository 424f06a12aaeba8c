/**
 * Routing: the pure data structures that decide who receives a message. `TopicTrie` indexes ordinary
 * subscriptions, `SharedSubscriptions` and `SharedGroup` the `$share/<ShareName>/<filter>` groups, and
 * `RetainedIndex` the retained messages a new subscription receives. Topic validation and the reference
 * matcher are in `protocol/topic.ts`.
 * @module
 */

export { RetainedIndex, type RetainedVisitor } from "./retained-index.js";
export { RouteCache, ROUTE_CACHE_CAPACITY, ROUTE_CACHE_PAUSE, ROUTE_CACHE_WINDOW } from "./route-cache.js";
export { SharedGroup } from "./shared-group.js";
export { SharedSubscriptions, type SharedGroupVisitor } from "./shared-subscriptions.js";
export { TopicTrie, type TopicTrieVisitor } from "./topic-trie.js";
