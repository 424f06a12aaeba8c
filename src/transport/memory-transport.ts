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
  #paused = false;
  /** Chunks that arrived while paused, delivered on resume. */
  readonly #held: Uint8Array[] = [];

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

  /** A chunk from the client: to the broker, or held while paused (or while older ones are held). */
  deliver(chunk: Uint8Array): void {
    if (this.#paused || this.#held.length > 0) this.#held.push(chunk);
    else this.sink?.data(chunk);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    // what the broker is given may pause it again: the rest waits, in order
    while (!this.#isPaused() && this.#held.length > 0) this.sink?.data(this.#held.shift()!);
  }

  /** Read through a call: the sink may pause the transport while it is given a chunk. */
  #isPaused(): boolean {
    return this.#paused;
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
