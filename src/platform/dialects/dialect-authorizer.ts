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
import type { CompiledDialect, DialectLayer } from "./dialect-layer.js";
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

/**
 * The dialects whose tables decide for `client`: all of its tenant's, or, for a principal that logged
 * in on a dialect's own endpoint, that dialect only (another dialect's open rows must not open anything
 * to it: a PlaceOS API user of an org writing Gooee meta, or reading other orgs through Gooee's `#`).
 */
function deciding(dialects: readonly CompiledDialect[], client: ClientIdentity): readonly CompiledDialect[] {
  const endpoint = client.principal.attributes["endpoint"];
  if (endpoint === undefined) return dialects;
  return dialects.filter((compiled) => compiled.dialect.endpoint === endpoint);
}

export class DialectAuthorizer implements Authorizer {
  readonly name = "dialects";
  readonly #layer: DialectLayer;

  constructor(layer: DialectLayer) {
    this.#layer = layer;
  }

  authorizePublish(request: PublishRequest): Decision {
    const dialects = deciding(
      this.#layer.forTenant(request.client.principal.tenant).dialects,
      request.client,
    );
    if (dialects.length === 0) return viaEndpoint(request.client) ? ENDPOINT_WITHOUT_DIALECT : DEFER;
    const found = this.#layer.lookupTopic(dialects, request.topic);
    if (found === undefined) return dialects[0]!.dialect.refusals.publishOutside;
    const { row, params } = found.match;
    return permits(row.topic.publish, request.client, params)
      ? DEFER
      : found.dialect.dialect.refusals.publishNotPermitted;
  }

  authorizeSubscribe(request: SubscribeRequest): Decision {
    const dialects = deciding(
      this.#layer.forTenant(request.client.principal.tenant).dialects,
      request.client,
    );
    if (dialects.length === 0) return viaEndpoint(request.client) ? ENDPOINT_WITHOUT_DIALECT : DEFER;
    const filter = request.topicFilter;
    const levels = filter.split("/");
    if (filter.includes("+") || filter.includes("#")) {
      // every dialect whose table the filter can reach must grant it: one dialect's open rows (Gooee's)
      // never open another's closed ones (PlaceOS's other orgs) to a `#`
      let reached = false;
      for (const { dialect, table } of dialects) {
        if (!table.rows.some((row) => row.pattern.mayMatch(levels))) continue;
        reached = true;
        const policy = dialect.refusals.wildcards;
        if (policy !== "within-table") return policy;
        if (!table.subscribable(levels, request.client)) return dialect.refusals.subscribeNotPermitted;
      }
      return reached ? DEFER : dialects[0]!.dialect.refusals.subscribeOutside;
    }
    const found = this.#layer.lookup(dialects, levels);
    if (found === undefined) return dialects[0]!.dialect.refusals.subscribeOutside;
    const { row, params } = found.match;
    return permits(row.topic.subscribe, request.client, params)
      ? DEFER
      : found.dialect.dialect.refusals.subscribeNotPermitted;
  }
}
