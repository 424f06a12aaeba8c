/**
 * An MQTT.js client for the dialect tests: an inbox of received messages, the end of the connection
 * (with the server's v5 DISCONNECT, if any), and publish/subscribe calls that report what the broker
 * answered (PUBACK reason code and reason string, SUBACK codes) or that it closed the connection.
 * @module
 */

import type { IClientOptions, IDisconnectPacket, MqttClient } from "mqtt";
import { connectWithInbox, type Inbox } from "../../helpers/mqttjs.js";

export type MqttVersion = 4 | 5;

/** How a connection ended. */
export interface Ending {
  /** The server's DISCONNECT (v5), or undefined when the connection was just closed. */
  readonly disconnect: IDisconnectPacket | undefined;
}

/** What the broker answered a PUBLISH with, or `closed` when it ended the connection instead. */
export type PublishAnswer =
  | { readonly kind: "acked"; readonly reasonCode: number; readonly reasonString: string | undefined }
  | { readonly kind: "sent" }
  | { readonly kind: "closed"; readonly ending: Ending };

export type SubscribeAnswer =
  | { readonly kind: "granted"; readonly codes: readonly number[] }
  | { readonly kind: "closed"; readonly ending: Ending };

const TIMEOUT = 3000;

export class TestClient {
  readonly client: MqttClient;
  readonly inbox: Inbox;
  readonly version: MqttVersion;
  /** Resolves when the connection closes. */
  readonly ended: Promise<Ending>;
  #disconnect: IDisconnectPacket | undefined;

  private constructor(client: MqttClient, inbox: Inbox, version: MqttVersion) {
    this.client = client;
    this.inbox = inbox;
    this.version = version;
    client.on("disconnect", (packet) => {
      this.#disconnect = packet;
    });
    this.ended = new Promise((resolve) => {
      client.once("close", () => resolve({ disconnect: this.#disconnect }));
    });
  }

  static async connect(
    url: string,
    options: {
      readonly username?: string;
      readonly password?: string;
      readonly version?: MqttVersion;
    } & Omit<IClientOptions, "protocolVersion" | "username" | "password">,
  ): Promise<TestClient> {
    const version = options.version ?? 5;
    const { client, inbox } = await connectWithInbox(url, {
      ...options,
      protocolVersion: version,
      clean: true,
      clientId: options.clientId ?? `t-${Math.random().toString(36).slice(2, 10)}`,
    });
    return new TestClient(client, inbox, version);
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Subscribes (QoS 1 unless told); the SUBACK's codes (refusals too), or how the connection ended instead. */
  subscribe(filters: string | readonly string[], qos: 0 | 1 | 2 = 1): Promise<SubscribeAnswer> {
    const granted = new Promise<SubscribeAnswer>((resolve, reject) => {
      this.client.subscribe(
        typeof filters === "string" ? filters : [...filters],
        { qos },
        (error, grants) => {
          // MQTT.js reports a SUBACK with a failure code as an error carrying the SUBACK
          const suback = (error as { packet?: { granted?: number[] } } | null)?.packet;
          if (suback?.granted !== undefined) resolve({ kind: "granted", codes: [...suback.granted] });
          else if (error !== null && this.client.connected) reject(error);
          else if (grants !== undefined) resolve({ kind: "granted", codes: grants.map((g) => g.qos) });
        },
      );
    });
    return this.#race(granted);
  }

  /**
   * Publishes; QoS 1 resolves with the PUBACK's reason code (0 for v3) and reason string, QoS 0 once
   * the packet is written. Either resolves `closed` when the broker ends the connection first.
   */
  publish(
    topic: string,
    payload: string,
    qos: 0 | 1 = 1,
    options: { readonly retain?: boolean } = {},
  ): Promise<PublishAnswer> {
    const answer = new Promise<PublishAnswer>((resolve) => {
      this.client.publish(topic, payload, { qos, retain: options.retain ?? false }, (error, packet) => {
        if (qos === 0) {
          resolve({ kind: "sent" });
          return;
        }
        const ack = packet as { reasonCode?: number; properties?: { reasonString?: string } } | undefined;
        const code = (error as { code?: number } | null | undefined)?.code ?? ack?.reasonCode ?? 0;
        if (error instanceof Error && code === 0) return; // closed: the race answers (MQTT.js passes null, not undefined)
        resolve({
          kind: "acked",
          reasonCode: code,
          reasonString: ack?.properties?.reasonString,
        });
      });
    });
    return this.#race(answer);
  }

  /** Resolves once the connection has closed; fails after `timeout`. */
  async expectEnded(timeout = TIMEOUT): Promise<Ending> {
    return await Promise.race([
      this.ended,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`Connection still open after ${timeout} ms`)), timeout).unref(),
      ),
    ]);
  }

  async end(): Promise<void> {
    if (!this.client.connected) {
      this.client.end(true);
      return;
    }
    await this.client.endAsync();
  }

  #race<T>(answer: Promise<T>): Promise<T | { readonly kind: "closed"; readonly ending: Ending }> {
    return Promise.race([
      answer,
      this.ended.then((ending) => ({ kind: "closed", ending }) as const),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`No answer within ${TIMEOUT} ms`)), TIMEOUT).unref(),
      ),
    ]);
  }
}
