/**
 * `PUT /api/v1/modules/<id>/state/<key>`: sets one state key of a module, the REST input of module
 * state (docs/dialects/placeos.md, "Inputs"). The body is the new value, any JSON. It does exactly what
 * a driver's MQTT publish on the ingest topic does: the registry records the value as current state and
 * the dialects render it (PlaceOS: the retained state topic). The body's text is the value's text: it
 * is published and answered as it was sent (`1.0` stays `1.0`), so it is refused (400) when it holds a
 * number JSON cannot (`1e400`), as the other inputs refuse it. The answer comes once the value is
 * committed to the store (503 while the store cannot commit: `api-error.ts`, `committed`).
 * @module
 */

import { type DialectLayer, setModuleState } from "../platform/dialects/index.js";
import { jsonValueProblem } from "../platform/envelope/index.js";
import { ID_PATTERN, type Registry, stateValueJson } from "../platform/registry/index.js";
import type { AdminRoute } from "./admin-route.js";
import { ApiError, committed } from "./api-error.js";
import { JsonBody } from "./json-body.js";
import { idSchema, integer, object, string } from "./schema-parts.js";

export interface ModuleStateRoutesOptions {
  readonly registry: Registry;
  readonly dialects: DialectLayer;
}

export function moduleStateRoutes(options: ModuleStateRoutesOptions): AdminRoute[] {
  const { registry, dialects } = options;
  return [
    {
      method: "PUT",
      url: "/api/v1/modules/:id/state/:key",
      commits: true,
      operationId: "putModuleState",
      summary:
        "Sets a state key of a module (the body is the value, any JSON) and publishes it on the dialects' topics.",
      tag: "modules",
      params: object(
        {
          id: idSchema(ID_PATTERN, "The module's id."),
          key: string("The state key (URL-encoded; 1 to 256 characters).", { minLength: 1, maxLength: 256 }),
        },
        ["id", "key"],
      ),
      // any JSON, so no type: declared all the same, for the OpenAPI document's requestBody
      body: { description: "The new value of the state key: any JSON (`null` too)." },
      status: 200,
      errors: [404],
      response: object(
        {
          id: string("The module's id."),
          tenant: string("The module's tenant."),
          key: string("The state key."),
          value: { description: "The value recorded, as its JSON text was sent." },
          time: integer("When it was recorded, in milliseconds since the epoch."),
        },
        ["id", "tenant", "key", "time"],
        "The state value recorded.",
      ),
      handle: async (call) => {
        if (call.body === undefined)
          throw new ApiError("BAD_REQUEST", "Invalid body: the new value (any JSON) is required");
        const problem = jsonValueProblem(call.body); // the depth was checked when the body was read
        if (problem !== undefined)
          throw new ApiError("BAD_REQUEST", `Invalid body: the value has ${problem}`);
        const result = setModuleState(dialects, {
          moduleId: call.params["id"]!,
          key: call.params["key"]!,
          value: call.body,
          valueText: call.bodyText,
          via: "rest",
          ...(call.caller === undefined
            ? {}
            : { principal: call.caller.principal, allTenants: call.caller.allTenants }),
        });
        if (!result.ok)
          throw new ApiError(
            result.problem.code === "not-found" ? "NOT_FOUND" : "BAD_REQUEST",
            result.problem.message,
          );
        await committed(
          registry.commit(),
          `State key "${result.key}" of module "${result.moduleId}" is set (and published)`,
        );
        const value = stateValueJson(result.value, result.valueText);
        return new JsonBody(
          `{"id":${JSON.stringify(result.moduleId)},"tenant":${JSON.stringify(result.tenant)},"key":${JSON.stringify(result.key)},"value":${value},"time":${result.time}}`,
        );
      },
    },
  ];
}
