/**
 * The admin REST API: a fastify instance that serves the route table (registry, clients, sessions,
 * retained messages, health, OpenAPI) on the HTTP server of a WebSocket listener. It never listens
 * itself: the listener hands it every request that is not a WebSocket upgrade to the MQTT path
 * ({@link AdminApi.handle}, fastify's `routing`).
 *
 * Per request: authentication first (`onRequest`, before the body is read: no credentials is a 401
 * even with a bad body), then fastify reads the body (over `admin.bodyLimit`: 413; not JSON: 415 or
 * 400) and validates params, query and body against the route's schemas (`schema-validators.ts`: 400
 * naming the field), then the handler. Every failure is answered `{"error": {"code", "message"}}`
 * (`api-error.ts`); a 500 or 503 is logged with its cause. Unknown routes are 404, with or without
 * credentials. Changes made through the API are logged at `info` with the administrator's principal.
 * A route that commits (`AdminRoute.commits`) is refused with 503 while the store is failing, before
 * its handler changes anything.
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { fastify, type FastifyReply, type FastifyRequest } from "fastify";
import type { Broker } from "../broker/index.js";
import type { Logger } from "../observability/index.js";
import type { Registry } from "../platform/registry/index.js";
import type { DialectLayer } from "../platform/dialects/index.js";
import { exceedsJsonDepth, MAX_JSON_DEPTH } from "../platform/envelope/index.js";
import type { AdminAuthenticator } from "./admin-authenticator.js";
import type { AdminCaller } from "./admin-caller.js";
import type { AdminRoute } from "./admin-route.js";
import { ApiError, storeUnavailable, toApiError } from "./api-error.js";
import { JsonBody } from "./json-body.js";
import { type BrokerBridges, bridgeRoutes, bridgeSchemas } from "./bridge-routes.js";
import { brokerRoutes, brokerSchemas } from "./broker-routes.js";
import { openApiDocument } from "./openapi.js";
import { moduleStateRoutes } from "./module-state-routes.js";
import { type PrivacyCountersSource, privacyRoutes } from "./privacy-routes.js";
import { registryRoutes, registrySchemas } from "./registry-routes.js";
import { object, type Schema } from "./schema-parts.js";
import { createSchemaValidators } from "./schema-validators.js";
import { serviceRoutes } from "./service-routes.js";
import { StatusBody } from "./status-body.js";

export interface AdminApiOptions {
  readonly broker: Broker;
  readonly registry: Registry;
  readonly authenticator: AdminAuthenticator;
  /** Largest request body, in bytes (`admin.bodyLimit`). */
  readonly bodyLimit: number;
  readonly logger: Logger;
  readonly version: string;
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
  /** The bridges of the registry's outbound brokers: without them, brokers are registry entities only. */
  readonly bridges?: BrokerBridges;
  /** What the tenants' and bridges' privacy rules did (`GET /api/v1/privacy/counters`). */
  readonly privacy?: PrivacyCountersSource;
  /** The dialect layer: `PUT /api/v1/modules/<id>/state/<key>` feeds it. */
  readonly dialects?: DialectLayer;
}

