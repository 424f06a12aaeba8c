/**
 * A TLS listener serving MQTT (usually port 8883): TLS 1.2 or later, optional or required client
 * certificates, and certificate reload without dropping connections (`reload`, called on SIGHUP). A
 * connection reaches the broker once its handshake is done, with the verified client certificate.
 * @module
 */

import { createServer, type Server } from "node:tls";
import { bindServer, closeServer } from "./bind-server.js";
import { SocketTransport } from "./socket-transport.js";
import { readSecureContext, readTlsServerOptions, type TlsSettings } from "./tls-options.js";
import type { TransportHandler } from "./transport.js";

export interface TlsListenerOptions {
  /** The listener's name, for errors. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly tls: TlsSettings;
  /** Milliseconds a client has to complete the TLS handshake. */
  readonly handshakeTimeout: number;
  /** Told about failed handshakes (untrusted or missing client certificate, wrong protocol...). */
  readonly onHandshakeError?: (error: Error, remoteAddress: string) => void;
}

export interface TlsListener {
  readonly server: Server;
  readonly port: number;
  readonly host: string;
  /** Reads the certificate files again and serves new connections with them; throws a TlsError. */
  reload(): void;
  close(): Promise<void>;
}

/** Starts a TLS listener; throws a TlsError when its files cannot be used. */
export async function listenTls(
  options: TlsListenerOptions,
  handler: TransportHandler,
): Promise<TlsListener> {
  const server = createServer(
    { ...readTlsServerOptions(options.name, options.tls), handshakeTimeout: options.handshakeTimeout },
    (socket) => handler(new SocketTransport(socket, "tls")),
  );
  server.on("tlsClientError", (error, socket) => {
    options.onHandshakeError?.(error, `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`);
  });
  const port = await bindServer(server, options.host, options.port);
  return {
    server,
    port,
    host: options.host,
    reload: () => server.setSecureContext(readSecureContext(options.name, options.tls)),
    close: () => closeServer(server),
  };
}
