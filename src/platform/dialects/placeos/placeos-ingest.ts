/**
 * PlaceOS's inbound side over MQTT: a driver principal publishes a module's new state value on
 * `placeos/ingest/<module_id>/state/<key>` (the key escaped as in state topics), the payload being the
 * value as JSON, as a PlaceOS driver writes it to Redis. The publish is consumed (nothing is routed on
 * the ingest topic); the value becomes the module's current state and a `state` envelope, which PlaceOS
 * renders on the module's retained state topic, the payload's text embedded as it came (UTF-8 decoded,
 * a leading byte order mark dropped; nothing else changed, surrounding whitespace included).
 *
 * Refusals (v5 PUBACK reason code and reason string; a v3 publish is dropped):
 * - 0x90 Topic Name invalid: the key level is not an escaped state key;
 * - 0x99 Payload format invalid: the payload is not JSON (or not UTF-8), nests deeper than 256 levels,
 *   or holds a number JSON cannot (`1e400`);
 * - 0x83 Implementation specific error: no such module in the publisher's tenant;
 * - 0x87 Not authorized: a principal with an org (every user of `/api/mqtt`) writing to a module
 *   outside it.
 * @module
 */

import { jsonValueProblem, NON_FINITE_NUMBER } from "../../envelope/index.js";
import { ReasonCode } from "../../../protocol/index.js";
import type { DialectContext, IngestHandler, IngestRejected } from "../dialect.js";
import { unescapeLevel } from "./level-escape.js";
import { moduleStateEvent, stateKeyError } from "./module-state.js";
import type { PlaceosHierarchy } from "./placeos-hierarchy.js";
import { PLACEOS, placeModule } from "./placeos-topics.js";

const decoder = new TextDecoder("utf-8", { fatal: true });

export function ingestModuleState(options: { readonly hierarchy: PlaceosHierarchy }): IngestHandler {
  return (publish, context) => {
    const org = publish.client.principal.attributes["org"];
    if (org !== undefined) {
      const refusal = outsideOrg(publish.params["module"]!, org, context, options.hierarchy);
      if (refusal !== undefined) return refusal;
    }
    const level = publish.params["key"]!;
    const key = unescapeLevel(level);
    const keyError = key === undefined ? "it is not escaped as in state topics" : stateKeyError(key);
    if (keyError !== undefined)
      return {
        kind: "reject",
        reasonCode: ReasonCode.TopicNameInvalid,
        reason: `${JSON.stringify(level)} is not a state key: ${keyError}`,
      };
    let text: string;
    let value: unknown;
    try {
      text = decoder.decode(publish.payload); // a fatal decoder: UTF-8 or an error
      value = JSON.parse(text) as unknown;
    } catch {
      return {
        kind: "reject",
        reasonCode: ReasonCode.PayloadFormatInvalid,
        reason: "The payload must be the state value as JSON (UTF-8)",
      };
    }
    const problem = jsonValueProblem(value);
    if (problem !== undefined)
      return {
        kind: "reject",
        reasonCode: ReasonCode.PayloadFormatInvalid,
        reason: `The state value ${problem === NON_FINITE_NUMBER ? "has" : "is"} ${problem}`,
      };
    const event = moduleStateEvent(
      context.registry,
      {
        moduleId: publish.params["module"]!,
        key: key!,
        value,
        valueText: text,
        tenant: context.tenant,
        via: PLACEOS,
      },
      context.now,
    );
    if (!event.ok)
      return {
        kind: "reject",
        reasonCode:
          event.problem.code === "not-found"
            ? ReasonCode.ImplementationSpecificError
            : ReasonCode.PayloadFormatInvalid,
        reason: event.problem.message,
      };
    return { kind: "accept", envelopes: [event.envelope], state: [event.write], forward: false };
  };
}

/** The refusal of a write by a principal of `org` to a module placed elsewhere (or nowhere). */
function outsideOrg(
  moduleId: string,
  org: string,
  context: DialectContext,
  hierarchy: PlaceosHierarchy,
): IngestRejected | undefined {
  const module = context.registry.module(moduleId);
  if (module === undefined || module.tenant !== context.tenant) return undefined; // 0x83 below
  const placed = placeModule(context.registry, hierarchy, context.tenant, module);
  if (placed.kind === "placed" && placed.orgId === org) return undefined;
  return {
    kind: "reject",
    reasonCode: ReasonCode.NotAuthorized,
    reason: `Module "${moduleId}" is not in your org "${org}"`,
  };
}
