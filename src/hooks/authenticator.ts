/**
 * The authentication hook: decides whether a CONNECT is accepted and who the client is.
 *
 * One-step authenticators (user name and password, API keys, tokens, client certificates) implement
 * `authenticate` only. Multi-step methods of MQTT 5 enhanced authentication (spec 4.12) also list their
 * Authentication Method names in `methods` and implement `authenticateContinue`:
 *
 * 1. CONNECT carries Authentication Method M (and maybe Authentication Data): the chain asks, in order,
 *    only the authenticators whose `methods` include M (none: CONNACK 0x8C [MQTT-4.12.0-1]).
 * 2. An authenticator answering `continue` takes the exchange: the broker sends AUTH 0x18 with the
 *    answer's data [MQTT-4.12.0-2] and keeps its `state`; each AUTH 0x18 from the client
 *    [MQTT-4.12.0-3] goes to that authenticator's `authenticateContinue` with the state, until it
 *    answers `allow` (CONNACK 0x00, or AUTH 0x00 when re-authenticating) or `deny`.
 * 3. Re-authentication (AUTH 0x19 after CONNACK [MQTT-4.12.1-1]) runs the same way, with
 *    `attempt.current` set to the connection's principal. It must yield the same principal id and
 *    tenant; roles, scopes and expiry may change. A failure disconnects [MQTT-4.12.1-2].
 *
 * Answers are values: `allow`, `deny(reason code)`, `defer`, or `continue` (enhanced authentication
 * only). The first answer that is not `defer` wins; when every link defers, the client is refused.
 * @module
 */

import type { ProtocolVersion, UserProperty } from "../protocol/index.js";
import type { PeerCertificate } from "../transport/tls-certificate.js";
import type { Deny, Defer } from "./decision.js";
import type { Principal } from "./principal.js";

export type { PeerCertificate, SubjectAltName } from "../transport/tls-certificate.js";

/** What an authenticator sees of a connecting (or re-authenticating) client. */
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
  /**
   * The listener's named endpoint the client connected through (`placeos-api` for PlaceOS's
   * `/api/mqtt` WebSocket path); undefined for the listener's own MQTT path.
   */
  readonly endpoint?: string | undefined;
  /** v5 enhanced authentication: the Authentication Method of CONNECT (or of AUTH 0x19). */
  readonly authenticationMethod: string | undefined;
  /** v5 enhanced authentication: the Authentication Data of CONNECT (or of AUTH 0x19). */
  readonly authenticationData: Uint8Array | undefined;
  readonly userProperties: readonly UserProperty[];
  /** The client certificate, when the connection came over TLS with one the listener's CA verified. */
  readonly certificate?: PeerCertificate | undefined;
  /** Set when re-authenticating (AUTH 0x19): the principal the connection has now. */
  readonly current?: Principal | undefined;
  /**
   * Whether the client is gone (its connection closed) while its login waits: costly work still
   * waiting for its turn (a password check) is then skipped.
   */
  readonly abandoned?: (() => boolean) | undefined;
}

export interface Authenticated {
  readonly kind: "allow";
  readonly principal: Principal;
  /** Enhanced authentication: Authentication Data for the final CONNACK (or AUTH 0x00). */
  readonly data?: Uint8Array;
}

/** Enhanced authentication: one more round is needed. */
export interface AuthContinue {
  readonly kind: "continue";
  /** Authentication Data for the AUTH 0x18 sent to the client. */
  readonly data?: Uint8Array;
  /** Kept by the broker for this exchange and handed back with the client's next AUTH. */
  readonly state?: unknown;
}

export type AuthenticationResult = Authenticated | Deny | Defer | AuthContinue;

/** The answer to a client's AUTH 0x18: the exchange cannot be passed on to another authenticator. */
export type ContinueResult = Authenticated | Deny | AuthContinue;

/** A client's AUTH 0x18 in an exchange an authenticator took by answering `continue`. */
export interface AuthStep {
  /** The attempt that started the exchange (CONNECT, or AUTH 0x19 for a re-authentication). */
  readonly attempt: ConnectAttempt;
  /** The Authentication Data of the client's AUTH. */
  readonly data: Uint8Array | undefined;
  /** The `state` of the authenticator's previous `continue` answer. */
  readonly state: unknown;
}

/** What the broker offers authenticators that manage credentials at run time. */
export interface AuthenticatorHost {
  /**
   * Disconnects every client whose principal matches (v5: DISCONNECT with `reasonCode`; v3: the
   * connection is closed), logging `event` for each; returns how many were disconnected.
   */
  disconnectClients(
    match: (principal: Principal) => boolean,
    options: { readonly reasonCode: number; readonly reason: string; readonly event: string },
  ): number;
}

export interface Authenticator {
  readonly name: string;
  /** MQTT 5 Authentication Methods this authenticator handles (enhanced authentication). */
  readonly methods?: readonly string[];
  authenticate(attempt: ConnectAttempt): AuthenticationResult | Promise<AuthenticationResult>;
  /** Required when `authenticate` may answer `continue`: the client's next AUTH 0x18. */
  authenticateContinue?(step: AuthStep): ContinueResult | Promise<ContinueResult>;
  /** Called once per broker the authenticator serves, when the broker is created. */
  attach?(host: AuthenticatorHost): void;
}
