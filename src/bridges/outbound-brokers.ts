/**
 * The registry's outbound brokers (`brokers` entities), run as bridges: one {@link BridgeManager}
 * kept in step with the registry, with each broker's privacy rules ({@link BridgePrivacy}) as the
 * manager's transform, and each bridge's status as `$SYS` topics ({@link BridgeSysTopics}).
 *
 * `start()` adds a bridge per stored broker (a broker that cannot start, e.g. because a rule of a newer
 * version refuses its configuration, is logged and shown `stopped` with the reason as `lastError`; the
 * others start), deletes the outboxes of brokers that no longer exist, and follows the registry from
 * then on: a broker created starts; one changed is updated (a new bridge configuration: the bridge
 * restarts on its outbox and resyncs, see BridgeManager; new privacy rules or secret only: the rules
 * apply from the next message, and a full resync sends the current state under them); one deleted
 * stops and its outbox is deleted. Changes that stop a bridge finish asynchronously: `settled()`
 * resolves once every change so far is done (the admin API waits for it before answering).
 *
 * Privacy rules apply to what enters the outbox from the moment they are set: messages already waiting
 * (a broker that was down when the rules changed) leave as they were taken.
 * @module
 */

import type { Broker } from "../broker/index.js";
import { ConfigError } from "../errors.js";
import type { OutboxStore } from "../hooks/index.js";
import type { Logger } from "../observability/index.js";
import type { PrivacyCountersSnapshot } from "../platform/privacy/index.js";
import type { OutboundBroker, Registry, RegistryChange } from "../platform/registry/index.js";
import { BridgeManager } from "./bridge-manager.js";
import { BridgePrivacy, type TenantOutputRules } from "./bridge-privacy.js";
import type { BridgeError, BridgeStatus } from "./bridge-status.js";
import { BridgeSysTopics } from "./bridge-sys-topics.js";
import { bridgeInputOf } from "./broker-entity.js";
import type { SnapshotSource } from "./snapshot-source.js";

export interface OutboundBrokersOptions {
  /** The broker: its router, retained messages and clock for the bridges, `sys.interval` for `$SYS`. */
  readonly broker: Pick<Broker, "router" | "retained" | "now" | "publishLocal" | "nextMessageId" | "config">;
  readonly registry: Pick<Registry, "list" | "onChange">;
  readonly store: OutboxStore;
  readonly logger: Logger;
  /** The tenants' own privacy rule sets, applied before each broker's (docs/privacy.md). */
  readonly tenantRules?: TenantOutputRules;
  /** The full-resync source; default: the broker's retained messages matching each bridge's filters. */
  readonly snapshot?: SnapshotSource;
  /** In [0, 1), for the reconnection jitter; default `Math.random`. */
  readonly random?: () => number;
}

/** A bridge's status and what its privacy rules did (undefined without rules). */
export interface OutboundBrokerStatus extends BridgeStatus {
  readonly privacy: PrivacyCountersSnapshot | undefined;
}

export class OutboundBrokers {
  /** The bridges; change them through the registry, not here (the registry would not know). */
  readonly manager: BridgeManager;
  readonly #registry: OutboundBrokersOptions["registry"];
  readonly #logger: Logger;
  readonly #privacy = new BridgePrivacy();
  readonly #sys: BridgeSysTopics;
  /** Why a broker's bridge is not running, for brokers that could not start. */
  readonly #failures = new Map<string, BridgeError>();
  readonly #pending = new Set<Promise<void>>();
  readonly #now: () => number;
  #unsubscribe: (() => void) | undefined;

  constructor(options: OutboundBrokersOptions) {
    this.#registry = options.registry;
    this.#logger = options.logger;
    const broker = options.broker;
    this.#now = () => broker.now();
    this.#privacy.useTenantRules(options.tenantRules);
    this.manager = new BridgeManager({
      broker,
      store: options.store,
      logger: options.logger,
      transform: this.#privacy.transform,
      ...(options.snapshot === undefined ? {} : { snapshot: options.snapshot }),
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    this.#sys = new BridgeSysTopics({
      broker,
      interval: broker.config.sys.interval,
      statuses: () => this.manager.list(),
    });
  }

