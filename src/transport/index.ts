/**
 * Byte transports: TCP and WebSocket listeners, the socket adapters, and an in-memory pair for tests.
 * @module
 */

export { createMemoryPair, type MemoryClientEnd } from "./memory-transport.js";
export { SocketTransport } from "./socket-transport.js";
export { bindServer, closeServer } from "./bind-server.js";
export { listenTcp, type TcpListener } from "./tcp-listener.js";
export { type PeerCertificate, peerCertificateOf, type SubjectAltName } from "./tls-certificate.js";
export { listenTls, type TlsListener, type TlsListenerOptions } from "./tls-listener.js";
export { readSecureContext, readTlsServerOptions, type TlsSettings } from "./tls-options.js";
export {
  listenSecureWebSocket,
  type SecureWebSocketListener,
  type SecureWebSocketListenerOptions,
} from "./wss-listener.js";
export type { Transport, TransportHandler, TransportKind, TransportSink } from "./transport.js";
export {
  listenWebSocket,
  type WebSocketRoute,
  type WebSocketListener,
  type WebSocketListenerOptions,
} from "./websocket-listener.js";
export { WebSocketTransport, type WebSocketTransportOptions } from "./websocket-transport.js";
