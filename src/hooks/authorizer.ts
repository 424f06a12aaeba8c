/**
 * The authorization hook: decides, per client, what it may publish to, subscribe to and receive.
 * `publish` and `subscribe` may be answered asynchronously; `receive` is asked for every delivered
 * message and must answer synchronously (cache what you need). An empty chain allows everything;
 * otherwise, when every authorizer defers, the request is denied (see `hook-chain.ts`).
 *
 * Topics and filters are always the client's own, as it wrote them: never the tenant mount the broker
 * stores them under (`tenancy/tenant-mount.ts`). Tenant isolation and `$SYS` access are enforced by the
 * broker before the chain is asked (`broker/access-guard.ts`), so an authorizer cannot open them up.
 * The broker's chain is the authorizers given in code followed by the configured rules
 * (`auth/authorization/rules-authorizer.ts`), which answer what the others defer.
 *
 * A refusal may end the connection rather than refuse the one request (`Deny.disconnect` in
 * `decision.ts`): the platform dialects use it where their documentation says a topic outside the API
 * drops the connection.
 * @module
 */

import type { QoS } from "../protocol/index.js";
import type { Decision } from "./decision.js";
import type { Principal } from "./principal.js";

/** What an authorizer knows about the client a request comes from. */
export interface ClientIdentity {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly principal: Principal;
}

export interface PublishRequest {
  readonly client: ClientIdentity;
  /** The topic name as the client sent it (a will's topic, for a will). */
  readonly topic: string;
  readonly qos: QoS;
  readonly retain: boolean;
}

export interface SubscribeRequest {
  readonly client: ClientIdentity;
  /** The filter without any `$share/<group>/` prefix. */
  readonly topicFilter: string;
  readonly shareGroup: string | undefined;
  readonly qos: QoS;
}

export interface Authorizer {
  readonly name: string;
  authorizePublish(request: PublishRequest): Decision | Promise<Decision>;
  authorizeSubscribe(request: SubscribeRequest): Decision | Promise<Decision>;
  /**
   * Whether `client` may receive a message published on `topic` (the topic as the client is sent it),
   * asked when the message is sent: live, retained and queued messages alike. Optional: an authorizer
   * without it leaves deliveries to the subscribe decision.
   */
  authorizeReceive?(client: ClientIdentity, topic: string): Decision;
}
