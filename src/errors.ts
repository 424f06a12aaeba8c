/**
 * The catalog of operational errors: what can stop the broker from starting or running, as opposed to
 * a peer's bad input (that is `ProtocolError` in `protocol/`, answered with a reason code) and expected
 * outcomes such as "not authorized" (returned as values, never thrown).
 *
 * Every error has a stable `code` listed in {@link errorCodes} and documented in `docs/errors.md`; a
 * test keeps the two equal. Wrap the underlying error as `cause`.
 * @module
 */

/** Every operational error code, with a one-line description (repeated in `docs/errors.md`). */
export const errorCodes = {
  SB_ERR_CONFIG_INVALID:
    "The configuration is invalid: an unknown key, a value of the wrong type or out of range, or conflicting listeners",
  SB_ERR_CONFIG_FILE: "The configuration file cannot be read or is not valid YAML",
  SB_ERR_LISTEN: "A listener cannot bind its address: the port is in use, or binding it is not permitted",
  SB_ERR_TLS: "A TLS listener's certificate, private key or CA bundle cannot be read or is not valid",
  SB_ERR_STORE: "The storage backend failed to open, load or commit",
  SB_ERR_CLUSTER: "The cluster bus failed to connect or lost its connection",
  SB_ERR_PLUGIN:
    "A plug-in (authenticator, authorizer or message stage) threw instead of returning a decision",
} as const;

export type ErrorCode = keyof typeof errorCodes;

/**
 * The `error.code` values of the admin REST API's error responses (`{"error": {"code", "message"}}`),
 * with their HTTP status and meaning (repeated in the "Admin API errors" table of `docs/errors.md`; a
 * test keeps the two equal). Not operational errors: answers to one request.
 */
export const apiErrorCodes = {
  BAD_REQUEST: [
    400,
    "The request does not match the route's schema (an unknown field, a wrong type, a bad id) or is not valid JSON (or nests deeper than 256 levels)",
  ],
  SECRET_REQUIRED: [
    400,
    "An update moves an outbound broker to another endpoint (host, port, TLS settings) but keeps a stored secret: give the secret again",
  ],
  UNAUTHORIZED: [401, "No credentials, or credentials the authentication chain does not accept"],
  FORBIDDEN: [403, "The principal is not an administrator, or not of the tenant it acts on"],
  NOT_FOUND: [404, "No such route, entity, client, session or retained message (or one of another tenant)"],
  CONFLICT: [
    409,
    "An id, login name, module slot or schema name is taken, or the entity is still referenced",
  ],
  PAYLOAD_TOO_LARGE: [413, "The request body is larger than admin.bodyLimit"],
  URI_TOO_LONG: [414, "A path parameter is longer than 8,192 characters (as sent, escaped)"],
  UNSUPPORTED_MEDIA_TYPE: [415, "The request body is not application/json"],
  UNPROCESSABLE: [
    422,
    "Well-formed, but breaks a registry rule: a missing or foreign reference, a zone parent of the wrong type, an invalid JSON Schema",
  ],
  INTERNAL_ERROR: [500, "The server failed; the log has the details"],
  STORE_UNAVAILABLE: [
    503,
    "The store cannot save changes (a full disk, an I/O error): the write was refused and nothing changed, or, when the store failed during it, it is applied and saved once the store recovers (the message says which)",
  ],
} as const satisfies Readonly<Record<string, readonly [number, string]>>;

export type ApiErrorCode = keyof typeof apiErrorCodes;

export interface SwitchboardErrorOptions extends ErrorOptions {
  readonly code: ErrorCode;
}

/**
 * The base of every operational error.
 * @example
 * ```ts
 * try { await store.open(); } catch (cause) { throw new StoreError("Cannot open the store", { cause }); }
 * ```
 */
export class SwitchboardError extends Error {
  override readonly name: string = "SwitchboardError";
  readonly code: ErrorCode;

