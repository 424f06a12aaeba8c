import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError } from "../errors.js";
import { isLoopbackHost, loadConfig, type LoadConfigOptions } from "./load-config.js";

const dir = mkdtempSync(join(tmpdir(), "switchboard-config-"));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

let fileCount = 0;
/** Writes `text` to a fresh YAML file in a temporary directory and returns its path. */
function yamlFile(text: string): string {
  const file = join(dir, `config-${++fileCount}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** The ConfigError thrown by `loadConfig(options)`. */
function loadError(options: LoadConfigOptions): ConfigError {
  try {
    loadConfig(options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("loadConfig() did not throw");
}

describe("loadConfig() defaults", () => {
  it("listens on 127.0.0.1:1883 only and allows anonymous clients with no input", () => {
    const config = loadConfig();
    assert.deepEqual(config.listeners, [
      { name: "tcp:1883", kind: "tcp", host: "127.0.0.1", port: 1883, path: "/mqtt" },
    ]);
    assert.equal(config.auth.allowAnonymous, true);
  });

  it("fills every section with the documented defaults", () => {
    const config = loadConfig({});
    assert.deepEqual(config.mqtt, {
      maxPacketSize: 2_000_000,
      receiveMaximum: 100,
      maxInflight: 100,
      topicAliasMaximum: 64,
      outboundTopicAliasMaximum: 64,
      maxUserProperties: 128,
      maxQos: 2,
      retainAvailable: true,
      wildcardSubscriptionAvailable: true,
      sharedSubscriptionAvailable: true,
      subscriptionIdentifiersAvailable: true,
      maxKeepAlive: 65535,
      maxSessionExpiry: 4294967295,
      maxClientIdLength: 65535,
      connectTimeout: 10,
      writeHighWaterMark: 1048576,
    });
    assert.deepEqual(config.queue, {
      maxMessages: 1000,
      maxBytes: 16777216,
      queueQos0: false,
      overflow: "drop-new",
    });
    assert.deepEqual(config.sys, { interval: 10 });
    assert.deepEqual(config.storage, {
      kind: "sqlite",
      path: "./data",
      durability: "strict",
      commitInterval: 5,
      housekeepingInterval: 60,
      compactThreshold: 4194304,
    });
    assert.deepEqual(config.log, { level: "info" });
  });

  it("ignores the environment unless it is passed", () => {
    process.env["SWITCHBOARD_LOG__LEVEL"] = "debug";
    try {
      assert.equal(loadConfig().log.level, "info");
    } finally {
      delete process.env["SWITCHBOARD_LOG__LEVEL"];
    }
  });

  it("defaults listener fields and names a listener <kind>:<port>", () => {
    const config = loadConfig({
      values: { listeners: [{ port: 1884 }, { kind: "ws", port: 8080, name: "web" }] },
    });
    assert.deepEqual(config.listeners, [
      { name: "tcp:1884", kind: "tcp", host: "127.0.0.1", port: 1884, path: "/mqtt" },
      { name: "web", kind: "ws", host: "127.0.0.1", port: 8080, path: "/mqtt" },
    ]);
  });

  it("accepts an empty listener list", () => {
    assert.deepEqual(loadConfig({ values: { listeners: [] } }).listeners, []);
  });
});

describe("loadConfig() auth.allowAnonymous default", () => {
  const anonymous = (...hosts: string[]) =>
    loadConfig({ values: { listeners: hosts.map((host, i) => ({ host, port: 1883 + i })) } }).auth
      .allowAnonymous;

  it("is true when every listener is on a loopback address", () => {
    assert.equal(anonymous("127.0.0.1", "::1", "localhost", "127.1.2.3", "[::1]"), true);
  });

  it("is false when any listener is on another address", () => {
    assert.equal(anonymous("127.0.0.1", "0.0.0.0"), false);
    assert.equal(anonymous("::"), false);
    assert.equal(anonymous("192.168.1.10"), false);
    assert.equal(anonymous("broker.example.com"), false);
  });

  it("is what the configuration says when it is given", () => {
    const values = { listeners: [{ host: "0.0.0.0", port: 1883 }], auth: { allowAnonymous: true } };
    assert.equal(loadConfig({ values }).auth.allowAnonymous, true);
    const env = { SWITCHBOARD_AUTH__ALLOW_ANONYMOUS: "false" };
    assert.equal(loadConfig({ env }).auth.allowAnonymous, false);
  });

  it("follows --host", () => {
    assert.equal(loadConfig({ overrides: { host: "0.0.0.0" } }).auth.allowAnonymous, false);
  });
});

describe("isLoopbackHost()", () => {
  it("recognises 127.0.0.0/8, ::1 and its IPv4-mapped forms, and localhost", () => {
    for (const host of [
      "127.0.0.1",
      "127.255.0.1",
      "::1",
      "0:0:0:0:0:0:0:1",
      "::ffff:127.0.0.1",
      "LOCALHOST",
    ]) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ["0.0.0.0", "::", "128.0.0.1", "10.0.0.1", "localhost.example.com", "::2"]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

describe("loadConfig() layering", () => {
  it("reads a YAML file over the defaults", () => {
    const file = yamlFile("mqtt:\n  maxQos: 1\nlog:\n  level: warn\n");
    const config = loadConfig({ file });
    assert.equal(config.mqtt.maxQos, 1);
    assert.equal(config.mqtt.receiveMaximum, 100);
    assert.equal(config.log.level, "warn");
  });

  it("treats an empty file and an empty section as absent", () => {
    assert.deepEqual(loadConfig({ file: yamlFile("") }), loadConfig());
    assert.deepEqual(loadConfig({ file: yamlFile("mqtt:\n  # maxQos: 1\nlog:\n") }), loadConfig());
  });

  it("lets the environment override the file, and flags override both", () => {
    const file = yamlFile("listeners:\n  - port: 1884\nlog:\n  level: warn\nmqtt:\n  maxQos: 1\n");
    const env = { SWITCHBOARD_LOG__LEVEL: "debug", SWITCHBOARD_LISTENERS: '[{"port":1885}]' };
    const config = loadConfig({ file, env, overrides: { port: 1886 } });
    assert.equal(config.log.level, "debug");
    assert.equal(config.mqtt.maxQos, 1);
    assert.deepEqual(
      config.listeners.map((l) => l.port),
      [1886],
    );
  });

  it("layers values above the file and below the environment", () => {
    const file = yamlFile("log:\n  level: warn\nsys:\n  interval: 5\n");
    const config = loadConfig({
      file,
      values: { sys: { interval: 0 } },
      env: { SWITCHBOARD_LOG__LEVEL: "error" },
    });
    assert.equal(config.sys.interval, 0);
    assert.equal(config.log.level, "error");
  });

  it("replaces the listener list rather than merging it", () => {
    const file = yamlFile("listeners:\n  - port: 1884\n  - port: 1885\n");
    const config = loadConfig({ file, env: { SWITCHBOARD_LISTENERS: '[{"kind":"ws","port":9001}]' } });
    assert.deepEqual(
      config.listeners.map((l) => l.name),
      ["ws:9001"],
    );
  });
});

describe("loadConfig() environment", () => {
  it("coerces numbers, booleans and strings by the schema's type", () => {
    const config = loadConfig({
      env: {
        SWITCHBOARD_MQTT__RECEIVE_MAXIMUM: "250",
        SWITCHBOARD_MQTT__RETAIN_AVAILABLE: "false",
        SWITCHBOARD_QUEUE__QUEUE_QOS0: "1",
        SWITCHBOARD_QUEUE__OVERFLOW: "drop-old",
        SWITCHBOARD_LOG__LEVEL: "debug",
        SWITCHBOARD_AUTH__ALLOW_ANONYMOUS: "TRUE",
        SWITCHBOARD_MQTT__MAX_QOS: " 1 ",
      },
    });
    assert.equal(config.mqtt.receiveMaximum, 250);
    assert.equal(config.mqtt.retainAvailable, false);
    assert.equal(config.queue.queueQos0, true);
    assert.equal(config.queue.overflow, "drop-old");
    assert.equal(config.log.level, "debug");
    assert.equal(config.auth.allowAnonymous, true);
    assert.equal(config.mqtt.maxQos, 1);
  });

  it("ignores other variables and unset SWITCHBOARD_ ones", () => {
    const config = loadConfig({
      env: { PATH: "/bin", SWITCHBOARD_LOG__LEVEL: undefined, switchboard_x: "1" },
    });
    assert.equal(config.log.level, "info");
  });

  it("rejects a SWITCHBOARD_ variable that names no key, suggesting the closest", () => {
    const error = loadError({ env: { SWITCHBOARD_MQTT__RECIEVE_MAXIMUM: "5" } });
    assert.equal(
      error.message,
      'Invalid configuration: unknown environment variable "SWITCHBOARD_MQTT__RECIEVE_MAXIMUM": did you mean "SWITCHBOARD_MQTT__RECEIVE_MAXIMUM"?',
    );
    assert.equal(error.code, "SB_ERR_CONFIG_INVALID");
    assert.match(
      loadError({ env: { SWITCHBOARD_MQTT: "{}" } }).message,
      /unknown environment variable "SWITCHBOARD_MQTT"$/,
    );
  });

  it("rejects a value that is not a number, naming the key and the variable", () => {
    const error = loadError({ env: { SWITCHBOARD_MQTT__RECEIVE_MAXIMUM: "lots" } });
    assert.equal(
      error.message,
      'Invalid configuration: "mqtt.receiveMaximum" must be an integer (from SWITCHBOARD_MQTT__RECEIVE_MAXIMUM)',
    );
    assert.deepEqual(error.issues, [
      {
        path: "mqtt.receiveMaximum",
        message: '"mqtt.receiveMaximum" must be an integer',
        source: "from SWITCHBOARD_MQTT__RECEIVE_MAXIMUM",
      },
    ]);
    assert.match(
      loadError({ env: { SWITCHBOARD_SYS__INTERVAL: "" } }).message,
      /"sys.interval" must be an integer/,
    );
  });

  it("rejects a value that is not a boolean", () => {
    const error = loadError({ env: { SWITCHBOARD_QUEUE__QUEUE_QOS0: "yes" } });
    assert.equal(
      error.message,
      'Invalid configuration: "queue.queueQos0" must be a boolean ("true" or "false") (from SWITCHBOARD_QUEUE__QUEUE_QOS0)',
    );
  });

  it("rejects SWITCHBOARD_LISTENERS that is not JSON", () => {
    const error = loadError({ env: { SWITCHBOARD_LISTENERS: "[{port: 1}]" } });
    assert.match(
      error.message,
      /^Invalid configuration: "listeners" must be a JSON array: .* \(from SWITCHBOARD_LISTENERS\)$/,
    );
  });

  it("reports values out of range with the variable they came from", () => {
    const error = loadError({ env: { SWITCHBOARD_MQTT__RECEIVE_MAXIMUM: "70000" } });
    assert.equal(
      error.message,
      'Invalid configuration: "mqtt.receiveMaximum" must be <= 65535 (from SWITCHBOARD_MQTT__RECEIVE_MAXIMUM)',
    );
  });

  it("reports a bad listener from SWITCHBOARD_LISTENERS with its path", () => {
    const error = loadError({ env: { SWITCHBOARD_LISTENERS: '[{"port":1883},{"port":99999}]' } });
    assert.equal(
      error.message,
      'Invalid configuration: "listeners[1].port" must be <= 65535 (from SWITCHBOARD_LISTENERS)',
    );
  });
});

describe("loadConfig() overrides", () => {
  it("--port replaces the port of the default listener", () => {
    assert.deepEqual(loadConfig({ overrides: { port: 1884 } }).listeners, [
      { name: "tcp:1884", kind: "tcp", host: "127.0.0.1", port: 1884, path: "/mqtt" },
    ]);
  });

  it("--port replaces the port of the first tcp listener and keeps its name", () => {
    const values = { listeners: [{ kind: "ws", port: 8080 }, { name: "main", port: 1883 }, { port: 1884 }] };
    const config = loadConfig({ values, overrides: { port: 2883 } });
    assert.deepEqual(
      config.listeners.map((l) => `${l.name}=${l.kind}:${l.port}`),
      ["ws:8080=ws:8080", "main=tcp:2883", "tcp:1884=tcp:1884"],
    );
  });

  it("--port adds a tcp listener when only ws listeners are configured", () => {
    const config = loadConfig({
      values: { listeners: [{ kind: "ws", port: 8080 }] },
      overrides: { port: 1884 },
    });
    assert.deepEqual(
      config.listeners.map((l) => l.name),
      ["ws:8080", "tcp:1884"],
    );
  });

  it("--ws-port adds a ws listener on the tcp listener's host with path /mqtt", () => {
    const values = { listeners: [{ host: "10.0.0.5", port: 1883 }] };
    const config = loadConfig({ values, overrides: { wsPort: 8080 } });
    assert.deepEqual(config.listeners[1], {
      name: "ws:8080",
      kind: "ws",
      host: "10.0.0.5",
      port: 8080,
      path: "/mqtt",
    });
  });

  it("--ws-port replaces the port of a configured ws listener and keeps its path", () => {
    const values = { listeners: [{ port: 1883 }, { kind: "ws", port: 9001, path: "/ws" }] };
    const config = loadConfig({ values, overrides: { wsPort: 8080 } });
    assert.deepEqual(config.listeners[1], {
      name: "ws:8080",
      kind: "ws",
      host: "127.0.0.1",
      port: 8080,
      path: "/ws",
    });
  });

  it("--host moves the tcp listener and the ws listener --ws-port adds", () => {
    const config = loadConfig({ overrides: { host: "0.0.0.0", port: 1884, wsPort: 8080 } });
    assert.deepEqual(
      config.listeners.map((l) => `${l.kind}://${l.host}:${l.port}`),
      ["tcp://0.0.0.0:1884", "ws://0.0.0.0:8080"],
    );
  });

  it("names the flag when an override conflicts", () => {
    const values = { listeners: [{ port: 1883 }, { kind: "ws", port: 8080 }] };
    const error = loadError({ values, overrides: { port: 8080 } });
    assert.equal(
      error.message,
      'Invalid configuration: "listeners[1]" binds 127.0.0.1:8080, already bound by "listeners[0]": each host and port may be bound once (in options.values, from --port)',
    );
  });

  it("names the flag when an override is out of range", () => {
    const error = loadError({ overrides: { port: 70000 } });
    assert.equal(error.message, 'Invalid configuration: "listeners[0].port" must be <= 65535 (from --port)');
  });
});

