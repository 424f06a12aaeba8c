/**
 * Small helpers for interop tests with MQTT.js: an inbox that queues every received message, and a
 * connect that attaches the inbox before CONNECT goes out (so messages that arrive with the CONNACK,
 * e.g. a resumed session's queue, are never emitted before anyone listens).
 * @module
 */

import {
  connect,
  type IClientOptions,
  type IConnackPacket,
  type IPublishPacket,
  type MqttClient,
} from "mqtt";

export interface ReceivedMessage {
  readonly topic: string;
  readonly payload: string;
  readonly packet: IPublishPacket;
}

const DEFAULT_TIMEOUT = 3000;

export class Inbox {
  /** Every message received so far, in order. */
  readonly all: ReceivedMessage[] = [];
  readonly #queue: ReceivedMessage[] = [];
  #waiter: ((message: ReceivedMessage) => void) | undefined;

  constructor(client: MqttClient) {
    client.on("message", (topic, payload, packet) => {
      const message = { topic, payload: payload.toString("utf8"), packet };
      this.all.push(message);
      if (this.#waiter) {
        const waiter = this.#waiter;
        this.#waiter = undefined;
        waiter(message);
      } else this.#queue.push(message);
    });
  }

  /** The next message; rejects after `timeout` ms. */
  next(timeout = DEFAULT_TIMEOUT): Promise<ReceivedMessage> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`No message within ${timeout} ms`));
      }, timeout);
      this.#waiter = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
    });
  }

  /** The next `count` messages. */
  async take(count: number, timeout = DEFAULT_TIMEOUT): Promise<ReceivedMessage[]> {
    const out: ReceivedMessage[] = [];
    while (out.length < count) out.push(await this.next(timeout));
    return out;
  }

  /** Asserts that no message is waiting now or arrives within `ms`. */
  async expectNothing(ms = 150): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const unexpected = this.#queue[0];
    if (unexpected !== undefined) {
      throw new Error(`Unexpected message on "${unexpected.topic}": ${unexpected.payload}`);
    }
  }
}

export interface ConnectedClient {
  readonly client: MqttClient;
  readonly inbox: Inbox;
  /** The CONNACK the broker answered with. */
  readonly connack: IConnackPacket;
}

/**
 * Connects an MQTT.js client with an inbox attached from the start; no automatic reconnect. Rejects
 * when the broker refuses or closes the connection, or after `timeout` ms.
 */
export async function connectWithInbox(
  url: string,
  options: IClientOptions,
  timeout = DEFAULT_TIMEOUT,
): Promise<ConnectedClient> {
  const client = connect(url, { reconnectPeriod: 0, connectTimeout: timeout, ...options });
  const inbox = new Inbox(client);
  let connack: IConnackPacket;
  try {
    connack = await new Promise<IConnackPacket>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Not connected within ${timeout} ms`)), timeout);
      client.once("connect", (packet) => {
        clearTimeout(timer);
        resolve(packet);
      });
      client.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      client.once("close", () => {
        clearTimeout(timer);
        reject(new Error("Connection closed before CONNACK"));
      });
    });
  } catch (error) {
    client.end(true);
    throw error;
  }
  // Later errors (e.g. a reset connection in a test that kills the socket) must not throw out of emit
  client.on("error", () => {});
  return { client, inbox, connack };
}
