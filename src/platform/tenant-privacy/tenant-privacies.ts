/**
 * The tenants' privacy settings (the registry tenant entity's `privacy`, docs/privacy.md) applied to
 * what leaves the broker: kept in step with the registry, applied to deliveries to clients (the
 * broker's {@link DeliveryPrivacy} hook) and, for the tenant's own rule sets, to what bridges forward
 * (`TenantOutputRules`, used by `BridgePrivacy` before each bridge's own rule set).
 *
 * Where. Rules apply at egress, per output, never at ingest: the broker keeps, retains, queues and
 * replicates messages as they were published, and each output gets its own view. A client gets the
 * tenant's rule sets then those of each role its principal holds (`PrivacyPolicy.planFor`), applied
 * when its PUBLISH is encoded (live, queued for an offline persistent session, resent, retained on
 * subscribe), so a change of the settings applies to everything sent from then on. A bridge gets the
 * tenant's sets (here) then its own (its broker's), each once: bridges tap the router, so they never
 * see a subscriber's output.
 *
 * Cost. A tenant without settings costs nothing: while no tenant has rule sets, the broker's hook is
 * unset (one property check per delivery); once one has, other tenants cost one map lookup per
 * delivery. The output is cached per message and per plan (weakly, with the message), so a message
 * fanned out to a thousand subscribers of one plan is transformed once and its PUBLISH encoded once.
 *
 * Counters: one {@link PrivacyCounters} per tenant, from the moment its settings were set (kept when
 * they change, dropped when they are removed); an evaluation is one message for one plan (not one per
 * subscriber), or one message for one bridge.
 * @module
 */

import type { Broker, DeliveryPrivacy } from "../../broker/index.js";
import type { Principal } from "../../hooks/index.js";
import type { Logger } from "../../observability/index.js";
import { type ApplicationMessage, withoutCaches } from "../../session/index.js";
import { isSysTopic } from "../../tenancy/index.js";
import {
  applyToPayload,
  compileTenantPrivacy,
  type Hmac,
  nodeHmac,
  type PayloadRules,
  PrivacyCounters,
  type PrivacyCountersSnapshot,
  PrivacyEngine,
  type PrivacyPlan,
  type PrivacyPolicy,
} from "../privacy/index.js";
import type { Registry, RegistryChange, Tenant } from "../registry/index.js";

export interface TenantPrivaciesOptions {
  /** Its `privacy` hook is set while a tenant has rule sets. */
  readonly broker: Pick<Broker, "privacy">;
  readonly registry: Pick<Registry, "list" | "onChange">;
  readonly logger: Logger;
  readonly hmac?: Hmac;
}

/** One tenant's compiled settings. */
interface TenantState {
  /** Undefined: the stored settings do not compile, and every non-empty payload is withheld. */
  readonly policy: PrivacyPolicy | undefined;
  readonly counters: PrivacyCounters;
  readonly engine: PrivacyEngine;
  /** The roles that have rule sets, in the policy's order. */
  readonly roles: readonly string[];
  /** Plans by the roles (of {@link roles}) a principal holds. */
  readonly plans: Map<string, PrivacyPlan>;
  /** The tenant's own sets, for bridges; undefined when it has none. */
  readonly bridge: PayloadRules | undefined;
}

interface PrincipalPlan {
  readonly state: TenantState;
  readonly plan: PrivacyPlan;
}

/** What a message became for one plan: a copy, itself, or null (withheld). */
/**
 * What a message was shown as, per plan of the tenant's settings `state` (null: withheld). Settings
 * that change make a new state, so the outputs of the old ones are dropped the next time the message
 * is shown instead of staying with it (a retained value would keep one per plan it was ever sent under).
 */
interface Shown {
  readonly state: TenantState;
  readonly outputs: Map<PrivacyPlan, ApplicationMessage | null>;
}

const BROKEN: PrivacyPlan = Object.freeze({ ruleSets: Object.freeze([]), hashKey: undefined });

export class TenantPrivacies implements DeliveryPrivacy {
  readonly #broker: Pick<Broker, "privacy">;
  readonly #registry: Pick<Registry, "list" | "onChange">;
  readonly #logger: Logger;
  readonly #hmac: Hmac;
  readonly #tenants = new Map<string, TenantState>();
  readonly #principals = new WeakMap<Principal, PrincipalPlan>();
  readonly #shown = new WeakMap<ApplicationMessage, Shown>();
  #unsubscribe: (() => void) | undefined;

  constructor(options: TenantPrivaciesOptions) {
    this.#broker = options.broker;
    this.#registry = options.registry;
    this.#logger = options.logger;
    this.#hmac = options.hmac ?? nodeHmac;
  }

  /** Whether any tenant has rule sets (for bridges: checked before a message's tenant is looked up). */
  get active(): boolean {
    return this.#tenants.size > 0;
  }

