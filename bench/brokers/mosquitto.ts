/**
 * Debian's Mosquitto, with a config file of its own per run (never the system broker on 1883):
 * `mosquitto` with persistence off, `mosquitto-persist` with `persistence true` and its file in the
 * run's temp directory.
 * @module
 */

import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BrokerUnderTest } from "./brokers.js";

const MOSQUITTO = "/usr/sbin/mosquitto";

export function mosquitto(id: "mosquitto" | "mosquitto-persist", label: string): BrokerUnderTest {
  const persist = id === "mosquitto-persist";
  return {
    id,
    label,
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
      // Only what is needed: our own listener (never the system broker's 1883), anonymous, and
      // persistence off, or on with its file in this run's directory (autosave_interval stays at its
      // default, 1800 s: the file is written at shutdown).
      const config = join(tempDir, "mosquitto.conf");
      // QoS 1 limits that do not measure a drop policy: the outgoing window as Switchboard's default
      // (`mqtt.maxInflight` 100; Mosquitto's is 20) and no queue bound (Mosquitto's 1,000 counts
      // differently from ours and drops QoS 1 fan-in messages that Switchboard's 1,000 keeps; with its
      // defaults Debian's 2.0.11 stalls at ~2k msg/s and loses messages: see bench/README.md).
      const lines = [
        `listener ${port} 127.0.0.1`,
        "allow_anonymous true",
        "max_inflight_messages 100",
        "max_queued_messages 0",
      ];
      if (persist) {
        // Started as root, Mosquitto drops to user "mosquitto", which must still reach its directory.
        const data = join(tempDir, "data");
        mkdirSync(data);
        chmodSync(tempDir, 0o711);
        chmodSync(data, 0o777);
        lines.push("persistence true", `persistence_location ${data}/`);
      } else lines.push("persistence false");
      writeFileSync(config, `${lines.join("\n")}\n`);
      return { command: MOSQUITTO, args: ["-c", config] };
    },
    ...(persist ? { dataPath: (tempDir: string) => join(tempDir, "data") } : {}),
  };
}
