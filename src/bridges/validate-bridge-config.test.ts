import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError } from "../errors.js";
import { redactBridgeConfig } from "./bridge-config.js";
import type { SchemaCoversInput } from "./bridge-config-schema.js";
import { internalFilters } from "./internal-filters.js";
import { reconnectDelay } from "./reconnect-delay.js";
import { compileTemplate, renderTopic, splitInternalTopic, templateError } from "./topic-template.js";
import { compileBridgeValidator, validateBridgeConfig } from "./validate-bridge-config.js";

// Compile-time: the JSON Schema and the input type name the same fields.
const schemaCoversInput: SchemaCoversInput = true;

const validator = compileBridgeValidator();
const validate = (input: unknown) => validateBridgeConfig(validator, input);
const minimal = { id: "cloud", tenants: ["acme"], host: "mqtt.example.com" };

function problems(input: unknown): string[] {
  try {
    validate(input);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, "SB_ERR_CONFIG_INVALID");
    return error.issues.map((issue) => issue.message);
  }
  assert.fail("expected a ConfigError");
}

const dir = mkdtempSync(join(tmpdir(), "sb-bridge-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function selfSigned(name: string, passphrase?: string): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
      .concat(passphrase === undefined ? ["-nodes"] : ["-passout", `pass:${passphrase}`])
      .concat(["-keyout", key, "-out", cert, "-days", "1", "-subj", `/CN=${name}`]),
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

describe("validateBridgeConfig()", () => {
  it("completes a minimal configuration with the defaults", () => {
    assert.equal(schemaCoversInput, true);
    const config = validate(minimal);
    assert.deepEqual(config, {
      id: "cloud",
      name: undefined,
      tenants: ["acme"],
      host: "mqtt.example.com",
      port: 1883,
      tls: false,
      ca: undefined,
      servername: undefined,
      insecureSkipVerify: false,
      auth: { kind: "none" },
      filters: ["#"],
      topicTemplate: "{topic}",
      qos: 1,
      retain: "as-published",
      protocolVersion: 5,
      clientId: "switchboard-bridge-cloud",
      keepAlive: 60,
      connectTimeout: 10,
      maxInflight: 32,
      maxHops: 1,
      outbox: { maxMessages: 100_000, maxBytes: 64 * 1_048_576, maxAge: 86_400 },
      reconnect: { initialDelay: 500, maxDelay: 30_000 },
    });
    assert.equal(validate({ ...minimal, tls: true }).port, 8883);
    assert.deepEqual(minimal, { id: "cloud", tenants: ["acme"], host: "mqtt.example.com" }); // input untouched
  });

  it("reports every schema problem, naming the field", () => {
    const messages = problems({
      id: "bad id",
      tenants: [],
      host: "h",
      port: 70_000,
      qos: 3,
      colour: "red",
      auth: { kind: "user_password", username: "u" },
      outbox: { maxMessages: 0 },
    });
    assert.deepEqual(messages.sort(), [
      '"auth.password" is required',
      '"id" must match the pattern "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"',
      '"outbox.maxMessages" must be >= 1',
      '"port" must be <= 65535',
      '"qos" must be one of 0, 1, 2',
      '"tenants" must have at least 1 item(s)',
      'unknown field "colour"',
    ]);
    assert.deepEqual(problems({ ...minimal, auth: { kind: "kerberos" } }), [
      '"auth.kind" must be one of "none", "user_password", "certificate"',
    ]);
    assert.deepEqual(problems({ tenants: ["a"], host: "h" }), ['"id" is required']);
  });

  it("refuses filters that are invalid, shared, in $SYS or in the mount namespace", () => {
    assert.deepEqual(
      problems({ ...minimal, filters: ["a/#/b", "$share/g/x", "$SYS/#", "$t/other/#", "ok/+"] }),
      [
        '"filters[0]" is not a valid topic filter: Topic filter "a/#/b" must have "#" only as its last level',
        '"filters[1]" must not be a shared subscription',
        '"filters[2]" must not select $SYS topics',
        '"filters[3]" must not begin with "$t" or "$td" (filters are within each tenant)',
      ],
    );
  });

  it("checks the topic template", () => {
    assert.deepEqual(problems({ ...minimal, topicTemplate: "site/{tenant}" }), [
      '"topicTemplate" must contain {topic}',
    ]);
    assert.deepEqual(problems({ ...minimal, topicTemplate: "{org}/{topic}" }), [
      '"topicTemplate" has an unknown placeholder "{org}" (use {topic} and {tenant})',
    ]);
    assert.match(problems({ ...minimal, topicTemplate: "+/{topic}" })[0]!, /does not give valid topic names/);
    assert.match(problems({ ...minimal, topicTemplate: "a}/{topic}" })[0]!, /unmatched brace/);
    assert.equal(
      validate({ ...minimal, topicTemplate: "site/{tenant}/{topic}" }).topicTemplate,
      "site/{tenant}/{topic}",
    );
  });

  it("needs tls for certificates, a CA, a server name and insecureSkipVerify, and readable PEM", () => {
    const client = selfSigned("client");
    const certificate = { kind: "certificate", certificate: client.cert, privateKey: client.key };
    assert.deepEqual(
      problems({ ...minimal, auth: certificate, ca: client.cert, servername: "x", insecureSkipVerify: true }),
      [
        '"auth.kind" "certificate" needs "tls": true',
        '"ca" needs "tls": true',
        '"servername" needs "tls": true',
        '"insecureSkipVerify" needs "tls": true',
      ],
    );
    assert.equal(
      validate({ ...minimal, tls: true, auth: certificate, ca: client.cert }).auth.kind,
      "certificate",
    );
    const broken = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
    const messages = problems({
      ...minimal,
      tls: true,
      ca: broken,
      auth: { ...certificate, privateKey: broken },
    });
    assert.equal(messages.length, 2);
    assert.match(messages[0]!, /^"ca" is not a readable PEM certificate/);
    assert.match(messages[1]!, /^"auth.privateKey" is not a readable PEM private key/);
  });

  it("reads an encrypted private key with its passphrase only", () => {
    const client = selfSigned("encrypted", "s3cret-pass");
    const auth = { kind: "certificate", certificate: client.cert, privateKey: client.key };
    assert.match(
      problems({ ...minimal, tls: true, auth })[0]!,
      /^"auth.privateKey" is not a readable PEM private key/,
    );
    assert.match(
      problems({ ...minimal, tls: true, auth: { ...auth, passphrase: "wrong" } })[0]!,
      /with this passphrase/,
    );
    assert.equal(validate({ ...minimal, tls: true, auth: { ...auth, passphrase: "s3cret-pass" } }).tls, true);
  });

  it("refuses a maxDelay below the initialDelay", () => {
    assert.deepEqual(problems({ ...minimal, reconnect: { initialDelay: 5000, maxDelay: 1000 } }), [
      '"reconnect.maxDelay" must be >= "reconnect.initialDelay" (5000)',
    ]);
  });

  it("redactBridgeConfig() hides passwords, keys and passphrases", () => {
    const withPassword = validate({
      ...minimal,
      auth: { kind: "user_password", username: "u", password: "p" },
    });
    assert.deepEqual(redactBridgeConfig(withPassword).auth, {
      kind: "user_password",
      username: "u",
      password: "***",
    });
    const client = selfSigned("redact", "pw-123");
    const withKey = validate({
      ...minimal,
      tls: true,
      auth: { kind: "certificate", certificate: client.cert, privateKey: client.key, passphrase: "pw-123" },
    });
    const redacted = redactBridgeConfig(withKey).auth;
    assert.ok(redacted.kind === "certificate");
    assert.equal(redacted.privateKey, "***");
    assert.equal(redacted.passphrase, "***");
    assert.equal(redacted.certificate, client.cert);
  });
});

describe("topic templates", () => {
  it("renderTopic() fills {topic} and {tenant} once each, without re-expanding the topic", () => {
    const template = compileTemplate("site/{tenant}/{topic}/x");
    assert.equal(renderTopic(template, "acme", "plant/1"), "site/acme/plant/1/x");
    assert.equal(renderTopic(template, "acme", "{tenant}"), "site/acme/{tenant}/x");
    assert.equal(renderTopic(compileTemplate("{topic}"), "acme", "a/b"), "a/b");
    assert.equal(templateError("{topic}"), undefined);
  });

  it("splitInternalTopic() gives the tenant and its own topic", () => {
    assert.deepEqual(splitInternalTopic("$t/acme/plant/1"), { tenant: "acme", topic: "plant/1" });
    assert.deepEqual(splitInternalTopic("$td/acme/$meta/x"), { tenant: "acme", topic: "$meta/x" });
    assert.deepEqual(splitInternalTopic("plant/1"), { tenant: "default", topic: "plant/1" });
  });

  it("internalFilters() mounts each filter in each tenant", () => {
    assert.deepEqual(internalFilters(["acme", "default"], ["plant/#", "$meta/+"]), [
      "$t/acme/plant/#",
      "$td/acme/$meta/+",
      "plant/#",
      "$meta/+",
    ]);
  });
});

describe("reconnectDelay()", () => {
  const config = { initialDelay: 500, maxDelay: 30_000 };
  it("doubles, is capped, and is jittered within the upper half", () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((attempt) => reconnectDelay(attempt, config, () => 1)),
      [500, 1000, 2000, 4000],
    );
    assert.equal(
      reconnectDelay(100, config, () => 1),
      30_000,
    );
    assert.equal(
      reconnectDelay(100, config, () => 0),
      15_000,
    );
    for (let i = 0; i < 100; i++) {
      const delay = reconnectDelay(3, config, Math.random);
      assert.ok(delay >= 2000 && delay <= 4000, String(delay));
    }
  });
});
