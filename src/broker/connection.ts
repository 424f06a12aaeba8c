/**
 * One client connection: bytes in through the frame reader, packets dispatched in order to the
 * handlers, packets out through a per-turn batch. It is the `SessionLink` of its session while
 * connected.
 *
 * Ordering: packets are handled strictly in arrival order. A handler that has to wait (an asynchronous
 * authenticator or authorizer) returns a promise; reading pauses until it settles, so a client's
 * PUBLISH packets are never reordered [MQTT-4.6.0-5].
 *
 * Back-pressure: while the connection's unsent output (its batch and what its transport buffers) is
 * at or above `mqtt.writeHighWaterMark`, its input is held too: a client that sends requests without
 * reading the answers (PINGREQ, QoS 1 PUBLISH: each one costs a PINGRESP or a PUBACK) would otherwise
 * make the broker buffer those answers without bound. Input is handled again once the output drains.
 * @module
 */

import {
  FrameReader,
  encodePacket,
  encodeWithin,
  PacketType,
  type ProtocolVersion,
  type Packet,
  type Will,
  ProtocolError,
  ProtocolErrorCode,
  ReasonCode,
  reasonCodeName,
  packetTypeName,
  type TopicFields,
} from "../protocol/index.js";
import type { ClientIdentity } from "../hooks/index.js";
import {
  type ConnectionParameters,
  type Deadline,
  type Delivery,
  encodePublishFrame,
  type InflightDelivery,
  type Session,
  type DropReason,
  type SessionLink,
  OutboundTopicAliases,
  type InboundTopicAliases,
  writeSinglePublish,
} from "../session/index.js";
import type { Transport, TransportSink } from "../transport/index.js";
import { clientTopicOf } from "../tenancy/index.js";
import type { Broker } from "./broker.js";
import type { ClientAccess } from "./client-access.js";
import { ConnectionLogger } from "./connection-logger.js";
import { dispatchPacket } from "./dispatch-packet.js";
import { OutboundBatch } from "./outbound-batch.js";
import type { TimedTask } from "./scheduler.js";

export type ConnectionState = "awaiting-connect" | "connecting" | "connected" | "closing" | "closed";

/** Where a connection came in. */
export interface ListenerInfo {
  readonly name: string;
  readonly loopback: boolean;
  /**
   * The named endpoint of the listener the client came through, when not its plain MQTT path (the
   * PlaceOS API's `/api/mqtt` WebSocket path is `placeos-api`); authenticators see it on the attempt.
   */
  readonly endpoint?: string;
}

const NO_ALIASES = new OutboundTopicAliases(0);

/**
 * A batch this large is written without waiting for the end of the turn: a burst then reaches the
 * socket (and the kernel buffer) instead of piling up in memory, and a reading subscriber is not
 * mistaken for a slow one. Not with a write-ahead store (see broker.ts): there every frame waits for the
 * turn's commit, and the batch is bounded by `writeHighWaterMark` through `writable`.
 */
const EARLY_FLUSH_BYTES = 64 * 1024;
/**
 * Inbound bytes a connection keeps unread while its handling waits, before it asks its transport to
 * pause: a socket read or two.
 */
const READ_AHEAD_BYTES = 128 * 1024;

// Why a connection's input is held, as bits of `Connection.#held`: each reason ends on its own, and
// input goes on only once none is left (the answer to an authentication must not resume a client whose
// output is still backed up, nor the other way round).
/** A handler's promise has not settled yet (an authentication, an asynchronous authorizer). */
const HELD_BY_HANDLING = 1;
/** Unsent output is at or above the write high-water mark. */
const HELD_BY_OUTPUT = 2;
/** The smallest encoded acknowledgement (PUBACK, PUBREC, PUBCOMP, UNSUBACK: 4 bytes; SUBACK: 5). */
const ACK_BYTES = 4;

