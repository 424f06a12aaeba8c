/**
 * Topic aliases (spec 3.3.2.3.4) in both directions.
 *
 * Inbound: the client maps aliases 1..our Topic Alias Maximum to topic names; a PUBLISH with an empty
 * topic uses the mapping. Outbound: the broker assigns aliases 1..the client's Topic Alias Maximum
 * (capped by `mqtt.outboundTopicAliasMaximum`) to topics it sends; when all are taken it reassigns the
 * least recently used one, sending the topic again with it. The table keeps every aliased topic for the
 * life of the connection, so topics longer than {@link MAX_ALIASED_TOPIC_LENGTH} are sent in full
 * instead: the table holds at most maximum × that many characters.
 * @module
 */

import { ProtocolError, ProtocolErrorCode, protocolViolation, ReasonCode } from "../protocol/index.js";

export class InboundTopicAliases {
  readonly #maximum: number;
  #map: Map<number, string> | undefined;

  constructor(maximum: number) {
    this.#maximum = maximum;
  }

  /**
   * The topic a PUBLISH is for, given its topic field and Topic Alias property; records new mappings.
   * Throws ProtocolError 0x94 for an alias of 0 or above the maximum [MQTT-3.3.2-8] [MQTT-3.3.2-9], and
   * 0x82 for an empty topic without a known alias.
   */
  resolve(topic: string, alias: number | undefined): string {
    if (alias === undefined) {
      if (topic.length === 0)
        throw protocolViolation("PUBLISH has an empty topic and no Topic Alias", "spec 3.3.2.3.4");
      return topic;
    }
    if (alias === 0 || alias > this.#maximum) {
      throw new ProtocolError(
        ProtocolErrorCode.TopicAliasInvalid,
        ReasonCode.TopicAliasInvalid,
        `Topic Alias ${alias} is outside 1..${this.#maximum}`,
        { rule: alias === 0 ? "MQTT-3.3.2-8" : "MQTT-3.3.2-9" },
      );
    }
    if (topic.length > 0) {
      (this.#map ??= new Map()).set(alias, topic);
      return topic;
    }
    const known = this.#map?.get(alias);
    if (known === undefined)
      throw protocolViolation(`Topic Alias ${alias} is not mapped to a topic`, "spec 3.3.2.3.4");
    return known;
  }
}

/**
 * Longer topics (in UTF-16 units) are never aliased: the gain of an alias is the topic's bytes per
 * message, and a table of long topics pinned for a connection's life is memory a client chooses
 * (protocol/topic-fields.ts keeps no longer topics, for the same reason).
 */
export const MAX_ALIASED_TOPIC_LENGTH = 512;

export interface OutboundAlias {
  readonly alias: number;
  /** True when the mapping already exists at the client, so the topic can be sent empty. */
  readonly known: boolean;
}

export class OutboundTopicAliases {
  readonly #maximum: number;
  /** topic -> alias, in least-recently-used-first order. */
  #byTopic: Map<string, number> | undefined;

  constructor(maximum: number) {
    this.#maximum = maximum;
  }

  get enabled(): boolean {
    return this.#maximum > 0;
  }

  /**
   * The alias `topic` would be sent with, without recording it: a frame may still be dropped (too
   * large for the client) and the client must never be left with a mapping it did not receive.
   * Never above the client's maximum [MQTT-3.3.2-11] [MQTT-3.1.2-26].
   */
  lookup(topic: string): OutboundAlias | undefined {
    if (this.#maximum === 0 || topic.length > MAX_ALIASED_TOPIC_LENGTH) return undefined;
    const map = this.#byTopic;
    const existing = map?.get(topic);
    if (existing !== undefined) return { alias: existing, known: true };
    if (map === undefined || map.size < this.#maximum) return { alias: (map?.size ?? 0) + 1, known: false };
    const [, lruAlias] = map.entries().next().value as [string, number];
    return { alias: lruAlias, known: false };
  }

  /** Records that `topic` was sent with `alias` (as returned by `lookup`), evicting the least recently used topic if needed. */
  record(topic: string, alias: OutboundAlias): void {
    const map = (this.#byTopic ??= new Map<string, number>());
    map.delete(topic);
    if (!alias.known && map.size >= this.#maximum) {
      const lru = map.keys().next();
      if (lru.done !== true) map.delete(lru.value);
    }
    map.set(topic, alias.alias);
  }

  /** `lookup` then `record`, for callers that always send. */
  assign(topic: string): OutboundAlias | undefined {
    const alias = this.lookup(topic);
    if (alias !== undefined) this.record(topic, alias);
    return alias;
  }
}
