/**
 * One route of the admin API, as data: method, path, schemas, the success status and the handler. The
 * same table registers the fastify routes (`create-admin-api.ts`) and generates the OpenAPI document
 * (`openapi.ts`), so the document lists exactly the routes that exist, with the schemas that validate
 * them.
 * @module
 */

import type { AdminCaller } from "./admin-caller.js";
import type { Schema } from "./schema-parts.js";

export type AdminMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** What a handler gets: the validated request parts and the authenticated caller. */
export interface AdminCall {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, unknown>>;
  readonly body: unknown;
  /** The JSON body's text, exactly as received (UTF-8 decoded), when there is a body. */
  readonly bodyText: string | undefined;
  /** Undefined only on public routes. */
  readonly caller: AdminCaller | undefined;
}

export interface AdminRoute {
  readonly method: AdminMethod;
  /** fastify syntax: `/api/v1/zones/:id`. */
  readonly url: string;
  /** Unique, for OpenAPI (`listZones`, `getZone`...). */
  readonly operationId: string;
  readonly summary: string;
  /** The OpenAPI tag (the group the route is listed under). */
  readonly tag: string;
  /** Served without credentials (`/health`, `/openapi.json`). */
  readonly public?: boolean;
  /** Path parameters (an object schema). */
  readonly params?: Schema;
  /** Query parameters (an object schema). */
  readonly query?: Schema;
  readonly body?: Schema;
  /** The status of a success: 200, 201 or 204. */
  readonly status: 200 | 201 | 204;
  /** The body of a success (none for 204). */
  readonly response?: Schema;
  /**
   * Statuses the route may answer instead of `status`, with a body of the same `response` schema (the
   * handler returns a `StatusBody`), and what each means (OpenAPI).
   */
  readonly otherStatuses?: Readonly<Record<number, string>>;
  /** Error statuses the route can answer besides 400, 401, 403 and 500. */
  readonly errors?: readonly number[];
  /**
   * The route changes state kept in the store and answers once that is committed. While the store is
   * failing (`Store.failure`), it is refused before its handler runs: 503 `STORE_UNAVAILABLE`.
   */
  readonly commits?: boolean;
  /**
   * Returns the response body (ignored for 204): a value to serialize, a `JsonBody` (json-body.ts)
   * sent as it is, or a `StatusBody` (status-body.ts) for one of `otherStatuses`; throws an ApiError to
   * refuse.
   */
  handle(call: AdminCall): unknown;
}
