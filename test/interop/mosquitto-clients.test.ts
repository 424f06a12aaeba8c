/**
 * Interop with the Mosquitto command line clients (Debian's mosquitto-clients): mosquitto_pub and
 * mosquitto_sub against the broker over TCP, as MQTT 3.1, 3.1.1 and 5.0 clients.
 *
 * mosquitto_sub prints each message as JSON (-F %j) and, with -d, its protocol trace, which tells the
 * test when the subscription is in place. Debian's build of the clients has no WebSocket support
 * (`mosquitto_sub --help` lists no websockets option), so they are only used over TCP here; WebSocket
 * interop is covered by mqttjs.test.ts and websocket.test.ts.
 *
 * When the binaries are missing the suite is skipped with a loud reason, except under CI, where it fails.
 * @module
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { after, afterEach, before, describe, it } from "node:test";
import { connectWithInbox } from "../helpers/mqttjs.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

const TIMEOUT = 4000;
const BINARIES = ["mosquitto_pub", "mosquitto_sub"] as const;
const missing = [...BINARIES, "stdbuf"].filter(
  (binary) => spawnSync(binary, ["--help"], { stdio: "ignore" }).error !== undefined,
);
const MISSING_REASON = `${missing.join(", ")} not found: install Debian's mosquitto-clients (and coreutils) to run the Mosquitto interop tests`;

type MosquittoVersion = "mqttv31" | "mqttv311" | "mqttv5";

/** A JSON line of `mosquitto_sub -F %j`. */
interface SubJson {
  readonly topic: string;
  readonly qos: number;
  readonly retain: number;
  readonly payload: string;
  readonly properties?: {
    readonly "user-properties"?: Record<string, string>;
    readonly "content-type"?: string;
  };
}

