/**
 * Binding and closing Node servers (TCP and HTTP), shared by the listeners.
 * @module
 */

import type { Server } from "node:net";

/** Listens on host:port; resolves with the bound port (the chosen one when 0 was asked for). */
export async function bindServer(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === "object" && address !== null ? address.port : port;
}

/** Stops accepting; resolves once every connection of the server has ended. */
export function closeServer(server: { close(callback: (error?: Error) => void): unknown }): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
  });
}
