/**
 * The dialects' topic tables as an Authorizer (first in the chain, before the configured rules).
 *
 * For a client whose tenant has dialects: a topic no row matches, or a row whose permission does not
 * hold, gets the dialect's refusal (`DialectRefusals`, which may end the connection); a topic the
 * table allows is passed on (`defer`), so the configured rules still decide and can narrow it (a
 * device to its own topics). For every other client it defers at once: plain-broker behaviour.
 * Topics are the client's own, never the tenant mount.
 * @module
 */

import {
  type Authorizer,
  type ClientIdentity,
  DEFER,
  deny,
  type Decision,
  type PublishRequest,
  type SubscribeRequest,
} from "../../hooks/index.js";
import { ReasonCode } from "../../protocol/index.js";
import type { DialectLayer } from "./dialect-layer.js";
import { permits } from "./topic-table.js";

/**
 * A principal that logged in on a dialect's own endpoint (PlaceOS's `/api/mqtt`) is that dialect's:
 * when its tenant has lost every dialect, nothing is left to allow it (it never falls through to the
 * tenant's plain rules).
 */
const ENDPOINT_WITHOUT_DIALECT = deny(ReasonCode.NotAuthorized, "The tenant no longer has this API");

function viaEndpoint(client: ClientIdentity): boolean {
  return client.principal.attributes["endpoint"] !== undefined;
}

export class DialectAuthorizer implements Authorizer {
  readonly name = "dialects";
  readonly #layer: DialectLayer;

  constructor(layer: DialectLayer) {
    this.#layer = layer;
  }

  authorizePublish(request: PublishRequest): Decision {
    const { dialects } = this.#layer.forTenant(request.client.principal.tenant);
    if (dialects.length === 0) return viaEndpoint(request.client) ? ENDPOINT_WITHOUT_DIALECT : DEFER;
    const found = this.#layer.lookupTopic(dialects, request.topic);
    if (found === undefined) return dialects[0]!.dialect.refusals.publishOutside;
    const { row, params } = found.match;
    return permits(row.topic.publish, request.client, params)
      ? DEFER
      : found.dialect.dialect.refusals.publishNotPermitted;
  }

  authorizeSubscribe(request: SubscribeRequest): Decision {
    const { dialects } = this.#layer.forTenant(request.client.principal.tenant);
    if (dialects.length === 0) return viaEndpoint(request.client) ? ENDPOINT_WITHOUT_DIALECT : DEFER;
    const filter = request.topicFilter;
    const levels = filter.split("/");
    if (filter.includes("+") || filter.includes("#")) {
      for (const { dialect, table } of dialects) {
        const policy = dialect.refusals.wildcards;
        if (policy === "within-table") {
          if (table.subscribable(levels, request.client)) return DEFER;
        } else if (table.rows.some((row) => row.pattern.mayMatch(levels))) return policy;
      }
      return dialects[0]!.dialect.refusals.subscribeOutside;
    }
    const found = this.#layer.lookup(dialects, levels);
    if (found === undefined) return dialects[0]!.dialect.refusals.subscribeOutside;
    const { row, params } = found.match;
    return permits(row.topic.subscribe, request.client, params)
      ? DEFER
      : found.dialect.dialect.refusals.subscribeNotPermitted;
  }
}
