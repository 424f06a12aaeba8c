/**
 * The brokers under test: how to prepare each once, how to start a fresh one on a given port, and its
 * version for the report. Each run starts a new process (bench/run.ts pins it to its CPU).
 * @module
 */

import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
  /**
   * The command for a fresh broker on 127.0.0.1:`port`; `tempDir` is empty and private to this run.
   * `nodeFlags` (e.g. `--cpu-prof`) go before the script for the brokers that run on Node.
   */
  command(port: number, tempDir: string, nodeFlags?: readonly string[]): BrokerCommand;
  /** Removes what `prepare` left behind. */
  cleanup(): void;
  /** Whether the broker runs on Node (so `nodeFlags` apply). */
  readonly node: boolean;
}

const MOSQUITTO = "/usr/sbin/mosquitto";

/** `build`: whether Switchboard's `prepare` runs `npm run build` first. */
export function brokerUnderTest(id: BrokerId, root: string, build = true): BrokerUnderTest {
  switch (id) {
    case "sb":
      return switchboard(root, build);
    case "aedes":
      return aedes(root);
    case "mosquitto":
      return mosquitto();
  }
}

/**
 * Switchboard runs from a copy of dist/ taken once, after the build: other people working in this tree
 * may rebuild dist/ while a long benchmark runs, and that must not change what is measured halfway. The
 * copy sits inside the repository (.tmp/, git-ignored) so that node_modules and package.json ("type":
 * "module") are found the usual way, by walking up from the script.
 */
function switchboard(root: string, build: boolean): BrokerUnderTest {
  const snapshot = join(root, ".tmp", `bench-dist-${process.pid}`);
  let description = "";
  return {
    id: "sb",
    label: "Switchboard",
    node: true,
    prepare() {
      if (build) execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
      description = gitDescription(root);
      rmSync(snapshot, { recursive: true, force: true });
      cpSync(join(root, "dist"), join(snapshot, "dist"), { recursive: true });
    },
    version() {
      const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
      return `${pkg.version} (${description === "" ? gitDescription(root) : description})`;
    },
    cleanup() {
      rmSync(snapshot, { recursive: true, force: true });
    },
    command(port, _tempDir, nodeFlags = []) {
      const script = existsSync(join(snapshot, "dist/cli/main.js"))
        ? join(snapshot, "dist/cli/main.js")
        : join(root, "dist/cli/main.js");
      return {
        command: process.execPath,
        args: [...nodeFlags, script, "--port", String(port), "--host", "127.0.0.1"],
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
    node: true,
    cleanup() {},
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
    command(port, _tempDir, nodeFlags = []) {
      return {
        command: process.execPath,
        args: [...nodeFlags, join(root, "bench/brokers/aedes-server.mjs"), String(port)],
      };
    },
  };
}

function mosquitto(): BrokerUnderTest {
  return {
    id: "mosquitto",
    label: "Mosquitto",
    node: false,
    cleanup() {},
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
