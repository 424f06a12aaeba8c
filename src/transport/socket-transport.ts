/**
 * A Transport over a Node stream socket (TCP or TLS).
 * @module
 */

import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { type PeerCertificate, peerCertificateOf } from "./tls-certificate.js";
import type { Transport, TransportKind, TransportSink } from "./transport.js";

/** The transport a socket belongs to, so that one set of listener functions serves every socket. */
const TRANSPORT = Symbol("switchboard.transport");

interface OwnedSocket extends Socket {
  [TRANSPORT]?: SocketTransport;
}

export class SocketTransport implements Transport {
  readonly kind: TransportKind;
  readonly remoteAddress: string;
  readonly certificate: PeerCertificate | undefined;
  readonly #socket: Socket;
  #sink: TransportSink | undefined;
  /** Set while written bytes wait in the socket; the write callback then reports the drain. */
  #backlog = false;
  #closed = false;
  #failure: Error | undefined;

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

  /**
   * Starts delivering the socket's events to `sink`. The listeners are shared by all sockets (they find
   * their transport through a symbol property), so an idle connection keeps no closures for them.
   */
  start(sink: TransportSink): void {
    this.#sink = sink;
    const socket = this.#socket as OwnedSocket;
    socket[TRANSPORT] = this;
    socket.on("data", onData);
    socket.on("drain", onDrain);
    socket.on("error", onError);
    socket.on("end", onEnd);
    socket.on("close", onClose);
  }

  /** @internal the socket's `data` event (see {@link start}). */
  socketData(chunk: Buffer): void {
    this.#sink!.data(chunk);
  }

  /** @internal the socket's `drain` event. */
  socketDrain(): void {
    this.#sink!.drain();
  }

  /** @internal the socket's `error` event: reported with the close that follows. */
  socketError(error: Error): void {
    this.#failure = error;
  }

  /** @internal the socket's `close` event. */
  socketClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sink!.closed(this.#failure);
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

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }
}

function onData(this: OwnedSocket, chunk: Buffer): void {
  this[TRANSPORT]!.socketData(chunk);
}

function onDrain(this: OwnedSocket): void {
  this[TRANSPORT]!.socketDrain();
}

function onError(this: OwnedSocket, error: Error): void {
  this[TRANSPORT]!.socketError(error);
}

function onEnd(this: OwnedSocket): void {
  // The peer half-closed: MQTT has no use for a half-open connection.
  this.end();
}

function onClose(this: OwnedSocket): void {
  this[TRANSPORT]!.socketClosed();
}
