/**
 * The dialects' inbound side as a MessageStage. For a PUBLISH of a client whose tenant has dialects,
 * on a row with an ingest handler:
 *
 * 1. the handler parses and validates it into envelopes, state values and what is routed, or rejects it;
 * 2. a rejection answers the publisher (v5 reason code and reason string) and publishes the handler's
 *    reports (a `rejected` topic);
 * 3. otherwise the state values are recorded in the registry, and every dialect of the tenant renders
 *    every envelope; the renderings (minus the one on the publish's own topic, which is the publish
 *    itself unless the handler consumed it) are published by the broker after the publish, mounted in
 *    the tenant's namespace, with the publish's QoS, RETAIN flag and expiry unless they say otherwise.
 *
 * A zero-length retained PUBLISH is not handed to the handler: it clears the retained message of its
 * topic, as in plain MQTT (what the dialect derived from earlier publishes is left as it is).
 *
 * A handler that throws rejects the publish with 0x80 and is logged: a failing dialect never routes
 * unvalidated data. Messages of other tenants pass untouched.
 * @module
 */

import type { ClientIdentity, MessageStage, MessageStageHost, StageResult } from "../../hooks/index.js";
import { ReasonCode } from "../../protocol/index.js";
import type { ApplicationMessage } from "../../session/index.js";
import { clientTopicOf, type TenantMount } from "../../tenancy/index.js";
import type { DialectContext, IngestOutcome, Rendered } from "./dialect.js";
import type { DialectLayer, Origin } from "./dialect-layer.js";

const CONTINUE: StageResult = Object.freeze({ kind: "continue" });

export class DialectStage implements MessageStage {
  readonly name = "dialects";
  readonly #layer: DialectLayer;

  constructor(layer: DialectLayer) {
    this.#layer = layer;
  }

  attach(host: MessageStageHost): void {
    this.#layer.attach(host);
  }

  process(message: ApplicationMessage, publisher: ClientIdentity): StageResult {
    const layer = this.#layer;
    const tenant = layer.forTenant(publisher.principal.tenant);
    if (tenant.dialects.length === 0) return CONTINUE;
    const topic = clientTopicOf(message); // the client's view (a will's is not known yet: unmounted once)
    const found = layer.lookupTopic(tenant.dialects, topic); // the authorizer's lookup, remembered
    const ingest = found?.match.row.topic.ingest;
    if (found === undefined || ingest === undefined) return CONTINUE;
    // a zero-length retained PUBLISH clears the topic's retained message (MQTT's rule): not an event
    if (message.retain && message.payload.byteLength === 0) return CONTINUE;

    const now = message.createdAt;
    const context: DialectContext = { registry: layer.registry, tenant: tenant.tenant, now };
    let outcome: IngestOutcome;
    try {
      outcome = ingest(
        {
          tenant: tenant.tenant,
          client: publisher,
          topic,
          params: found.match.params,
          payload: message.payload,
          qos: message.qos,
          retain: message.retain,
          properties: message.properties,
        },
        context,
      );
    } catch (error) {
      layer.logger.error(
        { err: error, dialect: found.dialect.dialect.name, topic, clientId: publisher.clientId },
        `Dialect "${found.dialect.dialect.name}" failed to handle a publish`,
      );
      return { kind: "reject", reasonCode: ReasonCode.UnspecifiedError, reason: "Internal error" };
    }

    const made: ApplicationMessage[] = [];
    const mount = tenant.mount;
    if (outcome.kind === "reject") {
      this.#add(made, outcome.publish, mount, message, now, undefined);
      return { kind: "reject", reasonCode: outcome.reasonCode, reason: outcome.reason, publish: made };
    }
    if (outcome.state !== undefined) for (const write of outcome.state) layer.registry.setState(write);
    this.#add(made, outcome.publish, mount, message, now, undefined);
    const forward = outcome.forward ?? true;
    // routed on its own topic: renderings onto that topic are the publish itself (the context is
    // `context` plus inboundTopic, written out: the object spread was a visible share of the profile)
    const skip = forward === false ? undefined : topic;
    const renderContext: DialectContext =
      skip === undefined
        ? context
        : { registry: context.registry, tenant: context.tenant, now, inboundTopic: skip };
    const renderings: Rendered[] = [];
    for (const envelope of outcome.envelopes) layer.render(tenant, envelope, renderContext, renderings);
    this.#add(made, renderings, mount, message, now, skip);
    if (forward === false) return { kind: "consume", publish: made };
    if (forward === true) return { kind: "continue", publish: made };
    // a new payload: the copy's size (`messageBytes`) is not the original's
    const changed = { ...message, payload: forward, bytes: undefined };
    return { kind: "continue", message: changed, publish: made };
  }

  /** Adds broker messages for `rendered` to `made`, leaving out those on the topic `skip`. */
  #add(
    made: ApplicationMessage[],
    rendered: readonly Rendered[] | undefined,
    mount: TenantMount,
    origin: Origin,
    now: number,
    skip: string | undefined,
  ): void {
    if (rendered === undefined) return;
    const layer = this.#layer;
    for (let i = 0; i < rendered.length; i++) {
      const r = rendered[i]!;
      if (r.topic !== skip) made.push(layer.toMessage(mount, r, origin, now));
    }
  }
}
