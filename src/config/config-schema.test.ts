import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { configKeys, envVarName, toUpperSnake } from "./config-keys.js";
import { annotationKeywords, configSchema, type JsonSchema } from "./config-schema.js";

/** Every schema node with its path. */
function nodes(schema: JsonSchema, path = "(root)"): [string, JsonSchema][] {
  const children = Object.entries(schema.properties ?? {}).flatMap(([name, child]) =>
    nodes(child, path === "(root)" ? name : `${path}.${name}`),
  );
  const items = schema.items ? nodes(schema.items, `${path}[]`) : [];
  return [[path, schema], ...children, ...items];
}

describe("configSchema", () => {
  it("compiles in ajv's strict mode", () => {
    const ajv = new Ajv({ strict: true, useDefaults: true, allErrors: true });
    ajv.addVocabulary([...annotationKeywords]);
    assert.doesNotThrow(() => ajv.compile(configSchema));
  });

  it("is draft-07", () => {
    assert.equal(configSchema.$schema, "http://json-schema.org/draft-07/schema#");
  });

  it("closes every object with additionalProperties: false", () => {
    for (const [path, node] of nodes(configSchema)) {
      if (node.type === "object") assert.equal(node.additionalProperties, false, path);
    }
  });

  it("describes every key", () => {
    for (const [path, node] of nodes(configSchema)) assert.ok(node.description, `${path} has no description`);
  });

  it("bounds every number and gives every key a default, except the keys their object requires", () => {
    const required = new Set(
      nodes(configSchema).flatMap(([path, node]) =>
        (node.required ?? []).map((name) => (path === "(root)" ? name : `${path}.${name}`)),
      ),
    );
    assert.ok(required.has("listeners[].port"));
    for (const key of configKeys()) {
      const { schema } = key;
      if (schema.type === "integer" || schema.type === "number") {
        assert.ok(schema.minimum !== undefined && schema.maximum !== undefined, `${key.path} is unbounded`);
      }
      if (required.has(key.path)) continue;
      assert.ok(
        schema.default !== undefined || schema["x-default"] !== undefined,
        `${key.path} has no default`,
      );
    }
  });

  it("keeps defaults within their own bounds", () => {
    for (const { path, schema } of configKeys()) {
      if (typeof schema.default !== "number") continue;
      assert.ok(schema.minimum === undefined || schema.default >= schema.minimum, path);
      assert.ok(schema.maximum === undefined || schema.default <= schema.maximum, path);
    }
  });

  it("has the MQTT bounds of its protocol fields", () => {
    const bounds = (path: string) => {
      const schema = configKeys().find((key) => key.path === path)?.schema;
      return [schema?.minimum, schema?.maximum];
    };
    assert.deepEqual(bounds("mqtt.receiveMaximum"), [1, 65535]);
    assert.deepEqual(bounds("mqtt.topicAliasMaximum"), [0, 65535]);
    assert.deepEqual(bounds("mqtt.maxPacketSize"), [1, 268435455]);
    assert.deepEqual(bounds("mqtt.maxQos"), [0, 2]);
    assert.deepEqual(bounds("listeners[].port"), [0, 65535]);
  });
});

describe("envVarName()", () => {
  it("writes each segment in UPPER_SNAKE case, joined by a double underscore", () => {
    assert.equal(envVarName(["mqtt", "receiveMaximum"]), "SWITCHBOARD_MQTT__RECEIVE_MAXIMUM");
    assert.equal(envVarName(["auth", "allowAnonymous"]), "SWITCHBOARD_AUTH__ALLOW_ANONYMOUS");
    assert.equal(envVarName(["listeners"]), "SWITCHBOARD_LISTENERS");
    assert.equal(toUpperSnake("queueQos0"), "QUEUE_QOS0");
  });

  it("gives every key outside lists its own variable", () => {
    const vars = configKeys()
      .map((key) => key.envVar)
      .filter((name) => name !== undefined);
    assert.equal(new Set(vars).size, vars.length);
    assert.ok(vars.includes("SWITCHBOARD_LOG__LEVEL"));
    assert.equal(configKeys().find((key) => key.path === "listeners[].port")?.envVar, undefined);
  });
});
