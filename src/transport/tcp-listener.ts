/**
 * A TCP listener serving MQTT.
 * @module
 */

import { createServer, type Server } from "node:net";
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
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  return {
    server,
    port,
    host: options.host,
    close: () => closeServer(server),
  };
}

export function closeServer(server: { close(callback: (error?: Error) => void): unknown }): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
  });
}
