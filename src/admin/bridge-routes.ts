/**
 * The routes of outbound brokers' bridges, beside their registry routes (`/api/v1/brokers`):
 * `GET /api/v1/brokers/<id>/status` (connection, outbox depth, last error, counters, what the privacy
 * rules did) and `POST /api/v1/brokers/<id>/resync` (queues a full snapshot of the current state for
 * the remote broker, ahead of what comes next). A broker of a tenant the caller does not administer is
 * a 404, as one that does not exist.
 * @module
 */

import type { OutboundBrokerStatus } from "../bridges/index.js";
import type { Registry } from "../platform/registry/index.js";
import { administers } from "./admin-caller.js";
import type { AdminCall, AdminRoute } from "./admin-route.js";
import { ApiError } from "./api-error.js";
import { brokerStatusSchema, outboundBrokerSchemas } from "./broker-schemas.js";
import { idSchema, integer, object, string } from "./schema-parts.js";

/** The bridges of the registry's brokers, as the admin API uses them (`OutboundBrokers`). */
export interface BrokerBridges {
  status(id: string): OutboundBrokerStatus | undefined;
  resync(id: string): number | undefined;
  /** Whether a bridge of this id runs. */
  has(id: string): boolean;
  /** Resolves once every registry change so far was applied to the bridges. */
  settled(): Promise<void>;
}

export interface BridgeRoutesOptions {
  readonly registry: Registry;
  readonly bridges: BrokerBridges;
}

const params = object({ id: idSchema(outboundBrokerSchemas.idPattern, "The broker's id.") }, ["id"]);

export function bridgeRoutes({ registry, bridges }: BridgeRoutesOptions): AdminRoute[] {
  /** The broker's id when it exists and the caller administers its tenant, else a 404. */
  const visible = (call: AdminCall): string => {
    const id = call.params["id"]!;
    const broker = registry.get("brokers", id);
    if (broker === undefined || !administers(call.caller!, broker.tenant))
      throw new ApiError("NOT_FOUND", `No broker "${id}"`);
    return id;
  };
  return [
    {
      method: "GET",
      url: "/api/v1/brokers/:id/status",
      operationId: "getBrokerStatus",
      summary: "The status of a broker's bridge: connection, outbox, last error, counters, privacy counts.",
      tag: "brokers",
      params,
      status: 200,
      response: brokerStatusSchema,
      errors: [404],
      handle: (call) => {
        const id = visible(call);
        const status = bridges.status(id);
        if (status === undefined) throw new ApiError("NOT_FOUND", `No bridge runs for broker "${id}"`);
        return status;
      },
    },
    {
      method: "POST",
      url: "/api/v1/brokers/:id/resync",
      operationId: "resyncBroker",
      summary:
        "Queues a full resync: the current state (retained messages of the bridge's filters) is sent to the remote broker again.",
      tag: "brokers",
      params,
      status: 200,
      response: object(
        {
          id: string("The broker's id."),
          queued: integer("Messages queued in the bridge's outbox by the resync."),
        },
        ["id", "queued"],
        "The resync queued.",
      ),
      errors: [404],
      handle: (call) => {
        const id = visible(call);
        if (!bridges.has(id))
          throw new ApiError("NOT_FOUND", `No bridge runs for broker "${id}" (see its status)`);
        const queued = bridges.resync(id);
        if (queued === undefined)
          throw new ApiError(
            "INTERNAL_ERROR",
            `The resync of broker "${id}" failed (see its status's lastError)`,
          );
        return { id, queued };
      },
    },
  ];
}

/** The schemas of these routes by OpenAPI component name. */
export const bridgeSchemas = { BrokerStatus: brokerStatusSchema };
