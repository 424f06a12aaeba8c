/**
 * One outbound bridge: takes the broker's messages matching its filters ({@link BridgeIntake}), writes
 * each into its durable {@link Outbox} before anything else happens to it, and sends the outbox, in
 * order, to the remote broker over an MQTT.js client, removing each message once the remote broker
 * acknowledged it (QoS 1/2) or once it was written (QoS 0).
 *
 * Connection. One MQTT.js client per attempt, with MQTT.js's own reconnection off. A lost or failed
 * connection puts the messages in flight back at the head of the outbox and schedules the next attempt
 * after {@link reconnectDelay} (doubling, capped, jittered); the delay starts again only once a
 * connection proved healthy (an acknowledgement, or {@link HEALTHY_AFTER} up), not at every CONNACK.
 * Callbacks of a client that is no longer current are ignored (each attempt has a generation number).
 * Every failure is kept as `lastError` (with a stable code) and logged, a repeated one at debug level.
 *
 * Flow. At most `maxInflight` messages are in flight and, at QoS 1 and 2, at most the remote's Receive
 * Maximum [MQTT-3.3.4-7]; a message larger than its Maximum Packet Size is never sent [MQTT-3.2.2-15]
 * but given up (`failed`). A refusal (v5 PUBACK/PUBREC reason code >= 0x80) that says "not now" (0x97;
 * 0x80, 0x83, 0x91 a few times: `refusalAttempts`) pauses sending and keeps the message; any other
 * gives it up (`refused` and `failed`, logged with its topic, removed): it cannot block the messages
 * behind it. A send that fails without a reason code fails with its connection: the message goes back
 * to the outbox with the others in flight, and is neither refused nor failed.
 * @module
 */

import { connect, type MqttClient } from "mqtt";
import type { OutboxStore } from "../hooks/index.js";
import type { Logger } from "../observability/index.js";
import type { BridgeConfig } from "./bridge-config.js";
import type { BridgeError, BridgeState, BridgeStatus } from "./bridge-status.js";
import { bridgeErrorCode, hexReasonCode } from "./bridge-error-code.js";
import { BridgeIntake, type BridgeTransform } from "./bridge-intake.js";
import type { TapRouter } from "./broker-tap.js";
import { clientOptions } from "./client-options.js";
import { endClient } from "./end-client.js";
import { internalFilters } from "./internal-filters.js";
import { logReduction } from "./log-reduction.js";
import { outgoingPublishSize } from "./outgoing-publish-size.js";
import { Outbox, type OutboxItem } from "./outbox.js";
import { publishOptions } from "./publish-options.js";
import { reconnectDelay } from "./reconnect-delay.js";
import { refusalAttempts } from "./refusal-attempts.js";
import { remoteLimits, type RemoteLimits } from "./remote-limits.js";
import type { SnapshotSource } from "./snapshot-source.js";
import { compileTemplate, renderTopic, splitInternalTopic, type CompiledTemplate } from "./topic-template.js";

export interface BridgeDeps {
  readonly router: TapRouter;
  readonly store: OutboxStore;
  readonly logger: Logger;
  readonly snapshot: SnapshotSource;
  readonly transform: BridgeTransform | undefined;
  readonly now: () => number;
  readonly random: () => number;
}

/** Age limit checks run this often at most (and at least every quarter of `outbox.maxAge`). */
const MAINTENANCE_INTERVAL = 60_000;

/** A connection up this long (milliseconds) without an acknowledgement is healthy all the same. */
const HEALTHY_AFTER = 10_000;

export class Bridge {
  readonly config: BridgeConfig;
  readonly #deps: BridgeDeps;
  readonly #log: Logger;
  readonly #outbox: Outbox;
  readonly #intake: BridgeIntake;
  readonly #template: CompiledTemplate;
  #client: MqttClient | undefined;
  #generation = 0;
  #state: BridgeState = "stopped";
  #attempt = 0;
  #attemptFailed = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  /** Set from a CONNACK until the connection proved healthy (then the backoff restarts). */
  #healthyTimer: NodeJS.Timeout | undefined;
  #maintenanceTimer: NodeJS.Timeout | undefined;
  #pumpScheduled = false;
  #inflight = 0;
  /** The current connection's limits (CONNACK). */
  #limits: RemoteLimits = { inflight: 0, maxPacketSize: Infinity };
  /** Set while sending pauses after a refusal for now (e.g. 0x97 Quota exceeded). */
  #pauseTimer: NodeJS.Timeout | undefined;
  /** Refusals for now since the last acknowledgement: the pause's backoff step. */
  #pauseStep = 0;
  /** Sends refused for now, per outbox seq, of the messages refused for now and still kept. */
  readonly #refusals = new Map<number, number>();
  #lastError: BridgeError | undefined;
  #lastConnectedAt: number | undefined;
  #published = 0;
  #failed = 0;
  #refused = 0;

