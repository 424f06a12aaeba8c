/**
 * Privacy rules on bridges: each bridge may have a privacy rule set (docs/privacy.md), applied by the
 * privacy engine to every payload before it enters the bridge's outbox (the manager's `transform`).
 * Hash rules use their own key, else their set's, else the broker's `secret`.
 *
 * Payloads:
 * - empty: passed unchanged (a zero-length retained message clears a topic; it holds nothing);
 * - JSON (UTF-8 text `JSON.parse` accepts): the rules act on the parsed value; an unchanged event keeps
 *   its exact bytes, a changed one is serialised again with `JSON.stringify` (compact);
 * - other UTF-8 text: the rules act on it as one JSON string value (regex and detector rules search the
 *   text; `$` selects all of it); a changed text is sent as the new text (not as a JSON string);
 * - not UTF-8 (binary): withheld, since the rules cannot check it (fail closed), counted as `failed`.
 *
 * A dropped event is withheld (the bridge counts it as `filtered`). Each bridge counts what its rules did
 * in its own {@link PrivacyCounters}, from the moment its rules were set.
 * @module
 */

import {
  compileRuleSet,
  type CompiledRuleSet,
  type Hmac,
  nodeHmac,
  PrivacyCounters,
  type PrivacyCountersSnapshot,
  PrivacyEngine,
  type PrivacyIssue,
} from "../platform/privacy/index.js";
import type { BridgeTransform } from "./bridge.js";
import type { OutboxMessage } from "./outbox.js";

interface Attached {
  /** Undefined: the rules did not compile, and every event is withheld. */
  readonly ruleSet: CompiledRuleSet | undefined;
  readonly hashKey: string;
  readonly counters: PrivacyCounters;
  readonly engine: PrivacyEngine;
}

export class BridgePrivacy {
  readonly #attached = new Map<string, Attached>();
  readonly #hmac: Hmac;
  readonly #decoder = new TextDecoder("utf-8", { fatal: true });
  readonly #encoder = new TextEncoder();
  /** The manager's transform: applies the rules of the message's bridge, if it has any. */
  readonly transform: BridgeTransform = (message, config) => {
    const attached = this.#attached.get(config.id);
    return attached === undefined ? message : this.#apply(attached, message);
  };

  constructor(hmac: Hmac = nodeHmac) {
    this.#hmac = hmac;
  }

  /**
   * Attaches `ruleSet` (a rule set as written; undefined detaches the bridge's rules) with `secret` as
   * the key of hash rules that have none. A rule set that does not compile withholds every event of
   * the bridge (fail closed); its problems are returned.
   */
  set(bridgeId: string, ruleSet: unknown, secret: string): readonly PrivacyIssue[] | undefined {
    if (ruleSet === undefined) {
      this.#attached.delete(bridgeId);
      return undefined;
    }
    const compiled = compileRuleSet(ruleSet);
    const counters = new PrivacyCounters();
    this.#attached.set(bridgeId, {
      ruleSet: compiled.ok ? compiled.ruleSet : undefined,
      hashKey: secret,
      counters,
      engine: new PrivacyEngine({ hmac: this.#hmac, counters }),
    });
    return compiled.ok ? undefined : compiled.issues;
  }

  delete(bridgeId: string): void {
    this.#attached.delete(bridgeId);
  }

  /** What the bridge's rules did since they were set; undefined when it has none. */
  counters(bridgeId: string): PrivacyCountersSnapshot | undefined {
    return this.#attached.get(bridgeId)?.counters.snapshot();
  }

  #apply(attached: Attached, message: OutboxMessage): OutboxMessage | undefined {
    const payload = message.payload;
    if (payload.byteLength === 0) return message;
    const { ruleSet, counters } = attached;
    if (ruleSet === undefined) {
      counters.recordEvent("failed");
      return undefined;
    }
    let text: string;
    try {
      text = this.#decoder.decode(payload);
    } catch {
      counters.recordEvent("failed"); // binary: cannot be checked
      return undefined;
    }
    let value: unknown;
    let json = true;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
      json = false;
    }
    const outcome = attached.engine.apply(value, ruleSet, { hashKey: attached.hashKey });
    if (outcome.kind === "drop") return undefined;
    if (!outcome.changed) return message;
    const output = !json && typeof outcome.value === "string" ? outcome.value : JSON.stringify(outcome.value);
    return { ...message, payload: this.#encoder.encode(output) };
  }
}
