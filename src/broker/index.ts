/**
 * The broker runtime.
 * @module
 */

export { Broker, type BrokerOptions, type IngestResult } from "./broker.js";
export { Connection, type ConnectionState, type ListenerInfo } from "./connection.js";
export type { DeliveryPrivacy } from "./delivery-privacy.js";
export { Metrics } from "./metrics.js";
