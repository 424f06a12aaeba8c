/**
 * Topic names and topic filters (MQTT 5.0 section 4.7, 3.1.1 section 4.7): validation, `$share/` parsing
 * and a reference matcher.
 *
 * A topic is a sequence of levels separated by "/". Levels may be empty ("/finance" has two levels, ""
 * and "finance"). Filters may use two wildcards, each only as a whole level: "+" matches exactly one
 * level, "#" matches the parent level and any number of child levels and must be the last level.
 * Topics beginning with "$" are reserved for the server; filters starting with a wildcard never match
 * them [MQTT-4.7.2-1].
 *
 * The validators return an error message (deno std style) instead of throwing: a bad topic from a peer
 * is an expected outcome that the caller turns into a reason code (0x90 Topic Name invalid, 0x8F Topic
 * Filter invalid) or a disconnect. Strings arrive here already decoded, so the UTF-8 rules are checked
 * on UTF-16 code units: no U+0000 and no unpaired surrogates [MQTT-1.5.4-1] [MQTT-1.5.4-2], and the
 * UTF-8 length is counted rather than encoded.
 *
 * Spec tags are MQTT 5.0's. MQTT 3.1.1 states the same rules under other numbers: [MQTT-4.7.1-1] for no
 * wildcards in names, [MQTT-4.7.1-2] for "#", [MQTT-4.7.1-3] for "+", and [MQTT-1.5.3-1] [MQTT-1.5.3-2]
 * for UTF-8; 3.1.1 has no shared subscriptions.
 *
 * `topicMatches` is deliberately simple (split both strings and compare level by level): it is the
 * oracle the faster indexes in `routing/` are tested against.
 * @module
 */

/** The most bytes a topic name or topic filter may encode to in UTF-8 [MQTT-4.7.3-3]. */
export const MAX_TOPIC_BYTES = 65_535;

/** The first level of a shared subscription's topic filter (spec 4.8.2). */
export const SHARE_PREFIX = "$share";

/** A subscription's topic filter with any `$share/<ShareName>/` prefix split off. */
export interface SubscriptionFilter {
  /** The topic filter proper, used for matching (without the `$share/<ShareName>/` prefix). */
  readonly filter: string;
  /** The ShareName of a shared subscription, or undefined for an ordinary subscription. */
  readonly shareGroup: string | undefined;
}

/** The outcome of {@linkcode parseSubscriptionFilter}: the parsed filter, or why it is invalid. */
export type ParsedSubscriptionFilter = SubscriptionFilter | { readonly error: string };

/** Longest excerpt of a value quoted in an error message. */
const QUOTE_LIMIT = 64;

/** Quotes a value for an error message: JSON escapes (so U+0000 and lone surrogates show), long values cut. */
function quote(value: string): string {
  return JSON.stringify(value.length > QUOTE_LIMIT ? `${value.slice(0, QUOTE_LIMIT)}…` : value);
}

/**
 * Checks the character-level rules shared by names and filters in one pass: no U+0000 [MQTT-4.7.3-2],
 * no unpaired surrogate [MQTT-1.5.4-1], and at most {@linkcode MAX_TOPIC_BYTES} of UTF-8 [MQTT-4.7.3-3].
 * `subject` names the value in the message, e.g. `Topic name`.
 */
/** A Topic Name of ASCII characters other than U+0000, "#" and "+": valid at up to 65,535 of them. */
// eslint-disable-next-line no-control-regex -- U+0001 and up are allowed in a topic
const PLAIN_TOPIC_NAME = /^[\u0001-\u0022\u0024-\u002a\u002c-\u007f]+$/;

function characterError(subject: string, value: string): string | undefined {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) {
      if (code === 0) return `${subject} ${quote(value)} must not contain the null character U+0000`;
      bytes += 1;
    } else if (code < 0x800) {
      bytes += 2;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      const next = value.charCodeAt(i + 1); // NaN past the end
      if (code >= 0xdc00 || !(next >= 0xdc00 && next <= 0xdfff)) {
        return `${subject} ${quote(value)} must not contain an unpaired surrogate (at index ${i})`;
      }
      bytes += 4;
      i++;
    } else {
      bytes += 3;
    }
  }
  if (bytes > MAX_TOPIC_BYTES) {
    return `${subject} must encode to at most ${MAX_TOPIC_BYTES} bytes of UTF-8, not ${bytes}`;
  }
  return undefined;
}

