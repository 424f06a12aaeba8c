/**
 * A scripted remote broker for the bridge tests: a TCP server on a free port of 127.0.0.1 that speaks
 * just enough MQTT (our own codec) to play a remote broker whose behaviour a real one does not show on
 * demand: a CONNACK followed by a close, acknowledgements withheld or refused with a given reason code.
 * By default it answers CONNECT with a successful CONNACK, PUBLISH with PUBACK/PUBREC 0x00, PUBREL with
 * PUBCOMP and PINGREQ with PINGRESP; a test changes that per connection and per PUBLISH.
 * @module
 */

import { createServer, type Server, type Socket } from "node:net";
import { encodePacket } from "../../../src/protocol/encode-packet.js";
import { FrameReader } from "../../../src/protocol/frame-reader.js";
import { PacketType, type ProtocolVersion } from "../../../src/protocol/packet-type.js";
import type { Packet } from "../../../src/protocol/packet.js";
import type { PublishPacket } from "../../../src/protocol/packets/publish.js";
import type { Properties } from "../../../src/protocol/properties.js";

/** One connection of a bridge to the scripted remote. */
export interface ScriptedConnection {
  /** 0 for the first connection, then 1, 2... */
  readonly index: number;
  send(packet: Packet): void;
  /** Destroys the socket (no DISCONNECT). */
  close(): void;
}

/** What to do with a PUBLISH: acknowledge with this reason code, or leave it unacknowledged. */
export type PublishAnswer = number | "ignore";

export interface RemoteScript {
  /** The CONNACK's properties (v5). */
  readonly connack?: (connection: ScriptedConnection) => Properties | undefined;
  /** Called once the CONNACK is sent (e.g. to close at once). */
  readonly connected?: (connection: ScriptedConnection) => void;
  /** The answer to a PUBLISH of QoS 1 or 2 (default 0x00). */
  readonly publish?: (publish: PublishPacket, connection: ScriptedConnection) => PublishAnswer;
  /** Whether PINGREQ is answered (default true). */
  readonly pong?: (connection: ScriptedConnection) => boolean;
}

export class ScriptedRemote {
  readonly port: number;
  /** Every PUBLISH received, on any connection, in order. */
  readonly publishes: PublishPacket[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #connections = 0;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  /** Starts listening; every connection follows `script`. */
  static async start(script: RemoteScript = {}): Promise<ScriptedRemote> {
    const accept: { remote?: ScriptedRemote } = {};
    const server = createServer((socket) => {
      if (accept.remote === undefined) socket.destroy();
      else accept.remote.#accept(socket, script);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("No port");
    const remote = new ScriptedRemote(server, address.port);
    accept.remote = remote;
    return remote;
  }

  /** Connections accepted so far (TCP connections, CONNECT or not). */
  get connections(): number {
    return this.#connections;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: Socket, script: RemoteScript): void {
    this.#sockets.add(socket);
    socket.on("close", () => this.#sockets.delete(socket));
    socket.on("error", () => undefined);
    let version: ProtocolVersion = 5;
    const connection: ScriptedConnection = {
      index: this.#connections++,
      send: (packet) => {
        if (!socket.destroyed) socket.write(encodePacket(packet, version));
      },
      close: () => socket.destroy(),
    };
    const reader = new FrameReader({ maximumPacketSize: 268_435_460 });
    socket.on("data", (chunk: Buffer) => {
      reader.push(chunk);
      for (;;) {
        let packet: Packet | null;
        try {
          packet = reader.read();
        } catch {
          socket.destroy(); // a malformed packet: what a broker does
          return;
        }
        if (packet === null || socket.destroyed) return;
        switch (packet.type) {
          case PacketType.CONNECT: {
            version = packet.protocolVersion;
            reader.version = version;
            const properties = version === 5 ? script.connack?.(connection) : undefined;
            connection.send({
              type: PacketType.CONNACK,
              sessionPresent: false,
              reasonCode: 0,
              ...(properties === undefined ? {} : { properties }),
            });
            script.connected?.(connection);
            break;
          }
          case PacketType.PUBLISH: {
            this.publishes.push(packet);
            if (packet.qos === 0) break;
            const answer = script.publish?.(packet, connection) ?? 0;
            if (answer === "ignore") break;
            const type = packet.qos === 1 ? PacketType.PUBACK : PacketType.PUBREC;
            connection.send({ type, packetId: packet.packetId!, reasonCode: answer });
            break;
          }
          case PacketType.PUBREL:
            connection.send({ type: PacketType.PUBCOMP, packetId: packet.packetId, reasonCode: 0 });
            break;
          case PacketType.PINGREQ:
            if (script.pong?.(connection) ?? true) connection.send({ type: PacketType.PINGRESP });
            break;
          case PacketType.DISCONNECT:
            socket.end();
            break;
          default:
            break;
        }
      }
    });
  }
}
