/**
 * Bad input to the admin API: every case is a 4xx with `{"error": {"code", "message"}}` whose message
 * names the field (or parameter), never a 500. Unknown fields, wrong types, bad ids, missing fields,
 * values out of range, unknown query parameters, bodies that are not JSON, too large or of another
 * content type, unknown routes and bad URLs.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AdminBroker, startAdminBroker } from "./helpers/admin-broker.js";

interface Case {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly status: number;
  readonly code: string;
  readonly message: string | RegExp;
}

const CASES: readonly Case[] = [
  // unknown fields, at the top and nested
  ...[
    ["tenants", { name: "T", colour: "red" }],
    ["zones", { name: "Z", type: "building", colour: "red" }],
    ["systems", { name: "S", colour: "red" }],
    ["drivers", { name: "D", colour: "red" }],
    ["modules", { name: "M", driverId: "d", systemId: "s", colour: "red" }],
    ["devices", { name: "D", colour: "red" }],
    ["applications", { name: "A", colour: "red" }],
    ["users", { name: "U", username: "u", colour: "red" }],
    ["apiKeys", { name: "K", colour: "red" }],
    ["schemas", { name: "s", schema: {}, colour: "red" }],
  ].map(([kind, body]): Case => ({
    name: `unknown field in a ${kind as string} create`,
    method: "POST",
    path: `/api/v1/${kind as string}`,
    body,
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: unknown field "colour"',
  })),
  {
    name: "unknown field in a credential",
    method: "POST",
    path: "/api/v1/devices",
    body: { name: "D", credentials: [{ kind: "token", token: "0123456789abcdef", colour: "red" }] },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: unknown field "credentials[0].colour"',
  },
  {
    name: "a field that cannot change",
    method: "PATCH",
    path: "/api/v1/zones/z-1",
    body: { tenant: "other" },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: unknown field "tenant"',
  },
  // wrong types (no coercion in bodies)
  {
    name: "a number for a name",
    method: "POST",
    path: "/api/v1/zones",
    body: { name: 5, type: "region" },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: "name" must be string, not 5',
  },
  {
    name: "a string for a boolean",
    method: "POST",
    path: "/api/v1/devices",
    body: { name: "D", enabled: "true" },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: "enabled" must be boolean, not "true"',
  },
  {
    name: "a string for an integer",
    method: "POST",
    path: "/api/v1/modules",
    body: { name: "M", driverId: "d", systemId: "s", index: "2" },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: "index" must be integer, not "2"',
  },
  {
    name: "a string for a list",
    method: "POST",
    path: "/api/v1/zones",
    body: { name: "Z", type: "region", tags: "a" },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: "tags" must be array, not "a"',
  },
  {
    name: "a list for the body",
    method: "POST",
    path: "/api/v1/zones",
    body: [1],
    status: 400,
    code: "BAD_REQUEST",
    message: "Invalid body: expected a JSON object, not [1]",
  },
  {
    name: "a nested wrong type",
    method: "POST",
    path: "/api/v1/users",
    body: { name: "U", username: "u", roles: ["ok", 7] },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: "roles[1]" must be string, not 7',
  },
  // bad ids and names
  {
    name: "a bad id in the body",
    method: "POST",
    path: "/api/v1/zones",
    body: { id: "a/b", name: "Z", type: "region" },
    status: 400,
    code: "BAD_REQUEST",
    message:
      'Invalid body: "id" "a/b" must be 1 to 128 letters, digits or ". _ : ~ -", beginning with a letter, digit or "_"',
  },
  {
    name: "a bad id in the path",
    method: "GET",
    path: "/api/v1/devices/%2Bplus",
    status: 400,
    code: "BAD_REQUEST",
    message: /^Invalid path: "id" "\+plus" must be 1 to 128 letters/,
  },
  {
    name: "a bad tenant id",
    method: "POST",
    path: "/api/v1/tenants",
    body: { id: "-acme", name: "Acme" },
    status: 400,
    code: "BAD_REQUEST",
    message: /^Invalid body: "id" "-acme" must be 1 to 64 letters/,
  },
  {
    name: "a name with a wildcard",
    method: "POST",
    path: "/api/v1/zones",
    body: { name: "Level #2", type: "level" },
    status: 400,
    code: "BAD_REQUEST",
    message:
      'Invalid body: "name" "Level #2" must not contain "/", "+", "#" or control characters, nor begin or end with white space',
  },
  {
    name: "an API key id with a dot",
    method: "POST",
    path: "/api/v1/apiKeys",
    body: { id: "a.b", name: "K" },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: "id" "a.b" must be 1 to 64 letters, digits or dashes',
  },
  // missing fields, enums, ranges, empty patches
  {
    name: "a missing required field",
    method: "POST",
    path: "/api/v1/zones",
    body: { type: "region" },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: missing field "name"',
  },
  {
    name: "a missing credential field",
    method: "POST",
    path: "/api/v1/devices",
    body: { name: "D", credentials: [{ kind: "password", username: "d" }] },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: missing field "credentials[0].password" (or "credentials[0].passwordHash")',
  },
  {
    name: "a field of the other credential kind",
    method: "POST",
    path: "/api/v1/devices",
    body: { name: "D", credentials: [{ kind: "token", username: "d", token: "0123456789abcdef" }] },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: "credentials[0].username" is not a field of a "token" credential',
  },
  {
    name: "a password and its hash",
    method: "POST",
    path: "/api/v1/users",
    body: { name: "U", username: "u", password: "long-enough", passwordHash: "scrypt$1$2$3$4$5" },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: give "password" or "passwordHash", not both',
  },
  {
    name: "a value outside an enum",
    method: "POST",
    path: "/api/v1/zones",
    body: { name: "Z", type: "planet" },
    status: 400,
    code: "BAD_REQUEST",
    message:
      'Invalid body: "type" must be one of "region", "building", "level", "area", "space", not "planet"',
  },
  {
    name: "a too short password",
    method: "POST",
    path: "/api/v1/users",
    body: { name: "U", username: "u", password: "short" },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: "password" must NOT have fewer than 8 characters',
  },
  {
    name: "an empty patch",
    method: "PATCH",
    path: "/api/v1/zones/z-1",
    body: {},
    status: 400,
    code: "BAD_REQUEST",
    message: "Invalid body: the body must have at least 1 field",
  },
  {
    name: "a repeated list item",
    method: "POST",
    path: "/api/v1/users",
    body: { name: "U", username: "u", roles: ["a", "a"] },
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid body: "roles" must not repeat an item (items 0 and 1 are equal)',
  },
  // query parameters
  {
    name: "a limit that is not a number",
    method: "GET",
    path: "/api/v1/zones?limit=ten",
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid query: "limit" must be integer, not "ten"',
  },
  {
    name: "a limit of 0",
    method: "GET",
    path: "/api/v1/zones?limit=0",
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid query: "limit" must be >= 1',
  },
  {
    name: "a limit above the maximum",
    method: "GET",
    path: "/api/v1/zones?limit=1001",
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid query: "limit" must be <= 1000',
  },
  {
    name: "a negative offset",
    method: "GET",
    path: "/api/v1/zones?offset=-1",
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid query: "offset" must be >= 0',
  },
  {
    name: "an unknown query parameter",
    method: "GET",
    path: "/api/v1/zones?colour=red",
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid query: unknown parameter "colour"',
  },
  {
    name: "a query parameter on a route that has none",
    method: "GET",
    path: "/api/v1/zones/z-1?expand=all",
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid query: unknown parameter "expand"',
  },
  {
    name: "a boolean filter that is not one",
    method: "GET",
    path: "/api/v1/devices?enabled=maybe",
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid query: "enabled" must be boolean, not "maybe"',
  },
  {
    name: "a repeated query parameter",
    method: "GET",
    path: "/api/v1/zones?limit=1&limit=2",
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid query: "limit" must be integer, not ["1","2"]',
  },
  {
    name: "a retained listing without a filter",
    method: "GET",
    path: "/api/v1/retained",
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid query: missing parameter "filter"',
  },
  {
    name: "an invalid topic filter",
    method: "GET",
    path: "/api/v1/retained?filter=a%23",
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid query: "filter": Topic filter "a#" must use "#" as a whole level, not within "a#"',
  },
  {
    name: "a wildcard in a topic to delete",
    method: "DELETE",
    path: "/api/v1/retained?topic=a%2F%2B",
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid query: "topic": Topic name "a/+" must not contain wildcards',
  },
  {
    name: "a mount namespace topic",
    method: "GET",
    path: "/api/v1/retained?filter=%24t%2F%23",
    status: 400,
    code: "BAD_REQUEST",
    message: 'Invalid query: "filter" must not begin with "$t/" or "$td/" (name the tenant with "tenant")',
  },
  // bodies that are not JSON
  {
    name: "a body that is not JSON",
    method: "POST",
    path: "/api/v1/zones",
    body: '{"name": ',
    status: 400,
    code: "BAD_REQUEST",
    message: /^Invalid body: Body is not valid JSON/,
  },
  {
    name: "no body",
    method: "POST",
    path: "/api/v1/zones",
    status: 400,
    code: "BAD_REQUEST",
    message: "Invalid body: expected a JSON object",
  },
  {
    name: "a body of another content type",
    method: "POST",
    path: "/api/v1/zones",
    body: "name=Z",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
    message: 'Unsupported content type: send "application/json"',
  },
  {
    name: "a prototype-poisoning body",
    method: "POST",
    path: "/api/v1/zones",
    body: '{"name": "Z", "type": "region", "__proto__": {"admin": true}}',
    status: 400,
    code: "BAD_REQUEST",
    message: /^Invalid body: /,
  },
  {
    name: "a body nested deeper than 256 levels",
    method: "POST",
    path: "/api/v1/schemas",
    body: `{"name": "deep", "schema": {"default": ${"[".repeat(300)}${"]".repeat(300)}}}`,
    status: 400,
    code: "BAD_REQUEST",
    message: "Invalid body: nested deeper than 256 levels",
  },
  {
    name: "an offset beyond a safe integer (1e400 reads as Infinity)",
    method: "GET",
    path: "/api/v1/zones?offset=1e400",
    status: 400,
    code: "BAD_REQUEST",
    message: /^Invalid query: "offset"/,
  },
  {
    name: "a C1 control character in a name",
    method: "POST",
    path: "/api/v1/zones",
    body: { name: "a\u0085b", type: "region" },
    status: 400,
    code: "BAD_REQUEST",
    message: /must not contain "\/", "\+", "#" or control characters/,
  },
  {
    name: "a Unicode noncharacter in a name",
    method: "POST",
    path: "/api/v1/zones",
    body: { name: "Disp\uFFFE", type: "region" },
    status: 400,
    code: "BAD_REQUEST",
    message: /must not contain a Unicode noncharacter/,
  },
  {
    name: "a lone surrogate in a name",
    method: "POST",
    path: "/api/v1/zones",
    body: '{"name": "a\\ud800", "type": "region"}',
    status: 400,
    code: "BAD_REQUEST",
    message: /must be well-formed Unicode/,
  },
  {
    name: "an id longer than an id can be, as a path parameter",
    method: "GET",
    path: `/api/v1/zones/${"z".repeat(129)}`,
    status: 400,
    code: "BAD_REQUEST",
    message: /^Invalid path: "id" "z+\.\.\. must be 1 to 128/,
  },
  {
    name: "a client id of 8,192 characters, as a path parameter",
    method: "DELETE",
    path: `/api/v1/sessions/${"c".repeat(8192)}`,
    status: 404,
    code: "NOT_FOUND",
    message: /^No session/,
  },
  {
    name: "a client id of 8,193 characters, as a path parameter",
    method: "DELETE",
    path: `/api/v1/sessions/${"c".repeat(8193)}`,
    status: 414,
    code: "URI_TOO_LONG",
    message: "A path parameter is too long (at most 8,192 characters, escaped)",
  },
  {
    name: "scrypt parameters beyond the broker's bounds in a password hash",
    method: "POST",
    path: "/api/v1/users",
    body: {
      name: "U",
      username: "u-big",
      passwordHash: `scrypt$1073741824$1024$1073741$${"A".repeat(22)}$${"B".repeat(43)}`,
    },
    status: 400,
    code: "BAD_REQUEST",
    message: /"passwordHash" has N = 1073741824: it must be a power of two from 1024 to 1048576/,
  },
  {
    // within N·r·p and 128·N·r, but p adds 256 MiB that no check was given: every login failed (0x80)
    name: "a password hash whose p scrypt could not run within its memory",
    method: "POST",
    path: "/api/v1/users",
    body: {
      name: "U",
      username: "u-p",
      passwordHash: `scrypt$2$1$2097152$${"A".repeat(22)}$${"B".repeat(43)}`,
    },
    status: 400,
    code: "BAD_REQUEST",
    message: /"passwordHash" has N = 2: it must be a power of two from 1024 to 1048576/,
  },
  {
    name: "a device password hash with an r beyond the bounds",
    method: "POST",
    path: "/api/v1/devices",
    body: {
      name: "D",
      credentials: [
        {
          kind: "password",
          username: "d-r",
          passwordHash: `scrypt$1024$1048576$1$${"A".repeat(22)}$${"B".repeat(43)}`,
        },
      ],
    },
    status: 400,
    code: "BAD_REQUEST",
    message: /"credentials": a password hash has r = 1048576: it must be from 1 to 32/,
  },
  {
    name: "a payload schema pattern that can take exponential time",
    method: "POST",
    path: "/api/v1/schemas",
    body: { name: "slow", schema: { type: "string", pattern: "^(a+)+$" } },
    status: 422,
    code: "UNPROCESSABLE",
    message: /the pattern "\^\(a\+\)\+\$" is refused: .*exponential time/,
  },
  {
    name: "an asynchronous payload schema (its validator would answer a Promise)",
    method: "POST",
    path: "/api/v1/schemas",
    body: { name: "later", schema: { $async: true, type: "number" } },
    status: 422,
    code: "UNPROCESSABLE",
    message: /an asynchronous schema \("\$async"\) cannot check a value as it comes in/,
  },
  // routes
  {
    name: "an unknown route",
    method: "GET",
    path: "/api/v1/planets",
    status: 404,
    code: "NOT_FOUND",
    message: "No route GET /api/v1/planets",
  },
  {
    name: "a method a path does not have",
    method: "PUT",
    path: "/api/v1/zones",
    body: {},
    status: 404,
    code: "NOT_FOUND",
    message: "No route PUT /api/v1/zones",
  },
  {
    name: "a path outside the API",
    method: "GET",
    path: "/index.html",
    status: 404,
    code: "NOT_FOUND",
    message: "No route GET /index.html",
  },
  {
    name: "a malformed URL",
    method: "GET",
    path: "/api/v1/zones/%zz",
    status: 400,
    code: "BAD_REQUEST",
    message: /^Invalid URL: /,
  },
];

describe("admin API: bad input", () => {
  let broker: AdminBroker;
  before(async () => {
    broker = await startAdminBroker({ config: { admin: { bodyLimit: 1024 } } });
    const zone = await broker.call("POST", "/api/v1/zones", {
      body: { id: "z-1", name: "Z", type: "region" },
    });
    assert.equal(zone.status, 201);
  });
  after(async () => {
    await broker.stop();
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.status} ${c.code}`, async () => {
      const answer = await broker.call(c.method, c.path, {
        ...(c.body === undefined ? {} : { body: c.body }),
        ...(c.headers === undefined ? {} : { headers: c.headers }),
      });
      assert.equal(answer.status, c.status, JSON.stringify(answer.body));
      assert.match(String(answer.headers.get("content-type")), /^application\/json/);
      assert.deepEqual(Object.keys(answer.body), ["error"]);
      assert.deepEqual(Object.keys(answer.body.error).sort(), ["code", "message"]);
      assert.equal(answer.body.error.code, c.code);
      if (typeof c.message === "string") assert.equal(answer.body.error.message, c.message);
      else assert.match(answer.body.error.message, c.message);
    });
  }

  it("refuses a body that is not UTF-8 with 400, rather than storing U+FFFD", async () => {
    const body = new TextEncoder().encode('{"name":"Zxx","type":"region"}');
    body[body.indexOf(0x78)] = 0xff; // an "x" as a byte no UTF-8 text holds
    const answer = await broker.call("POST", "/api/v1/zones", { body });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, { error: { code: "BAD_REQUEST", message: "Invalid body: not UTF-8" } });
  });

  it("refuses a body over admin.bodyLimit with 413", async () => {
    const answer = await broker.call("POST", "/api/v1/zones", {
      body: { name: "Z", type: "region", description: "x".repeat(2000) },
    });
    assert.equal(answer.status, 413);
    assert.deepEqual(answer.body, {
      error: { code: "PAYLOAD_TOO_LARGE", message: "The request body is too large (admin.bodyLimit)" },
    });
  });

  it("manages an entity whose id is as long as an id can be (128 characters)", async () => {
    const id = `z${"9".repeat(127)}`;
    const made = await broker.call("POST", "/api/v1/zones", { body: { id, name: "Long", type: "region" } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal((await broker.call("GET", `/api/v1/zones/${id}`)).status, 200);
    assert.equal((await broker.call("DELETE", `/api/v1/zones/${id}`)).status, 204);
  });

  it("keeps checking payload schemas after one whose $id names a schema ajv holds (draft-07's meta-schema)", async () => {
    const metaSchemaId = "http://json-schema.org/draft-07/schema#";
    const root = await broker.call("POST", "/api/v1/schemas", {
      body: { id: "s-meta-id", name: "meta_id", schema: { $id: metaSchemaId, type: "string" } },
    });
    assert.equal(root.status, 201, JSON.stringify(root.body));
    const nested = await broker.call("POST", "/api/v1/schemas", {
      body: { name: "nested_meta_id", schema: { properties: { x: { $id: metaSchemaId } } } },
    });
    assert.equal(nested.status, 422, JSON.stringify(nested.body));
    // dropping either from the checker once took the meta-schema with it: every later schema was refused
    const next = await broker.call("POST", "/api/v1/schemas", {
      body: { id: "s-next", name: "next", schema: { type: "number", minimum: 0 } },
    });
    assert.equal(next.status, 201, JSON.stringify(next.body));
    const invalid = await broker.call("POST", "/api/v1/schemas", {
      body: { name: "invalid", schema: { type: "no-such-type" } },
    });
    assert.equal(invalid.status, 422, "a schema the meta-schema refuses is still refused");
    for (const id of ["s-meta-id", "s-next"])
      assert.equal((await broker.call("DELETE", `/api/v1/schemas/${id}`)).status, 204);
  });

  it("changes nothing when it refuses", async () => {
    const zones = await broker.call("GET", "/api/v1/zones");
    assert.deepEqual(
      zones.body.items.map((z: { id: string }) => z.id),
      ["z-1"],
    );
    assert.equal(broker.switchboard.registry.count("users"), 0);
    assert.equal(broker.switchboard.registry.count("devices"), 0);
  });
});