/** Checks wildcard placement level by level [MQTT-4.7.1-1] [MQTT-4.7.1-2]; `subject` names the filter. */
function wildcardError(subject: string, filter: string): string | undefined {
  const levels = filter.split("/");
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes("#")) {
      // [MQTT-4.7.1-1] "#" on its own or after a "/", and the last character of the filter.
      if (level !== "#") return `${subject} must use "#" as a whole level, not within ${quote(level)}`;
      if (i !== levels.length - 1) return `${subject} must have "#" only as its last level`;
    }
    // [MQTT-4.7.1-2] "+" occupies an entire level.
    if (level.includes("+") && level !== "+") {
      return `${subject} must use "+" as a whole level, not within ${quote(level)}`;
    }
  }
  return undefined;
}

/**
 * Why `topic` is not a valid Topic Name for a PUBLISH (or a will, or a retained message), or undefined
 * when it is valid.
 *
 * A valid name is non-empty [MQTT-4.7.3-1], has no wildcard characters [MQTT-3.3.2-2] [MQTT-4.7.0-1],
 * no U+0000 [MQTT-4.7.3-2], no unpaired surrogates [MQTT-1.5.4-1], and encodes to at most 65,535 bytes
 * of UTF-8 [MQTT-4.7.3-3]. Names beginning with "$" are valid here; whether a client may publish to
 * them is the broker's decision (see {@linkcode isSystemTopic}).
 *
 * @example
 * ```ts
 * topicNameError("sport/tennis"); // undefined
 * topicNameError("a/+/b"); // 'Topic name "a/+/b" must not contain wildcards'
 * ```
 */
export function topicNameError(topic: string): string | undefined {
  if (topic.length === 0) return "Topic name must not be empty"; // [MQTT-4.7.3-1]
  // the common case checked natively: ASCII (a byte per character) without U+0000 or wildcards
  if (topic.length <= MAX_TOPIC_BYTES && PLAIN_TOPIC_NAME.test(topic)) return undefined;
  const characters = characterError("Topic name", topic);
  if (characters !== undefined) return characters;
  // [MQTT-3.3.2-2] [MQTT-4.7.0-1] wildcards are for filters only.
  if (topic.includes("+") || topic.includes("#"))
    return `Topic name ${quote(topic)} must not contain wildcards`;
  return undefined;
}

/**
 * Why `filter` is not a valid Topic Filter, or undefined when it is valid. This checks the filter as
 * written: a `$share/...` filter is checked as an ordinary filter here; use
 * {@linkcode parseSubscriptionFilter} for what a SUBSCRIBE or UNSUBSCRIBE carries.
 *
 * A valid filter is non-empty [MQTT-4.7.3-1], uses "#" only as its whole last level [MQTT-4.7.1-1] and
 * "+" only as a whole level [MQTT-4.7.1-2], has no U+0000 [MQTT-4.7.3-2] and no unpaired surrogates
 * [MQTT-1.5.4-1], and encodes to at most 65,535 bytes of UTF-8 [MQTT-4.7.3-3].
 *
 * @example
 * ```ts
 * topicFilterError("sport/+/player1/#"); // undefined
 * topicFilterError("sport/tennis#"); // 'Topic filter "sport/tennis#" must use "#" as a whole level, not within "tennis#"'
 * ```
 */
export function topicFilterError(filter: string): string | undefined {
  if (filter.length === 0) return "Topic filter must not be empty"; // [MQTT-4.7.3-1]
  return characterError("Topic filter", filter) ?? wildcardError(`Topic filter ${quote(filter)}`, filter);
}