/** A spawned client: its stdout lines as they come, and its exit. */
class ClientProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #partial = "";
  #watchers: { pattern: RegExp; resolve: (line: string) => void }[] = [];

  constructor(command: string, args: readonly string[]) {
    // stdbuf -oL: the clients' stdout is a pipe, which stdio would buffer until exit; the test needs
    // each line (the -d trace and the messages) as it is printed
    this.child = spawn("stdbuf", ["-oL", command, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout?.setEncoding("utf8");
    this.child.stderr?.setEncoding("utf8");
    this.child.stdout?.on("data", (chunk: string) => {
      const parts = (this.#partial + chunk).split("\n");
      this.#partial = parts.pop() ?? "";
      for (const line of parts) this.#line(line);
    });
    this.child.stderr?.on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        if (this.#partial !== "") this.#line(this.#partial);
        resolve({ code, signal });
      });
    });
  }

  #line(line: string): void {
    this.lines.push(line);
    this.#watchers = this.#watchers.filter((w) => {
      if (!w.pattern.test(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  /** Resolves with the first stdout line matching `pattern` (already printed or to come). */
  waitFor(pattern: RegExp, timeout = TIMEOUT): Promise<string> {
    const seen = this.lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.describe()}: no line matching ${pattern} within ${timeout} ms`)),
        timeout,
      );
      this.#watchers.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  /** Waits for the process to exit and asserts exit code 0. */
  async succeeded(timeout = TIMEOUT): Promise<void> {
    const result = await Promise.race([
      this.exited,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`${this.describe()}: still running after ${timeout} ms`)),
          timeout,
        ).unref(),
      ),
    ]);
    assert.deepEqual(result, { code: 0, signal: null }, `${this.describe()} failed`);
  }

  /** The messages printed as JSON (-F %j). */
  messages(): SubJson[] {
    return this.lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as SubJson);
  }

  describe(): string {
    const output = this.lines.slice(-10).join("\n");
    return `${this.child.spawnargs.join(" ")} [stdout: ${output}] [stderr: ${this.stderr.trim()}]`;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

let sequence = 0;
function unique(prefix: string): string {
  return `${prefix}/${++sequence}-${Math.random().toString(36).slice(2, 8)}`;
}

if (missing.length > 0 && process.env["CI"] === undefined) {
  console.warn(`\n*** SKIPPING the Mosquitto client interop tests: ${MISSING_REASON} ***\n`);
}

describe(
  "Mosquitto clients interop (mosquitto_pub / mosquitto_sub)",
  { skip: missing.length > 0 && process.env["CI"] === undefined ? MISSING_REASON : false },
  () => {
    let broker: TestBroker;
    const processes: ClientProcess[] = [];

    before(async () => {
      broker = await startTestBroker();
    });
    afterEach(() => {
      for (const p of processes.splice(0)) p.kill();
    });
    after(() => broker.stop());

    if (missing.length > 0) {
      it("the Mosquitto command line clients are installed (required under CI)", () => {
        assert.fail(MISSING_REASON);
      });
      return;
    }

    function run(
      command: (typeof BINARIES)[number],
      version: MosquittoVersion,
      args: readonly string[],
    ): ClientProcess {
      const p = new ClientProcess(command, [
        "-h",
        "127.0.0.1",
        "-p",
        String(broker.port),
        "-V",
        version,
        ...args,
      ]);
      processes.push(p);
      return p;
    }

    /** Starts mosquitto_sub printing JSON and waits until the broker acknowledged the subscription. */
    async function subscribe(version: MosquittoVersion, args: readonly string[]): Promise<ClientProcess> {
      const sub = run("mosquitto_sub", version, ["-d", "-F", "%j", "-W", "10", ...args]);
      await sub.waitFor(/received SUBACK/);
      return sub;
    }

    async function publish(version: MosquittoVersion, args: readonly string[]): Promise<void> {
      await run("mosquitto_pub", version, args).succeeded();
    }

    for (const version of ["mqttv31", "mqttv311", "mqttv5"] as const) {
      describe(`-V ${version}`, () => {
        it("[MQTT-3.3.4-1] QoS 0, 1 and 2 messages from mosquitto_pub reach mosquitto_sub (QoS 2 subscription) at their QoS", async () => {
          const topic = unique(`mosq/${version}/qos`);
          const sub = await subscribe(version, ["-t", `${topic}/#`, "-q", "2", "-C", "3"]);
          for (const qos of [0, 1, 2]) {
            await publish(version, ["-t", `${topic}/q${qos}`, "-m", `hello ${qos}`, "-q", String(qos)]);
          }
          await sub.succeeded();
          assert.deepEqual(
            sub.messages().map((m) => [m.topic, m.payload, m.qos, m.retain]),
            [
              [`${topic}/q0`, "hello 0", 0, 0],
              [`${topic}/q1`, "hello 1", 1, 0],
              [`${topic}/q2`, "hello 2", 2, 0],
            ],
          );
          // The QoS 2 exchange ran to completion on the subscriber's side
          await sub.waitFor(/sending PUBCOMP/, 0);
        });

        it(`${version === "mqttv5" ? "[MQTT-3.3.1-9]" : "[MQTT-3.3.1-6] [MQTT-3.3.1-8]"} a retained message (mosquitto_pub -r) is received by a later subscriber with the retain flag`, async () => {
          const topic = unique(`mosq/${version}/retained`);
          await publish(version, ["-t", topic, "-m", "kept", "-q", "1", "-r"]);
          const sub = await subscribe(version, ["-t", topic, "-q", "1", "-C", "1"]);
          await sub.succeeded();
          assert.deepEqual(
            sub.messages().map((m) => [m.topic, m.payload, m.qos, m.retain]),
            [[topic, "kept", 1, 1]],
          );
          await publish(version, ["-t", topic, "-n", "-r"]);
        });

        it("[MQTT-3.1.2-8] the Will of a mosquitto_sub killed with SIGKILL is delivered to another subscriber", async () => {
          const topic = unique(`mosq/${version}/will`);
          const watcher = await subscribe(version, ["-t", topic, "-q", "1", "-C", "1"]);
          const dying = run("mosquitto_sub", version, [
            "-d",
            "-t",
            `${topic}/unused`,
            "--will-topic",
            topic,
            "--will-payload",
            "gone",
            "--will-qos",
            "1",
          ]);
          await dying.waitFor(/received SUBACK/);
          dying.kill();
          await watcher.succeeded();
          assert.deepEqual(
            watcher.messages().map((m) => [m.topic, m.payload, m.qos, m.retain]),
            [[topic, "gone", 1, 0]],
          );
        });
      });
    }

    describe("-V mqttv5 properties", () => {
      it("[MQTT-3.3.2-17] [MQTT-3.3.2-18] user properties set with mosquitto_pub -D publish user-property reach an MQTT.js v5 subscriber in order", async () => {
        const topic = unique("mosq/v5/user-property");
        const { client, inbox } = await connectWithInbox(broker.url, {
          protocolVersion: 5,
          clientId: unique("mqttjs").replace(/\//g, "-"),
        });
        try {
          await client.subscribeAsync(topic, { qos: 1 });
          await publish("mqttv5", [
            "-t",
            topic,
            "-m",
            "with properties",
            "-q",
            "1",
            "-D",
            "publish",
            "user-property",
            "colour",
            "blue",
            "-D",
            "publish",
            "user-property",
            "size",
            "XL",
            "-D",
            "publish",
            "content-type",
            "text/plain",
          ]);
          const message = await inbox.next();
          assert.equal(message.payload, "with properties");
          const userProperties = { ...message.packet.properties?.userProperties };
          assert.deepEqual(userProperties, { colour: "blue", size: "XL" });
          assert.deepEqual(Object.keys(userProperties), ["colour", "size"]);
          assert.equal(message.packet.properties?.contentType, "text/plain");
        } finally {
          await client.endAsync(true);
        }
      });

      it("[MQTT-3.3.2-17] user properties published by MQTT.js v5 are printed by mosquitto_sub -V mqttv5", async () => {
        const topic = unique("mosq/v5/from-mqttjs");
        const sub = await subscribe("mqttv5", ["-t", topic, "-q", "1", "-C", "1"]);
        const { client } = await connectWithInbox(broker.url, {
          protocolVersion: 5,
          clientId: unique("mqttjs").replace(/\//g, "-"),
        });
        try {
          await client.publishAsync(topic, "from mqtt.js", {
            qos: 1,
            properties: { userProperties: { origin: "mqttjs" }, contentType: "text/plain" },
          });
        } finally {
          await client.endAsync(true);
        }
        await sub.succeeded();
        const [message] = sub.messages();
        assert.ok(message, "mosquitto_sub printed no message");
        assert.equal(message.payload, "from mqtt.js");
        assert.deepEqual(message.properties?.["user-properties"], { origin: "mqttjs" });
        assert.equal(message.properties["content-type"], "text/plain");
      });

      it("[MQTT-4.5.0-1] a v5 message with properties reaches a v3.1.1 mosquitto_sub as a plain message", async () => {
        const topic = unique("mosq/v5-to-v311");
        const sub = await subscribe("mqttv311", ["-t", topic, "-q", "1", "-C", "1"]);
        await publish("mqttv5", [
          "-t",
          topic,
          "-m",
          "cross",
          "-q",
          "1",
          "-D",
          "publish",
          "user-property",
          "k",
          "v",
        ]);
        await sub.succeeded();
        const messages = sub.messages();
        assert.deepEqual(
          messages.map((m) => [m.topic, m.payload, m.qos]),
          [[topic, "cross", 1]],
        );
        assert.equal(messages[0]?.properties, undefined);
      });
    });
  },
);
