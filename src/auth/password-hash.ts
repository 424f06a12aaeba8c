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

/** Of new hashes, and the least a hash may have. */
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** A parsed `scrypt$...` hash. */
export interface PasswordHash extends ScryptParameters {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/**
 * Hashes a password with a fresh random salt. Throws a {@link ScryptBoundsError} for parameters beyond
 * the bounds below (the broker would refuse the hash).
 * @example
 * ```ts
 * await hashPassword("correct horse"); // "scrypt$32768$8$1$<salt>$<hash>"
 * ```
 */
export async function hashPassword(
  password: string | Uint8Array,
  parameters: ScryptParameters = DEFAULT_SCRYPT,
): Promise<string> {
  const { n, r, p } = parameters;
  const problem = scryptParametersProblem(n, r, p);
  if (problem !== undefined) throw new ScryptBoundsError(problem);
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptKey(password, salt, KEY_BYTES, parameters);
  return `scrypt$${n}$${r}$${p}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

/*
 * Bounds of the scrypt parameters a hash may carry, the same for the configuration's users and the
 * registry's. Every login with the hash's name pays them, so a hash written with N = 2^30 (an
 * administrator's mistake, or one tenant's administrator aiming at the broker) would cost gigabytes
 * and seconds of the thread pool per attempt, for anyone who knows the name. And every hash within
 * them can be checked: scrypt refuses N >= 2^(16·r), and allocates 128·r·(N + p + 2) bytes (OpenSSL's
 * B, V, X and T), which `maxmem` allows (see {@link scryptMemory}); with r <= 32 and p <= 16 that is
 * at most 72 KiB more than the 128·N·r bounded here.
 */
export const MIN_SCRYPT_N = 2 ** 10;
export const MAX_SCRYPT_N = 2 ** 20;
export const MAX_SCRYPT_R = 32;
export const MAX_SCRYPT_P = 16;
/** At most 128·N·r bytes (8 times the memory of {@link DEFAULT_SCRYPT}). */
export const MAX_SCRYPT_MEMORY = 256 * 2 ** 20;
/** At most N·r·p (16 times the work of {@link DEFAULT_SCRYPT}). */
export const MAX_SCRYPT_WORK = 2 ** 22;
const MAX_HASH_BYTES = 128;

/** The bytes one scrypt computation allocates: OpenSSL refuses it when `maxmem` is below this. */
export function scryptMemory({ n, r, p }: ScryptParameters): number {
  return 128 * r * (n + p + 2);
}

/**
 * Why scrypt parameters are beyond the bounds, worded to follow the hash's name (`has N = 1000: it
 * must be a power of two from 1024 to 1048576`); undefined when they are within them.
 */
export function scryptParametersProblem(n: number, r: number, p: number): string | undefined {
  if (!Number.isInteger(n) || !Number.isInteger(Math.log2(n)) || n < MIN_SCRYPT_N || n > MAX_SCRYPT_N)
    return `has N = ${n}: it must be a power of two from ${MIN_SCRYPT_N} to ${MAX_SCRYPT_N}`;
  if (!Number.isInteger(r) || r < 1 || r > MAX_SCRYPT_R)
    return `has r = ${r}: it must be from 1 to ${MAX_SCRYPT_R}`;
  if (!Number.isInteger(p) || p < 1 || p > MAX_SCRYPT_P)
    return `has p = ${p}: it must be from 1 to ${MAX_SCRYPT_P}`;
  if (Math.log2(n) >= 16 * r) return `has N = ${n} with r = ${r}: scrypt needs N below 2^(16·r)`;
  if (128 * n * r > MAX_SCRYPT_MEMORY)
    return `needs ${(128 * n * r) / 2 ** 20} MiB per check (128·N·r): at most ${MAX_SCRYPT_MEMORY / 2 ** 20} MiB`;
  if (n * r * p > MAX_SCRYPT_WORK)
    return `needs N·r·p = ${n * r * p} per check: at most 2^22 (${MAX_SCRYPT_WORK})`;
  return undefined;
}

/** A hash whose scrypt parameters are beyond the bounds above; `reason` says which. */
export class ScryptBoundsError extends TypeError {
  override readonly name = "ScryptBoundsError";
  readonly reason: string;

  constructor(reason: string) {
    super(`Cannot use the password hash: it ${reason}`);
    this.reason = reason;
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Why a hash split at "$" is not one the broker accepts; what `bounds` says is which kind of problem. */
function hashProblem(
  parts: readonly string[],
): { readonly bounds: boolean; readonly reason: string } | undefined {
  if (parts.length !== 6 || parts[0] !== "scrypt")
    return {
      bounds: false,
      reason: 'must be "scrypt$<N>$<r>$<p>$<salt>$<hash>" (run "switchboard hash-password")',
    };
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const bounds = scryptParametersProblem(n, r, p);
  if (bounds !== undefined) return { bounds: true, reason: bounds };
  const [salt = "", hash = ""] = parts.slice(4);
  // base64url without padding: 4 characters per 3 bytes
  if (!BASE64URL.test(salt) || salt.length < Math.ceil((SALT_BYTES * 4) / 3))
    return { bounds: false, reason: `has a salt shorter than ${SALT_BYTES} bytes (or not base64url)` };
  if (!BASE64URL.test(hash) || hash.length < Math.ceil((KEY_BYTES * 4) / 3))
    return { bounds: false, reason: `has a hash shorter than ${KEY_BYTES} bytes (or not base64url)` };
  const longest = Math.ceil((MAX_HASH_BYTES * 4) / 3);
  if (salt.length > longest || hash.length > longest)
    return { bounds: true, reason: `has a salt or hash longer than ${MAX_HASH_BYTES} bytes` };
  return undefined;
}

/**
 * Why `encoded` is not a password hash the broker accepts, worded to follow the hash's name (`has N =
 * 1000: ...`, `needs 512 MiB per check ...`); undefined when it is one. The configuration's users
 * (`auth.users`) and the registry's hashes are held to the same rules.
 */
export function passwordHashProblem(encoded: string): string | undefined {
  return hashProblem(encoded.split("$"))?.reason;
}

/**
 * Parses a hash written by {@link hashPassword}; throws a TypeError when it is not one, a
 * {@link ScryptBoundsError} when its parameters are beyond the bounds.
 */
export function parsePasswordHash(encoded: string): PasswordHash {
  const parts = encoded.split("$");
  const problem = hashProblem(parts);
  if (problem !== undefined)
    throw problem.bounds
      ? new ScryptBoundsError(problem.reason)
      : new TypeError(`Cannot parse the password hash: it ${problem.reason}`);
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  return { n, r, p, salt: Buffer.from(parts[4]!, "base64url"), hash: Buffer.from(parts[5]!, "base64url") };
}

/** Whether `password` matches `stored`, compared in constant time. */
export async function verifyPassword(password: string | Uint8Array, stored: PasswordHash): Promise<boolean> {
  const candidate = await scryptKey(password, stored.salt, stored.hash.length, stored);
  return timingSafeEqual(candidate, stored.hash);
}

/** scrypt on the thread pool, with the `maxmem` the parameters need (plus 1 MiB of slack). */
function scryptKey(
  password: string | Uint8Array,
  salt: Buffer,
  length: number,
  parameters: ScryptParameters,
): Promise<Buffer> {
  const { n, r, p } = parameters;
  const maxmem = scryptMemory(parameters) + 2 ** 20;
  return new Promise((resolve, reject) => {
    // throws at once (not through the callback) for parameters OpenSSL refuses
    scrypt(password, salt, length, { N: n, r, p, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}
