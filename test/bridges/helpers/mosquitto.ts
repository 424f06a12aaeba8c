/**
 * A Mosquitto broker of the test's own (never the system one on 1883): `/usr/sbin/mosquitto -c
 * <generated conf>` in a temporary directory, on free ports of 127.0.0.1, with any of three listeners:
 * plain TCP, TLS (server certificate of the test PKI), and TLS requiring a client certificate signed
 * by the test CA. Persistence is on, so a persistent subscriber keeps its session and queued messages
 * across `restart()` (an outage of the remote broker). `stop()`/`start()` keep the same ports.
 *
 * When `/usr/sbin/mosquitto` or `openssl` is missing the bridge suites are skipped with a loud
 * reason, except under CI (`CI` set), where they run and fail.
 * @module
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import type { Pki } from "../../security/helpers/pki.js";
import { freePort } from "./bridge-harness.js";

export const MOSQUITTO = "/usr/sbin/mosquitto";

const missing = [
  existsSync(MOSQUITTO) ? undefined : MOSQUITTO,
  spawnSync("openssl", ["version"], { stdio: "ignore" }).error === undefined ? undefined : "openssl",
].filter((item) => item !== undefined);

/** The skip reason for `describe(..., { skip })`: false when the suite can run (or must, under CI). */
export const SKIP_WITHOUT_MOSQUITTO: string | false =
  missing.length > 0 && process.env["CI"] === undefined
    ? `${missing.join(", ")} not found: install Debian's mosquitto (and openssl) to run the bridge tests`
    : false;

if (SKIP_WITHOUT_MOSQUITTO !== false)
  console.warn(`\n*** SKIPPING the bridge tests: ${SKIP_WITHOUT_MOSQUITTO} ***\n`);

export interface MosquittoOptions {
  /** For the `tls` and `mtls` listeners. */
  readonly pki?: Pki;
  readonly tls?: boolean;
  readonly mtls?: boolean;
  /** Lines of an ACL file for anonymous clients (e.g. `topic readwrite sb/#`); none: everything allowed. */
  readonly acl?: readonly string[];
  /** User names and passwords (a `password_file` made with `mosquitto_passwd`); anonymous clients are then refused. */
  readonly passwords?: Readonly<Record<string, string>>;
}

export class Mosquitto {
  readonly dir: string;
  readonly port: number;
  readonly tlsPort: number;
  readonly mtlsPort: number;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #log = "";

  private constructor(dir: string, ports: readonly [number, number, number]) {
    this.dir = dir;
    [this.port, this.tlsPort, this.mtlsPort] = ports;
  }

  /** Writes the configuration and starts the broker; resolves once every listener accepts connections. */
  static async start(options: MosquittoOptions = {}): Promise<Mosquitto> {
    const dir = mkdtempSync(join(tmpdir(), "sb-mosquitto-"));
    const withPki = options.pki !== undefined;
    const mosquitto = new Mosquitto(dir, [
      await freePort(),
      options.tls === true && withPki ? await freePort() : 0,
      options.mtls === true && withPki ? await freePort() : 0,
    ]);
    writeFileSync(join(dir, "mosquitto.conf"), mosquitto.#config(options));
    await mosquitto.start();
    return mosquitto;
  }

  get ports(): number[] {
    return [this.port, this.tlsPort, this.mtlsPort].filter((port) => port > 0);
  }

  /** What the broker wrote to stderr (for failure messages). */
  get log(): string {
    return this.#log;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  async start(): Promise<void> {
    if (this.#child !== undefined) return;
    const child = spawn(MOSQUITTO, ["-c", join(this.dir, "mosquitto.conf")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.#child = child;
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (this.#log += chunk));
    let spawnError: Error | undefined;
    child.once("error", (error) => (spawnError = error)); // e.g. ENOENT: not installed (under CI)
    this.#exited = new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.once("error", () => resolve());
    });
    const deadline = Date.now() + 10_000;
    for (const port of this.ports) {
      while (!(await accepts(port))) {
        if (spawnError !== undefined) throw new Error(`Cannot start ${MOSQUITTO}: ${spawnError.message}`);
        if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}):\n${this.#log}`);
        if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}:\n${this.#log}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** SIGTERM (Mosquitto saves its persistence file), then waits for the exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await this.#exited;
    clearTimeout(timer);
  }

  async remove(): Promise<void> {
    await this.stop();
    if (process.env["MOSQUITTO_LOG"] !== undefined) console.log(this.#log);
    rmSync(this.dir, { recursive: true, force: true });
  }

  #config(options: MosquittoOptions): string {
    const passwords = Object.entries(options.passwords ?? {});
    const lines = [
      "per_listener_settings false",
      `allow_anonymous ${passwords.length === 0 ? "true" : "false"}`,
      "persistence true",
      `persistence_location ${this.dir}/`,
      "max_queued_messages 100000", // not 0 (unlimited): with 0, Mosquitto 2.0.11 drops a client after refusing its PUBLISH
      "log_dest stderr",
      ...(process.env["MOSQUITTO_LOG"] === undefined
        ? ["log_type error", "log_type warning", "log_type notice"]
        : ["log_type all"]),
      // as root, Mosquitto would switch to the `mosquitto` user, who cannot read the temporary directory
      `user ${userInfo().username}`,
    ];
    if (passwords.length > 0) {
      const file = join(this.dir, "passwords");
      passwords.forEach(([user, password], i) => {
        const made = spawnSync("mosquitto_passwd", [...(i === 0 ? ["-c"] : []), "-b", file, user, password]);
        if (made.status !== 0) throw new Error(`mosquitto_passwd failed: ${String(made.stderr)}`);
      });
      lines.push(`password_file ${file}`);
    }
    if (options.acl !== undefined) {
      const acl = join(this.dir, "acl");
      writeFileSync(acl, `${options.acl.join("\n")}\n`);
      lines.push(`acl_file ${acl}`);
    }
    lines.push(`listener ${this.port} 127.0.0.1`);
    const pki = options.pki;
    if (pki !== undefined && this.tlsPort > 0) {
      lines.push(`listener ${this.tlsPort} 127.0.0.1`);
      lines.push(`cafile ${pki.ca.cert}`, `certfile ${pki.server.cert}`, `keyfile ${pki.server.key}`);
    }
    if (pki !== undefined && this.mtlsPort > 0) {
      lines.push(`listener ${this.mtlsPort} 127.0.0.1`);
      lines.push(`cafile ${pki.ca.cert}`, `certfile ${pki.server.cert}`, `keyfile ${pki.server.key}`);
      lines.push("require_certificate true", "use_identity_as_username true");
    }
    return `${lines.join("\n")}\n`;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}
