/**
 * SUBSCRIBE (spec 3.8): validates and authorizes each filter, stores the subscription (replacing one
 * with the same filter [MQTT-3.8.4-3]), answers SUBACK with a reason code per filter in order
 * [MQTT-3.8.4-6] [MQTT-3.9.3-1], then sends matching retained messages as Retain Handling asks.
 *
 * Access (access-guard.ts): a filter over `limits.maxTopicLevels`/`maxTopicLength` gets 0x8F, one
 * the tenancy guard refuses (`$SYS` without admin rights, the `$t` mount namespace) or the authorizers
 * deny gets 0x87, one beyond `limits.maxSubscriptionsPerClient` 0x97; MQTT 3 clients get 0x80 for
 * each. The authorizers see the client's filter; the subscription is stored mounted in the client's
 * tenant (`$share/<group>/` stays in front, so share groups are per tenant). Each message delivered
 * through it is checked again at send time (receive rules, `$SYS`). An authorizer's refusal with
 * `disconnect: "always"` (`Deny.disconnect`) ends the connection instead (v5: DISCONNECT with its reason
 * code), and no SUBACK is sent.
 * @module
 */

import {
  PacketType,
  type QoS,
  type SubscribePacket,
  type SubscriptionRequest,
  ProtocolError,
  ProtocolErrorCode,
  protocolViolation,
  ReasonCode,
  SUBACK_FAILURE_V3,
  parseSubscriptionFilter,
} from "../protocol/index.js";
import type { Subscription } from "../session/index.js";
import type { Connection } from "./connection.js";

type Outcome =
  | { readonly ok: true; readonly subscription: Subscription; readonly clientFilter: string }
  | { readonly ok: false; readonly reasonCode: number };

export async function handleSubscribe(conn: Connection, packet: SubscribePacket, now: number): Promise<void> {
  const broker = conn.broker;
  const limits = broker.config.mqtt;
  const subscriptionIdentifier = packet.properties?.subscriptionIdentifiers?.[0];
  if (subscriptionIdentifier !== undefined && !limits.subscriptionIdentifiersAvailable) {
    throw new ProtocolError(
      ProtocolErrorCode.ProtocolViolation,
      ReasonCode.SubscriptionIdentifiersNotSupported,
      "Subscription identifiers are not supported",
      { rule: "spec 3.2.2.3.12" },
    );
  }

  const outcomes: Outcome[] = [];
  for (const request of packet.subscriptions) {
    outcomes.push(await checkRequest(conn, request, subscriptionIdentifier));
    if (!conn.isOpen) return;
  }

  const session = conn.session!;
  const reasonCodes: number[] = [];
  const retainedFor: { subscription: Subscription; existed: boolean }[] = [];
  const maxSubscriptions = broker.config.limits.maxSubscriptionsPerClient;
  for (const outcome of outcomes) {
    if (!outcome.ok) {
      reasonCodes.push(conn.version === 5 ? outcome.reasonCode : SUBACK_FAILURE_V3);
      continue;
    }
    const key = outcome.subscription.topicFilter;
    if (
      maxSubscriptions > 0 &&
      session.subscriptions.size >= maxSubscriptions &&
      !session.subscriptions.has(key) // replacing a subscription is always allowed
    ) {
      broker.guard.limitExceeded(conn, "subscribe", "subscriptions", outcome.clientFilter);
      reasonCodes.push(conn.version === 5 ? ReasonCode.QuotaExceeded : SUBACK_FAILURE_V3);
      continue;
    }
    const existed = broker.subscribe(session, outcome.subscription);
    reasonCodes.push(outcome.subscription.qos);
    retainedFor.push({ subscription: outcome.subscription, existed });
  }
  const sendRetained = (): void => {
    for (const { subscription, existed } of retainedFor) {
      // Retain Handling 0 always, 1 only for a new subscription, 2 never [MQTT-3.3.1-9] [MQTT-3.3.1-10];
      // retained messages are not sent for shared subscriptions [spec 4.8.2]
      if (subscription.shareGroup !== undefined) continue;
      if (subscription.retainHandling === 2 || (subscription.retainHandling === 1 && existed)) continue;
      broker.sendRetained(session, subscription, now);
    }
  };
  // The SUBACK goes out before the retained messages it unlocks
  broker.acknowledgeAfterCommit(
    conn,
    { type: PacketType.SUBACK, packetId: packet.packetId, reasonCodes },
    sendRetained,
  );
}

async function checkRequest(
  conn: Connection,
  request: SubscriptionRequest,
  subscriptionIdentifier: number | undefined,
): Promise<Outcome> {
  const broker = conn.broker;
  const limits = broker.config.mqtt;
  const parsed = parseSubscriptionFilter(request.topicFilter);
  if ("error" in parsed) {
    conn.log.debug({ topicFilter: request.topicFilter }, parsed.error);
    return { ok: false, reasonCode: ReasonCode.TopicFilterInvalid };
  }
  if (parsed.shareGroup !== undefined) {
    if (!limits.sharedSubscriptionAvailable)
      return { ok: false, reasonCode: ReasonCode.SharedSubscriptionsNotSupported };
    if (request.noLocal)
      throw protocolViolation("No Local must not be set on a shared subscription", "MQTT-3.8.3-4");
  }
  if (!limits.wildcardSubscriptionAvailable && /[+#]/.test(parsed.filter)) {
    return { ok: false, reasonCode: ReasonCode.WildcardSubscriptionsNotSupported };
  }
  const guard = broker.guard;
  const limit = guard.topicLimit(parsed.filter);
  if (limit !== undefined) {
    guard.limitExceeded(conn, "subscribe", limit, parsed.filter);
    return { ok: false, reasonCode: ReasonCode.TopicFilterInvalid };
  }
  const mounted = guard.mountFilter(conn, parsed.filter);
  if (typeof mounted !== "string") {
    guard.denied(conn, "subscribe", parsed.filter, mounted);
    return { ok: false, reasonCode: mounted.reasonCode };
  }
  const qos = Math.min(request.qos, limits.maxQos) as QoS; // [MQTT-3.2.2-10] requested QoS 0-2 accepted, granted at most Maximum QoS
  const decision = await broker.hooks.authorizeSubscribe({
    client: conn.identity!,
    topicFilter: parsed.filter,
    shareGroup: parsed.shareGroup,
    qos,
  });
  if (decision.kind !== "allow") {
    if (conn.isOpen) guard.denied(conn, "subscribe", parsed.filter, undefined);
    if (decision.kind === "deny" && decision.disconnect === "always")
      conn.disconnect(decision.reasonCode, decision.reason ?? "Subscribe not authorized");
    return {
      ok: false,
      reasonCode: decision.kind === "deny" ? decision.reasonCode : ReasonCode.NotAuthorized,
    };
  }
  const topicFilter =
    mounted === parsed.filter
      ? request.topicFilter
      : parsed.shareGroup === undefined
        ? mounted
        : `$share/${parsed.shareGroup}/${mounted}`;
  return {
    ok: true,
    clientFilter: parsed.filter,
    subscription: {
      topicFilter,
      filter: mounted,
      shareGroup: parsed.shareGroup,
      qos,
      noLocal: conn.version === 5 && request.noLocal,
      retainAsPublished: conn.version === 5 && request.retainAsPublished,
      retainHandling: conn.version === 5 ? request.retainHandling : 0,
      subscriptionIdentifier,
    },
  };
}
