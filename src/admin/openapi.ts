/**
 * The OpenAPI 3.1 document of the admin API (`GET /api/v1/openapi.json`), generated from the route
 * table: every route is an operation whose parameters, request body and responses are the JSON Schemas
 * fastify validates and serializes with (OpenAPI 3.1 schemas are JSON Schema, so they are used as they
 * are). Error responses share one schema, `#/components/schemas/Error`.
 * @module
 */

import { apiErrorCodes, type ApiErrorCode } from "../errors.js";
import type { AdminRoute } from "./admin-route.js";
import { errorSchema, type Schema } from "./schema-parts.js";

type Json = Record<string, unknown>;

const successText: Readonly<Record<number, string>> = {
  200: "OK",
  201: "Created",
  204: "No Content: done.",
};

/** The code an operation's error response of a status refers to: the first of that status (400: BAD_REQUEST). */
const errorStatuses: Readonly<Record<number, ApiErrorCode>> = Object.fromEntries(
  Object.entries(apiErrorCodes)
    .reverse()
    .map(([code, [status]]) => [status, code as ApiErrorCode]),
);

/** `/api/v1/zones/:id` -> `/api/v1/zones/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function parameters(schema: Schema | undefined, where: "path" | "query"): Json[] {
  if (schema === undefined) return [];
  const properties = (schema["properties"] ?? {}) as Readonly<Record<string, Schema>>;
  const required = (schema["required"] ?? []) as readonly string[];
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === "path" || required.includes(name),
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}

/** The error responses, one per code (`components.responses`), that operations refer to by status. */
function errorResponses(): Json {
  return Object.fromEntries(
    Object.entries(apiErrorCodes).map(([code, [, meaning]]) => [
      code,
      {
        description: `\`${code}\`: ${meaning}.`,
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    ]),
  );
}

function errorResponse(status: number): Json {
  const code = errorStatuses[status];
  return code === undefined
    ? { description: "An error.", content: { "application/json": { schema: errorSchema } } }
    : { $ref: `#/components/responses/${code}` };
}

function operation(route: AdminRoute): Json {
  const statuses = route.public === true ? [500] : [400, 401, 403, 500, ...(route.errors ?? [])];
  if (route.commits === true) statuses.push(503);
  const responses: Json = {
    [String(route.status)]: {
      description: successText[route.status],
      ...(route.response === undefined
        ? {}
        : { content: { "application/json": { schema: route.response } } }),
    },
  };
  for (const [status, description] of Object.entries(route.otherStatuses ?? {})) {
    responses[status] = {
      description,
      ...(route.response === undefined
        ? {}
        : { content: { "application/json": { schema: route.response } } }),
    };
  }
  for (const status of [...new Set(statuses)].sort((a, b) => a - b))
    responses[String(status)] = errorResponse(status);
  const params = [...parameters(route.params, "path"), ...parameters(route.query, "query")];
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    ...(route.public === true ? { security: [] } : {}),
    ...(params.length === 0 ? {} : { parameters: params }),
    ...(route.body === undefined
      ? {}
      : { requestBody: { required: true, content: { "application/json": { schema: route.body } } } }),
    responses,
  };
}

export interface OpenApiInfo {
  readonly version: string;
  /**
   * Schemas listed once under `components.schemas` by name: wherever one appears in a route (the very
   * object, not an equal copy), the document has a `$ref` to it.
   */
  readonly components?: Readonly<Record<string, Schema>>;
}

/** `value` with every named schema inside it replaced by a reference (the root itself is kept). */
function referenced(value: unknown, names: ReadonlyMap<unknown, string>, root = true): unknown {
  if (typeof value !== "object" || value === null) return value;
  const name = root ? undefined : names.get(value);
  if (name !== undefined) return { $ref: `#/components/schemas/${name}` };
  if (Array.isArray(value)) return value.map((item) => referenced(item, names, false));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, referenced(item, names, false)]),
  );
}

export function openApiDocument(routes: readonly AdminRoute[], info: OpenApiInfo): Json {
  const components: Record<string, Schema> = { Error: errorSchema, ...info.components };
  const names = new Map<unknown, string>(Object.entries(components).map(([name, schema]) => [schema, name]));
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = openApiPath(route.url);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: referenced(operation(route), names) };
  }
  const schemas = Object.fromEntries(
    Object.entries(components).map(([name, schema]) => [name, referenced(schema, names)]),
  );
  const tags = [...new Set(routes.map((route) => route.tag))].map((name) => ({ name }));
  return {
    openapi: "3.1.0",
    info: {
      title: "Switchboard admin API",
      version: info.version,
      description:
        'The registry (tenants, zones, systems, drivers, modules, devices, applications, users, API keys, payload schemas, outbound brokers and their bridges), connected clients, sessions and retained messages of a Switchboard broker. Errors are `{"error": {"code", "message"}}` (docs/errors.md).',
    },
    tags,
    security: [{ bearer: [] }, { apiKey: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "A JWT of a configured provider (`auth.jwt`), or an API key.",
        },
        apiKey: {
          type: "apiKey",
          in: "header",
          name: "X-API-Key",
          description: "An API key of the configuration (`auth.apiKeys`) or of the registry.",
        },
      },
      schemas,
      responses: errorResponses(),
    },
  };
}
