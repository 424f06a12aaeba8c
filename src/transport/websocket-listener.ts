/**
 * MQTT over WebSocket on an HTTP server (spec 6): upgrade requests on the configured path are served
 * with subprotocol "mqtt" [MQTT-6.0.0-3] (3.1's "mqttv3.1" is accepted too). More paths can serve MQTT
 * with a handler of their own (`routes`: the PlaceOS API's `/api/mqtt`); each path is also served with a
 * trailing `/`. Other upgrade paths get 404; other HTTP requests go to `requestHandler` (the admin API)
 * or get 404.
 * @module
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { TLSSocket, type TlsOptions } from "node:tls";
import { WebSocketServer } from "ws";
import { bindServer, closeServer } from "./bind-server.js";
import { peerCertificateOf } from "./tls-certificate.js";
import type { TransportHandler } from "./transport.js";
import { WebSocketTransport } from "./websocket-transport.js";

export interface WebSocketListenerOptions {
  readonly host: string;
  readonly port: number;
  /** The HTTP path MQTT is served on, e.g. "/mqtt". */
  readonly path: string;
  /** Largest WebSocket message accepted, in bytes. */
  readonly maxPayload: number;
  readonly highWaterMark: number;
  readonly requestHandler?: (request: IncomingMessage, response: ServerResponse) => void;
  /** Serve secure WebSocket (`wss`) over HTTPS with these TLS options (see `wss-listener.ts`). */
  readonly tls?: TlsOptions;
  /** More paths that serve MQTT, each with its own handler. */
  readonly routes?: readonly WebSocketRoute[];
}

/** A path other than the listener's own that serves MQTT over WebSocket. */
export interface WebSocketRoute {
  /** The HTTP path, e.g. "/api/mqtt" (also served as "/api/mqtt/"). */
  readonly path: string;
  readonly handler: TransportHandler;
}

export interface WebSocketListener {
  readonly server: Server | HttpsServer;
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

const SUBPROTOCOLS = ["mqtt", "mqttv3.1"];

export async function listenWebSocket(
  options: WebSocketListenerOptions,
  handler: TransportHandler,
): Promise<WebSocketListener> {
  const requestHandler =
    options.requestHandler ??
    ((_request: IncomingMessage, response: ServerResponse) => {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { code: "NOT_FOUND", message: "Not found" } }));
    });
  const secure = options.tls !== undefined;
  const server = secure ? createHttpsServer(options.tls, requestHandler) : createServer(requestHandler);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    perMessageDeflate: false,
    handleProtocols: (protocols) => SUBPROTOCOLS.find((p) => protocols.has(p)) ?? false,
  });
  const handlers = new Map<string, TransportHandler>();
  for (const route of [{ path: options.path, handler }, ...(options.routes ?? [])]) {
    const base = route.path.endsWith("/") && route.path.length > 1 ? route.path.slice(0, -1) : route.path;
    for (const path of [base, `${base}/`]) if (!handlers.has(path)) handlers.set(path, route.handler);
  }
  server.on("upgrade", (request, socket, head) => {
    // Node's HTTP server no longer listens for the socket's errors once it emits "upgrade": without a
    // listener, a client resetting the connection would be an uncaught error (the broker would exit)
    socket.on("error", () => socket.destroy());
    const path = (request.url ?? "/").split("?")[0]!;
    const serve = handlers.get(path);
    if (serve === undefined) {
      // released once written, not when the client closes its side: one that never does would keep it
      socket.once("finish", () => socket.destroy());
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const remote = `${request.socket.remoteAddress ?? "?"}:${request.socket.remotePort ?? 0}`;
      const certificate = request.socket instanceof TLSSocket ? peerCertificateOf(request.socket) : undefined;
      serve(new WebSocketTransport(ws, remote, options.highWaterMark, { secure, certificate }));
    });
  });
  const port = await bindServer(server, options.host, options.port);
  return {
    server,
    port,
    host: options.host,
    // Stops accepting; resolves once every connection has ended (the broker closes MQTT connections,
    // idle HTTP keep-alive connections are closed here).
    close: async () => {
      wss.close();
      const closed = closeServer(server);
      server.closeIdleConnections();
      await closed;
    },
  };
}
