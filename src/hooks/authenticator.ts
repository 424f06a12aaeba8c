/**
 * The authentication hook: decides whether a CONNECT is accepted and who the client is.
 * @module
 */

import type { ProtocolVersion, UserProperty } from "../protocol/index.js";
import type { Deny, Defer } from "./decision.js";
import type { Principal } from "./principal.js";

/** What an authenticator sees of a connecting client. */
export interface ConnectAttempt {
  readonly clientId: string;
  /** True when the server assigned the client identifier. */
  readonly clientIdAssigned: boolean;
  readonly username: string | undefined;
  readonly password: Uint8Array | undefined;
  readonly protocolVersion: ProtocolVersion;
  readonly remoteAddress: string;
  /** The listener's name from the configuration. */
  readonly listener: string;
  /** True when the listener is bound to a loopback address only. */
  readonly loopbackListener: boolean;
  /** v5 enhanced authentication. */
  readonly authenticationMethod: string | undefined;
  readonly authenticationData: Uint8Array | undefined;
  readonly userProperties: readonly UserProperty[];
}

export interface Authenticated {
  readonly kind: "allow";
  readonly principal: Principal;
}

export type AuthenticationResult = Authenticated | Deny | Defer;

export interface Authenticator {
  readonly name: string;
  authenticate(attempt: ConnectAttempt): AuthenticationResult | Promise<AuthenticationResult>;
}