  /** Starts a bridge per stored broker, prunes the outboxes of deleted ones, follows the registry. */
  start(): void {
    if (this.#unsubscribe !== undefined) return;
    for (const broker of this.#registry.list("brokers").items) this.#add(broker);
    this.manager.prune(this.#failures.keys());
    this.#unsubscribe = this.#registry.onChange((change) => this.#changed(change));
    this.#sys.start();
  }

  /** The status of a broker's bridge; undefined when there is no such broker. */
  status(id: string): OutboundBrokerStatus | undefined {
    const privacy = this.#privacy.counters(id);
    const status = this.manager.status(id);
    if (status !== undefined) return { ...status, privacy };
    const failure = this.#failures.get(id);
    return failure === undefined ? undefined : { ...notRunning(id, failure), privacy };
  }

  /** What each broker's privacy rules did (brokers with rules only). */
  privacyCounters(): { readonly bridge: string; readonly counters: PrivacyCountersSnapshot }[] {
    return this.#privacy.allCounters();
  }

  /** Queues a full resync of a broker's bridge: see {@link BridgeManager.resync}. */
  resync(id: string): number | undefined {
    return this.manager.resync(id);
  }

  /** Whether a bridge of this id runs (also one added to the manager directly, outside the registry). */
  has(id: string): boolean {
    return this.manager.has(id);
  }

  /** Resolves once every change of the registry so far has been applied to the bridges. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** Stops following the registry and stops every bridge (their outboxes stay); before the store closes. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#sys.stop();
    await this.settled();
    await this.manager.stop();
  }

  #changed(change: RegistryChange): void {
    if (change.kind !== "brokers") return;
    switch (change.op) {
      case "create":
        this.#add(change.after!);
        return;
      case "update":
        this.#track(change.after!.id, this.#update(change.before!, change.after!));
        return;
      case "delete": {
        const id = change.before!.id;
        this.#privacy.delete(id);
        this.#failures.delete(id);
        this.#track(
          id,
          this.manager.remove(id).then(() => undefined),
        );
        return;
      }
    }
  }

  /** Attaches the broker's privacy rules and starts its bridge; a failure is logged and kept. */
  #add(broker: OutboundBroker): void {
    const id = broker.id;
    const issues = this.#privacy.set(id, broker.privacy, broker.secret);
    if (issues !== undefined) {
      this.#privacy.delete(id);
      this.#failed(id, `Invalid privacy rules: ${issues.map((i) => i.message).join("; ")}`);
      return;
    }
    try {
      this.manager.add(bridgeInputOf(broker));
      this.#failures.delete(id);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.#privacy.delete(id);
      this.#failed(id, error.message);
    }
  }

  async #update(before: OutboundBroker, after: OutboundBroker): Promise<void> {
    const id = after.id;
    if (!this.manager.has(id)) {
      this.#add(after); // it could not start before
      return;
    }
    const privacyChanged =
      JSON.stringify(before.privacy) !== JSON.stringify(after.privacy) || before.secret !== after.secret;
    // synchronously, before the bridge changes: a resync of the new bridge goes through the new rules
    if (privacyChanged) {
      const issues = this.#privacy.set(id, after.privacy, after.secret);
      if (issues !== undefined)
        this.#logger.error(
          { bridge: id, issues: issues.map((i) => i.message) },
          "Invalid privacy rules: the bridge withholds every message",
        );
    }
    if (this.#configChanged(before, after)) await this.manager.update(bridgeInputOf(after));
    else if (privacyChanged) this.manager.resync(id);
  }

  /** Whether the bridge configurations differ once completed with their defaults. */
  #configChanged(before: OutboundBroker, after: OutboundBroker): boolean {
    try {
      const old = this.manager.validate(bridgeInputOf(before));
      return JSON.stringify(old) !== JSON.stringify(this.manager.validate(bridgeInputOf(after)));
    } catch {
      return true;
    }
  }

  #track(id: string, work: Promise<void>): void {
    const tracked = work
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.#failed(id, message);
      })
      .finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  #failed(id: string, message: string): void {
    this.#failures.set(id, { message, code: "SB_ERR_CONFIG_INVALID", at: this.#now() });
    this.#logger.error({ bridge: id, err: message }, "Outbound broker not started");
  }
}

function notRunning(id: string, failure: BridgeError): BridgeStatus {
  return {
    id,
    state: "stopped",
    connected: false,
    queueDepth: 0,
    queueBytes: 0,
    inflight: 0,
    lastError: failure,
    lastConnectedAt: undefined,
    published: 0,
    failed: 0,
    refused: 0,
    coalesced: 0,
    dropped: 0,
    expired: 0,
    filtered: 0,
    hopLimited: 0,
    resyncs: 0,
    lastResyncAt: undefined,
  };
}
