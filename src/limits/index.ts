/**
 * Limits: token buckets and per-address connection accounting.
 * @module
 */

export { AddressTable, isLoopbackIp, remoteIp, type AddressTableOptions } from "./address-table.js";
export { TokenBucket } from "./token-bucket.js";
