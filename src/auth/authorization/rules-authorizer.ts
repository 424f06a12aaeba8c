/**
 * The rules authorizer: configured `allow`/`deny` rules, evaluated deny-first.
 *
 * Semantics, for a request (publish a topic, subscribe a filter, receive a message on a topic) of a
 * client, on the client's own topics (never the tenant mount):
 * 1. no rules at all: allowed (the broker's default is open, as before rules existed);
 * 2. any matching `deny` rule: denied (0x87), whatever the order of the rules;
 * 3. else any matching `allow` rule: allowed;
 * 4. else `noMatch`: denied by default (a rule list is an allow-list), or allowed.
 * A rule matches when its principal/role/tenant conditions hold and its filter matches the topic (for
 * subscribe: covers the requested filter, see filter-match.ts). `receive` is checked for every message
 * sent to the client, retained and queued ones included, so a subscription to a wildcard is granted by
 * the subscribe rules and each message through it is then checked on its own.
 *
 * Cost. Decisions are cached per client and action (client-rules.ts): a publish or delivery on a topic
 * seen before costs one `Map` lookup (plus a `WeakMap` lookup for the client's view, skipped when the
 * same client asks again for the same action, as a publisher's burst or a subscriber's deliveries do),
 * and nothing allocates. Replacing the rules bumps a generation number; every client's view is rebuilt
 * on its next request. Holding the last client strongly keeps at most three identities alive a little
 * longer.
 *
 * Chain position: the broker puts this authorizer last, after any authorizers given in code, so it
 * answers what they defer (without rules: allow, as the former allow-all default did).
 * @module
 */

import type { AuthorizationRule, NoMatchPolicy } from "../../config/index.js";
import {
  ALLOW,
  type Authorizer,
  type ClientIdentity,
  type Decision,
  type PublishRequest,
  type SubscribeRequest,
} from "../../hooks/index.js";
import { ReasonCode } from "../../protocol/index.js";
import { ClientRules, isRuleDeny } from "./client-rules.js";
import { Action, prepareRules, type PreparedRule, ruleProblems, type RuleDeny } from "./rule-set.js";

export interface RulesAuthorizerOptions {
  readonly rules: readonly AuthorizationRule[];
  readonly noMatch: NoMatchPolicy;
  /** Decisions remembered per client and action. */
  readonly cacheSize: number;
}

const NO_MATCH_DENY: RuleDeny = Object.freeze({
  kind: "deny",
  reasonCode: ReasonCode.NotAuthorized,
  reason: "No rule allows it",
  rule: undefined,
});

/** Where a denial came from, for the audit log. */
export type DenialSource =
  | { readonly kind: "rule"; readonly rule: string }
  | { readonly kind: "no-match" }
  | { readonly kind: "other" };

export class RulesAuthorizer implements Authorizer {
  readonly name = "rules";
  #rules: readonly AuthorizationRule[] = [];
  #prepared: readonly PreparedRule[] = [];
  #generation = 0;
  readonly #clients = new WeakMap<ClientIdentity, ClientRules>();
  /** Per action, the last client asked about and its view: consecutive requests of one client skip the WeakMap. */
  readonly #lastClient: (ClientIdentity | undefined)[] = [undefined, undefined, undefined];
  readonly #lastView: (ClientRules | undefined)[] = [undefined, undefined, undefined];
  readonly #cacheSize: number;
  readonly #noMatch: Decision;

  /**
   * @throws {RangeError} when a rule is invalid (see {@link ruleProblems}).
   * @example
   * ```ts
   * const rules = new RulesAuthorizer({
   *   rules: [{ effect: "allow", action: "all", topic: "devices/%c/#" }],
   *   noMatch: "deny",
   *   cacheSize: 128,
   * });
   * ```
   */
  constructor(options: RulesAuthorizerOptions) {
    this.#cacheSize = options.cacheSize;
    this.#noMatch = options.noMatch === "allow" ? ALLOW : NO_MATCH_DENY;
    this.setRules(options.rules);
  }

  /** The rules in force. */
  get rules(): readonly AuthorizationRule[] {
    return this.#rules;
  }

  /** Increases with every {@link setRules}. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Replaces the rules at run time. Every cached decision is forgotten: each client's next request is
   * decided by the new rules, including deliveries on subscriptions made under the old ones.
   * @throws {RangeError} when a rule is invalid; the rules in force are then kept.
   */
  setRules(rules: readonly AuthorizationRule[]): void {
    const problems = ruleProblems(rules);
    if (problems.length > 0) {
      throw new RangeError(`Cannot set the authorization rules: ${problems.join("; ")}`);
    }
    this.#rules = Object.freeze(rules.map((rule) => Object.freeze({ ...rule })));
    this.#prepared = prepareRules(rules);
    this.#generation++;
  }

  authorizePublish(request: PublishRequest): Decision {
    return this.#decide(request.client, Action.publish, request.topic);
  }

  authorizeSubscribe(request: SubscribeRequest): Decision {
    return this.#decide(request.client, Action.subscribe, request.topicFilter);
  }

  authorizeReceive(client: ClientIdentity, topic: string): Decision {
    return this.#decide(client, Action.receive, topic);
  }

  /**
   * Why the rules deny `client` `action` on `topic` (for the audit log, after a denial): the deny
   * rule's id, `no-match`, or `other` when the rules allow it (another authorizer denied).
   */
  denialSource(client: ClientIdentity, action: keyof typeof Action, topic: string): DenialSource {
    const decision = this.#decide(client, Action[action], topic);
    if (!isRuleDeny(decision)) return { kind: "other" };
    return decision.rule === undefined ? { kind: "no-match" } : { kind: "rule", rule: decision.rule };
  }

  #decide(client: ClientIdentity, action: Action, topic: string): Decision {
    if (this.#prepared.length === 0) return ALLOW;
    let view = this.#lastClient[action] === client ? this.#lastView[action] : this.#clients.get(client);
    if (view === undefined || view.generation !== this.#generation || view.principal !== client.principal) {
      view = new ClientRules({
        rules: this.#prepared,
        client,
        generation: this.#generation,
        cacheSize: this.#cacheSize,
        noMatch: this.#noMatch,
      });
      this.#clients.set(client, view);
    }
    this.#lastClient[action] = client;
    this.#lastView[action] = view;
    return view.decide(action, topic);
  }
}
