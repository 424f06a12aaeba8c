/**
 * Password hashes: scrypt (RFC 7914) with a random 16-byte salt and a 32-byte key, written as
 *
 *     scrypt$<N>$<r>$<p>$<salt>$<hash>
 *
 * with the salt and hash in unpadded base64url, e.g. `scrypt$16384$8$1$3q2-7w...$Yk1...`. The cost
 * parameters travel with each hash, so raising them later only affects new hashes. Verification runs
 * on libuv's thread pool (it never blocks the event loop) and compares with `timingSafeEqual`.
 * @module
 */

import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

export interface ScryptParameters {
  /** CPU/memory cost: a power of two. */
  readonly n: number;
  /** Block size. */
  readonly r: number;
  /** Parallelism. */
  readonly p: number;
}

/**
 * The parameters of new hashes: N = 2^15, r = 8, p = 1, i.e. 32 MiB and some 50-100 ms of one core per
 * check: expensive for an offline guesser, affordable at connection time (the checks run on the
 * thread pool, four at a time by default).
 */
export const DEFAULT_SCRYPT: ScryptParameters = Object.freeze({ n: 2 ** 15, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** A parsed `scrypt$...` hash. */
export interface PasswordHash extends ScryptParameters {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/**
 * Hashes a password with a fresh random salt.
 * @example
 * ```ts
 * await hashPassword("correct horse"); // "scrypt$32768$8$1$<salt>$<hash>"
 * ```
 */
export async function hashPassword(
  password: string | Uint8Array,
  parameters: ScryptParameters = DEFAULT_SCRYPT,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptKey(password, salt, KEY_BYTES, parameters);
  const { n, r, p } = parameters;
  return `scrypt$${n}$${r}$${p}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

/**
 * Bounds of the scrypt parameters a stored hash may carry: every login with the hash's name pays them,
 * so a hash written with N = 2^30 (an administrator's mistake, or one tenant's administrator aiming at
 * the broker) would cost gigabytes and seconds of the thread pool per attempt, for anyone who knows the
 * name. 8 times the memory and 16 times the work of {@link DEFAULT_SCRYPT}.
 */
export const MAX_SCRYPT_MEMORY = 256 * 2 ** 20; // 128 x N x r bytes
export const MAX_SCRYPT_WORK = 2 ** 22; // N x r x p
const MAX_HASH_BYTES = 128;

/** A well-formed hash whose scrypt parameters are beyond the bounds above; `reason` says them. */
export class ScryptBoundsError extends TypeError {
  override readonly name = "ScryptBoundsError";
  readonly reason: string;

  constructor(reason: string) {
    super(`Cannot use the password hash: ${reason}`);
    this.reason = reason;
  }
}

/**
 * Parses a hash written by {@link hashPassword}; throws a TypeError when it is not one, a
 * {@link ScryptBoundsError} when its parameters are beyond the bounds.
 */
export function parsePasswordHash(encoded: string): PasswordHash {
  const parts = encoded.split("$");
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] ?? "", "base64url");
  const hash = Buffer.from(parts[5] ?? "", "base64url");
  if (parts.length !== 6 || parts[0] !== "scrypt" || ![n, r, p].every(Number.isInteger) || hash.length < 16)
    throw new TypeError('Cannot parse the password hash: expected "scrypt$<N>$<r>$<p>$<salt>$<hash>"');
  if (
    n < 2 ||
    (n & (n - 1)) !== 0 ||
    r < 1 ||
    p < 1 ||
    128 * n * r > MAX_SCRYPT_MEMORY ||
    n * r * p > MAX_SCRYPT_WORK ||
    salt.length > MAX_HASH_BYTES ||
    hash.length > MAX_HASH_BYTES
  )
    throw new ScryptBoundsError(
      `scrypt needs N a power of two, and this broker accepts at most 128·N·r = ${MAX_SCRYPT_MEMORY / 2 ** 20} MiB, N·r·p = 2^22 and ${MAX_HASH_BYTES}-byte salts and hashes`,
    );
  return { n, r, p, salt, hash };
}

/** Whether `password` matches `stored`, compared in constant time. */
export async function verifyPassword(password: string | Uint8Array, stored: PasswordHash): Promise<boolean> {
  const candidate = await scryptKey(password, stored.salt, stored.hash.length, stored);
  return timingSafeEqual(candidate, stored.hash);
}

/** scrypt on the thread pool, with enough `maxmem` for the parameters (128 x N x r, plus slack). */
function scryptKey(
  password: string | Uint8Array,
  salt: Buffer,
  length: number,
  { n, r, p }: ScryptParameters,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, { N: n, r, p, maxmem: 128 * n * r + 2 ** 20 }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}
