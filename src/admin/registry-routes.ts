/**
 * The registry's routes: for every entity kind, `GET /api/v1/<kind>` (a page, with filters), `GET`,
 * `POST` (201), `PATCH` and `DELETE` (204) of `/api/v1/<kind>/<id>`; and the current state of devices
 * and modules (`GET /api/v1/devices/<id>/state`). Every write is committed to the store before the
 * response is sent; while the store cannot commit, the answer is a 503 that says whether the change is
 * applied (docs/admin-api.md, "When the store cannot save").
 *
 * Tenants: an entity of a tenant the caller does not administer is a 404; a body naming such a tenant
 * is a 403; creating and deleting tenants is for administrators of the default tenant. The registry's
 * refusals keep their messages and map to 400 (invalid), 422 (unprocessable), 404 and 409.
 *
 * Outbound brokers (`brokers`) run as bridges: a broker is shown with its bridge's `status`, and a
 * write is answered once the bridges have applied it (the bridge started, restarted or stopped). Their
 * `tenants` are checked as a body's `tenant`: a tenant administrator names only its own.
 * @module
 */

import { StoreError } from "../errors.js";
import {
  type EntityKind,
  entityKinds,
  type EntityOf,
  kindNames,
  type Registry,
  type RegistryResult,
  stateValueJson,
  tenantOf,
} from "../platform/registry/index.js";
import { type AdminCaller, actingTenant, administers, listTenant } from "./admin-caller.js";
import type { AdminCall, AdminRoute } from "./admin-route.js";
import { ApiError, committed, fromProblem } from "./api-error.js";
import type { BrokerBridges } from "./bridge-routes.js";
import { createInput, patchInput } from "./entity-input.js";
import { entitySchemas } from "./entity-schemas.js";
import { entityView } from "./entity-view.js";
import { JsonBody } from "./json-body.js";
import { idSchema, integer, object, page, paginationQuery, type Schema, string } from "./schema-parts.js";

type Body = Readonly<Record<string, unknown>>;

const singular: { readonly [K in EntityKind]: string } = {
  tenants: "Tenant",
  zones: "Zone",
  systems: "System",
  drivers: "Driver",
  modules: "Module",
  devices: "Device",
  applications: "Application",
  users: "User",
  apiKeys: "ApiKey",
  schemas: "Schema",
  brokers: "Broker",
};

/** List filters that test membership in an array field (the others compare a field). */
const arrayFilters: { readonly [K in EntityKind]?: Readonly<Record<string, string>> } = {
  zones: { tag: "tags" },
  systems: { zoneId: "zoneIds" },
  users: { role: "roles" },
};

/** Entity kinds with current state values readable over the API. */
const stateKinds = ["devices", "modules"] as const;

const stateValueSchema: Schema = object(
  {
    value: {
      description:
        "The latest value (any JSON): as its JSON text was given, where the input keeps it (module state).",
    },
    time: integer("When it was ingested, in milliseconds since the epoch."),
    sourceTime: string("The time its source gave, as given (ISO 8601, microseconds preserved)."),
  },
  ["value", "time"],
  "The current value of one channel.",
);

function pascal(kind: EntityKind): string {
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}

function value<T>(result: RegistryResult<T>): T {
  if (!result.ok) throw fromProblem(result.problem);
  return result.value;
}

/** The registry's schemas by OpenAPI component name (`Zone`, `ZoneCreate`, `ZoneUpdate`...). */
export function registrySchemas(): Record<string, Schema> {
  const named: Record<string, Schema> = { StateValue: stateValueSchema };
  for (const kind of entityKinds) {
    const schemas = entitySchemas[kind];
    named[singular[kind]] = schemas.entity;
    named[`${singular[kind]}Create`] = schemas.create;
    named[`${singular[kind]}Update`] = schemas.update;
  }
  return named;
}

export interface RegistryRoutesOptions {
  readonly registry: Registry;
  /** Milliseconds since the epoch (an API key's revocation time). */
  readonly now: () => number;
  /** The bridges of the registry's brokers (their status; writes wait for them). */
  readonly bridges?: BrokerBridges;
}

export function registryRoutes(options: RegistryRoutesOptions): AdminRoute[] {
  return [
    ...entityKinds.flatMap((kind) => kindRoutes(kind, options)),
    ...stateKinds.map((kind) => stateRoute(kind, options.registry)),
  ];
}

/** The entity of `kind` with `id` if the caller administers its tenant, else a 404. */
function visible<K extends EntityKind>(
  registry: Registry,
  kind: K,
  id: string,
  caller: AdminCaller,
): EntityOf[K] {
  const entity = registry.get(kind, id);
  if (entity === undefined || !administers(caller, tenantOf(kind, entity)))
    throw new ApiError("NOT_FOUND", `No ${kindNames[kind]} "${id}"`);
  return entity;
}

