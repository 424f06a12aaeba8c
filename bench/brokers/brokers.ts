/**
 * The brokers under test: how to prepare each once, how to start a fresh one on a given port, and its
 * version for the report. Each run starts a new process (bench/run.ts pins it to its CPU).
 *
 * Three stock brokers (`sb`, `aedes`, `mosquitto`, each with its defaults) and **variants**: the same
 * broker configured differently, for the scenarios that compare configurations (durability, security, a
 * dialect). A variant belongs to the family of the broker it configures: `--brokers sb` selects `sb` and
 * every `sb-*` variant (bench/lib/options.ts).
 * @module
 */

import type { ClientAuth } from "../lib/types.js";
import { aedes } from "./aedes.js";
import { mosquitto } from "./mosquitto.js";
import { SwitchboardBuild, switchboardVariant } from "./switchboard.js";

export const BROKER_IDS = [
  "sb",
  "aedes",
  "mosquitto",
  "sb-sqlite",
  "sb-secure",
  "sb-gooee",
  "mosquitto-persist",
] as const;
export type BrokerId = (typeof BROKER_IDS)[number];

/** The brokers every scenario runs on unless it names its own (bench/scenarios.ts). */
export const STOCK_BROKERS: readonly BrokerId[] = ["sb", "aedes", "mosquitto"];

export type BrokerFamily = "sb" | "aedes" | "mosquitto";

export const BROKER_FAMILY: Readonly<Record<BrokerId, BrokerFamily>> = {
  sb: "sb",
  aedes: "aedes",
  mosquitto: "mosquitto",
  "sb-sqlite": "sb",
  "sb-secure": "sb",
  "sb-gooee": "sb",
  "mosquitto-persist": "mosquitto",
};

/** Names in the tables. */
export const BROKER_LABELS: Readonly<Record<BrokerId, string>> = {
  sb: "Switchboard",
  aedes: "Aedes",
  mosquitto: "Mosquitto",
  "sb-sqlite": "Switchboard SQLite",
  "sb-secure": "Switchboard JWT+ACL",
  "sb-gooee": "Switchboard Gooee",
  "mosquitto-persist": "Mosquitto persist",
};

export interface BrokerCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

export interface BrokerUnderTest {
  readonly id: BrokerId;
  readonly label: string;
  /** One-time work before the first run (e.g. building Switchboard, making a key pair). */
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
  /** Where the broker keeps data on disk inside the run's `tempDir` (its size is reported), if anywhere. */
  dataPath?(tempDir: string): string;
  /** How clients authenticate to this broker (after `prepare`); undefined: they send no credentials. */
  clientAuth?(): ClientAuth;
}

/**
 * The brokers `ids` name, in that order. The Switchboard variants share one build (one `npm run build`
 * and one copy of dist/); `build`: whether that build runs `npm run build` first.
 */
export function createBrokers(ids: readonly BrokerId[], root: string, build = true): BrokerUnderTest[] {
  const switchboard = new SwitchboardBuild(root, build);
  return ids.map((id): BrokerUnderTest => {
    switch (id) {
      case "sb":
      case "sb-sqlite":
      case "sb-secure":
      case "sb-gooee":
        return switchboardVariant(id, BROKER_LABELS[id], switchboard);
      case "aedes":
        return aedes(root);
      case "mosquitto":
      case "mosquitto-persist":
        return mosquitto(id, BROKER_LABELS[id]);
    }
  });
}
