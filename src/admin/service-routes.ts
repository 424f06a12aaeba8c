/**
 * The admin API's public routes: `GET /api/v1/health` (for load balancers and probes) and
 * `GET /api/v1/openapi.json` (the document describing every route). Neither needs credentials, and
 * neither tells anything about the broker's contents.
 * @module
 */

import type { AdminRoute } from "./admin-route.js";
import { integer, object, string } from "./schema-parts.js";

export interface ServiceRoutesOptions {
  readonly version: string;
  /** Whether the broker is running (false while it stops). */
  readonly running: () => boolean;
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
      summary: "Whether the broker is up (no credentials needed).",
      tag: "service",
      public: true,
      status: 200,
      response: object(
        {
          status: string("`ok` while the broker runs, `stopping` once it stops.", {
            enum: ["ok", "stopping"],
          }),
          version: string("The Switchboard version."),
          uptime: integer("Seconds since the API started."),
        },
        ["status", "version", "uptime"],
        "The broker's health.",
      ),
      handle: () => ({
        status: options.running() ? "ok" : "stopping",
        version: options.version,
        uptime: Math.floor((options.now() - startedAt) / 1000),
      }),
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
