/**
 * The brokers under test: how to prepare each once, how to start a fresh one on a given port, and its
 * version for the report. Each run starts a new process (bench/run.ts pins it to its CPU).
 * @module
 */

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const BROKER_IDS = ["sb", "aedes", "mosquitto"] as const;
export type BrokerId = (typeof BROKER_IDS)[number];

export interface BrokerCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

export interface BrokerUnderTest {
  readonly id: BrokerId;
  readonly label: string;
  /** One-time work before the first run (e.g. building Switchboard). */
  prepare(): void;
  version(): string;
  /** The command for a fresh broker on 127.0.0.1:`port`; `tempDir` is empty and private to this run. */
  command(port: number, tempDir: string): BrokerCommand;
}

const MOSQUITTO = "/usr/sbin/mosquitto";

export function brokerUnderTest(id: BrokerId, root: string): BrokerUnderTest {
  switch (id) {
    case "sb":
      return switchboard(root);
    case "aedes":
      return aedes(root);
    case "mosquitto":
      return mosquitto();
  }
}

function switchboard(root: string): BrokerUnderTest {
  return {
    id: "sb",
    label: "Switchboard",
    prepare() {
      execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
    },
    version() {
      const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
      return `${pkg.version} (${gitDescription(root)})`;
    },
    command(port) {
      return {
        command: process.execPath,
        args: [join(root, "dist/cli/main.js"), "--port", String(port), "--host", "127.0.0.1"],
        env: {
          ...process.env,
          SWITCHBOARD_LOG__LEVEL: "warn",
          SWITCHBOARD_SYS__INTERVAL: "0",
          // in-memory, as Mosquitto runs with persistence off
          SWITCHBOARD_STORAGE__KIND: "memory",
        },
      };
    },
  };
}

function aedes(root: string): BrokerUnderTest {
  return {
    id: "aedes",
    label: "Aedes",
    prepare() {
      // Nothing to build; fail early if the devDependency is missing.
      readFileSync(join(root, "node_modules/aedes/package.json"));
    },
    version() {
      const pkg = JSON.parse(readFileSync(join(root, "node_modules/aedes/package.json"), "utf8")) as {
        version: string;
      };
      return pkg.version;
    },
    command(port) {
      return {
        command: process.execPath,
        args: [join(root, "bench/brokers/aedes-server.mjs"), String(port)],
      };
    },
  };
}

function mosquitto(): BrokerUnderTest {
  return {
    id: "mosquitto",
    label: "Mosquitto",
    prepare() {
      if (!existsSync(MOSQUITTO)) throw new Error(`Cannot find Mosquitto at "${MOSQUITTO}"`);
    },
    version() {
      // `mosquitto -h` prints "mosquitto version 2.0.11" (and exits with a non-zero status).
      let out: string;
      try {
        out = execFileSync(MOSQUITTO, ["-h"], { encoding: "utf8" });
      } catch (error) {
        out = (error as { stdout?: string }).stdout ?? "";
      }
      const match = /version (\S+)/.exec(out);
      if (match?.[1] !== undefined) return match[1];
      return "unknown";
    },
    command(port, tempDir) {
      // Only what is needed: our own listener (never the system broker's 1883), anonymous, no persistence.
      const config = join(tempDir, "mosquitto.conf");
      writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
      return { command: MOSQUITTO, args: ["-c", config] };
    },
  };
}

/** Commit and whether src/ has uncommitted changes: the figures describe that working tree. */
function gitDescription(root: string): string {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: root,
      encoding: "utf8",
    }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], {
      cwd: root,
      encoding: "utf8",
    });
    return dirty.trim() === "" ? commit : `${commit} + uncommitted changes in src/`;
  } catch {
    return "not a git checkout";
  }
}
