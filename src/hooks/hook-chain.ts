/**
 * Runs authenticator and authorizer chains with written semantics (as Mosquitto's plugin DEFER):
 * links are asked in order; the first answer that is not `defer` wins; when every link defers the
 * request is denied. A chain whose links all answer synchronously is run without creating a promise,
 * which keeps the publish path free of per-message promises.
 *
 * Receive checks: only authorizers that implement `authorizeReceive` are asked; when none does, a
 * message that matched a granted subscription may be received.
 * @module
 */

import { ReasonCode } from "../protocol/index.js";
import { AuthenticationChain, type ChainResult } from "./authentication-chain.js";
import type { Authenticator, ConnectAttempt } from "./authenticator.js";
import type { Authorizer, ClientIdentity, PublishRequest, SubscribeRequest } from "./authorizer.js";
import { ALLOW, deny, type Decision } from "./decision.js";
import { isPromise } from "./is-promise.js";

export class HookChain {
  /** The authentication chain (enhanced authentication, plug-in failures: see authentication-chain.ts). */
  readonly authentication: AuthenticationChain;
  readonly #authorizers: readonly Authorizer[];
  readonly #receiveAuthorizers: readonly Authorizer[];

  constructor(authenticators: readonly Authenticator[], authorizers: readonly Authorizer[]) {
    this.authentication = new AuthenticationChain(authenticators);
    this.#authorizers = authorizers;
    this.#receiveAuthorizers = authorizers.filter((a) => a.authorizeReceive !== undefined);
  }

  /** Whether any authorizer checks deliveries (lets the router skip the check entirely). */
  get checksReceive(): boolean {
    return this.#receiveAuthorizers.length > 0;
  }

  authenticate(attempt: ConnectAttempt): ChainResult | Promise<ChainResult> {
    return this.authentication.authenticate(attempt);
  }

  authorizePublish(request: PublishRequest): Decision | Promise<Decision> {
    // the synchronous links are asked in a plain loop (no closure per PUBLISH); a promise hands over
    const chain = this.#authorizers;
    for (let i = 0; i < chain.length; i++) {
      const decision = chain[i]!.authorizePublish(request);
      if (isPromise(decision)) return this.#settle(decision, chain, (a) => a.authorizePublish(request), i);
      if (decision.kind !== "defer") return decision;
    }
    return this.#allDeferred(chain);
  }

  authorizeSubscribe(request: SubscribeRequest): Decision | Promise<Decision> {
    const chain = this.#authorizers;
    for (let i = 0; i < chain.length; i++) {
      const decision = chain[i]!.authorizeSubscribe(request);
      if (isPromise(decision)) return this.#settle(decision, chain, (a) => a.authorizeSubscribe(request), i);
      if (decision.kind !== "defer") return decision;
    }
    return this.#allDeferred(chain);
  }

  authorizeReceive(client: ClientIdentity, topic: string): boolean {
    for (const authorizer of this.#receiveAuthorizers) {
      const decision = authorizer.authorizeReceive!(client, topic);
      if (decision.kind === "allow") return true;
      if (decision.kind === "deny") return false;
    }
    return this.#receiveAuthorizers.length === 0;
  }

  /** Link `at` answered with a promise: its answer, or on `defer` the rest of the chain. */
  #settle(
    pending: Promise<Decision>,
    chain: readonly Authorizer[],
    ask: (authorizer: Authorizer) => Decision | Promise<Decision>,
    at: number,
  ): Promise<Decision> {
    return pending.then((d) => (d.kind === "defer" ? this.#runDecisions(chain, ask, at + 1) : d));
  }

  #runDecisions(
    chain: readonly Authorizer[],
    ask: (authorizer: Authorizer) => Decision | Promise<Decision>,
    from: number,
  ): Decision | Promise<Decision> {
    for (let i = from; i < chain.length; i++) {
      const decision = ask(chain[i]!);
      if (isPromise(decision)) return this.#settle(decision, chain, ask, i);
      if (decision.kind !== "defer") return decision;
    }
    return this.#allDeferred(chain);
  }

  /** The answer when every link deferred: allowed only by an empty chain. */
  #allDeferred(chain: readonly Authorizer[]): Decision {
    return chain.length === 0 ? ALLOW : deny(ReasonCode.NotAuthorized, "No authorizer allowed the request");
  }
}
