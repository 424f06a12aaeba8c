/**
 * The authentication chain (semantics in `authenticator.ts`): authenticators are asked in order, the
 * first answer that is not `defer` wins, and when every one defers the client is refused (0x86 Bad User
 * Name or Password when it sent credentials, else 0x87 Not authorized).
 *
 * With an Authentication Method (MQTT 5 enhanced authentication) only the authenticators listing that
 * method are asked; when none does, the answer is 0x8C Bad authentication method [MQTT-4.12.0-1]. A
 * `continue` answer hands the exchange to that one authenticator (see {@link PendingAuthentication}).
 *
 * A chain whose links answer synchronously runs without creating a promise. A link that throws (or
 * rejects) refuses the client with 0x80 and is reported to `onPluginError`: a failing plug-in never
 * grants access.
 * @module
 */

import { PluginError } from "../errors.js";
import { ReasonCode } from "../protocol/index.js";
import type {
  Authenticated,
  AuthenticationResult,
  Authenticator,
  ConnectAttempt,
  ContinueResult,
} from "./authenticator.js";
import { deny, type Deny } from "./decision.js";
import { isPromise } from "./is-promise.js";

/** An exchange in progress: which authenticator took it, and its state. Opaque to the broker. */
export interface AuthExchange {
  readonly authenticator: Authenticator;
  readonly attempt: ConnectAttempt;
  readonly state: unknown;
}

/** The chain's answer `continue`: send AUTH 0x18 with `data`, then continue with `exchange`. */
export interface PendingAuthentication {
  readonly kind: "continue";
  readonly data: Uint8Array | undefined;
  readonly exchange: AuthExchange;
}

export type ChainResult = Authenticated | Deny | PendingAuthentication;

export class AuthenticationChain {
  readonly authenticators: readonly Authenticator[];
  /** Told about every authenticator that threw; the client was refused with 0x80. */
  onPluginError: ((error: PluginError) => void) | undefined;

  constructor(authenticators: readonly Authenticator[]) {
    this.authenticators = authenticators;
  }

  /** Whether some authenticator handles the enhanced authentication method `method`. */
  supportsMethod(method: string): boolean {
    return this.authenticators.some((a) => a.methods?.includes(method) === true);
  }

  authenticate(attempt: ConnectAttempt): ChainResult | Promise<ChainResult> {
    const method = attempt.authenticationMethod;
    if (method !== undefined && !this.supportsMethod(method)) {
      return deny(ReasonCode.BadAuthenticationMethod, `Authentication method "${method}" is not supported`);
    }
    const links =
      method === undefined
        ? this.authenticators
        : this.authenticators.filter((a) => a.methods?.includes(method) === true);
    return this.#run(links, attempt, 0);
  }

  /** The client's AUTH 0x18 in `exchange`: only the authenticator that took it answers. */
  continue(exchange: AuthExchange, data: Uint8Array | undefined): ChainResult | Promise<ChainResult> {
    const { authenticator, attempt } = exchange;
    if (authenticator.authenticateContinue === undefined)
      return this.#failed(authenticator, new Error("it answered continue without authenticateContinue"));
    let result: ContinueResult | Promise<ContinueResult>;
    try {
      result = authenticator.authenticateContinue({ attempt, data, state: exchange.state });
    } catch (error) {
      return this.#failed(authenticator, error);
    }
    if (isPromise(result))
      return result.then(
        (r) => this.#settle(authenticator, attempt, r),
        (error: unknown) => this.#failed(authenticator, error),
      );
    return this.#settle(authenticator, attempt, result);
  }

  #run(
    links: readonly Authenticator[],
    attempt: ConnectAttempt,
    from: number,
  ): ChainResult | Promise<ChainResult> {
    for (let i = from; i < links.length; i++) {
      const authenticator = links[i]!;
      let result: AuthenticationResult | Promise<AuthenticationResult>;
      try {
        result = authenticator.authenticate(attempt);
      } catch (error) {
        return this.#failed(authenticator, error);
      }
      if (isPromise(result)) {
        return result.then(
          (r) =>
            r.kind === "defer" ? this.#run(links, attempt, i + 1) : this.#settle(authenticator, attempt, r),
          (error: unknown) => this.#failed(authenticator, error),
        );
      }
      if (result.kind !== "defer") return this.#settle(authenticator, attempt, result);
    }
    if (attempt.authenticationMethod !== undefined)
      return deny(ReasonCode.NotAuthorized, "No authenticator accepted the client");
    const credentials = attempt.username !== undefined || attempt.password !== undefined;
    return deny(
      credentials ? ReasonCode.BadUserNameOrPassword : ReasonCode.NotAuthorized,
      "No authenticator accepted the client",
    );
  }

  #settle(
    authenticator: Authenticator,
    attempt: ConnectAttempt,
    result: Exclude<AuthenticationResult, { kind: "defer" }>,
  ): ChainResult {
    if (result.kind !== "continue") return result;
    // [MQTT-4.12.0-6] no AUTH packet unless the client chose an authentication method
    if (attempt.authenticationMethod === undefined)
      return this.#failed(authenticator, new Error("it answered continue without an authentication method"));
    return {
      kind: "continue",
      data: result.data,
      exchange: { authenticator, attempt, state: result.state },
    };
  }

  #failed(authenticator: Authenticator, cause: unknown): Deny {
    const detail = cause instanceof Error ? cause.message : String(cause);
    this.onPluginError?.(
      new PluginError(`Authenticator "${authenticator.name}" failed: ${detail}`, {
        plugin: authenticator.name,
        cause,
      }),
    );
    return deny(ReasonCode.UnspecifiedError, "Authentication failed");
  }
}
