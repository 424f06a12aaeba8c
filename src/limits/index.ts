/**
 * Limits: token buckets, and per-address and per-client state that outlives a connection.
 * @module
 */

export { AddressTable, isLoopbackIp, remoteIp, type AddressTableOptions } from "./address-table.js";
export { FairGate, type FairGateOptions, type GateRefusal } from "./fair-gate.js";
export { LimitTable, type LimitEntry, type LimitTableOptions } from "./limit-table.js";
export { TokenBucket } from "./token-bucket.js";
