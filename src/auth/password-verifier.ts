/**
 * The one place password logins spend scrypt: {@link PasswordVerifier} checks a password against a
 * hash (one scrypt computation per call), and {@link dummyPasswordHash} is what a refusal checks when
 * there is no usable hash (an unknown name, a user without a password, a stored hash beyond the
 * bounds), so that every refused password login costs one computation of the default parameters,
 * whatever the reason. Injected into the password links (tests count the computations).
 * @module
 */

import { DEFAULT_SCRYPT, type PasswordHash, verifyPassword } from "./password-hash.js";

export interface PasswordVerifier {
  /** Whether `password` matches `stored`: one scrypt computation with the hash's parameters. */
  verify(password: string | Uint8Array, stored: PasswordHash): Promise<boolean>;
}

/** scrypt on the thread pool (`password-hash.ts`). */
export const scryptVerifier: PasswordVerifier = Object.freeze({ verify: verifyPassword });

/**
 * A hash with the parameters of new hashes ({@link DEFAULT_SCRYPT}, what `switchboard hash-password`
 * and the admin API write) that no password is expected to match: checked for its cost only, its answer
 * is ignored.
 */
export function dummyPasswordHash(): PasswordHash {
  return { ...DEFAULT_SCRYPT, salt: Buffer.alloc(16, 1), hash: Buffer.alloc(32, 2) };
}