export class Connection implements TransportSink, SessionLink, TimedTask {
  readonly broker: Broker;
  readonly transport: Transport;
  readonly listener: ListenerInfo;
  readonly reader: FrameReader;
  state: ConnectionState = "awaiting-connect";
  version: ProtocolVersion = 4;
  params: ConnectionParameters | undefined;
  session: Session | undefined;
  identity: ClientIdentity | undefined;
  /** Limits and tenant mount of this connection (set at accept by the access guard, access-guard.ts). */
  access: ClientAccess | undefined;
  /** Its remote address, listener and client id on every line; a child logger only once one is written. */
  readonly log: ConnectionLogger;
  /** The Will Message while connected; cleared by a normal DISCONNECT [MQTT-3.1.2-10]. */
  will: Will | undefined;
  /**
   * Set when the will was stored at CONNECT (a session that outlives its connection: a crash must not
   * lose it); the end of the connection then either stores it again (delayed) or deletes it.
   */
  willStored = false;
  inboundAliases: InboundTopicAliases | undefined;
  outboundAliases: OutboundTopicAliases = NO_ALIASES;
  /**
   * The topic name of the last PUBLISH found valid: the same string again (the frame reader gives a
   * repeated topic back as the same string) need not be checked again.
   */
  validTopic: string | undefined = undefined;
  /** Inbound QoS 1 acknowledgements waiting for a store commit (counted against our Receive Maximum). */
  pendingAcks = 0;
  /**
   * Write-ahead: acknowledgements of any kind held for a store commit (write-ahead.ts). Not encoded
   * yet, they count as {@link ACK_BYTES} each toward the unsent output: a client that does not read
   * gets no more of them than of any other answer.
   */
  heldAcks = 0;
  lastPacketAt: number;
  /**
   * The broker's clock for the packets being handled: read when their chunk arrived (and again when
   * handling resumes after a pause), not per packet. The packets of one chunk are handled within about
   * a millisecond, and a clock read cost ~90 ns here, twice per PUBLISH before.
   */
  packetTime: number;
  /** The keep-alive or connect-timeout deadline. */
  deadline: Deadline<TimedTask> | undefined;
  /** Set while the broker's flush list holds this connection. */
  dirty = false;
  /** Called once the transport has closed (used by Broker.close). */
  onClosed: (() => void) | undefined;

  #batch = new OutboundBatch();
  /** Write-ahead: bytes of batches handed to the broker and not yet written (see `takeBatch`). */
  #takenBytes = 0;
  /** `mqtt.writeHighWaterMark`: read for every delivery (see {@link writable}). */
  readonly #highWaterMark: number;
  /** A batch this large is written at once ({@link EARLY_FLUSH_BYTES}, or the high-water mark if lower). */
  readonly #earlyFlushBytes: number;
  /** Why input is held ({@link HELD_BY_HANDLING}, {@link HELD_BY_OUTPUT}); 0 while it is handled. */
  #held = 0;
  /** Write-ahead: the DISCONNECT sent while the frames before it wait for a commit (see storageFailed). */
  #farewell: Packet | undefined;
  /** Set while the transport is asked to hold its input back (see {@link #stopInput}). */
  #inputStopped = false;
  #writable = true;

  constructor(broker: Broker, transport: Transport, listener: ListenerInfo) {
    this.broker = broker;
    this.transport = transport;
    this.listener = listener;
    this.reader = new FrameReader({
      maximumPacketSize: broker.config.mqtt.maxPacketSize,
      maximumUserProperties: broker.config.mqtt.maxUserProperties,
    });
    this.lastPacketAt = broker.now();
    this.packetTime = this.lastPacketAt;
    this.log = new ConnectionLogger(broker.logger, this);
    this.#highWaterMark = broker.config.mqtt.writeHighWaterMark;
    this.#earlyFlushBytes = Math.min(EARLY_FLUSH_BYTES, this.#highWaterMark);
  }

  get clientId(): string | undefined {
    return this.params?.clientId;
  }

  get isOpen(): boolean {
    return this.state !== "closing" && this.state !== "closed";
  }

  // ---- TransportSink ----

