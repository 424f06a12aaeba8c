/**
 * The admin REST API (docs/admin-api.md): the registry (outbound brokers and their bridges included),
 * clients, sessions and retained messages over HTTP, described by an OpenAPI document.
 * @module
 */

export { AdminAuthenticator, type AdminAuthenticatorOptions } from "./admin-authenticator.js";
export type { AdminCaller } from "./admin-caller.js";
export type { AdminCall, AdminMethod, AdminRoute } from "./admin-route.js";
export { ApiError } from "./api-error.js";
export type { BrokerBridges } from "./bridge-routes.js";
export { type AdminApi, type AdminApiOptions, createAdminApi } from "./create-admin-api.js";
export { openApiDocument, openApiPath } from "./openapi.js";
