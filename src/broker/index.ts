/**
 * The broker runtime.
 * @module
 */

export { Broker, type BrokerOptions, type IngestResult } from "./broker.js";
export { Connection, type ConnectionState, type ListenerInfo } from "./connection.js";
export { Metrics } from "./metrics.js";