describe("loadConfig() errors", () => {
  it("names an unknown key and the file, suggesting the intended key", () => {
    const file = yamlFile("mqtt:\n  recieveMaximum: 10\n");
    const error = loadError({ file });
    assert.equal(
      error.message,
      `Invalid configuration: unknown key "mqtt.recieveMaximum": did you mean "mqtt.receiveMaximum"? (in ${file})`,
    );
    assert.equal(error.code, "SB_ERR_CONFIG_INVALID");
  });

  it("suggests the section of a key given at the wrong level", () => {
    const error = loadError({ file: yamlFile("maxQos: 1\n") });
    assert.match(error.message, /unknown key "maxQos": did you mean "mqtt.maxQos"\?/);
  });

  it("names an unknown key without a suggestion when nothing is close", () => {
    const error = loadError({ values: { cluster: { nodes: 3 } } });
    assert.equal(error.message, 'Invalid configuration: unknown key "cluster" (in options.values)');
  });

  it("names a value of the wrong type", () => {
    const file = yamlFile("mqtt:\n  receiveMaximum: '100'\n  retainAvailable: 1\n");
    const error = loadError({ file });
    assert.deepEqual(
      error.issues.map((issue) => issue.message),
      ['"mqtt.receiveMaximum" must be an integer', '"mqtt.retainAvailable" must be a boolean'],
    );
    assert.ok(error.issues.every((issue) => issue.source === `in ${file}`));
  });

  it("names a value below the minimum, above the maximum and outside the allowed set", () => {
    const file = yamlFile("mqtt:\n  receiveMaximum: 0\n  maxQos: 3\nlog:\n  level: loud\n");
    const error = loadError({ file });
    assert.deepEqual(
      error.issues.map((issue) => issue.message),
      [
        '"mqtt.receiveMaximum" must be >= 1',
        '"mqtt.maxQos" must be <= 2',
        '"log.level" must be one of "trace", "debug", "info", "warn", "error", "fatal", "silent"',
      ],
    );
    assert.equal(
      error.message,
      [
        "Invalid configuration:",
        `  - "mqtt.receiveMaximum" must be >= 1 (in ${file})`,
        `  - "mqtt.maxQos" must be <= 2 (in ${file})`,
        `  - "log.level" must be one of "trace", "debug", "info", "warn", "error", "fatal", "silent" (in ${file})`,
      ].join("\n"),
    );
  });

  it("names a missing required key, an empty string and a bad pattern in a listener", () => {
    const file = yamlFile(
      "listeners:\n  - kind: ws\n  - port: 1\n    host: ''\n  - port: 2\n    path: mqtt\n",
    );
    const error = loadError({ file });
    assert.deepEqual(
      error.issues.map((issue) => `${issue.message} (${issue.source ?? ""})`),
      [
        `"listeners[0].port" is required (in ${file})`,
        `"listeners[1].host" must not be empty (in ${file})`,
        `"listeners[2].path" must match the pattern "^/" (in ${file})`,
      ],
    );
  });

  it("names a section that is not a mapping", () => {
    const error = loadError({ file: yamlFile("mqtt: 5\nlisteners: {}\n") });
    assert.deepEqual(
      error.issues.map((issue) => issue.message),
      ['"listeners" must be a list', '"mqtt" must be a mapping of keys to values'],
    );
  });

  it("rejects a file whose top level is not a mapping", () => {
    const file = yamlFile("- 1\n- 2\n");
    assert.equal(
      loadError({ file }).message,
      `Invalid configuration: the top level must be a mapping of keys to values (in ${file})`,
    );
  });

  it("rejects duplicate listener names", () => {
    const file = yamlFile(
      "listeners:\n  - { name: main, port: 1883 }\n  - { name: main, kind: ws, port: 8080 }\n",
    );
    assert.equal(
      loadError({ file }).message,
      `Invalid configuration: "listeners[1].name" is "main", already the name of "listeners[0]": listener names must be unique (in ${file})`,
    );
  });

  it("rejects two listeners on the same host and port, but not on port 0", () => {
    const file = yamlFile("listeners:\n  - { port: 1883 }\n  - { kind: ws, port: 1883, host: 127.0.0.1 }\n");
    assert.match(
      loadError({ file }).message,
      /"listeners\[1\]" binds 127.0.0.1:1883, already bound by "listeners\[0\]"/,
    );
    const config = loadConfig({ values: { listeners: [{ port: 0 }, { kind: "ws", port: 0 }] } });
    assert.equal(config.listeners.length, 2);
  });

  it("allows the same port on different hosts", () => {
    const values = {
      listeners: [
        { name: "v4", port: 1883 },
        { name: "v6", host: "::1", port: 1883 },
      ],
    };
    assert.equal(loadConfig({ values }).listeners.length, 2);
  });

  it("reports every problem at once", () => {
    const error = loadError({
      file: yamlFile("mqtt:\n  maxQos: 9\n"),
      env: { SWITCHBOARD_NOPE: "1", SWITCHBOARD_SYS__INTERVAL: "-1" },
    });
    assert.deepEqual(
      error.issues.map((issue) => issue.path),
      ["", "mqtt.maxQos", "sys.interval"],
    );
  });

  it("gives SB_ERR_CONFIG_FILE naming a file that does not exist", () => {
    const file = join(dir, "missing.yaml");
    const error = loadError({ file });
    assert.equal(error.code, "SB_ERR_CONFIG_FILE");
    assert.equal(error.message, `Cannot read configuration file "${file}": no such file`);
    assert.ok(error.cause instanceof Error);
  });

  it("gives SB_ERR_CONFIG_FILE naming a directory", () => {
    const error = loadError({ file: dir });
    assert.equal(error.code, "SB_ERR_CONFIG_FILE");
    assert.equal(error.message, `Cannot read configuration file "${dir}": it is a directory`);
  });

  it("gives SB_ERR_CONFIG_FILE naming a path that is a directory, not a file", () => {
    const dir = dirname(yamlFile("log:\n  level: info\n"));
    const error = loadError({ file: dir });
    assert.equal(error.code, "SB_ERR_CONFIG_FILE");
    assert.ok(error.message.startsWith(`Cannot read configuration file "${dir}": `), error.message);
  });

  it("gives SB_ERR_CONFIG_FILE with the position of a YAML syntax error", () => {
    const file = yamlFile("mqtt:\n  maxQos: [1\nlog: {\n");
    const error = loadError({ file });
    assert.equal(error.code, "SB_ERR_CONFIG_FILE");
    assert.ok(error.message.startsWith(`Cannot parse configuration file "${file}": `), error.message);
    assert.match(error.message, /line \d+, column \d+/);
  });

  it("gives SB_ERR_CONFIG_FILE for a duplicate YAML key", () => {
    const error = loadError({ file: yamlFile("log:\n  level: info\n  level: debug\n") });
    assert.equal(error.code, "SB_ERR_CONFIG_FILE");
    assert.match(error.message, /unique/i);
  });
});

