/**
 * The admin API's public routes: `GET /api/v1/health` (for load balancers and probes) and
 * `GET /api/v1/openapi.json` (the document describing every route). Neither needs credentials, and
 * neither tells anything about the broker's contents.
 *
 * The health check answers 503 (`degraded`) while the store cannot commit (a full disk, its files
 * deleted): the broker then acknowledges nothing that needs storing, and disconnects the clients that
 * wait for it, so a load balancer should send them elsewhere.
 * @module
 */

import type { StoreFailure } from "../hooks/index.js";
import type { AdminRoute } from "./admin-route.js";
import { boolean, integer, object, string } from "./schema-parts.js";
import { StatusBody } from "./status-body.js";

export interface ServiceRoutesOptions {
  readonly version: string;
  /** Whether the broker is running (false while it stops). */
  readonly running: () => boolean;
  /** Why the store cannot commit, while it cannot (`Store.failure`). */
  readonly storeFailure: () => StoreFailure | undefined;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** The OpenAPI document (made once every route is known). */
  readonly document: () => Readonly<Record<string, unknown>>;
}

export function serviceRoutes(options: ServiceRoutesOptions): AdminRoute[] {
  const startedAt = options.now();
  return [
    {
      method: "GET",
      url: "/api/v1/health",
      operationId: "getHealth",
      summary: "Whether the broker is up and its store commits (no credentials needed).",
      tag: "service",
      public: true,
      status: 200,
      otherStatuses: {
        503: "`degraded`: the store cannot commit (see `store`), so nothing that needs storing is acknowledged.",
      },
      response: object(
        {
          status: string(
            "`ok` while the broker runs and its store commits, `degraded` (HTTP 503) while the store cannot commit, `stopping` once the broker stops.",
            { enum: ["ok", "degraded", "stopping"] },
          ),
          version: string("The Switchboard version."),
          uptime: integer("Seconds since the API started."),
          store: object(
            {
              ok: boolean("False from a failed commit until one succeeds."),
              code: string("The error code while commits fail (`SB_ERR_STORE`)."),
              since: integer(
                "When the first commit failed (none succeeded since), in milliseconds since the epoch.",
              ),
              failures: integer("Commits failed since then."),
            },
            ["ok"],
            "Whether the store commits.",
          ),
        },
        ["status", "version", "uptime", "store"],
        "The broker's health.",
      ),
      handle: () => {
        const failure = options.storeFailure();
        const running = options.running();
        const health = {
          status: !running ? "stopping" : failure === undefined ? "ok" : "degraded",
          version: options.version,
          uptime: Math.floor((options.now() - startedAt) / 1000),
          store:
            failure === undefined
              ? { ok: true }
              : {
                  ok: false,
                  code: failure.code,
                  since: failure.since,
                  failures: failure.failures, // not the message: this route is public, and it names the file
                },
        };
        return health.status === "degraded" ? new StatusBody(503, health) : health;
      },
    },
    {
      method: "GET",
      url: "/api/v1/openapi.json",
      operationId: "getOpenApiDocument",
      summary: "This API's OpenAPI 3.1 document (no credentials needed).",
      tag: "service",
      public: true,
      status: 200,
      response: {
        type: "object",
        additionalProperties: true,
        description: "An OpenAPI 3.1 document.",
      },
      handle: () => options.document(),
    },
  ];
}