  /**
   * Creates the bridge on its outbox: loaded from the store, or `outbox` when a changed configuration
   * takes over the outbox of the bridge it replaces. Nothing happens until `start()`.
   */
  constructor(config: BridgeConfig, deps: BridgeDeps, outbox?: Outbox) {
    this.config = config;
    this.#deps = deps;
    this.#log = deps.logger.child({ bridge: config.id });
    this.#template = compileTemplate(config.topicTemplate);
    const limits = { ...config.outbox, maxAge: config.outbox.maxAge * 1000 };
    if (outbox === undefined) {
      this.#outbox = new Outbox({
        bridgeId: config.id,
        store: deps.store,
        limits,
        now: deps.now,
        onReduced: (reduction) => logReduction(this.#log, reduction, this.#outbox),
      });
    } else {
      this.#outbox = outbox;
      outbox.setLimits(limits);
    }
    this.#intake = new BridgeIntake({
      config,
      filters: internalFilters(config.tenants, config.filters),
      outbox: this.#outbox,
      router: deps.router,
      snapshot: deps.snapshot,
      transform: deps.transform,
      log: this.#log,
      now: deps.now,
      queued: () => this.#schedulePump(),
      failed: (error) => (this.#lastError = error),
    });
  }

  /** The outbox, to hand over to a bridge with a changed configuration. */
  get outbox(): Outbox {
    return this.#outbox;
  }

  /**
   * Starts taking messages and connecting. With `resync`, a full snapshot is queued first, in the same
   * turn as the tap starts (see snapshot-source.ts); returns false when that resync failed.
   */
  start(resync: boolean): boolean {
    if (this.#state !== "stopped") return true;
    this.#state = "connecting";
    if (this.config.tls && this.config.insecureSkipVerify)
      this.#log.warn("Bridge TLS certificate verification is OFF (insecureSkipVerify)");
    this.#intake.open();
    const synced = !resync || this.resync() !== undefined;
    const interval = Math.max(1000, Math.min(MAINTENANCE_INTERVAL, (this.config.outbox.maxAge * 1000) / 4));
    this.#maintenanceTimer = setInterval(() => this.#outbox.maintain(), interval);
    this.#maintenanceTimer.unref();
    this.#log.info(
      { host: this.config.host, port: this.config.port, tls: this.config.tls, queued: this.#outbox.size },
      "Bridge started",
    );
    this.#connect();
    return synced;
  }

  /**
   * Stops taking messages and closes the connection; messages in flight go back to the outbox, which
   * stays in the store. Resolves once the client is closed.
   */
  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    this.#intake.close();
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    if (this.#maintenanceTimer !== undefined) clearInterval(this.#maintenanceTimer);
    this.#reconnectTimer = this.#maintenanceTimer = undefined;
    this.#resume();
    this.#healthy(false);
    this.#generation++;
    this.#outbox.release();
    this.#inflight = 0;
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) await endClient(client);
    this.#log.info({ queued: this.#outbox.size }, "Bridge stopped");
  }

  /**
   * Queues a full snapshot from the snapshot source; returns the number of messages queued, or
   * undefined when the source failed (logged and kept as `lastError`; what it gave before is queued).
   */
  resync(): number | undefined {
    return this.#intake.resync();
  }

  status(): BridgeStatus {
    const outbox = this.#outbox;
    return {
      id: this.config.id,
      state: this.#state,
      connected: this.#state === "connected",
      queueDepth: outbox.size,
      queueBytes: outbox.bytes,
      inflight: outbox.inflight,
      lastError: this.#lastError,
      lastConnectedAt: this.#lastConnectedAt,
      published: this.#published,
      failed: this.#failed,
      refused: this.#refused,
      coalesced: outbox.coalesced,
      dropped: outbox.dropped,
      expired: outbox.expired + this.#intake.expired,
      filtered: this.#intake.filtered,
      hopLimited: this.#intake.hopLimited,
      resyncs: this.#intake.resyncs,
      lastResyncAt: this.#intake.lastResyncAt,
    };
  }

  // ---- the connection ----

  #connect(): void {
    this.#reconnectTimer = undefined;
    if (this.#state === "stopped") return;
    const generation = ++this.#generation;
    this.#state = "connecting";
    this.#attemptFailed = false;
    let client: MqttClient;
    try {
      client = connect(clientOptions(this.config));
    } catch (error) {
      this.#recordError(error);
      this.#retry();
      return;
    }
    this.#client = client;
    client.on("connect", (connack) => {
      if (generation !== this.#generation) return;
      this.#state = "connected";
      this.#lastConnectedAt = this.#deps.now();
      this.#limits = remoteLimits(connack, this.config);
      // a CONNACK alone does not restart the backoff: a remote that closes every connection soon after
      // it (a message it cannot take at the head of the outbox) would be reconnected to at once for ever
      this.#healthyTimer = setTimeout(() => this.#healthy(true), HEALTHY_AFTER);
      this.#healthyTimer.unref();
      this.#log.info(
        { queued: this.#outbox.size, receiveMaximum: connack.properties?.receiveMaximum, ...this.#limits },
        "Bridge connected",
      );
      this.#pump();
    });
    client.on("error", (error) => {
      if (generation === this.#generation) this.#recordError(error);
    });
    client.on("disconnect", (packet) => {
      if (generation !== this.#generation) return;
      const code = packet.reasonCode ?? 0;
      this.#recordError(
        Object.assign(new Error(`Disconnected by the remote broker (reason code 0x${hexReasonCode(code)})`), {
          code,
        }),
      );
    });
    client.on("close", () => {
      if (generation === this.#generation) this.#closed(client);
    });
  }

  #closed(client: MqttClient): void {
    const wasConnected = this.#state === "connected";
    this.#generation++;
    this.#client = undefined;
    client.removeAllListeners();
    client.on("error", () => undefined);
    client.end(true);
    this.#outbox.release();
    this.#inflight = 0;
    this.#resume();
    this.#healthy(false);
    if (!this.#attemptFailed) {
      this.#recordError(
        Object.assign(
          new Error(wasConnected ? "Connection closed" : "Connection closed before CONNACK (timeout?)"),
          { code: wasConnected ? "CONNECTION_CLOSED" : "CONNECT_TIMEOUT" },
        ),
      );
    }
    if (wasConnected) this.#log.warn({ queued: this.#outbox.size }, "Bridge disconnected");
    this.#retry();
  }

  /**
   * The connection proved healthy (`true`: a message was acknowledged, or it stayed up for
   * {@link HEALTHY_AFTER}): the next reconnection starts the backoff again. `false`: it closed first.
   */
  #healthy(proved: boolean): void {
    if (this.#healthyTimer === undefined) return;
    clearTimeout(this.#healthyTimer);
    this.#healthyTimer = undefined;
    if (proved) this.#attempt = 0;
  }

  #retry(): void {
    if (this.#state === "stopped") return;
    this.#state = "waiting";
    const delay = reconnectDelay(this.#attempt++, this.config.reconnect, this.#deps.random);
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
    this.#reconnectTimer.unref();
  }

  #recordError(error: unknown): void {
    this.#attemptFailed = true;
    const message = error instanceof Error ? error.message : String(error);
    const code = bridgeErrorCode(error);
    const repeated = this.#lastError?.message === message;
    this.#lastError = { message, code, at: this.#deps.now() };
    const fields = { err: message, code, host: this.config.host, port: this.config.port };
    if (repeated) this.#log.debug(fields, "Bridge connection failed again");
    else this.#log.warn(fields, "Bridge connection failed");
  }

  // ---- sending ----

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#state !== "connected") return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    const client = this.#client;
    if (client === undefined || this.#state !== "connected" || this.#pauseTimer !== undefined) return;
    const generation = this.#generation;
    while (this.#inflight < this.#limits.inflight) {
      const item = this.#outbox.next();
      if (item === undefined) return;
      const entry = item.entry;
      const { tenant, topic } = splitInternalTopic(entry.topic);
      const remoteTopic = renderTopic(this.#template, tenant, topic);
      const payload = Buffer.from(entry.payload.buffer, entry.payload.byteOffset, entry.payload.byteLength);
      const options = publishOptions(entry, this.config, this.#deps.now());
      const size = outgoingPublishSize(remoteTopic, payload, options, this.config.protocolVersion);
      if (size > this.#limits.maxPacketSize) {
        this.#tooLarge(item, remoteTopic, size);
        continue;
      }
      this.#inflight++;
      client.publish(remoteTopic, payload, options, (error) =>
        this.#settled({ client, generation, item, remoteTopic }, error),
      );
    }
  }

  #settled(send: Send, error: Error | null | undefined): void {
    // a client that is no longer current: its messages were put back and are sent again
    if (send.generation !== this.#generation) return;
    const reasonCode = (error as { code?: unknown } | null | undefined)?.code;
    if (error !== undefined && error !== null && typeof reasonCode !== "number") {
      // No reason code from the remote: MQTT.js failed the send itself, which it does when the
      // connection fails (a keepalive timeout fails every send in flight before the socket closes).
      // The message stays in flight until the close puts it back; a connection that does not close
      // by itself is closed here, on the next turn (not inside MQTT.js's loop over its callbacks).
      setImmediate(() => {
        if (send.generation === this.#generation) this.#closed(send.client);
      });
      return;
    }
    this.#inflight--;
    if (error === undefined || error === null) {
      this.#outbox.settle(send.item);
      this.#refusals.delete(send.item.entry.seq);
      this.#published++;
      this.#pauseStep = 0;
      this.#healthy(true);
    } else this.#refusedBy(send, error, reasonCode as number);
    this.#schedulePump();
  }

  /**
   * A PUBACK/PUBREC with a reason code >= 0x80: sent again after a pause when the code says "not now"
   * and the message has attempts left (`refusalAttempts`), else given up. [MQTT-3.3.4-7]: a refused
   * message no longer counts against the Receive Maximum, so the window is free for the others.
   */
  #refusedBy(send: Send, error: Error, reasonCode: number): void {
    const seq = send.item.entry.seq;
    const attempts = (this.#refusals.get(seq) ?? 0) + 1;
    this.#lastError = { message: error.message, code: bridgeErrorCode(error), at: this.#deps.now() };
    const fields = { topic: send.remoteTopic, err: error.message, code: this.#lastError.code, attempts };
    if (attempts < refusalAttempts(reasonCode)) {
      this.#refusals.set(seq, attempts);
      this.#outbox.retry(send.item);
      const delay = this.#pause();
      this.#log.warn({ ...fields, delay }, "Bridge message refused for now by the remote broker: sent again");
      return;
    }
    this.#refusals.delete(seq);
    this.#failed++;
    this.#refused++;
    this.#outbox.settle(send.item);
    this.#log.warn(
      { ...fields, refused: this.#refused },
      "Bridge message refused by the remote broker: removed from the outbox",
    );
  }

  /**
   * A message larger than the remote's Maximum Packet Size: never sent [MQTT-3.2.2-15] (the remote
   * would close the connection with 0x95, and the message would head the outbox again on every
   * reconnection), so given up: removed, counted as failed, logged.
   */
  #tooLarge(item: OutboxItem, remoteTopic: string, size: number): void {
    const maximum = this.#limits.maxPacketSize;
    this.#outbox.settle(item);
    this.#failed++;
    const message = `Message of ${size} bytes is larger than the remote's Maximum Packet Size ${maximum}`;
    this.#lastError = { message, code: "PACKET_TOO_LARGE", at: this.#deps.now() };
    this.#log.error(
      { topic: remoteTopic, size, maximumPacketSize: maximum, failed: this.#failed },
      "Bridge message larger than the remote broker's Maximum Packet Size: removed from the outbox",
    );
  }

  /** Pauses sending (the connection stays) with the reconnection backoff; returns the delay. */
  #pause(): number {
    if (this.#pauseTimer !== undefined) return 0;
    const delay = reconnectDelay(this.#pauseStep++, this.config.reconnect, this.#deps.random);
    this.#pauseTimer = setTimeout(() => {
      this.#pauseTimer = undefined;
      this.#pump();
    }, delay);
    this.#pauseTimer.unref();
    return delay;
  }

  #resume(): void {
    if (this.#pauseTimer !== undefined) clearTimeout(this.#pauseTimer);
    this.#pauseTimer = undefined;
  }
}

/** A message handed to a client, for its callback. */
interface Send {
  readonly client: MqttClient;
  readonly generation: number;
  readonly item: OutboxItem;
  readonly remoteTopic: string;
}