/**
 * Splits what a SUBSCRIBE or UNSUBSCRIBE carries into the topic filter and, for a shared subscription
 * `$share/<ShareName>/<filter>` (spec 4.8.2), the ShareName; or says why it is invalid.
 *
 * A filter whose first level is exactly "$share" must be a well-formed shared subscription: a non-empty
 * ShareName [MQTT-4.8.2-1] without "/", "+" or "#", followed by "/" and a non-empty, valid topic filter
 * [MQTT-4.8.2-2]. So "$share", "$share/g", "$share/g/" and "$share//a" are errors. A first level that
 * merely starts with "$share" (such as "$shared") is an ordinary filter, as the spec only reserves the
 * "$share/" prefix. The parse is the same for every protocol version; whether v3 clients may use shared
 * subscriptions is for the broker to decide.
 *
 * @example
 * ```ts
 * parseSubscriptionFilter("$share/workers/jobs/+"); // { filter: "jobs/+", shareGroup: "workers" }
 * parseSubscriptionFilter("jobs/#"); // { filter: "jobs/#", shareGroup: undefined }
 * parseSubscriptionFilter("$share/workers"); // { error: 'Shared subscription "$share/workers" must have a topic filter after the ShareName' }
 * ```
 */
export function parseSubscriptionFilter(filter: string): ParsedSubscriptionFilter {
  if (filter !== SHARE_PREFIX && !filter.startsWith(`${SHARE_PREFIX}/`)) {
    const error = topicFilterError(filter);
    return error === undefined ? { filter, shareGroup: undefined } : { error };
  }
  const subject = `Shared subscription ${quote(filter)}`;
  if (filter === SHARE_PREFIX) {
    return { error: `${subject} must have the form "$share/<ShareName>/<filter>"` }; // [MQTT-4.8.2-1]
  }
  const rest = filter.slice(SHARE_PREFIX.length + 1);
  const slash = rest.indexOf("/");
  const shareName = slash === -1 ? rest : rest.slice(0, slash);
  if (shareName.length === 0) return { error: `${subject} must have a non-empty ShareName` }; // [MQTT-4.8.2-1]
  if (shareName.includes("+") || shareName.includes("#")) {
    // [MQTT-4.8.2-2] ("/" cannot occur: it ends the ShareName)
    return { error: `${subject} must not have "+" or "#" in its ShareName ${quote(shareName)}` };
  }
  const inner = slash === -1 ? "" : rest.slice(slash + 1);
  if (inner.length === 0) {
    return { error: `${subject} must have a topic filter after the ShareName` }; // [MQTT-4.8.2-2]
  }
  const error =
    characterError("Shared subscription", filter) ??
    wildcardError(`Topic filter ${quote(inner)} of shared subscription ${quote(filter)}`, inner);
  return error === undefined ? { filter: inner, shareGroup: shareName } : { error };
}

/** Whether `topic` begins with "$", the prefix reserved for server topics such as `$SYS/` (spec 4.7.2). */
export function isSystemTopic(topic: string): boolean {
  return topic.charCodeAt(0) === 0x24; // "$"
}

/**
 * Whether the ordinary (non-shared) topic filter `filter` matches the topic name `topic`. Both must be
 * valid; no normalisation is applied [MQTT-4.7.3-4].
 *
 * This is the reference matcher: clear rather than fast. Routing uses `TopicTrie` and `RetainedIndex`,
 * which are tested against it.
 *
 * @example
 * ```ts
 * topicMatches("sport/tennis/player1/#", "sport/tennis/player1"); // true
 * topicMatches("+/+", "/finance"); // true
 * topicMatches("#", "$SYS/uptime"); // false [MQTT-4.7.2-1]
 * ```
 */
export function topicMatches(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1] filters starting with a wildcard do not match topics starting with "$".
  if (isSystemTopic(topic) && (filter.startsWith("+") || filter.startsWith("#"))) return false;
  const filterLevels = filter.split("/");
  const topicLevels = topic.split("/");
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i];
    if (level === "#") return true; // the parent level and any number of child levels
    if (i >= topicLevels.length) return false;
    if (level !== "+" && level !== topicLevels[i]) return false;
  }
  return filterLevels.length === topicLevels.length;
}
