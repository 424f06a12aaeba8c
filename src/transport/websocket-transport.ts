/**
 * A Transport over a WebSocket (MQTT over WebSockets, spec 6): binary messages carry the byte stream;
 * an MQTT packet may span messages and a message may hold several packets.
 * @module
 */

import type { WebSocket } from "ws";
import type { PeerCertificate } from "./tls-certificate.js";
import type { Transport, TransportSink } from "./transport.js";

/** Secure WebSocket (`wss`) details. */
export interface WebSocketTransportOptions {
  /** True for a WebSocket over TLS. */
  readonly secure?: boolean;
  /** The client certificate the listener's CA verified, if any. */
  readonly certificate?: PeerCertificate | undefined;
}

export class WebSocketTransport implements Transport {
  readonly kind: "ws" | "wss";
  readonly remoteAddress: string;
  readonly certificate: PeerCertificate | undefined;
  readonly #ws: WebSocket;
  readonly #highWaterMark: number;
  #sink: TransportSink | undefined;
  #blocked = false;

  constructor(
    ws: WebSocket,
    remoteAddress: string,
    highWaterMark: number,
    options: WebSocketTransportOptions = {},
  ) {
    this.kind = options.secure === true ? "wss" : "ws";
    this.certificate = options.certificate;
    this.#ws = ws;
    this.remoteAddress = remoteAddress;
    this.#highWaterMark = highWaterMark;
  }

  get bufferedBytes(): number {
    return this.#ws.bufferedAmount;
  }

  start(sink: TransportSink): void {
    this.#sink = sink;
    const ws = this.#ws;
    let failure: Error | undefined;
    ws.on("message", (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary) {
        // [MQTT-6.0.0-1] MQTT control packets must be sent in binary data frames
        failure = new Error("Received a text WebSocket frame");
        ws.close(1003, "MQTT needs binary frames");
        return;
      }
      if (Array.isArray(data)) for (const part of data) sink.data(part);
      else sink.data(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    });
    ws.on("error", (error: Error) => {
      failure = error;
    });
    ws.on("close", () => sink.closed(failure));
  }

  write(chunk: Uint8Array): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return false;
    this.#ws.send(chunk, { binary: true }, this.#written);
    const below = this.#ws.bufferedAmount < this.#highWaterMark;
    if (!below) this.#blocked = true;
    return below;
  }

  readonly #written = (): void => {
    if (this.#blocked && this.#ws.bufferedAmount < this.#highWaterMark) {
      this.#blocked = false;
      this.#sink?.drain();
    }
  };

  end(): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.close(1000);
    setTimeout(() => this.#ws.terminate(), 5000).unref();
  }

  destroy(): void {
    this.#ws.terminate();
  }

  pause(): void {
    this.#ws.pause();
  }

  resume(): void {
    this.#ws.resume();
  }
}
