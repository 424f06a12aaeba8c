/**
 * Matching for authorization rules, on topics and filters split into levels once (on a cache miss).
 *
 * - {@link filterMatches}: does a rule's filter match a topic name? (publish, receive)
 * - {@link filterCovers}: does a rule's filter match every topic a requested filter can match?
 *   (subscribe: a rule for `a/#` covers a subscription to `a/b/+`, not one to `#`)
 *
 * Both keep MQTT's rule that a filter starting with a wildcard matches no topic starting with "$"
 * [MQTT-4.7.2-1], so a rule for `#` grants nothing in `$SYS`.
 * @module
 */

/** Whether the filter `filter` matches the topic name `topic` (both as levels). */
export function filterMatches(filter: readonly string[], topic: readonly string[]): boolean {
  const first = filter[0];
  if ((first === "+" || first === "#") && topic[0]!.charCodeAt(0) === 0x24) return false;
  for (let i = 0; i < filter.length; i++) {
    const level = filter[i]!;
    if (level === "#") return true; // the parent level and any number of child levels
    if (i >= topic.length) return false;
    if (level !== "+" && level !== topic[i]) return false;
  }
  return filter.length === topic.length;
}

/**
 * Whether every topic `requested` can match is matched by `rule` (both filters, as levels). Sound but
 * not complete: it may answer false for an equivalent pair written differently (`+/#` and `#`).
 */
export function filterCovers(rule: readonly string[], requested: readonly string[]): boolean {
  const first = rule[0];
  if ((first === "+" || first === "#") && requested[0]!.charCodeAt(0) === 0x24) return false;
  for (let i = 0; i < rule.length; i++) {
    const level = rule[i]!;
    if (level === "#") return true;
    if (i >= requested.length) return false;
    const asked = requested[i]!;
    if (level === "+") {
      if (asked === "#") return false; // "+" is one level, "#" any number
      continue;
    }
    if (level !== asked) return false; // a literal covers only the same literal, never a wildcard
  }
  return rule.length === requested.length;
}