/** A device's view plus `tokens`: the tokens the broker generated for the body's credentials, shown once. */
function withGeneratedTokens(entity: Schema): Schema {
  return object(
    {
      ...(entity["properties"] as Record<string, Schema>),
      tokens: {
        type: "array",
        items: string("A generated token (`sbt_` and 43 base64url characters)."),
        description:
          "The tokens the broker generated for token credentials given without `token` or `tokenHash`, in their order: shown this once, only their hashes are kept.",
      },
    },
    entity["required"] as string[],
    entity["description"] as string,
  );
}

function kindRoutes(kind: EntityKind, options: RegistryRoutesOptions): AdminRoute[] {
  const { registry } = options;
  const schemas = entitySchemas[kind];
  const name = kindNames[kind];
  const base = `/api/v1/${kind}`;
  const params = object({ id: idSchema(schemas.idPattern, `The ${name}'s id.`) }, ["id"]);
  const common = { tag: kind };
  const createResponse =
    kind === "apiKeys"
      ? object(
          {
            ...(schemas.entity["properties"] as Record<string, Schema>),
            key: string("The key (`sbk_<id>_<secret>`): shown this once, only its hash is kept."),
          },
          [...(schemas.entity["required"] as string[]), "key"],
          "The new API key, with the key itself.",
        )
      : kind === "devices"
        ? withGeneratedTokens(schemas.entity)
        : schemas.entity;
  const caller = (call: AdminCall): AdminCaller => call.caller!;
  const id = (call: AdminCall): string => call.params["id"]!;
  const bridges = kind === "brokers" ? options.bridges : undefined;
  const view = (entity: EntityOf[EntityKind]): Record<string, unknown> => {
    const shown = entityView(kind, entity);
    const status = bridges?.status(entity.id);
    return status === undefined ? shown : { ...shown, status };
  };
  const title = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  /**
   * Once a write is committed, the bridges applied it too. A commit that fails is a 503 saying the write
   * is applied (`done`: `Device "d-1" is created`), saved once the store recovers.
   */
  const applied = async (done: string): Promise<void> => {
    await committed(registry.commit(), done);
    await bridges?.settled();
  };
  /**
   * The commit of a create whose answer is the only place its secret is given (`secret`: an API key's
   * key, the tokens generated for a device). When the store fails meanwhile the create is undone and
   * refused (503): the secret cannot be answered (a client treats a 503 as a failure, and an error body is
   * no place for a credential), and a credential nobody holds is of no use. A retry with the same id
   * works once the store recovers.
   */
  const appliedWithSecret = async (entityId: string, secret: string): Promise<void> => {
    try {
      await registry.commit();
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      const undone = registry.delete(kind, entityId).ok;
      throw new ApiError(
        "STORE_UNAVAILABLE",
        undone
          ? `${title} "${entityId}" was not created: the store cannot save it (${error.message}), and ${secret} can be given only once it is saved; try again once the store recovers`
          : `${title} "${entityId}" is created, but the store cannot save it yet (${error.message}), and ${secret} cannot be given: delete it and create another once the store recovers`,
      );
    }
    await bridges?.settled();
  };

  return [
    {
      ...common,
      method: "GET",
      url: base,
      operationId: `list${pascal(kind)}`,
      summary: `List ${kind === "apiKeys" ? "API keys" : kind} (a page; filters combine with "and").`,
      query: object({ ...paginationQuery, ...schemas.filters }),
      status: 200,
      response: page(schemas.entity, `A page of ${kind}.`),
      handle: (call) => {
        const { limit, offset, tenant, ...filters } = call.query as Record<string, unknown> & {
          limit: number;
          offset: number;
          tenant?: string;
        };
        const scope = listTenant(caller(call), tenant);
        if (scope === null) return { items: [], total: 0, offset, limit };
        const where: Record<string, string | number | boolean> = {};
        let filter: ((entity: EntityOf[EntityKind]) => boolean) | undefined;
        for (const [field, wanted] of Object.entries(filters)) {
          if (kind === "apiKeys" && field === "revoked")
            filter = (key) => ((key as EntityOf["apiKeys"]).revokedAt !== undefined) === wanted;
          else where[arrayFilters[kind]?.[field] ?? field] = wanted as string | number | boolean;
        }
        const found = registry.list(kind, {
          ...(scope === undefined ? {} : { tenant: scope }),
          where,
          ...(filter === undefined ? {} : { filter }),
          offset,
          limit,
        });
        return {
          items: found.items.map(view),
          total: found.total,
          offset,
          limit,
        };
      },
    },
    {
      ...common,
      method: "GET",
      url: `${base}/:id`,
      operationId: `get${singular[kind]}`,
      summary: `Get one ${name}.`,
      params,
      status: 200,
      response: schemas.entity,
      errors: [404],
      handle: (call) => view(visible(registry, kind, id(call), caller(call))),
    },
    {
      ...common,
      method: "POST",
      url: base,
      commits: true,
      operationId: `create${singular[kind]}`,
      summary:
        kind === "apiKeys"
          ? "Create an API key; the response has the key, shown this once."
          : `Create ${/^[aeiou]/i.test(name) ? "an" : "a"} ${name}.`,
      body: schemas.create,
      status: 201,
      response: createResponse,
      errors: [404, 409, 413, 415, 422],
      handle: async (call) => {
        const body = call.body as Body;
        const who = caller(call);
        if (kind === "tenants" && !who.allTenants)
          throw new ApiError("FORBIDDEN", "Only administrators of the default tenant create tenants");
        const tenant = kind === "tenants" ? "" : actingTenant(who, body["tenant"] as string | undefined);
        if (kind === "brokers") forwardedTenants(who, body);
        const { input, key, tokens } = await createInput(kind, body, tenant);
        if (
          bridges?.has(input["id"] as string) === true &&
          registry.get(kind, input["id"] as string) === undefined
        )
          throw new ApiError(
            "CONFLICT",
            `Cannot create broker: a bridge "${String(input["id"])}" runs outside the registry`,
          );
        const entity = value(registry.create(kind, input as never));
        if (key !== undefined) await appliedWithSecret(entity.id, "its key");
        else if (tokens !== undefined) await appliedWithSecret(entity.id, "the tokens generated for it");
        else await applied(`${title} "${entity.id}" is created`);
        const shown = view(entity);
        if (tokens !== undefined) return { ...shown, tokens };
        return key === undefined ? shown : { ...shown, key };
      },
    },
    {
      ...common,
      method: "PATCH",
      url: `${base}/:id`,
      commits: true,
      operationId: `update${singular[kind]}`,
      summary: `Change fields of ${/^[aeiou]/i.test(name) ? "an" : "a"} ${name} (\`null\` clears an optional one).`,
      params,
      body: schemas.update,
      status: 200,
      response: kind === "devices" ? withGeneratedTokens(schemas.entity) : schemas.entity,
      errors: [404, 409, 413, 415, 422],
      handle: async (call) => {
        const current = visible(registry, kind, id(call), caller(call));
        if (kind === "brokers") forwardedTenants(caller(call), call.body as Body);
        const { patch, tokens } = await patchInput(kind, call.body as Body, current, options.now());
        const entity = value(registry.update(kind, id(call), patch as never));
        await applied(
          `${title} "${entity.id}" is changed${tokens === undefined ? "" : " (the tokens generated for it cannot be given: send its credentials again once the store recovers)"}`,
        );
        const shown = view(entity);
        return tokens === undefined ? shown : { ...shown, tokens };
      },
    },
    {
      ...common,
      method: "DELETE",
      url: `${base}/:id`,
      commits: true,
      operationId: `delete${singular[kind]}`,
      summary:
        kind === "users"
          ? "Delete a user and its API keys (its clients are disconnected)."
          : `Delete ${/^[aeiou]/i.test(name) ? "an" : "a"} ${name} (refused while other entities refer to it).`,
      params,
      status: 204,
      errors: [404, 409],
      handle: async (call) => {
        const who = caller(call);
        visible(registry, kind, id(call), who);
        if (kind === "tenants" && !who.allTenants)
          throw new ApiError("FORBIDDEN", "Only administrators of the default tenant delete tenants");
        value(registry.delete(kind, id(call)));
        await applied(`${title} "${id(call)}" is deleted`);
        return undefined;
      },
    },
  ];
}

