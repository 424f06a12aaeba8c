/**
 * An in-memory transport pair for tests and benchmarks: the broker side is a Transport, the client
 * side a small endpoint. Bytes are delivered asynchronously (on a microtask), as a socket would.
 * @module
 */

import type { Transport, TransportSink } from "./transport.js";

export interface MemoryClientEnd {
  /** Sends bytes to the broker. */
  write(bytes: Uint8Array): void;
  /** Receives what the broker writes. */
  onData: ((bytes: Uint8Array) => void) | undefined;
  onClose: (() => void) | undefined;
  close(): void;
  readonly closed: boolean;
}

class MemoryServerTransport implements Transport {
  readonly kind = "memory";
  readonly remoteAddress: string;
  bufferedBytes = 0;
  sink: TransportSink | undefined;
  client: MemoryClient | undefined;
  isClosed = false;
  /** Chunks that arrived while paused, delivered on resume; undefined while not paused. */
  #held: Uint8Array[] | undefined;

  constructor(name: string) {
    this.remoteAddress = name;
  }

  start(sink: TransportSink): void {
    this.sink = sink;
  }

  write(chunk: Uint8Array): boolean {
    if (this.isClosed) return false;
    const copy = chunk.slice();
    queueMicrotask(() => this.client?.onData?.(copy));
    return true;
  }

  end(): void {
    this.destroy();
  }

  /** A chunk from the client: to the broker, or held while paused. */
  deliver(chunk: Uint8Array): void {
    if (this.#held !== undefined) this.#held.push(chunk);
    else this.sink?.data(chunk);
  }

  pause(): void {
    this.#held ??= [];
  }

  resume(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    let i = 0;
    while (i < held.length && !this.#isPaused()) this.sink?.data(held[i++]!);
    // paused again by what was delivered: the rest waits, in order, before anything newer
    if (i < held.length) this.#held = held.slice(i).concat(this.#heldNow());
  }

  #isPaused(): boolean {
    return this.#held !== undefined;
  }

  #heldNow(): Uint8Array[] {
    return this.#held ?? [];
  }

  destroy(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    queueMicrotask(() => {
      this.sink?.closed(undefined);
      this.client?.markClosed();
    });
  }
}

class MemoryClient implements MemoryClientEnd {
  onData: ((bytes: Uint8Array) => void) | undefined;
  onClose: (() => void) | undefined;
  #closed = false;
  readonly #server: MemoryServerTransport;

  constructor(server: MemoryServerTransport) {
    this.#server = server;
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(bytes: Uint8Array): void {
    if (this.#closed) return;
    const copy = bytes.slice();
    queueMicrotask(() => this.#server.deliver(copy));
  }

  close(): void {
    this.#server.destroy();
  }

  markClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onClose?.();
  }
}

/** Creates a connected pair: hand `server` to `Broker.accept`, drive `client` from the test. */
export function createMemoryPair(name = "memory"): {
  readonly server: Transport;
  readonly client: MemoryClientEnd;
} {
  const server = new MemoryServerTransport(name);
  const client = new MemoryClient(server);
  server.client = client;
  return { server, client };
}