  /** Loads every tenant's settings and follows the registry. */
  start(): void {
    if (this.#unsubscribe !== undefined) return;
    for (const tenant of this.#registry.list("tenants").items) this.#set(tenant);
    this.#unsubscribe = this.#registry.onChange((change) => this.#changed(change));
    this.#hook();
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#tenants.clear();
    this.#hook();
  }

  /** What the tenant's rules did since its settings were set; undefined when it has no rule sets. */
  counters(tenant: string): PrivacyCountersSnapshot | undefined {
    return this.#tenants.get(tenant)?.counters.snapshot();
  }

  /** Every tenant with rule sets, with its counters. */
  allCounters(): { readonly tenant: string; readonly counters: PrivacyCountersSnapshot }[] {
    return [...this.#tenants].map(([tenant, state]) => ({ tenant, counters: state.counters.snapshot() }));
  }

  /** The tenant's own rule sets for an outbound bridge (applied before the bridge's). */
  forBridge(tenant: string): PayloadRules | undefined {
    const state = this.#tenants.get(tenant);
    if (state === undefined) return undefined;
    if (state.policy === undefined) return brokenRules(state);
    return state.bridge;
  }

  shown(message: ApplicationMessage, principal: Principal): ApplicationMessage | undefined {
    const state = this.#tenants.get(principal.tenant);
    if (state === undefined || isSysTopic(message.topic)) return message;
    const plan = this.#planOf(state, principal);
    if (plan.ruleSets.length === 0 && state.policy !== undefined) return message;
    let shown = this.#shown.get(message);
    if (shown?.state !== state) shown = undefined; // made under settings since replaced
    const cached = shown?.outputs.get(plan);
    if (cached !== undefined) return cached ?? undefined;
    const rules: PayloadRules =
      state.policy === undefined
        ? brokenRules(state)
        : { engine: state.engine, counters: state.counters, ruleSets: plan.ruleSets, hashKey: plan.hashKey };
    const payload = applyToPayload(message.payload, rules);
    const result =
      payload === undefined ? null : payload === message.payload ? message : copyWith(message, payload);
    if (shown === undefined) this.#shown.set(message, (shown = { state, outputs: new Map() }));
    shown.outputs.set(plan, result);
    return result ?? undefined;
  }

  #planOf(state: TenantState, principal: Principal): PrivacyPlan {
    const known = this.#principals.get(principal);
    if (known !== undefined && known.state === state) return known.plan;
    let plan = BROKEN;
    if (state.policy !== undefined) {
      const held = state.roles.filter((role) => principal.roles.includes(role));
      const key = held.join("\u0000");
      plan = state.plans.get(key) ?? state.policy.planFor({ kind: "subscriber", roles: held });
      state.plans.set(key, plan);
    }
    this.#principals.set(principal, { state, plan });
    return plan;
  }

  #changed(change: RegistryChange): void {
    if (change.kind !== "tenants") return;
    if (change.op === "delete") this.#tenants.delete(change.before!.id);
    else this.#set(change.after!);
    this.#hook();
  }

  #set(tenant: Tenant): void {
    const id = tenant.id;
    const before = this.#tenants.get(id);
    const input = tenant.privacy;
    if (input === undefined || !hasRuleSets(input)) {
      this.#tenants.delete(id);
      return;
    }
    const counters = before?.counters ?? new PrivacyCounters();
    const engine = before?.engine ?? new PrivacyEngine({ hmac: this.#hmac, counters });
    const result = compileTenantPrivacy(id, input);
    if (!result.ok) {
      this.#logger.error(
        { tenant: id, issues: result.issues.map((i) => i.message) },
        "Invalid tenant privacy settings: every message of the tenant is withheld",
      );
      this.#tenants.set(id, {
        policy: undefined,
        counters,
        engine,
        roles: [],
        plans: new Map(),
        bridge: undefined,
      });
      return;
    }
    const policy = result.policy;
    const roles = Array.isArray(input["roles"])
      ? (input["roles"] as { role: string; ruleSets: unknown[] }[])
          .filter((entry) => entry.ruleSets.length > 0)
          .map((entry) => entry.role)
      : [];
    const own = policy.planFor({ kind: "subscriber", roles: [] });
    this.#tenants.set(id, {
      policy,
      counters,
      engine,
      roles,
      plans: new Map([["", own]]),
      bridge:
        own.ruleSets.length === 0
          ? undefined
          : { engine, counters, ruleSets: own.ruleSets, hashKey: own.hashKey },
    });
  }

  /** The broker's hook is set only while a tenant has rule sets. */
  #hook(): void {
    this.#broker.privacy = this.#tenants.size > 0 ? this : undefined;
  }
}

function hasRuleSets(privacy: Readonly<Record<string, unknown>>): boolean {
  const sets = privacy["ruleSets"];
  if (Array.isArray(sets) && sets.length > 0) return true;
  const roles = privacy["roles"];
  return (
    Array.isArray(roles) &&
    roles.some((entry: unknown) => {
      const ruleSets = (entry as { ruleSets?: unknown } | null)?.ruleSets;
      return !Array.isArray(ruleSets) || ruleSets.length > 0;
    })
  );
}

/** Settings that do not compile withhold every non-empty payload, counted as failed. */
function brokenRules(state: TenantState): PayloadRules {
  return { engine: state.engine, counters: state.counters, ruleSets: [], hashKey: undefined, withhold: true };
}

function copyWith(message: ApplicationMessage, payload: Uint8Array): ApplicationMessage {
  const copy = withoutCaches(message, payload);
  if (message.clientTopic !== undefined) copy.clientTopic = message.clientTopic;
  return copy;
}