  constructor(message: string, options: SwitchboardErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/** One problem found in the configuration. */
export interface ConfigIssue {
  /** The dotted path of the key, e.g. `mqtt.receiveMaximum` or `listeners[1].port`; "" for none. */
  readonly path: string;
  /** What is wrong, naming the key, e.g. `"mqtt.receiveMaximum" must be <= 65535`. */
  readonly message: string;
  /** Where the value came from, e.g. `from SWITCHBOARD_MQTT__RECEIVE_MAXIMUM` or `in switchboard.yaml`. */
  readonly source: string | undefined;
}

export interface ConfigErrorOptions extends ErrorOptions {
  /** Defaults to `SB_ERR_CONFIG_INVALID`. */
  readonly code?: "SB_ERR_CONFIG_INVALID" | "SB_ERR_CONFIG_FILE";
  readonly issues?: readonly ConfigIssue[];
}

/** The configuration cannot be used: see {@link ConfigError.issues} for each problem. */
export class ConfigError extends SwitchboardError {
  override readonly name = "ConfigError";
  readonly issues: readonly ConfigIssue[];

  constructor(message: string, options: ConfigErrorOptions = {}) {
    super(message, { code: options.code ?? "SB_ERR_CONFIG_INVALID", cause: options.cause });
    this.issues = options.issues ?? [];
  }

  /**
   * Builds the error for a list of issues: `Invalid configuration: <issue> (<source>)`, or with several
   * issues, `Invalid configuration:` followed by one `  - <issue> (<source>)` line each.
   */
  static fromIssues(issues: readonly ConfigIssue[]): ConfigError {
    const lines = issues.map((issue) =>
      issue.source ? `${issue.message} (${issue.source})` : issue.message,
    );
    const text = lines.length === 1 ? ` ${lines[0] ?? ""}` : lines.map((line) => `\n  - ${line}`).join("");
    return new ConfigError(`Invalid configuration:${text}`, { issues });
  }
}

export interface ListenErrorOptions extends ErrorOptions {
  /** The name of the listener that failed. */
  readonly listener: string;
}

/** A listener cannot bind its host and port. */
export class ListenError extends SwitchboardError {
  override readonly name = "ListenError";
  readonly listener: string;

  constructor(message: string, options: ListenErrorOptions) {
    super(message, { code: "SB_ERR_LISTEN", cause: options.cause });
    this.listener = options.listener;
  }
}

const listenReasons: Readonly<Record<string, string>> = {
  EADDRINUSE: "the address is already in use",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "the address is not available on this host",
  ENOTFOUND: "the host name does not resolve",
};

/**
 * Wraps a failed `listen()` in a {@link ListenError} whose message says which listener and why.
 * @example
 * ```ts
 * server.once("error", (cause) => reject(listenError({ name: "tcp:1883", host: "127.0.0.1", port: 1883 }, cause)));
 * // ListenError: Cannot listen on "tcp:1883" (127.0.0.1:1883): the address is already in use
 * ```
 */
export function listenError(
  listener: { readonly name: string; readonly host: string; readonly port: number },
  cause: unknown,
): ListenError {
  const errno = (cause as { code?: unknown } | undefined)?.code;
  const reason =
    (typeof errno === "string" ? listenReasons[errno] : undefined) ??
    (cause instanceof Error ? cause.message : String(cause));
  const host = listener.host.includes(":") ? `[${listener.host}]` : listener.host;
  return new ListenError(`Cannot listen on "${listener.name}" (${host}:${listener.port}): ${reason}`, {
    listener: listener.name,
    cause,
  });
}

/**
 * A `tls` or `wss` listener's certificate, key or CA bundle cannot be read or used. Thrown at start;
 * a failed reload (SIGHUP) is logged and the listener keeps its previous certificate.
 */
export class TlsError extends SwitchboardError {
  override readonly name = "TlsError";
  readonly listener: string;

  constructor(message: string, options: ListenErrorOptions) {
    super(message, { code: "SB_ERR_TLS", cause: options.cause });
    this.listener = options.listener;
  }
}

/** The storage backend failed; the broker cannot keep its durability promise. */
export class StoreError extends SwitchboardError {
  override readonly name = "StoreError";

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { code: "SB_ERR_STORE", cause: options.cause });
  }
}

/** The cluster bus failed. */
export class ClusterError extends SwitchboardError {
  override readonly name = "ClusterError";

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { code: "SB_ERR_CLUSTER", cause: options.cause });
  }
}

export interface PluginErrorOptions extends ErrorOptions {
  /** The plug-in's name. */
  readonly plugin: string;
}

/** A plug-in threw (or rejected) where it should have returned a decision. */
export class PluginError extends SwitchboardError {
  override readonly name = "PluginError";
  readonly plugin: string;

  constructor(message: string, options: PluginErrorOptions) {
    super(message, { code: "SB_ERR_PLUGIN", cause: options.cause });
    this.plugin = options.plugin;
  }
}
