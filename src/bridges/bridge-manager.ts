/**
 * The bridges of one broker, changed at run time: `add`, `update`, `remove`, `status`, `resync`.
 *
 * A configuration is validated first (a {@link ConfigError} naming every problem; nothing changes).
 * Resync rule: a bridge queues a full snapshot when the fingerprint of its configuration (SHA-256 of
 * the validated configuration, secrets included) differs from the one its outbox store holds, that is
 * when it is new, when its configuration changed, or when it changed while Switchboard was stopped; a
 * plain restart sends only what the outbox kept. An update takes the outbox over from the bridge it
 * replaces (in the same turn: no message is missed or taken twice) and applies its new bounds;
 * messages already waiting keep their order and are sent under the new topic template. Removing a
 * bridge deletes its outbox.
 *
 * `stop()` stops every bridge and commits the outbox store; call it before the broker closes the store.
 * @example
 * ```ts
 * const bridges = new BridgeManager({ broker, store: new SqliteOutboxStore(sqliteStore), logger });
 * bridges.add({ id: "cloud", tenants: ["acme"], host: "mqtt.example.com", tls: true, filters: ["plant/#"] });
 * bridges.status("cloud"); // { connected: true, queueDepth: 0, ... }
 * ```
 * @module
 */

import { createHash } from "node:crypto";
import type { Broker } from "../broker/index.js";
import { ConfigError } from "../errors.js";
import type { OutboxStore } from "../hooks/index.js";
import type { Logger } from "../observability/index.js";
import { Bridge } from "./bridge.js";
import type { BridgeTransform } from "./bridge-intake.js";
import { type BridgeConfig, redactBridgeConfig } from "./bridge-config.js";
import type { BridgeStatus } from "./bridge-status.js";
import { retainedSnapshot, type SnapshotSource } from "./snapshot-source.js";
import { compileBridgeValidator, validateBridgeConfig } from "./validate-bridge-config.js";

/** What the manager needs of the broker: its router (for the taps), retained messages and clock. */
export type BridgeHost = Pick<Broker, "router" | "retained" | "now">;

export interface BridgeManagerOptions {
  readonly broker: BridgeHost;
  readonly store: OutboxStore;
  readonly logger: Logger;
  /** The full-resync source; default: the broker's retained messages matching the filters. */
  readonly snapshot?: SnapshotSource;
  /** Rewrites or withholds messages before they enter an outbox (privacy rules). */
  readonly transform?: BridgeTransform;
  /** In [0, 1), for the reconnection jitter; default `Math.random`. */
  readonly random?: () => number;
}

export class BridgeManager {
  readonly #bridges = new Map<string, Bridge>();
  readonly #validator = compileBridgeValidator();
  readonly #store: OutboxStore;
  readonly #logger: Logger;
  readonly #deps: ConstructorParameters<typeof Bridge>[1];
  #stopped = false;

  constructor(options: BridgeManagerOptions) {
    this.#store = options.store;
    this.#logger = options.logger;
    const broker = options.broker;
    this.#deps = {
      router: broker.router,
      store: options.store,
      logger: options.logger,
      snapshot: options.snapshot ?? retainedSnapshot(broker.retained),
      transform: options.transform,
      now: () => broker.now(),
      random: options.random ?? Math.random,
    };
  }

  /** Validates a configuration without applying it; throws a {@link ConfigError}. */
  validate(input: unknown): BridgeConfig {
    return validateBridgeConfig(this.#validator, input);
  }

  /** Adds and starts a bridge; throws a {@link ConfigError} when the input is invalid or the id taken. */
  add(input: unknown): BridgeStatus {
    this.#assertRunning();
    const config = this.validate(input);
    if (this.#bridges.has(config.id))
      throw new ConfigError(`Cannot add bridge "${config.id}": a bridge with this id exists`);
    return this.#start(new Bridge(config, this.#deps)).status();
  }

  /**
   * Replaces a bridge's configuration; throws a {@link ConfigError} when the input is invalid or no
   * bridge has its id. An identical configuration changes nothing.
   */
  async update(input: unknown): Promise<BridgeStatus> {
    this.#assertRunning();
    const config = this.validate(input);
    const current = this.#bridges.get(config.id);
    if (current === undefined)
      throw new ConfigError(`Cannot update bridge "${config.id}": there is no bridge with this id`);
    if (fingerprint(config) === fingerprint(current.config)) return current.status();
    const stopping = current.stop(); // the tap is closed at once; the client closes in the background
    const replacement = this.#start(new Bridge(config, this.#deps, current.outbox));
    await stopping;
    return replacement.status();
  }

  /** Stops a bridge and deletes its outbox; false when there is no such bridge. */
  async remove(id: string): Promise<boolean> {
    const bridge = this.#bridges.get(id);
    if (bridge === undefined) return false;
    this.#bridges.delete(id);
    await bridge.stop();
    this.#store.deleteBridge(id);
    this.#logger.info({ bridge: id, dropped: bridge.status().queueDepth }, "Bridge removed with its outbox");
    return true;
  }

  /** Queues a full snapshot for a bridge now; the number of messages, undefined when there is no such bridge or the source failed. */
  resync(id: string): number | undefined {
    return this.#bridges.get(id)?.resync();
  }

  has(id: string): boolean {
    return this.#bridges.has(id);
  }

  /** A bridge's configuration without its secrets. */
  config(id: string): BridgeConfig | undefined {
    const bridge = this.#bridges.get(id);
    return bridge === undefined ? undefined : redactBridgeConfig(bridge.config);
  }

  status(id: string): BridgeStatus | undefined {
    return this.#bridges.get(id)?.status();
  }

  list(): BridgeStatus[] {
    return [...this.#bridges.values()].map((bridge) => bridge.status());
  }

  /**
   * Deletes the outboxes the store holds for bridges that are not running (bridges removed while
   * Switchboard was stopped), except those of `keep` (bridges that exist but could not start); call
   * once every configured bridge was added. Returns their ids.
   */
  prune(keep: Iterable<string> = []): string[] {
    const kept = new Set(keep);
    const orphans = this.#store.bridgeIds().filter((id) => !this.#bridges.has(id) && !kept.has(id));
    for (const id of orphans) {
      const left = this.#store.load(id).entries.length;
      this.#store.deleteBridge(id);
      this.#logger.warn(
        { bridge: id, dropped: left },
        "Deleted the outbox of a bridge that no longer exists",
      );
    }
    return orphans;
  }

  /** Stops every bridge (their outboxes stay) and commits the outbox store. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all([...this.#bridges.values()].map((bridge) => bridge.stop()));
    this.#bridges.clear();
    await this.#store.commit();
  }

  #start(bridge: Bridge): Bridge {
    const id = bridge.config.id;
    const hash = fingerprint(bridge.config);
    const resync = bridge.outbox.configHash !== hash;
    this.#bridges.set(id, bridge);
    // a failed resync leaves the fingerprint as it was: the next start resyncs again
    if (bridge.start(resync) && resync) bridge.outbox.setConfigHash(hash);
    return bridge;
  }

  #assertRunning(): void {
    if (this.#stopped) throw new ConfigError("Cannot change bridges: the bridge manager was stopped");
  }
}

/** SHA-256 of the configuration as canonical JSON (keys sorted). */
function fingerprint(config: BridgeConfig): string {
  return createHash("sha256").update(canonicalJson(config)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
