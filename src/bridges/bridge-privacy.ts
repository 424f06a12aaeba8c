/**
 * Privacy rules on bridges (docs/privacy.md). What a bridge forwards goes through, before it enters the
 * bridge's outbox (the manager's `transform`):
 *
 * 1. the rule sets of the message's tenant (the tenant entity's `privacy.ruleSets`, with the tenant's
 *    hash key), counted in the tenant's counters: tenant rule sets apply to every output of the
 *    tenant. The bridge taps the broker's router, so it sees messages as they were published: the
 *    tenant's sets are applied here once, never on top of a local subscriber's output;
 * 2. the bridge's own rule set (the broker entity's `privacy`), whose hash rules use their own key,
 *    else their set's, else the broker's `secret`, counted in the bridge's counters.
 *
 * Payloads are handled as everywhere ({@link applyToPayload}): empty passes, JSON is parsed, other
 * UTF-8 text is one JSON string, binary is withheld (fail closed, counted as `failed`). A dropped event
 * is withheld (the bridge counts it as `filtered`). Without tenant rules and bridge rules a message
 * costs one map lookup.
 * @module
 */

import {
  applyToPayload,
  compileRuleSet,
  type CompiledRuleSet,
  type Hmac,
  nodeHmac,
  PrivacyCounters,
  type PrivacyCountersSnapshot,
  PrivacyEngine,
  type PrivacyIssue,
  type PayloadRules,
} from "../platform/privacy/index.js";
import type { BridgeTransform } from "./bridge-intake.js";
import type { OutboxMessage } from "./outbox.js";
import { splitInternalTopic } from "./topic-template.js";

/** The tenants' rule sets for their outputs (the tenant privacy runtime); undefined: none. */
export interface TenantOutputRules {
  /** Whether any tenant has rule sets (checked before the message's tenant is looked up). */
  readonly active: boolean;
  /** The rules of `tenant` for an outbound bridge; undefined when the tenant has none. */
  forBridge(tenant: string): PayloadRules | undefined;
}

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
  #tenants: TenantOutputRules | undefined;
  /** The manager's transform: the rules of the message's tenant, then those of its bridge. */
  readonly transform: BridgeTransform = (message, config) => {
    let out: OutboxMessage | undefined = message;
    const tenants = this.#tenants;
    if (tenants?.active === true) {
      const rules = tenants.forBridge(splitInternalTopic(message.topic).tenant);
      if (rules !== undefined) out = withPayload(message, applyToPayload(message.payload, rules));
      if (out === undefined) return undefined;
    }
    const attached = this.#attached.get(config.id);
    return attached === undefined ? out : this.#apply(attached, out);
  };

  constructor(hmac: Hmac = nodeHmac) {
    this.#hmac = hmac;
  }

  /** Where the tenants' own rule sets come from (applied before each bridge's). */
  useTenantRules(tenants: TenantOutputRules | undefined): void {
    this.#tenants = tenants;
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

  /** Every bridge with rules, with what they did. */
  allCounters(): { readonly bridge: string; readonly counters: PrivacyCountersSnapshot }[] {
    return [...this.#attached].map(([bridge, attached]) => ({
      bridge,
      counters: attached.counters.snapshot(),
    }));
  }

  /** What the bridge's rules did since they were set; undefined when it has none. */
  counters(bridgeId: string): PrivacyCountersSnapshot | undefined {
    return this.#attached.get(bridgeId)?.counters.snapshot();
  }

  #apply(attached: Attached, message: OutboxMessage): OutboxMessage | undefined {
    const { ruleSet, counters } = attached;
    if (ruleSet === undefined) {
      if (message.payload.byteLength === 0) return message;
      counters.recordEvent("failed");
      return undefined;
    }
    const payload = applyToPayload(message.payload, {
      engine: attached.engine,
      counters,
      ruleSets: [ruleSet],
      hashKey: attached.hashKey,
    });
    return withPayload(message, payload);
  }
}

function withPayload(message: OutboxMessage, payload: Uint8Array | undefined): OutboxMessage | undefined {
  if (payload === undefined) return undefined;
  return payload === message.payload ? message : { ...message, payload };
}
