/**
 * The seam between byte transports (TCP, WebSocket, TLS, an in-memory pair) and the broker.
 *
 * A transport delivers inbound chunks to a sink object rather than through an async iterator: the
 * broker's read path then allocates no promise per chunk. Writes are plain calls; the broker batches
 * a connection's outgoing packets and writes once per event-loop turn.
 * @module
 */

import type { PeerCertificate } from "./tls-certificate.js";

export type TransportKind = "tcp" | "ws" | "tls" | "wss" | "memory";

export interface TransportSink {
  /**
   * Bytes arrived. The receiver takes ownership of the chunk: the codec decodes payloads as views into
   * it, so a transport must never reuse or overwrite a chunk it has handed over.
   */
  data(chunk: Uint8Array): void;
  /** Unsent bytes went below the high-water mark again after `write` returned false. */
  drain(): void;
  /** The transport is closed (by either side); called exactly once. */
  closed(error: Error | undefined): void;
}

export interface Transport {
  readonly kind: TransportKind;
  /** "ip:port" of the peer, or a descriptive name for in-memory transports. */
  readonly remoteAddress: string;
  /** Bytes handed to `write` and not yet passed to the operating system. */
  readonly bufferedBytes: number;
  /** TLS transports: the client certificate the listener's CA verified, if any. */
  readonly certificate?: PeerCertificate | undefined;
  /** Starts delivering events to `sink`. Called once. */
  start(sink: TransportSink): void;
  /** Queues bytes; returns false when the buffered amount is above the high-water mark. */
  write(chunk: Uint8Array): boolean;
  /** Flushes what was written, then closes. */
  end(): void;
  /** Closes at once, discarding unsent bytes. */
  destroy(): void;
  /**
   * Stops delivering inbound bytes until {@link resume} (the broker's read-ahead is full): what the
   * peer sends meanwhile waits in the operating system's buffers, or the transport's own.
   */
  pause(): void;
  /** Delivers inbound bytes again after {@link pause}, those held back first. */
  resume(): void;
}

/** Accepts new transports (a listener). */
export type TransportHandler = (transport: Transport) => void;
