/**
 * A secure WebSocket listener (`wss`): MQTT over WebSocket over TLS, with the same TLS settings, client
 * certificates and reload as `tls-listener.ts`, and the WebSocket handling of `websocket-listener.ts`.
 * @module
 */

import type { Server as HttpsServer } from "node:https";
import { readSecureContext, readTlsServerOptions, type TlsSettings } from "./tls-options.js";
import type { TransportHandler } from "./transport.js";
import { listenWebSocket, type WebSocketListenerOptions } from "./websocket-listener.js";

export interface SecureWebSocketListenerOptions extends Omit<WebSocketListenerOptions, "tls"> {
  /** The listener's name, for errors. */
  readonly name: string;
  readonly tls: TlsSettings;
  /** Milliseconds a client has to complete the TLS handshake. */
  readonly handshakeTimeout: number;
  readonly onHandshakeError?: (error: Error, remoteAddress: string) => void;
}

export interface SecureWebSocketListener {
  readonly server: HttpsServer;
  readonly port: number;
  readonly host: string;
  /** Reads the certificate files again and serves new connections with them; throws a TlsError. */
  reload(): void;
  close(): Promise<void>;
}

/** Starts a wss listener; throws a TlsError when its files cannot be used. */
export async function listenSecureWebSocket(
  options: SecureWebSocketListenerOptions,
  handler: TransportHandler,
): Promise<SecureWebSocketListener> {
  const { name, tls, handshakeTimeout, onHandshakeError, ...rest } = options;
  const listener = await listenWebSocket(
    { ...rest, tls: { ...readTlsServerOptions(name, tls), handshakeTimeout } },
    handler,
  );
  const server = listener.server as HttpsServer;
  server.on("tlsClientError", (error, socket) => {
    onHandshakeError?.(error, `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`);
  });
  return {
    server,
    port: listener.port,
    host: listener.host,
    reload: () => server.setSecureContext(readSecureContext(name, tls)),
    close: () => listener.close(),
  };
}
