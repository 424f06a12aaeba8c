/**
 * The audit trail of authentication: one structured log line per event, with a stable `event` name,
 * the client id, user name, remote address, listener and reason. Never a password, token or key: the
 * password is never logged, and a user name that is itself a token or an API key (clients may send a
 * token as user name) is replaced by `<token>` / `<api key>`.
 *
 * | event                  | level | when                                                        |
 * | ---------------------- | ----- | ----------------------------------------------------------- |
 * | `auth.failure`         | warn  | a CONNECT (or its AUTH exchange) was refused                |
 * | `auth.reauth.failure`  | warn  | a re-authentication (AUTH 0x19) failed: disconnected         |
 * | `auth.expired`         | info  | the credential expired during the session: disconnected     |
 * | `auth.revoked`         | warn  | the credential was revoked (an API key): disconnected       |
 * | `auth.reauthenticated` | info  | a re-authentication succeeded                               |
 * @module
 */

import { parseApiKey, looksLikeJwt } from "../auth/index.js";
import type { Logger } from "../observability/index.js";

export type AuditEvent =
  "auth.failure" | "auth.reauth.failure" | "auth.expired" | "auth.revoked" | "auth.reauthenticated";

export interface AuditFields {
  readonly clientId: string | undefined;
  readonly username: string | undefined;
  readonly remote: string;
  readonly listener: string;
  readonly reason: string | undefined;
  readonly reasonCode?: number;
  /** The MQTT 5 authentication method, when one was used. */
  readonly method?: string | undefined;
  /** The principal id, when the client had authenticated. */
  readonly principal?: string | undefined;
  /** Milliseconds the refusal was delayed (backoff). */
  readonly delay?: number;
}

const MAX_USERNAME_LOGGED = 128;

/** Whether a user name is itself a credential (a token or an API key): never log or keep it. */
export function isCredential(username: string): boolean {
  return looksLikeJwt(username) || parseApiKey(username) !== undefined;
}

/** The user name as it may be logged. */
export function loggableUsername(username: string | undefined): string | undefined {
  if (username === undefined) return undefined;
  if (isCredential(username)) return looksLikeJwt(username) ? "<token>" : "<api key>";
  return username.length > MAX_USERNAME_LOGGED ? `${username.slice(0, MAX_USERNAME_LOGGED)}...` : username;
}

const MESSAGES: Readonly<Record<AuditEvent, string>> = {
  "auth.failure": "Authentication failed",
  "auth.reauth.failure": "Re-authentication failed: client disconnected",
  "auth.expired": "Credential expired: client disconnected",
  "auth.revoked": "Credential revoked: client disconnected",
  "auth.reauthenticated": "Client re-authenticated",
};

/** Writes one audit line. */
export function audit(logger: Logger, event: AuditEvent, fields: AuditFields): void {
  const line: Record<string, unknown> = { audit: true, event };
  for (const [key, value] of Object.entries(fields) as [string, unknown][]) {
    if (value !== undefined) line[key] = key === "username" ? loggableUsername(value as string) : value;
  }
  const info = event === "auth.expired" || event === "auth.reauthenticated";
  if (info) logger.info(line, MESSAGES[event]);
  else logger.warn(line, MESSAGES[event]);
}
