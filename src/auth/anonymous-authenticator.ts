/**
 * The built-in authenticator of the broker core: accepts every client when anonymous access is
 * allowed (any user name is then taken as given, as Mosquitto does with `allow_anonymous true` and no
 * password file), and defers otherwise so that later authenticators decide.
 * @module
 */

import {
  type AuthenticationResult,
  type Authenticator,
  type ConnectAttempt,
  DEFER,
  ANONYMOUS_PRINCIPAL,
} from "../hooks/index.js";

export class AnonymousAuthenticator implements Authenticator {
  readonly name = "anonymous";
  readonly #allow: boolean;

  constructor(options: { readonly allowAnonymous: boolean }) {
    this.#allow = options.allowAnonymous;
  }

  authenticate(attempt: ConnectAttempt): AuthenticationResult {
    if (!this.#allow) return DEFER;
    if (attempt.username === undefined) return { kind: "allow", principal: ANONYMOUS_PRINCIPAL };
    return { kind: "allow", principal: { ...ANONYMOUS_PRINCIPAL, id: attempt.username } };
  }
}
