/**
 * Aedes with its defaults (in-memory persistence), run by bench/brokers/aedes-server.mjs.
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { BrokerUnderTest } from "./brokers.js";

export function aedes(root: string): BrokerUnderTest {
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