describe("loadConfig() result", () => {
  it("is deep-frozen", () => {
    const config = loadConfig({ overrides: { wsPort: 8080 } });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.listeners));
    assert.ok(Object.isFrozen(config.listeners[0]));
    assert.ok(Object.isFrozen(config.mqtt));
    assert.throws(() => {
      (config.mqtt as { maxQos: number }).maxQos = 0;
    }, TypeError);
  });

  it("does not share or modify the values it is given", () => {
    const values = { listeners: [{ port: 1884 }], mqtt: { maxQos: 1 } };
    const config = loadConfig({ values });
    assert.deepEqual(values, { listeners: [{ port: 1884 }], mqtt: { maxQos: 1 } });
    assert.ok(!Object.isFrozen(values.mqtt));
    assert.notEqual(config.listeners, values.listeners);
  });
});

describe("loadConfig() dialects.placeos.api", () => {
  const web = (name: string, path = "/mqtt") => ({ name, kind: "ws", host: "127.0.0.1", port: 0, path });

  it("refuses listeners that are not ws or wss listeners, and a path that is a listener's own", () => {
    const error = loadError({
      values: {
        listeners: [
          web("ws"),
          web("api", "/api/mqtt/"),
          { name: "tcp", kind: "tcp", host: "127.0.0.1", port: 0 },
        ],
        dialects: { placeos: { api: { listeners: ["tcp", "nope", "api"] } } },
      },
    });
    const messages = error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    assert.equal(messages.length, 3, messages.join("\n"));
    assert.match(messages[0]!, /^dialects\.placeos\.api\.listeners\[0\]: .*not "tcp".*"ws", "api"/);
    assert.match(messages[1]!, /^dialects\.placeos\.api\.listeners\[1\]: .*not "nope"/);
    assert.match(messages[2]!, /^dialects\.placeos\.api\.path: .*listener "api"/);
  });

  it("serves every ws/wss listener by default, none when disabled", async () => {
    const { placeosApiListeners } = await import("./sections/dialects.js");
    const config = loadConfig({ values: { listeners: [web("a"), web("b")] } });
    assert.deepEqual(
      placeosApiListeners(config.dialects.placeos.api, config.listeners).map((l) => l.name),
      ["a", "b"],
    );
    const off = loadConfig({
      values: { listeners: [web("a")], dialects: { placeos: { api: { enabled: false } } } },
    });
    assert.deepEqual(placeosApiListeners(off.dialects.placeos.api, off.listeners), []);
    assert.equal(config.dialects.placeos.api.path, "/api/mqtt");
  });
});
