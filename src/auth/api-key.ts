/**
 * API keys: `sbk_<id>_<secret>`, where `id` is public (letters, digits, dashes) and `secret` is 32
 * random bytes in base64url. Only `sha256$<base64url SHA-256 of the secret>` is stored.
 *
 * Why a plain SHA-256 and not scrypt as for passwords: a slow, salted hash protects secrets people
 * choose, which are guessable. A 256-bit random secret is not: guessing it from its hash means 2^255
 * SHA-256 evaluations on average, and no precomputed table can cover the space, so salt and stretching
 * add nothing. A fast hash keeps checking a key cheap (microseconds) even when thousands of devices
 * reconnect at once, while a leaked configuration still reveals no usable key.
 * @module
 */

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const API_KEY_PREFIX = "sbk_";
const SECRET_BYTES = 32;
const KEY_PATTERN = /^sbk_([A-Za-z0-9-]{1,64})_([A-Za-z0-9_-]{43})$/;

/** A new key and the hash to store for it. */
export interface GeneratedApiKey {
  /** The key to hand to the client, shown once. */
  readonly key: string;
  /** What the broker stores (`auth.apiKeys[].hash`). */
  readonly hash: string;
}

/**
 * Makes a new random key for `id`.
 * @example
 * ```ts
 * const { key, hash } = generateApiKey("sensor-7");
 * // key: "sbk_sensor-7_Q2x...", hash: "sha256$Yp0..."
 * ```
 */
export function generateApiKey(id: string): GeneratedApiKey {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id))
    throw new TypeError(`Cannot make an API key for "${id}": ids are 1 to 64 letters, digits or dashes`);
  const secret = randomBytes(SECRET_BYTES).toString("base64url");
  return { key: `${API_KEY_PREFIX}${id}_${secret}`, hash: hashApiKeySecret(secret) };
}

/** `sha256$<base64url digest>` of a key's secret part. */
export function hashApiKeySecret(secret: string): string {
  return `sha256$${sha256(secret).toString("base64url")}`;
}

/** The id and secret of a key, or undefined when `text` is not shaped like one. */
export function parseApiKey(text: string): { readonly id: string; readonly secret: string } | undefined {
  const match = KEY_PATTERN.exec(text);
  if (match === null) return undefined;
  return { id: match[1]!, secret: match[2]! };
}

/** Whether `secret` hashes to `stored` (a `sha256$...` value), compared in constant time. */
export function apiKeySecretMatches(secret: string, stored: Buffer): boolean {
  const digest = sha256(secret);
  return digest.length === stored.length && timingSafeEqual(digest, stored);
}

/** The digest inside a stored `sha256$...` hash. */
export function storedApiKeyDigest(hash: string): Buffer {
  if (!hash.startsWith("sha256$")) throw new TypeError('Cannot read the API key hash: expected "sha256$..."');
  return Buffer.from(hash.slice("sha256$".length), "base64url");
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