/** A broker's forwarded tenants must be administered by the caller, as its own tenant (403). */
function forwardedTenants(caller: AdminCaller, body: Body): void {
  const tenants = body["tenants"];
  if (Array.isArray(tenants)) for (const tenant of tenants) actingTenant(caller, tenant as string);
}

function stateRoute(kind: (typeof stateKinds)[number], registry: Registry): AdminRoute {
  const name = kindNames[kind];
  return {
    method: "GET",
    url: `/api/v1/${kind}/:id/state`,
    operationId: `get${singular[kind]}State`,
    summary: `The current value of every channel of ${/^[aeiou]/i.test(name) ? "an" : "a"} ${name} (${kind === "devices" ? "its meta values" : "its state keys"}).`,
    tag: kind,
    params: object({ id: idSchema(entitySchemas[kind].idPattern, `The ${name}'s id.`) }, ["id"]),
    status: 200,
    response: object(
      {
        id: string(`The ${name}'s id.`),
        tenant: string("Its tenant."),
        state: {
          type: "object",
          description: "Channel name -> its current value.",
          additionalProperties: stateValueSchema,
        },
      },
      ["id", "tenant", "state"],
      `The current state of a ${name}.`,
    ),
    errors: [404],
    handle: (call) => {
      const entity = visible(registry, kind, call.params["id"]!, call.caller!);
      // written as text: a value kept as its source gave it is embedded as it is (stateValueJson)
      const channels = registry.state({ kind, id: entity.id }).map((v) => {
        const source = v.sourceTime === undefined ? "" : `,"sourceTime":${JSON.stringify(v.sourceTime)}`;
        const value = stateValueJson(v.value, v.valueText);
        return `${JSON.stringify(v.channel)}:{"value":${value},"time":${v.time}${source}}`;
      });
      return new JsonBody(
        `{"id":${JSON.stringify(entity.id)},"tenant":${JSON.stringify(entity.tenant)},"state":{${channels.join(",")}}}`,
      );
    },
  };
}
