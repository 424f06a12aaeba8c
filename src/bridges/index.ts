/**
 * Outbound bridges: forward a tenant's messages to other MQTT brokers (the PlaceOS "Cloud Brokers"),
 * with verified TLS, mutual TLS, a durable outbox and full resyncs. See docs/bridges.md.
 * @module
 */

export { Bridge, type BridgeDeps } from "./bridge.js";
export type { BridgeTransform } from "./bridge-intake.js";
export {
  type BridgeAuth,
  type BridgeConfig,
  type BridgeConfigInput,
  type OutboxLimitsConfig,
  type ReconnectConfig,
  redactBridgeConfig,
  type RetainPolicy,
} from "./bridge-config.js";
export { BRIDGE_ID_PATTERN, bridgeConfigSchema } from "./bridge-config-schema.js";
export { BridgeManager, type BridgeHost, type BridgeManagerOptions } from "./bridge-manager.js";
export type { BridgeError, BridgeState, BridgeStatus } from "./bridge-status.js";
export { BridgePrivacy, type TenantOutputRules } from "./bridge-privacy.js";
export { bridgeSysValues, BridgeSysTopics, type BridgeSysTopicsOptions } from "./bridge-sys-topics.js";
export { bridgeInputOf } from "./broker-entity.js";
export { BrokerTap } from "./broker-tap.js";
export {
  OutboundBrokers,
  type OutboundBrokersOptions,
  type OutboundBrokerStatus,
} from "./outbound-brokers.js";
export type { OutboxMessage } from "./outbox.js";
export {
  retainedSnapshot,
  type SnapshotMessage,
  type SnapshotRequest,
  type SnapshotSource,
} from "./snapshot-source.js";
export { compileBridgeValidator, defaultBridgePort, validateBridgeConfig } from "./validate-bridge-config.js";
