/**
 * A memo of encoded Topic Name fields (the Two Byte length and the UTF-8 bytes, spec 1.5.4) for topics
 * sent again and again (a device's readings, a dialect's derived topics), so a PUBLISH encoder copies
 * them in one call instead of writing the topic character by character.
 *
 * Why: writing a 36-character topic one unit at a time took about 110 ns of a derived message's
 * ~650 ns in a development measurement (Node 20; `charCodeAt` and a typed-array store per character),
 * a lookup and one `Uint8Array.set` about 40 ns. The lookup hashes the topic string, which the route
 * cache has usually hashed already (the same string object is routed, then encoded): V8 keeps a
 * string's hash on it.
 *
 * Policy (as routing/route-cache.ts, for the same reasons): a topic's first sighting only marks it, its
 * field is made on the second and served from the third; when fewer than half of the lookups of a
 * window of {@linkcode TOPIC_FIELDS_WINDOW} hit (unique topics), lookups stop for
 * {@linkcode TOPIC_FIELDS_PAUSE} of them. At most `capacity` topics (marks included) are remembered:
 * the next new one clears the memo. Topics longer than {@linkcode MAX_FIELD_TOPIC_LENGTH} UTF-16 units
 * are not kept (their field would be memory for little gain); so a kept field is never over the
 * 65,535 bytes a Topic Name may have, and the encoder still reports a longer topic as before.
 * @module
 */

import { utf8Length } from "./utf8.js";
import { writeUtf8String } from "./byte-writer.js";
import { WordBytes } from "./word-bytes.js";

/** Topics (marks included) remembered at most, by default. */
export const TOPIC_FIELDS_CAPACITY = 4096;
/** Lookups per hit-rate check. */
export const TOPIC_FIELDS_WINDOW = 1024;
/** Lookups skipped after a window in which fewer than half hit. */
export const TOPIC_FIELDS_PAUSE = 64 * TOPIC_FIELDS_WINDOW;
/** Longer topics are encoded every time. */
export const MAX_FIELD_TOPIC_LENGTH = 512;

/** Stored for a topic seen once. */
const SEEN = null;

/**
 * Topic name → its encoded field, remembered from the second sighting on.
 *
 * @example
 * ```ts
 * const fields = new TopicFields();
 * fields.field("a/b"); // undefined: first sighting (marked)
 * fields.field("a/b")?.bytes; // Uint8Array [0, 3, 0x61, 0x2f, 0x62]
 * ```
 */
export class TopicFields {
  readonly #capacity: number;
  readonly #fields = new Map<string, WordBytes | typeof SEEN>();
  #lookups = 0;
  #hits = 0;
  #pause = 0;

  constructor(capacity: number = TOPIC_FIELDS_CAPACITY) {
    this.#capacity = capacity;
  }

  /** Number of topics remembered (marks included). */
  get size(): number {
    return this.#fields.size;
  }

  /** True while lookups are paused after a window of misses. */
  get paused(): boolean {
    return this.#pause > 0;
  }

  /**
   * The Topic Name field of `topic` (length prefix and UTF-8), to be copied as it is, never changed
   * (its words ready for a copy 8 bytes at a time, see word-bytes.ts); undefined when the caller should
   * encode the topic itself (not remembered yet, not kept, paused).
   */
  field(topic: string): WordBytes | undefined {
    if (this.#pause > 0) {
      this.#pause--;
      return undefined;
    }
    if (++this.#lookups === TOPIC_FIELDS_WINDOW) this.#endWindow();
    if (topic.length > MAX_FIELD_TOPIC_LENGTH) return undefined;
    const fields = this.#fields;
    const found = fields.get(topic);
    if (found !== undefined && found !== SEEN) {
      this.#hits++;
      return found;
    }
    if (found === undefined) {
      if (fields.size >= this.#capacity) fields.clear(); // full: start again
      fields.set(topic, SEEN);
      return undefined;
    }
    // the second sighting: make the field (at most 3 x 512 bytes: always within the 65,535 allowed)
    const length = utf8Length(topic);
    const bytes = new Uint8Array(2 + length);
    writeUtf8String(bytes, 0, topic);
    const field = new WordBytes(bytes);
    fields.set(topic, field);
    return field;
  }

  #endWindow(): void {
    if (this.#hits * 2 < this.#lookups) this.#pause = TOPIC_FIELDS_PAUSE;
    this.#lookups = 0;
    this.#hits = 0;
  }
}
