/**
 * Signing test tokens with jose, and a JWKS served by a local HTTP server (port 0) whose key set the
 * test can replace (key rotation).
 * @module
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";

export interface KeyPair {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

export async function keyPair(
  alg: string,
  kid = `${alg}-${Math.random().toString(36).slice(2, 8)}`,
): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, publicKey };
}

export async function publicPem(pair: KeyPair): Promise<string> {
  return exportSPKI(pair.publicKey);
}

export interface TokenOptions {
  readonly alg: string;
  readonly key: CryptoKey | Uint8Array;
  readonly kid?: string;
  /** Seconds from now; undefined for none. Negative for an expired token. */
  readonly expiresIn?: number | undefined;
  readonly issuer?: string;
  readonly audience?: string | string[];
  readonly subject?: string;
  readonly claims?: JWTPayload;
}

/** Signs a JWT with `exp` = now + `expiresIn` (default 300 s). */
export async function signToken(options: TokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(options.claims ?? {})
    .setProtectedHeader({ alg: options.alg, ...(options.kid === undefined ? {} : { kid: options.kid }) })
    .setIssuedAt(now)
    .setSubject(options.subject ?? "device-1");
  if (!("expiresIn" in options) || options.expiresIn !== undefined)
    jwt = jwt.setExpirationTime(now + (options.expiresIn ?? 300));
  if (options.issuer !== undefined) jwt = jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt = jwt.setAudience(options.audience);
  return jwt.sign(options.key);
}

/** An unsecured token (`alg: none`) with the given claims. */
export function unsecuredToken(claims: JWTPayload): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

export interface JwksServer {
  readonly url: string;
  /** How many times the key set was fetched. */
  readonly fetches: number;
  /** Replaces the served keys. */
  setKeys(pairs: readonly KeyPair[]): Promise<void>;
  close(): Promise<void>;
}

export async function startJwksServer(pairs: readonly KeyPair[]): Promise<JwksServer> {
  let body = "";
  let fetches = 0;
  const setKeys = async (next: readonly KeyPair[]): Promise<void> => {
    const keys: JWK[] = [];
    for (const pair of next)
      keys.push({ ...(await exportJWK(pair.publicKey)), kid: pair.kid, alg: pair.alg, use: "sig" });
    body = JSON.stringify({ keys });
  };
  await setKeys(pairs);
  const server: Server = createServer((_request, response) => {
    fetches++;
    response.writeHead(200, { "content-type": "application/json" });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    setKeys,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
