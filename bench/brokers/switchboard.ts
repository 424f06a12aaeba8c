/**
 * Switchboard and its variants. Every one runs from a copy of dist/ taken once, after the build: other
 * people working in this tree may rebuild dist/ while a long benchmark runs, and that must not change
 * what is measured halfway. The copy sits inside the repository (.tmp/, git-ignored) so that
 * node_modules and package.json ("type": "module") are found the usual way, by walking up from the
 * script.
 *
 * | variant     | store                                  | security                           | started as                   |
 * | ----------- | -------------------------------------- | ---------------------------------- | ---------------------------- |
 * | `sb`        | memory                                 | anonymous, no rules                | the CLI                      |
 * | `sb-sqlite` | SQLite in the run's temp dir, `strict` | anonymous, no rules                | the CLI                      |
 * | `sb-secure` | memory                                 | JWT (ES256) + 20 rules             | the CLI, with a config file  |
 * | `sb-gooee`  | memory                                 | anonymous, in the dialect's tenant | bench/brokers/gooee-server.mjs |
 *
 * All get `SWITCHBOARD_LOG__LEVEL=warn` and `SWITCHBOARD_SYS__INTERVAL=0`; everything else is default.
 * @module
 */

import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ClientAuth } from "../lib/types.js";
import type { BrokerCommand, BrokerUnderTest } from "./brokers.js";
import { gooeeServerArgs } from "./gooee-world.js";
import { benchClientAuth, benchKeyPair, secureConfig } from "./security-config.js";

/** The one build and dist/ copy the Switchboard variants of a run share. */
export class SwitchboardBuild {
  readonly root: string;
  readonly #build: boolean;
  readonly #snapshot: string;
  #prepared = false;
  #description = "";

  constructor(root: string, build: boolean) {
    this.root = root;
    this.#build = build;
    this.#snapshot = join(root, ".tmp", `bench-dist-${process.pid}`);
  }

  /** Builds (unless told not to) and copies dist/; the second call does nothing. */
  prepare(): void {
    if (this.#prepared) return;
    const root = this.root;
    if (this.#build) execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
    this.#description = gitDescription(root);
    rmSync(this.#snapshot, { recursive: true, force: true });
    cpSync(join(root, "dist"), join(this.#snapshot, "dist"), { recursive: true });
    this.#prepared = true;
  }

  /** The dist/ the brokers run from: the copy, or dist/ itself before `prepare`. */
  get dist(): string {
    const copy = join(this.#snapshot, "dist");
    return existsSync(join(copy, "cli/main.js")) ? copy : join(this.root, "dist");
  }

  version(): string {
    const pkg = JSON.parse(readFileSync(join(this.root, "package.json"), "utf8")) as { version: string };
    return `${pkg.version} (${this.#description === "" ? gitDescription(this.root) : this.#description})`;
  }

  cleanup(): void {
    rmSync(this.#snapshot, { recursive: true, force: true });
    this.#prepared = false;
  }
}

type Variant = "sb" | "sb-sqlite" | "sb-secure" | "sb-gooee";

export function switchboardVariant(id: Variant, label: string, build: SwitchboardBuild): BrokerUnderTest {
  let keys: ReturnType<typeof benchKeyPair> | undefined;
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    SWITCHBOARD_LOG__LEVEL: "warn",
    SWITCHBOARD_SYS__INTERVAL: "0",
    // in-memory unless the variant is about the store, as Mosquitto runs with persistence off
    SWITCHBOARD_STORAGE__KIND: "memory",
    ...extra,
  });
  const cli = (port: number, nodeFlags: readonly string[], extraArgs: readonly string[] = []) => [
    ...nodeFlags,
    join(build.dist, "cli/main.js"),
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
    ...extraArgs,
  ];
  const variant: BrokerUnderTest = {
    id,
    label,
    node: true,
    prepare() {
      build.prepare();
      if (id === "sb-secure") keys ??= benchKeyPair();
    },
    version: () => build.version(),
    cleanup: () => build.cleanup(),
    command(port, tempDir, nodeFlags = []): BrokerCommand {
      switch (id) {
        case "sb":
          return { command: process.execPath, args: cli(port, nodeFlags), env: env() };
        case "sb-sqlite":
          // the store's defaults: durability strict (acknowledge after an fsynced commit)
          return {
            command: process.execPath,
            args: cli(port, nodeFlags),
            env: env({
              SWITCHBOARD_STORAGE__KIND: "sqlite",
              SWITCHBOARD_STORAGE__PATH: join(tempDir, "data"),
            }),
          };
        case "sb-secure": {
          if (keys === undefined) throw new Error("sb-secure: prepare() was not called");
          const file = join(tempDir, "switchboard.yaml");
          writeFileSync(file, `${JSON.stringify(secureConfig(keys.publicKeyPem), null, 2)}\n`);
          return { command: process.execPath, args: cli(port, nodeFlags, ["--config", file]), env: env() };
        }
        case "sb-gooee":
          return {
            command: process.execPath,
            args: [
              ...nodeFlags,
              join(build.root, "bench/brokers/gooee-server.mjs"),
              gooeeServerArgs(build.dist, port),
            ],
            env: env(),
          };
      }
    },
  };
  if (id === "sb-sqlite") return { ...variant, dataPath: (tempDir) => join(tempDir, "data") };
  if (id === "sb-secure") {
    return {
      ...variant,
      clientAuth(): ClientAuth {
        if (keys === undefined) throw new Error("sb-secure: prepare() was not called");
        return benchClientAuth(keys.privateKeyPem);
      },
    };
  }
  return variant;
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
