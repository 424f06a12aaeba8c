/**
 * A Transport over a Node stream socket (TCP or TLS).
 * @module
 */

import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { type PeerCertificate, peerCertificateOf } from "./tls-certificate.js";
import type { Transport, TransportKind, TransportSink } from "./transport.js";

export class SocketTransport implements Transport {
  readonly kind: TransportKind;
  readonly remoteAddress: string;
  readonly certificate: PeerCertificate | undefined;
  readonly #socket: Socket;
  #sink: TransportSink | undefined;
  /** Set while written bytes wait in the socket; the write callback then reports the drain. */
  #backlog = false;

  constructor(socket: Socket, kind: TransportKind = "tcp") {
    this.#socket = socket;
    this.kind = kind;
    this.remoteAddress = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`;
    // a TLS socket is handed over once its handshake is done: the certificate is final
    this.certificate = socket instanceof TLSSocket ? peerCertificateOf(socket) : undefined;
    socket.setNoDelay(true);
  }

  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  start(sink: TransportSink): void {
    this.#sink = sink;
    const socket = this.#socket;
    let closed = false;
    let failure: Error | undefined;
    socket.on("data", (chunk: Buffer) => sink.data(chunk));
    socket.on("drain", () => sink.drain());
    socket.on("error", (error: Error) => {
      failure = error;
    });
    socket.on("end", () => {
      // The peer half-closed: MQTT has no use for a half-open connection.
      socket.end();
    });
    socket.on("close", () => {
      if (closed) return;
      closed = true;
      sink.closed(failure);
    });
  }

  write(chunk: Uint8Array): boolean {
    const socket = this.#socket;
    if (socket.destroyed) return false;
    const below = socket.write(chunk, this.#written);
    if (socket.writableLength > 0) this.#backlog = true;
    return below;
  }

  /**
   * Node emits 'drain' only after a write crossed the socket's own high-water mark (16 KiB), while the
   * broker's slow-consumer mark may be lower; so the drain is also reported when written data has
   * left the socket's buffer.
   */
  readonly #written = (): void => {
    if (this.#backlog && this.#socket.writableLength === 0) {
      this.#backlog = false;
      this.#sink?.drain();
    }
  };

  end(): void {
    if (this.#socket.destroyed) return;
    this.#socket.end();
    // A peer that never reads must not keep the socket open forever.
    setTimeout(() => this.#socket.destroy(), 5000).unref();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}
