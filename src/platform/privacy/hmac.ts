/**
 * The port the privacy engine hashes through, so the engine stays free of Node imports:
 * HMAC-SHA256 of `data` (UTF-8) under `key` (UTF-8), as 64 lowercase hex digits. `nodeHmac`
 * (node-hmac.ts) is the implementation the broker uses.
 * @module
 */

export type Hmac = (key: string, data: string) => string;
