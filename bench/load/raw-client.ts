/**
 * A minimal MQTT 3.1.1 client on a raw TCP socket for the load generator: CONNECT, SUBSCRIBE and
 * DISCONNECT are encoded with Switchboard's codec (src/protocol); the hot path (PUBLISH out, PUBLISH and
 * PUBACK in) is left to the workload, which writes pre-built frames with `write` and receives frames
 * through `ClientHandler`. No MQTT.js anywhere.
 * @module
 */

import { connect, type Socket } from "node:net";
import { encodePacket, PacketType, type QoS, type Will } from "../../src/protocol/index.js";
import { FrameScanner, type FrameSink } from "./frame-scanner.js";

/** What a workload does with incoming traffic once the handshake is over. */
export interface ClientHandler {
  /** A PUBLISH; `flags` is the low nibble of the first byte, the body is `buf[start..end)`. */
  publish(client: RawClient, flags: number, buf: Buffer, start: number, end: number): void;
  /** A PUBACK for one of this client's QoS 1 PUBLISHes. */
  puback(client: RawClient): void;
  /** Called after each socket read has been scanned (flush batched acks, refill publishers). */
  chunkEnd(client: RawClient): void;
  /** The socket's write buffer drained after `write` returned false. */
  drain(client: RawClient): void;
  /** The connection ended or failed while the workload was running. */
  closed(client: RawClient, reason: string): void;
}

const IGNORE: ClientHandler = {
  publish: () => undefined,
  puback: () => undefined,
  chunkEnd: () => undefined,
  drain: () => undefined,
  closed: () => undefined,
};

const PROTOCOL_VERSION = 4;
const HANDSHAKE_TIMEOUT_MS = 10_000;

export class RawClient implements FrameSink {
  readonly id: string;
  /** Free for the workload (e.g. the publisher index). */
  index = 0;
  handler: ClientHandler = IGNORE;
  readonly #socket: Socket;
  readonly #scanner = new FrameScanner();
  #waiting: { readonly type: number; readonly resolve: (body: Buffer) => void } | undefined;
  #failure: ((error: Error) => void) | undefined;
  #closing = false;

  private constructor(id: string, socket: Socket) {
    this.id = id;
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      try {
        this.#scanner.push(chunk, this);
      } catch (error) {
        this.#fail(error instanceof Error ? error.message : String(error));
        return;
      }
      this.handler.chunkEnd(this);
    });
    socket.on("drain", () => this.handler.drain(this));
    socket.on("error", (error) => this.#fail(`socket error: ${error.message}`));
    socket.on("close", () => this.#fail("connection closed by the broker"));
  }

  /**
   * Opens a TCP connection and completes CONNECT/CONNACK (keep-alive off; clean session unless
   * `cleanSession` is false; user name and password when given).
   */
  static async connect(options: {
    readonly host: string;
    readonly port: number;
    readonly clientId: string;
    readonly cleanSession?: boolean;
    readonly will?: Will;
    /** Sent in CONNECT when given (e.g. a JWT as the password). */
    readonly username?: string;
    readonly password?: string;
    /** Set before CONNECT goes out, so messages a resumed session sends right after CONNACK are seen. */
    readonly handler?: ClientHandler;
    /** Free for the workload (see `index`). */
    readonly index?: number;
  }): Promise<RawClient> {
    const socket = connect({ host: options.host, port: options.port });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const client = new RawClient(options.clientId, socket);
    if (options.handler !== undefined) client.handler = options.handler;
    if (options.index !== undefined) client.index = options.index;
    const connack = client.#request(
      encodePacket(
        {
          type: PacketType.CONNECT,
          protocolName: "MQTT",
          protocolVersion: PROTOCOL_VERSION,
          clientId: options.clientId,
          cleanStart: options.cleanSession ?? true,
          keepAlive: 0,
          ...(options.will === undefined ? {} : { will: options.will }),
          ...(options.username === undefined ? {} : { username: options.username }),
          ...(options.password === undefined ? {} : { password: Buffer.from(options.password) }),
        },
        PROTOCOL_VERSION,
      ),
      PacketType.CONNACK,
    );
    const body = await connack;
    if (body[1] !== 0) {
      client.abort();
      throw new Error(`Cannot connect "${options.clientId}": CONNACK return code ${body[1]}`);
    }
    return client;
  }

  /** Subscribes to one filter and waits for the SUBACK. */
  async subscribe(topicFilter: string, qos: QoS): Promise<void> {
    const body = await this.#request(
      encodePacket(
        {
          type: PacketType.SUBSCRIBE,
          packetId: 1,
          subscriptions: [{ topicFilter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 }],
        },
        PROTOCOL_VERSION,
      ),
      PacketType.SUBACK,
    );
    const granted = body[2];
    if (granted === undefined || granted === 0x80) {
      throw new Error(`Cannot subscribe "${this.id}" to "${topicFilter}": SUBACK ${granted}`);
    }
    if (granted !== qos)
      throw new Error(`Cannot subscribe "${this.id}" to "${topicFilter}" at QoS ${qos}: granted ${granted}`);
  }

  /** Writes bytes; false means the socket buffer is full (wait for `handler.drain`). */
  write(data: Uint8Array): boolean {
    return this.#socket.write(data);
  }

  /** True while the socket's write buffer is above its high-water mark. */
  get blocked(): boolean {
    return this.#socket.writableNeedDrain;
  }

  /** Sends DISCONNECT and closes; the handler hears nothing more. */
  async disconnect(): Promise<void> {
    this.#closing = true;
    this.handler = IGNORE;
    const socket = this.#socket;
    if (socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, 2000);
      socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end(encodePacket({ type: PacketType.DISCONNECT }, PROTOCOL_VERSION));
    });
  }

  /** Closes the connection without DISCONNECT (the broker sees the socket drop: the will is sent). */
  abort(): void {
    this.#closing = true;
    this.handler = IGNORE;
    this.#socket.destroy();
  }

  /** FrameSink: dispatches one incoming frame. */
  frame(header: number, buf: Buffer, start: number, end: number): void {
    const type = header >> 4;
    if (type === PacketType.PUBLISH) {
      this.handler.publish(this, header & 0x0f, buf, start, end);
    } else if (type === PacketType.PUBACK) {
      this.handler.puback(this);
    } else if (this.#waiting?.type === type) {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting.resolve(Buffer.from(buf.subarray(start, end)));
    } else if (type !== PacketType.PINGRESP) {
      this.#fail(`unexpected packet type ${type}`);
    }
  }

  #request(frame: Uint8Array, replyType: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(`no reply of type ${replyType} after ${HANDSHAKE_TIMEOUT_MS} ms`);
      }, HANDSHAKE_TIMEOUT_MS);
      this.#waiting = {
        type: replyType,
        resolve: (body) => {
          clearTimeout(timer);
          this.#failure = undefined;
          resolve(body);
        },
      };
      this.#failure = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      this.#socket.write(frame);
    });
  }

  #fail(reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#socket.destroy();
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure) failure(new Error(`Client "${this.id}": ${reason}`));
    else this.handler.closed(this, reason);
  }
}