  data(chunk: Uint8Array): void {
    if (!this.isOpen) return;
    this.broker.metrics.bytesReceived += chunk.byteLength;
    this.packetTime = this.broker.now();
    this.reader.push(chunk);
    if (this.#held === 0) this.#process();
    else if (!this.#inputStopped && this.reader.bufferedBytes > READ_AHEAD_BYTES) this.#stopInput();
  }

  drain(): void {
    // input first: the acknowledgements it holds free the in-flight window for what the session queued
    if ((this.#held & HELD_BY_OUTPUT) !== 0) this.#outputDrained();
    if (!this.isOpen || this.#writable) return;
    this.#writable = true;
    this.session?.drain(this.broker.now());
  }

  closed(error: Error | undefined): void {
    if (this.state === "closed") return;
    this.state = "closed";
    if (error !== undefined) this.log.debug({ err: error.message }, "Connection error");
    this.broker.connectionClosed(this);
    this.onClosed?.();
  }

  // ---- SessionLink ----

  get writable(): boolean {
    return (
      this.#writable &&
      this.#batch.bytes + this.#takenBytes + this.transport.bufferedBytes < this.#highWaterMark
    );
  }

  sendPublish(delivery: Delivery, packetId: number, dup: boolean, now: number): DropReason | undefined {
    let message = delivery.message;
    const privacy = this.broker.privacy; // undefined unless a tenant has privacy rules (docs/privacy.md)
    // QoS 1/2 deliveries are the session's in-flight entries: a resend is the PUBLISH first sent
    // [MQTT-3.3.1-1], as the privacy rules then showed it, whatever they say by now
    const inflight = packetId === 0 ? undefined : (delivery as InflightDelivery);
    if (dup && inflight?.shown !== undefined) message = inflight.shown;
    else {
      if (privacy !== undefined) {
        const shown = privacy.shown(message, this.identity!.principal);
        if (shown === undefined) return "privacy";
        message = shown;
      }
      if (inflight !== undefined) inflight.shown = message;
    }
    const topic = clientTopicOf(message); // without the tenant mount: the same for every subscriber
    if (!this.broker.guard.mayReceive(this, topic)) return "not-authorized";
    const alias = this.outboundAliases.enabled ? this.outboundAliases.lookup(topic) : undefined;
    const pool = this.broker.framePool;
    const maximum = this.params!.clientMaximumPacketSize;
    // a single delivery's topic is looked up among the kept fields once, by the in-place write: a
    // second lookup in the general encode would count it twice (and keep it from its first sighting)
    let fields: TopicFields | undefined = this.broker.topicFields;
    if (
      message === this.broker.router.singleDelivery &&
      delivery.qos === 0 &&
      !delivery.retain &&
      alias === undefined &&
      (this.version !== 5 || delivery.subscriptionIdentifiers === undefined)
    ) {
      // the message's only delivery: written straight into the pool's slab when it can be
      const size = writeSinglePublish(message, this.version, topic, pool, fields, maximum);
      fields = undefined;
      if (size > 0) {
        if (size > maximum) return "too-large"; // [MQTT-3.1.2-24] [MQTT-3.1.2-25]
        this.#batch.addPublishAt(undefined, pool.slab!, pool.lastStart, pool.lastEnd);
        this.broker.metrics.publishSent++;
        this.#queued();
        return undefined;
      }
    }
    const frame = encodePublishFrame(
      message,
      {
        version: this.version,
        qos: delivery.qos,
        retain: delivery.retain,
        subscriptionIdentifiers: this.version === 5 ? delivery.subscriptionIdentifiers : undefined,
        topic,
        topicAlias: alias?.alias,
        omitTopic: alias?.known === true,
        pool,
        fields,
      },
      now,
    );
    const bytes = frame.bytes;
    // a QoS 0 frame the pool carved last (a message's first delivery): where it sits is known, so it
    // can join the batch's run of frames (outbound-batch.ts)
    const slab = frame.packetIdOffset < 0 ? pool.slabOf(bytes) : undefined;
    const size = slab === undefined ? bytes.byteLength : pool.lastEnd - pool.lastStart;
    if (size > maximum) return "too-large"; // [MQTT-3.1.2-24] [MQTT-3.1.2-25]
    if (alias !== undefined) this.outboundAliases.record(topic, alias);
    if (slab === undefined) this.#batch.addPublish(bytes, frame.packetIdOffset, packetId, dup);
    else this.#batch.addPublishAt(bytes, slab, pool.lastStart, pool.lastEnd);
    this.broker.metrics.publishSent++;
    this.#queued();
    return undefined;
  }

  sendPubrel(packetId: number): void {
    this.send({ type: PacketType.PUBREL, packetId });
  }

  // ---- sending and closing ----

  /** Encodes and queues a packet for this turn's write. */
  send(packet: Packet): void {
    if (!this.isOpen && packet.type !== PacketType.DISCONNECT) return;
    const bytes = this.#encode(packet);
    if (bytes === undefined) return;
    this.#batch.add(bytes);
    this.#queued();
  }

  /**
   * `packet` encoded for this client: within its Maximum Packet Size, leaving out the Reason String and
   * User Properties when they would take it past (protocol/encode-within.ts). A packet that cannot fit
   * at all is not sent [MQTT-3.1.2-24] and the connection is closed: the client could not go on without
   * it (a CONNACK, a SUBACK), and waiting for it would leave it hanging.
   */
  #encode(packet: Packet): Uint8Array | undefined {
    const maximum = this.params?.clientMaximumPacketSize;
    if (maximum === undefined || this.version !== 5) return encodePacket(packet, this.version);
    const bytes = encodeWithin(packet, this.version, maximum);
    if (bytes === undefined) {
      this.log.warn(
        { packet: packetTypeName[packet.type], maximumPacketSize: maximum },
        "Closing the connection: a packet does not fit the client's Maximum Packet Size",
      );
      if (this.isOpen && packet.type !== PacketType.DISCONNECT) this.#close(false); // a DISCONNECT's sender closes
    }
    return bytes;
  }

  /** A frame joined the batch: flush with the turn, or at once when the batch is already large. */
  #queued(): void {
    if (this.#batch.bytes >= this.#earlyFlushBytes && !this.broker.writeAhead) this.flush();
    else this.broker.markDirty(this);
  }

  /** Writes this turn's batch to the transport (called by the broker once per event-loop turn). */
  flush(): void {
    this.dirty = false;
    if (this.#batch.empty || this.state === "closed") return;
    this.#write(this.#batch);
  }

  /**
   * Writes `batch` to the transport. Above the high-water mark, deliveries wait (`writable`) and so does
   * input (a batch written early can stop handling in the middle of a chunk). The batch itself may have
   * been what made the link unwritable, or held input (`writable` and {@link #outputBacklogged} count
   * it): when the operating system takes it all, no drain comes, so deliveries that waited go on now,
   * and held input once this turn is over (not here: this may run inside another client's publish).
   */
  #write(batch: OutboundBatch): void {
    this.broker.metrics.bytesSent += batch.bytes;
    batch.writeTo(this.transport);
    if (this.transport.bufferedBytes >= this.#highWaterMark) {
      this.#writable = false;
      this.#holdForOutput();
    } else {
      if ((this.#held & HELD_BY_OUTPUT) !== 0) queueMicrotask(() => this.#outputDrained());
      if (this.state === "connected" && this.session?.waiting === true) this.session.drain(this.broker.now());
    }
  }

  /**
   * The unsent output (this turn's batch, batches and acknowledgements waiting for a commit, the
   * transport's buffer) is at or above the mark.
   */
  #outputBacklogged(): boolean {
    const unsent = this.#batch.bytes + this.#takenBytes + this.transport.bufferedBytes;
    return unsent + this.heldAcks * ACK_BYTES >= this.#highWaterMark;
  }

  /**
   * Holds input back while the output is backed up: the transport stops reading at once (a client that
   * does not read what it is sent gains nothing by sending more), and what was read already stays in
   * the frame reader, to be handled in order once the output drains.
   */
  #holdForOutput(): void {
    this.#held |= HELD_BY_OUTPUT;
    if (!this.#inputStopped) this.#stopInput();
  }

  /** Input held for the output goes on once the output is below the mark (a drain, or a write the system took). */
  #outputDrained(): void {
    if ((this.#held & HELD_BY_OUTPUT) === 0 || !this.isOpen || this.#outputBacklogged()) return;
    this.#release(HELD_BY_OUTPUT);
  }

  /**
   * Write-ahead: hands this turn's frames to the broker, which writes them with {@link writeBatch} once
   * the store has committed what they depend on. Later frames go into a new batch.
   */
  takeBatch(): OutboundBatch {
    this.dirty = false;
    const batch = this.#batch;
    this.#batch = new OutboundBatch();
    this.#takenBytes += batch.bytes;
    return batch;
  }

  /** Write-ahead: adds a packet released by a commit (a held acknowledgement) to a taken batch. */
  encodeInto(batch: OutboundBatch, packet: Packet): void {
    if (!this.isOpen) return;
    const bytes = this.#encode(packet);
    if (bytes === undefined) return;
    batch.add(bytes);
    this.#takenBytes += bytes.byteLength;
  }

  /**
   * Write-ahead: writes a batch taken by {@link takeBatch} (its commit is done). A session whose
   * deliveries waited only because the batch was large resumes.
   */
  writeBatch(batch: OutboundBatch): void {
    this.#takenBytes -= batch.bytes;
    if (batch.empty || this.state === "closed") return;
    this.#write(batch);
  }

  /**
   * Closes the connection from the server side: v5 clients get a DISCONNECT with `reasonCode` first
   * (once CONNECT was accepted) [MQTT-4.13.1-1]; v3 clients are simply closed.
   */
  disconnect(reasonCode: number, reason?: string): void {
    this.#disconnect(reasonCode, reason, false);
  }

  /**
   * Write-ahead: a commit this connection's packets waited for failed. What it has batched depends on
   * that commit and is dropped; the client gets DISCONNECT 0x80 (v5) at once and is closed. It resends,
   * or gets resent, what was not acknowledged when it reconnects.
   */
  storageFailed(): void {
    if (this.state === "closed") return;
    this.#batch = new OutboundBatch();
    if (!this.isOpen) {
      // already closing (the broker is shutting down, a takeover): its DISCONNECT went with the dropped
      // frames, but depends on nothing stored, so it is written now, not behind the next commit (which
      // may fail too), and the client still learns why (0x8B) before the connection ends
      const farewell = this.#farewell;
      this.#farewell = undefined;
      const bytes = farewell === undefined ? undefined : this.#encode(farewell);
      if (bytes !== undefined) this.transport.write(bytes);
      this.#finishClose();
      return;
    }
    this.#disconnect(ReasonCode.UnspecifiedError, "Storage failure", true);
  }

  #disconnect(reasonCode: number, reason: string | undefined, immediately: boolean): void {
    if (!this.isOpen) return;
    this.log.debug(
      { reasonCode, reason },
      `Disconnecting client: ${reasonCodeName[reasonCode] ?? reasonCode}`,
    );
    if (this.version === 5 && this.state === "connected") {
      const packet: Packet = { type: PacketType.DISCONNECT, reasonCode };
      if (reason !== undefined && this.params?.requestProblemInformation !== false)
        packet.properties = { reasonString: reason };
      this.send(packet);
      if (!immediately) this.#farewell = packet;
    }
    this.#close(immediately);
  }

  /** Closes after this turn's writes, without a DISCONNECT (e.g. after a refusing CONNACK). */
  end(): void {
    if (!this.isOpen) return;
    this.#close(false);
  }

  /** A protocol violation by the client: close with its reason code (as a CONNACK during CONNECT). */
  protocolError(error: ProtocolError): void {
    this.log.debug({ code: error.code, reasonCode: error.reasonCode }, error.message);
    if (error.reasonCode === ReasonCode.PacketTooLarge) this.broker.metrics.limits["packet-size"]++;
    else if (error.code === ProtocolErrorCode.UserPropertiesExceeded)
      this.broker.metrics.limits["user-properties"]++;
    if (this.state === "awaiting-connect" || this.state === "connecting") {
      this.broker.refuseConnect(this, error);
      return;
    }
    this.disconnect(error.reasonCode, error.message);
  }

  /** Keep-alive and connect-timeout deadline. */
  fire(now: number): void {
    this.deadline = undefined;
    if (!this.isOpen) return;
    if (this.state !== "connected") {
      this.log.debug("Closing connection: no CONNECT within the connect timeout");
      this.broker.metrics.limits["connect-timeout"]++;
      this.transport.destroy();
      return;
    }
    const keepAlive = this.params!.keepAlive;
    if (keepAlive === 0) return;
    const due = this.lastPacketAt + keepAlive * 1500; // [MQTT-3.1.2-22] one and a half times the keep alive
    if (now >= due) this.disconnect(ReasonCode.KeepAliveTimeout, "Keep alive timeout");
    else this.deadline = this.broker.scheduler.schedule(due, this);
  }

  #close(immediately: boolean): void {
    this.state = "closing";
    this.broker.scheduler.cancel(this.deadline);
    this.deadline = undefined;
    // write-ahead: the last frames (the DISCONNECT included) go out after the commit covering them
    if (immediately) this.#finishClose();
    else this.broker.afterCommit(() => this.#finishClose());
  }

  #finishClose(): void {
    this.flush();
    this.transport.end();
  }

  #process(): void {
    while (this.isOpen && this.#held === 0) {
      let packet: Packet | null;
      try {
        packet = this.reader.read();
      } catch (error) {
        this.#fail(error);
        return;
      }
      if (packet === null) {
        // once per chunk, not per packet: what answering it left unsent (a batch not yet written, or
        // with a write-ahead store not yet committed) may be over the mark without any write seeing it
        if (this.#outputBacklogged()) this.#holdForOutput();
        return;
      }
      // [MQTT-3.1.2-22] keep-alive counts whole packets: bytes of one never finished do not keep it alive
      this.lastPacketAt = this.packetTime;
      let pending: Promise<void> | undefined;
      try {
        pending = dispatchPacket(this, packet);
      } catch (error) {
        this.#fail(error);
        return;
      }
      if (pending !== undefined) {
        this.#held |= HELD_BY_HANDLING;
        pending.then(
          () => this.#release(HELD_BY_HANDLING),
          (error: unknown) => {
            this.#fail(error);
            this.#release(HELD_BY_HANDLING);
          },
        );
      }
    }
  }

  /**
   * One reason to hold input ended. Unless another still holds it, the packets already read are handled
   * (in order), then the transport reads again, unless handling stopped once more.
   */
  #release(reason: number): void {
    this.#held &= ~reason;
    if (this.#held !== 0 || !this.isOpen) return;
    this.packetTime = this.broker.now();
    this.#process();
    if (this.#inputStopped) this.#startInput();
  }

  /** Lets the transport deliver input again, unless handling stopped once more. */
  #startInput(): void {
    if (this.#held !== 0 || !this.isOpen) return;
    this.#inputStopped = false;
    this.transport.resume();
  }

  /**
   * Asks the transport to hold its input back: at once while the output is backed up (see
   * {@link #holdForOutput}); while handling waits (an authentication, the delay of a refused login, an
   * asynchronous authorizer), once more than {@link READ_AHEAD_BYTES} wait unread: the reader would
   * otherwise keep whatever the client sends meanwhile, without bound (the maximum packet size bounds
   * one packet, not the number of them). The operating system's buffers then fill and TCP holds the
   * client back.
   */
  #stopInput(): void {
    this.#inputStopped = true;
    this.transport.pause();
  }

  #fail(error: unknown): void {
    if (error instanceof ProtocolError) {
      this.protocolError(error);
      return;
    }
    this.log.error({ err: error }, "Unexpected error while handling a packet");
    if (this.state === "awaiting-connect" || this.state === "connecting") this.transport.destroy();
    else this.disconnect(ReasonCode.ImplementationSpecificError, "Internal error");
  }
}
