/**
 * A broker with the admin API for the admin tests: TCP and WebSocket listeners on port 0 (the API on the
 * WebSocket listener's HTTP server), the memory store unless a test asks for SQLite, and three
 * configured API keys: an administrator of the default tenant (`root`, every tenant), an administrator
 * of tenant `acme` (`acme-admin`) and a non-administrator (`viewer`). A JWT provider with a shared
 * secret maps `org` to the tenant and `roles` to the roles. `call` sends one request with Node's fetch.
 * @module
 */

import { SignJWT } from "jose";
import { generateApiKey } from "../../../src/auth/index.js";
import { startTestBroker, type TestBroker, type TestBrokerOptions } from "../../helpers/test-broker.js";

export const JWT_SECRET = "an-admin-api-test-secret-of-32-bytes!";
export const JWT_ISSUER = "https://idp.admin.test";

/** The configured keys: `sbk_<id>_<secret>`. */
export interface AdminKeys {
  readonly root: string;
  readonly acme: string;
  readonly viewer: string;
}

export interface AdminBroker extends TestBroker {
  readonly keys: AdminKeys;
  /** http://127.0.0.1:<ws port> */
  readonly baseUrl: string;
  /** Sends a request with `key` as X-API-Key (default: the root key; `null`: no credentials). */
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
}

export interface CallOptions {
  /** A value to send as JSON, or a string or bytes sent as they are. */
  readonly body?: unknown;
  readonly key?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body (undefined when empty). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of every route's shape, checked by the tests
  readonly body: any;
  /** The body as received. */
  readonly text: string;
}

/** A signed HS256 token of the test provider (`org`, the tenant claim, defaults to "default"). */
export function adminToken(claims: Record<string, unknown>, expiresIn = 300): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ org: "default", ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(JWT_ISSUER)
    .setSubject(typeof claims["sub"] === "string" ? claims["sub"] : "someone")
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .sign(new TextEncoder().encode(JWT_SECRET));
}

export async function startAdminBroker(options: TestBrokerOptions = {}): Promise<AdminBroker> {
  const root = generateApiKey("root");
  const acme = generateApiKey("acme-admin");
  const viewer = generateApiKey("viewer");
  const config = options.config ?? {};
  const auth = (config["auth"] ?? {}) as Record<string, unknown>;
  const broker = await startTestBroker({
    ...options,
    config: {
      ...config,
      auth: {
        backoff: { initialDelay: 0 },
        apiKeys: [
          { id: "root", hash: root.hash, roles: ["admin"] },
          { id: "acme-admin", hash: acme.hash, tenant: "acme", roles: ["admin"] },
          { id: "viewer", hash: viewer.hash, roles: ["reader"] },
        ],
        jwt: {
          providers: [
            {
              name: "idp",
              issuer: JWT_ISSUER,
              secret: JWT_SECRET,
              claims: { tenant: "org", roles: "roles" },
            },
          ],
        },
        ...auth,
      },
    },
  });
  const baseUrl = `http://127.0.0.1:${broker.wsPort}`;
  const keys = { root: root.key, acme: acme.key, viewer: viewer.key };
  return {
    ...broker,
    keys,
    baseUrl,
    call: async (method, path, call = {}) => {
      const key = call.key === undefined ? keys.root : call.key;
      const headers: Record<string, string> = { ...(key === null ? {} : { "x-api-key": key }) };
      let body: string | Uint8Array | undefined;
      if (call.body !== undefined) {
        headers["content-type"] = "application/json";
        body =
          typeof call.body === "string" || call.body instanceof Uint8Array
            ? call.body
            : JSON.stringify(call.body);
      }
      const response = await fetch(baseUrl + path, {
        method,
        headers: { ...headers, ...call.headers },
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: text === "" ? undefined : JSON.parse(text),
        text,
      };
    },
  };
}
