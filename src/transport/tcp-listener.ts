/**
 * A TCP listener serving MQTT.
 * @module
 */

import { createServer, type Server } from "node:net";
import { bindServer, closeServer } from "./bind-server.js";
import { SocketTransport } from "./socket-transport.js";
import type { TransportHandler } from "./transport.js";

export interface TcpListener {
  readonly server: Server;
  /** The bound port (useful when 0 was asked for). */
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

export async function listenTcp(
  options: { readonly host: string; readonly port: number },
  handler: TransportHandler,
): Promise<TcpListener> {
  const server = createServer({ noDelay: true }, (socket) => handler(new SocketTransport(socket, "tcp")));
  const port = await bindServer(server, options.host, options.port);
  return {
    server,
    port,
    host: options.host,
    close: () => closeServer(server),
  };
}
