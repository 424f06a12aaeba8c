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
import type { AuthenticationResult, Authenticator, ConnectAttempt } from "./authenticator.js";
import type { Authorizer, ClientIdentity, PublishRequest, SubscribeRequest } from "./authorizer.js";
import { ALLOW, deny, type Decision } from "./decision.js";

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

export class HookChain {
  readonly #authenticators: readonly Authenticator[];
  readonly #authorizers: readonly Authorizer[];
  readonly #receiveAuthorizers: readonly Authorizer[];

  constructor(authenticators: readonly Authenticator[], authorizers: readonly Authorizer[]) {
    this.#authenticators = authenticators;
    this.#authorizers = authorizers;
    this.#receiveAuthorizers = authorizers.filter((a) => a.authorizeReceive !== undefined);
  }

  /** Whether any authorizer checks deliveries (lets the router skip the check entirely). */
  get checksReceive(): boolean {
    return this.#receiveAuthorizers.length > 0;
  }

  authenticate(attempt: ConnectAttempt): AuthenticationResult | Promise<AuthenticationResult> {
    return this.#runAuthentication(attempt, 0);
  }

  authorizePublish(request: PublishRequest): Decision | Promise<Decision> {
    return this.#runDecisions(this.#authorizers, (a) => a.authorizePublish(request), 0);
  }

  authorizeSubscribe(request: SubscribeRequest): Decision | Promise<Decision> {
    return this.#runDecisions(this.#authorizers, (a) => a.authorizeSubscribe(request), 0);
  }

  authorizeReceive(client: ClientIdentity, topic: string): boolean {
    for (const authorizer of this.#receiveAuthorizers) {
      const decision = authorizer.authorizeReceive!(client, topic);
      if (decision.kind === "allow") return true;
      if (decision.kind === "deny") return false;
    }
    return this.#receiveAuthorizers.length === 0;
  }

  #runAuthentication(
    attempt: ConnectAttempt,
    from: number,
  ): AuthenticationResult | Promise<AuthenticationResult> {
    for (let i = from; i < this.#authenticators.length; i++) {
      const result = this.#authenticators[i]!.authenticate(attempt);
      if (isPromise(result)) {
        return result.then((r) => (r.kind === "defer" ? this.#runAuthentication(attempt, i + 1) : r));
      }
      if (result.kind !== "defer") return result;
    }
    const credentials = attempt.username !== undefined || attempt.password !== undefined;
    return deny(
      credentials ? ReasonCode.BadUserNameOrPassword : ReasonCode.NotAuthorized,
      "No authenticator accepted the client",
    );
  }

  #runDecisions(
    chain: readonly Authorizer[],
    ask: (authorizer: Authorizer) => Decision | Promise<Decision>,
    from: number,
  ): Decision | Promise<Decision> {
    for (let i = from; i < chain.length; i++) {
      const decision = ask(chain[i]!);
      if (isPromise(decision)) {
        return decision.then((d) => (d.kind === "defer" ? this.#runDecisions(chain, ask, i + 1) : d));
      }
      if (decision.kind !== "defer") return decision;
    }
    return chain.length === 0 ? ALLOW : deny(ReasonCode.NotAuthorized, "No authorizer allowed the request");
  }
}
