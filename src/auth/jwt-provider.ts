/**
 * One token issuer (`auth.jwt.providers[]`): its verification key (a shared secret, a PEM public key,
 * or a remote JWKS that jose caches, refreshes after `jwksCacheMaxAge` and fetches again at once when a
 * token names an unknown key id, so the issuer can rotate keys), the accepted algorithms and the
 * `iss`/`aud` checks. `alg: none` is never accepted: jose refuses unsecured tokens whenever a key is
 * given, and the accepted algorithms are always an explicit list.
 * @module
 */

import { createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { JwtAlgorithm, JwtProviderConfig } from "../config/index.js";
import { ConfigError } from "../errors.js";

const HMAC: readonly JwtAlgorithm[] = ["HS256", "HS384", "HS512"];
const RSA: readonly JwtAlgorithm[] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
const EC_BY_CURVE: Readonly<Record<string, JwtAlgorithm>> = {
  prime256v1: "ES256",
  secp384r1: "ES384",
  secp521r1: "ES512",
};
const ASYMMETRIC: readonly JwtAlgorithm[] = [...RSA, "ES256", "ES384", "ES512", "EdDSA"];

/** Shortest accepted HMAC secret, in bytes (RFC 7518 3.2: at least the hash size for HS256). */
const MIN_SECRET_BYTES = 32;

export type VerifyOutcome =
  | { readonly ok: true; readonly payload: JWTPayload }
  | { readonly ok: false; readonly reason: string; readonly unavailable: boolean };

export class JwtProvider {
  readonly config: JwtProviderConfig;
  readonly algorithms: readonly JwtAlgorithm[];
  readonly #key: KeyObject | Uint8Array | JWTVerifyGetKey;

  /** Reads the provider's key; throws a ConfigError naming `path` when it cannot be used. */
  constructor(config: JwtProviderConfig, path: string) {
    this.config = config;
    const { key, algorithms } = loadKey(config, path);
    this.#key = key;
    this.algorithms = config.algorithms.length > 0 ? config.algorithms : algorithms;
  }

  /** Verifies signature, algorithm, `iss`, `aud`, `exp`, `nbf` (jose), at `now` with `clockTolerance` seconds of skew. */
  async verify(token: string, now: number, clockTolerance: number): Promise<VerifyOutcome> {
    const { issuer, audience, requireExpiry } = this.config;
    try {
      const { payload } = await jwtVerify(token, this.#key as KeyObject, {
        algorithms: [...this.algorithms],
        ...(issuer === undefined ? {} : { issuer }),
        ...(audience.length === 0 ? {} : { audience: [...audience] }),
        clockTolerance,
        currentDate: new Date(now),
        requiredClaims: requireExpiry ? ["exp"] : [],
      });
      return { ok: true, payload };
    } catch (error) {
      return { ok: false, reason: describeFailure(error), unavailable: isUnavailable(error) };
    }
  }
}

/** A reason for logs and the client: names the failed check, never a claim's value or the token. */
function describeFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "Token expired";
  if (error instanceof errors.JWTClaimValidationFailed)
    return `Token claim "${error.claim}" ${error.reason === "missing" ? "is missing" : "check failed"}`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return "Token signature invalid";
  if (error instanceof errors.JOSEAlgNotAllowed) return "Token algorithm not accepted";
  if (error instanceof errors.JWKSNoMatchingKey) return "No key of the issuer matches the token";
  if (error instanceof errors.JWKSTimeout) return "The issuer's keys could not be fetched in time";
  if (error instanceof errors.JOSEError) return "Token invalid";
  return "The issuer's keys could not be fetched";
}

/** Errors that say nothing about the token: the JWKS could not be fetched. */
function isUnavailable(error: unknown): boolean {
  return (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    !(error instanceof errors.JOSEError)
  );
}

function loadKey(
  config: JwtProviderConfig,
  path: string,
): { key: KeyObject | Uint8Array | JWTVerifyGetKey; algorithms: readonly JwtAlgorithm[] } {
  if (config.jwksUrl !== undefined) {
    const key = createRemoteJWKSet(new URL(config.jwksUrl), {
      cacheMaxAge: config.jwksCacheMaxAge * 1000,
      cooldownDuration: config.jwksCooldown * 1000,
      timeoutDuration: config.jwksTimeout,
    });
    return { key, algorithms: ASYMMETRIC };
  }
  if (config.secret !== undefined || config.secretFile !== undefined) {
    const text =
      config.secret ?? readKeyFile(config.secretFile!, `${path}.secretFile`).replace(/[\r\n]+$/, "");
    const secret = new TextEncoder().encode(text);
    if (secret.byteLength < MIN_SECRET_BYTES)
      throw invalid(
        `${path}.secretFile`,
        `the secret is ${secret.byteLength} bytes: HS* needs at least ${MIN_SECRET_BYTES}`,
      );
    return { key: secret, algorithms: HMAC };
  }
  const where = config.publicKey !== undefined ? `${path}.publicKey` : `${path}.publicKeyFile`;
  const pem = config.publicKey ?? readKeyFile(config.publicKeyFile!, where);
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (cause) {
    throw invalid(
      where,
      `is not a PEM public key (${cause instanceof Error ? cause.message : String(cause)})`,
    );
  }
  return { key, algorithms: algorithmsOf(key, where) };
}

function algorithmsOf(key: KeyObject, where: string): readonly JwtAlgorithm[] {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return RSA;
    case "rsa-pss":
      return ["PS256", "PS384", "PS512"];
    case "ed25519":
      return ["EdDSA"];
    case "ec": {
      const alg = EC_BY_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ""];
      if (alg !== undefined) return [alg];
      break;
    }
    default:
      break;
  }
  throw invalid(
    where,
    `holds a ${key.asymmetricKeyType ?? "unknown"} key: use RSA, EC (P-256/384/521) or Ed25519`,
  );
}

function readKeyFile(file: string, where: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String(cause);
    throw invalid(where, `cannot be read from "${file}": ${why}`);
  }
}

function invalid(path: string, message: string): ConfigError {
  return ConfigError.fromIssues([{ path, message: `"${path}" ${message}`, source: undefined }]);
}