export interface AdminApi {
  /** Serves one HTTP request (give it to the listener's HTTP server). */
  readonly handle: (request: IncomingMessage, response: ServerResponse) => void;
  /** Every route, as registered and as the OpenAPI document lists them. */
  readonly routes: readonly AdminRoute[];
  readonly document: Readonly<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * The longest path parameter the router reads, escaped (an id has at most 128 characters; a client id
 * may have 65,535 bytes, but a request line carries at most Node's 16 KiB header limit, beyond which
 * Node itself answers 431): longer ones get 414 URI_TOO_LONG.
 */
const MAX_PARAM_LENGTH = 8192;
const NO_PARAMETERS = object({});
const JSON_MEDIA_TYPE = "application/json; charset=utf-8";
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The response schema of the route's success status and of its other statuses (the same schema). */
function responseSchemas(route: AdminRoute, schema: Schema): Record<number, Schema> {
  const schemas: Record<number, Schema> = { [route.status]: schema };
  for (const status of Object.keys(route.otherStatuses ?? {})) schemas[Number(status)] = schema;
  return schemas;
}

function pathOf(url: string): string {
  const end = url.indexOf("?");
  return end === -1 ? url : url.slice(0, end);
}

export async function createAdminApi(options: AdminApiOptions): Promise<AdminApi> {
  const { broker, registry, authenticator } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ component: "admin-api" });
  let document: Readonly<Record<string, unknown>> = {};
  const routes: AdminRoute[] = [
    ...serviceRoutes({
      version: options.version,
      running: () => broker.running,
      storeFailure: () => broker.store.failure,
      now,
      document: () => document,
    }),
    ...registryRoutes({
      registry,
      now,
      ...(options.bridges === undefined ? {} : { bridges: options.bridges }),
    }),
    ...(options.bridges === undefined ? [] : bridgeRoutes({ registry, bridges: options.bridges })),
    ...brokerRoutes(broker),
    ...privacyRoutes({ registry, ...(options.privacy === undefined ? {} : { counters: options.privacy }) }),
    ...(options.dialects === undefined ? [] : moduleStateRoutes({ registry, dialects: options.dialects })),
  ];
  document = openApiDocument(routes, {
    version: options.version,
    components: { ...registrySchemas(), ...bridgeSchemas, ...brokerSchemas },
  });

  const app = fastify({
    logger: false, // the API logs through the broker's logger (below)
    bodyLimit: options.bodyLimit,
    // fastify's default of 100 characters refused ids the API creates (500s)
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    exposeHeadRoutes: false,
    return503OnClosing: true,
    frameworkErrors: (error, _request, reply) => {
      const failure = toApiError(error);
      void (reply as unknown as FastifyReply).code(failure.status).send(failure.toJSON());
    },
  });
  // JSON only (anything else: 415); an empty body is no body (a DELETE sent with a JSON content type)
  const json = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  const bodyTexts = new WeakMap<FastifyRequest, string>(); // the body as received (AdminCall.bodyText)
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    let text: string;
    try {
      // strictly: a lenient decode would store U+FFFD for bytes that are not UTF-8 (RFC 8259 8.1)
      text = strictUtf8.decode(body as Buffer);
    } catch {
      done(new ApiError("BAD_REQUEST", "Invalid body: not UTF-8"));
      return;
    }
    if (text === "") done(null, undefined);
    else {
      bodyTexts.set(request, text);
      void json(request, text, (error, value) => {
        // JSON.parse reads any depth, what comes after (a store's commit) does not (json-depth.ts)
        if (error === null && exceedsJsonDepth(value))
          done(new ApiError("BAD_REQUEST", `Invalid body: nested deeper than ${MAX_JSON_DEPTH} levels`));
        else done(error, value);
      });
    }
  });
  const validators = createSchemaValidators();
  app.setValidatorCompiler(({ schema, httpPart }) =>
    validators.compile(httpPart ?? "body", schema as Record<string, unknown>),
  );

  const publicRoutes = new Set(routes.filter((r) => r.public === true).map((r) => `${r.method} ${r.url}`));
  const callers = new WeakMap<FastifyRequest, AdminCaller>();
  app.addHook("onRequest", async (request) => {
    if (request.is404 || publicRoutes.has(`${request.method} ${request.routeOptions.url ?? ""}`)) return;
    callers.set(request, await authenticator.authenticate(request.headers, request.ip));
  });
  app.addHook("onResponse", async (request, reply) => {
    const caller = callers.get(request);
    const fields = {
      method: request.method,
      path: pathOf(request.url),
      status: reply.statusCode,
      ...(caller === undefined ? {} : { admin: caller.principal.id, tenant: caller.principal.tenant }),
    };
    if (request.method !== "GET" && reply.statusCode < 300) logger.info(fields, "Admin API change");
    else logger.debug(fields, "Admin API request");
  });

  app.setErrorHandler(async (error, request, reply) => {
    const failure = toApiError(error as Error);
    // the store logs its own failure (SB_ERR_STORE): one line per refused request is enough
    if (failure.code === "STORE_UNAVAILABLE")
      logger.warn({ method: request.method, path: pathOf(request.url), code: failure.code }, failure.message);
    else if (failure.status >= 500)
      logger.error(
        { err: error, method: request.method, path: pathOf(request.url) },
        "Admin API request failed",
      );
    return reply.code(failure.status).send(failure.toJSON());
  });
  app.setNotFoundHandler(async (request, reply) => {
    const failure = new ApiError("NOT_FOUND", `No route ${request.method} ${pathOf(request.url)}`);
    return reply.code(404).send(failure.toJSON());
  });

  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      schema: {
        ...(route.params === undefined ? {} : { params: route.params }),
        // a route without query parameters refuses any (the public ones ignore them)
        ...(route.query === undefined
          ? route.public === true
            ? {}
            : { querystring: NO_PARAMETERS }
          : { querystring: route.query }),
        ...(route.body === undefined ? {} : { body: route.body }),
        ...(route.response === undefined ? {} : { response: responseSchemas(route, route.response) }),
      },
      handler: async (request, reply) => {
        const failure = route.commits === true ? broker.store.failure : undefined;
        if (failure !== undefined) throw storeUnavailable(failure);
        const result: unknown = await route.handle({
          params: request.params as Record<string, string>,
          query: request.query as Record<string, unknown>,
          body: request.body,
          bodyText: bodyTexts.get(request),
          caller: callers.get(request),
        });
        if (result instanceof StatusBody) return reply.code(result.status).send(result.value);
        reply.code(route.status);
        if (route.status === 204) return reply.send();
        // a string with a JSON content type is sent as it is, not serialized (a JSON string) again
        if (result instanceof JsonBody) return reply.type(JSON_MEDIA_TYPE).send(result.text);
        return reply.send(result);
      },
    });
  }
  await app.ready();

  return {
    handle: (request, response) => app.routing(request, response),
    routes,
    document,
    close: () => app.close(),
  };
}
