/**
 * The composition root: the only place that chooses implementations (store, cluster bus, hooks) and
 * binds listeners. The CLI and the tests start brokers through `startSwitchboard`.
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import { type AdminApi, AdminAuthenticator, createAdminApi } from "./admin/index.js";
import {
  ApiKeyAuthenticator,
  type ConfiguredAuthenticators,
  createAuthenticators,
  type ExternalAuthenticator,
  JwtAuthenticator,
  parseApiKey,
  passwordCheckLimits,
  PasswordChecks,
  type PasswordVerifier,
  threadPoolSize,
} from "./auth/index.js";
import { type BridgeManager, OutboundBrokers } from "./bridges/index.js";
import { Broker, type BrokerOptions, type ListenerInfo } from "./broker/index.js";
import {
  adminListener,
  type AuthConfig,
  type Config,
  type ListenerConfig,
  isLoopbackHost,
  placeosApiListeners,
} from "./config/index.js";
import { listenError, SwitchboardError, TlsError } from "./errors.js";
import {
  type Authenticator,
  DEFER,
  type OutboxStore,
  type RegistryStore,
  type Store,
} from "./hooks/index.js";
import { FailureLog, type Logger } from "./observability/index.js";
import { createDialectLayer, type DialectLayer } from "./platform/dialects/index.js";
import { type TokenVerifier, tokenVerifier } from "./auth/token-verifier.js";
import { PLACEOS_API_ENDPOINT, placeosApiAuthenticator } from "./platform/dialects/placeos/index.js";
import { Registry, RegistryAuthenticator, schemaSizeProblem } from "./platform/registry/index.js";
import { PrivacySysTopics, TenantPrivacies } from "./platform/tenant-privacy/index.js";
import type { PrivacyCountersSource } from "./admin/privacy-routes.js";
import {
  MemoryOutboxStore,
  MemoryRegistryStore,
  MemoryStore,
  SqliteOutboxStore,
  SqliteRegistryStore,
  SqliteStore,
} from "./storage/index.js";
import { runShutdown } from "./run-shutdown.js";
import { VERSION } from "./version.js";
import {
  listenSecureWebSocket,
  listenTcp,
  listenTls,
  listenWebSocket,
  type TransportHandler,
  type WebSocketRoute,
} from "./transport/index.js";

export interface BoundListener {
  readonly name: string;
  readonly kind: ListenerConfig["kind"];
  readonly host: string;
  /** The port actually bound (differs from the configured one when that was 0). */
  readonly port: number;
  readonly path: string;
  /** `tls` and `wss`: reads the certificate files again; throws a TlsError (the old ones stay). */
  readonly reload?: () => void;
  close(): Promise<void>;
}

/** What {@link Switchboard.reloadCertificates} did, per `tls`/`wss` listener. */
export interface CertificateReload {
  readonly listener: string;
  readonly ok: boolean;
  readonly error?: TlsError;
}

export interface Switchboard {
  readonly broker: Broker;
  readonly listeners: readonly BoundListener[];
  /**
   * The API key authenticator built from `auth.apiKeys`, to add and revoke keys at run time (revoking
   * disconnects the key's clients); undefined when authenticators were passed in or `apiKey` is not
   * in `auth.chain`.
   */
  readonly apiKeys: ApiKeyAuthenticator | undefined;
  /**
   * The platform dialects (docs/dialects/), when a tenant can have one (`dialects.*.tenants`, or a
   * registry): `emit(envelope)` renders an event that entered elsewhere onto every dialect's topics.
   */
  readonly dialects: DialectLayer | undefined;
  /**
   * The platform registry (tenants, zones, devices, users, API keys, payload schemas, current state),
   * kept in the store; its changes take effect at once (a disabled device is disconnected).
   */
  readonly registry: Registry;
  /**
   * The bound on password checks (`auth.passwordChecks`) that the configuration's users and the
   * registry's share: checks running and waiting now, the most that ever ran at once, and counters of
   * checks and of refusals.
   */
  readonly passwordChecks: PasswordChecks;
  /**
   * The outbound bridges (docs/bridges.md): one per `brokers` entity of the registry, kept in step with
   * it. Change brokers through the registry; status and resync are here too.
   */
  readonly bridges: BridgeManager;
  /** The admin REST API (docs/admin-api.md), when `admin.enabled` and a `ws`/`wss` listener serves it. */
  readonly admin: AdminApi | undefined;
  /**
   * Reads the certificate files of every `tls` and `wss` listener again (the CLI calls it on SIGHUP).
   * New connections use the new certificates; established ones are kept. A listener whose files fail
   * keeps its previous certificate, and the failure is logged (SB_ERR_TLS) and returned.
   */
  reloadCertificates(): CertificateReload[];
  /**
   * Stops accepting connections, stops the bridges and dialect inputs, disconnects clients (v5: 0x8B),
   * flushes and closes the store. Every step runs whatever an earlier one threw (a store that cannot
   * commit is closed all the same); each failure is logged with its code, and the promise rejects with
   * the failure (an AggregateError when there are several). Later calls return the first's promise.
   */
  stop(): Promise<void>;
}

/** The broker's options; `store`, when given, overrides the one `config.storage` chooses. */
export interface StartOptions extends BrokerOptions {
  /**
   * The registry (loaded) to use instead of the one kept in the store: the dialects read and write it,
   * `auth.chain`'s `registry` checks its credentials, the admin API edits it.
   */
  readonly registry?: Registry;
  /** The outbound bridges' outbox store, instead of the one `store` implies. */
  readonly outboxStore?: OutboxStore;
  /** Checks the passwords of password logins (`auth.users` and the registry's). Default scrypt. */
  readonly passwordVerifier?: PasswordVerifier;
}

/** The database file of the SQLite store, inside the configured data directory. */
export const SQLITE_FILE_NAME = "switchboard.db";

function createStore(config: Config, logger: Logger, clock: (() => number) | undefined): Store {
  const storage = config.storage;
  switch (storage.kind) {
    case "memory":
      return new MemoryStore();
    case "sqlite": {
      const file = resolve(storage.path, SQLITE_FILE_NAME);
      // a full disk fails every commit until space is freed: the first failure is logged in full, then
      // one line per 30 s, then the recovery
      const failures = new FailureLog({ logger, code: "SB_ERR_STORE" });
      const store = new SqliteStore({
        file,
        durability: storage.durability,
        commitInterval: storage.commitInterval,
        housekeepingInterval: storage.housekeepingInterval * 1000,
        compactThreshold: storage.compactThreshold,
        ...(clock === undefined ? {} : { clock }),
        onError: (error) => failures.failed(error, error.message),
        onRecovered: (failure) =>
          failures.recovered(
            `Store commits succeed again, after ${failure.failures} failed since ${new Date(failure.since).toISOString()}`,
            { lastError: failure.message },
          ),
        onHousekeeping: (result) => {
          if (result.purged > 0 || result.freedPages > 0) logger.info(result, "Store housekeeping");
        },
      });
      logger.info({ file, durability: storage.durability, ...store.stats() }, "Opened the SQLite store");
      return store;
    }
  }
}

/** The registry's store: in the SQLite store's database (and group commit), or in memory. */
function createRegistryStore(store: Store): RegistryStore {
  return store instanceof SqliteStore ? new SqliteRegistryStore(store) : new MemoryRegistryStore();
}

/** The bridges' outboxes: in the SQLite store's database (and group commit), or in memory. */
function createOutboxStore(store: Store): OutboxStore {
  return store instanceof SqliteStore ? new SqliteOutboxStore(store) : new MemoryOutboxStore();
}

/**
 * The registry's API keys as user API tokens of the Gooee login (`authorization` / `<key>`); other
 * tokens are not the registry's to answer.
 */
function registryKeyVerifier(authenticator: RegistryAuthenticator): TokenVerifier {
  const encoder = new TextEncoder();
  return {
    name: authenticator.name,
    verifyToken: (token, attempt) =>
      parseApiKey(token) === undefined
        ? DEFER
        : authenticator.authenticate({ ...attempt, username: undefined, password: encoder.encode(token) }),
    attach: (host) => authenticator.attach(host),
  };
}

/** The registry kept in `store`, loaded. */
async function loadRegistry(
  store: Store,
  logger: Logger,
  clock: (() => number) | undefined,
  auth: AuthConfig,
): Promise<Registry> {
  const registry = new Registry({
    store: createRegistryStore(store),
    ...(clock === undefined ? {} : { clock }),
    configApiKeyIds: auth.apiKeys.map((key) => key.id),
    configUsernames: auth.users.map((user) => user.username),
    onListenerError: (error) => logger.error({ err: error }, "A registry change listener failed"),
  });
  await registry.load();
  // written before the size bounds: kept (and editable), but never compiled, so its values are refused
  for (const schema of registry.list("schemas").items) {
    const problem = schemaSizeProblem(schema.schema);
    if (problem !== undefined)
      logger.error(
        { schemaId: schema.id, tenant: schema.tenant, name: schema.name, problem },
        "A stored payload schema is too large to compile safely: values of its name are refused until it is replaced",
      );
  }
  return registry;
}

/** The registry authenticator as the `registry` link of `auth.chain`. */
function registryLink(registry: Registry, authenticator: RegistryAuthenticator): ExternalAuthenticator {
  return {
    name: authenticator.name,
    authenticate: (attempt) => authenticator.authenticate(attempt),
    attach: (host) => authenticator.attach(host),
    holdsCredentials: () => registry.holdsCredentials(),
  };
}

export async function startSwitchboard(options: StartOptions): Promise<Switchboard> {
  const { config, logger } = options;
  const store = options.store ?? createStore(config, logger, options.clock);
  let registry: Registry;
  let registryAuthenticator: RegistryAuthenticator;
  let configured: ConfiguredAuthenticators | undefined;
  // one bound on the password checks of every password link (auth.passwordChecks)
  const checks = new PasswordChecks({
    limits: passwordCheckLimits(config.auth.passwordChecks, threadPoolSize(process.env)),
    ...(options.passwordVerifier === undefined ? {} : { verifier: options.passwordVerifier }),
  });
  try {
    registry = options.registry ?? (await loadRegistry(store, logger, options.clock, config.auth));
    registryAuthenticator = new RegistryAuthenticator(registry, { checks });
    // Authenticators come from the configuration unless given (a ConfigError when a key file is bad)
    configured =
      options.authenticators === undefined
        ? createAuthenticators(config.auth, {
            ...(options.clock === undefined ? {} : { now: options.clock }),
            registry: registryLink(registry, registryAuthenticator),
            tokenVerifiers: [registryKeyVerifier(registryAuthenticator)],
            checks,
          })
        : undefined;
  } catch (error) {
    if (options.store === undefined) await store.close().catch(() => undefined);
    throw error;
  }
  // The dialects' hooks come first: their topic tables are answered before any other authorizer
  const dialects = createDialectLayer({ config, registry, logger });
  const tokens = tokenAuthenticators(config, configured, options.clock);
  // PlaceOS's /api/mqtt logins are answered before the chain: only tokens are accepted there
  const placeosApi =
    dialects === undefined || !config.dialects.placeos.api.enabled
      ? undefined
      : placeosApiAuthenticator(dialects, [
          ...[tokens.keys, tokens.jwt].filter((a) => a !== undefined).map(tokenVerifier),
          registryKeyVerifier(registryAuthenticator),
        ]);
  const chain = configured?.chain ?? options.authenticators;
  const broker = new Broker({
    ...options,
    ...(chain === undefined
      ? {}
      : { authenticators: placeosApi === undefined ? chain : [placeosApi, ...chain] }),
    ...(dialects === undefined
      ? {}
      : {
          authorizers: [dialects.authorizer, ...(options.authorizers ?? [])],
          stages: [dialects.stage, ...(options.stages ?? [])],
        }),
    store,
  });
  // The registry's outbound brokers, started before any client can publish: their bridges miss nothing
  const outboxStore = options.outboxStore ?? createOutboxStore(store);
  // Tenants' privacy settings (docs/privacy.md): deliveries to clients and the tenant's part of bridges
  const privacy = startTenantPrivacy(broker, registry, logger);
  const bridges = new OutboundBrokers({
    broker,
    registry,
    store: outboxStore,
    logger,
    tenantRules: privacy.tenants,
  });
  privacy.bridges = bridges;
  let admin: AdminApi | undefined;
  const adminOn = adminListener(config.admin, config.listeners);
  try {
    await broker.start();
    // The dialects that follow the registry publish their snapshot before any client connects
    await dialects?.start({ retained: broker.retained });
    bridges.start();
    privacy.sys.start();
    if (adminOn !== undefined) {
      const authenticator = adminAuthenticator(config, tokens, registryAuthenticator, adminOn);
      admin = await createAdminApi({
        broker,
        registry,
        authenticator,
        bodyLimit: config.admin.bodyLimit,
        logger,
        version: VERSION,
        ...(options.clock === undefined ? {} : { now: options.clock }),
        bridges,
        privacy: privacy.counters,
        ...(dialects === undefined ? {} : { dialects }),
      });
    }
  } catch (error) {
    privacy.stop();
    await bridges.stop().catch(() => undefined);
    await dialects?.stop().catch(() => undefined);
    await broker.close().catch(() => undefined);
    throw error;
  }

  const listeners: BoundListener[] = [];
  const apiOn =
    placeosApi === undefined ? [] : placeosApiListeners(config.dialects.placeos.api, config.listeners);
  try {
    for (const listener of config.listeners)
      listeners.push(
        await bind(broker, listener, config, {
          requestHandler: listener.name === adminOn?.name ? admin?.handle : undefined,
          placeosApi: apiOn.includes(listener) ? config.dialects.placeos.api.path : undefined,
        }),
      );
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    privacy.stop();
    await bridges.stop();
    await dialects?.stop();
    await broker.close();
    await admin?.close();
    throw error;
  }
  for (const l of listeners) {
    const web = l.kind === "ws" || l.kind === "wss";
    logger.info(
      { listener: l.name, host: l.host, port: l.port, ...(web ? { path: l.path } : {}) },
      `Listening for MQTT over ${TRANSPORT_NAMES[l.kind]}`,
    );
  }
  for (const listener of apiOn)
    logger.info(
      { listener: listener.name, path: config.dialects.placeos.api.path },
      "Serving the PlaceOS MQTT API (JWT or API key logins)",
    );
  if (admin !== undefined && adminOn !== undefined) {
    const bound = listeners.find((l) => l.name === adminOn.name);
    logger.info(
      { listener: adminOn.name, port: bound?.port, routes: admin.routes.length },
      "Serving the admin API on /api/v1/",
    );
  }

  let stopping: Promise<void> | undefined;
  return {
    broker,
    listeners,
    apiKeys: configured?.apiKeys,
    dialects,
    registry,
    passwordChecks: checks,
    bridges: bridges.manager,
    admin,
    reloadCertificates: () => reloadCertificates(listeners, logger),
    stop: () => {
      if (stopping !== undefined) return stopping;
      // Stop accepting first; the listeners finish closing once the broker has closed every connection.
      const listenersClosed = Promise.allSettled(listeners.map((l) => l.close()));
      stopping = runShutdown(
        [
          { name: "stop the bridges", run: () => bridges.stop() }, // before the store closes: outboxes committed
          { name: "stop following the tenants' privacy settings", run: () => privacy.stop() },
          { name: "stop the dialect inputs", run: () => dialects?.stop() }, // (Redis) stop feeding state
          // clients get DISCONNECT 0x8B; the store makes its last commit and is closed, even when it fails
          { name: "close the broker and its store", run: () => broker.close() },
          { name: "close the listeners", run: async () => firstRejection(await listenersClosed) },
          { name: "close the admin API", run: () => admin?.close() },
        ],
        logger,
      );
      return stopping;
    },
  };
}

/** Throws the reason of the first rejected result. */
function firstRejection(results: readonly PromiseSettledResult<unknown>[]): void {
  for (const result of results) if (result.status === "rejected") throw result.reason;
}

/** The token authenticators of the configuration, whatever `auth.chain` says. */
interface TokenAuthenticators {
  readonly jwt: JwtAuthenticator | undefined;
  readonly keys: ApiKeyAuthenticator | undefined;
}

/**
 * JWTs of `auth.jwt` and API keys of `auth.apiKeys`, which the admin API and PlaceOS's `/api/mqtt`
 * accept whatever `auth.chain` says (it orders MQTT logins). The chain's own instances are used when it
 * has them, so a key revoked at run time is refused everywhere.
 */
function tokenAuthenticators(
  config: Config,
  configured: ConfiguredAuthenticators | undefined,
  clock: (() => number) | undefined,
): TokenAuthenticators {
  const { auth } = config;
  const jwt =
    configured?.jwt ??
    (auth.jwt.providers.length === 0
      ? undefined
      : new JwtAuthenticator({ config: auth.jwt, ...(clock === undefined ? {} : { now: clock }) }));
  const keys =
    configured?.apiKeys ?? (auth.apiKeys.length === 0 ? undefined : new ApiKeyAuthenticator(auth.apiKeys));
  return { jwt, keys };
}

/** The admin API's credentials: the token authenticators and the registry's API keys. */
function adminAuthenticator(
  config: Config,
  tokens: TokenAuthenticators,
  registry: RegistryAuthenticator,
  listener: ListenerConfig,
): AdminAuthenticator {
  const { jwt, keys } = tokens;
  const apiKeys: Authenticator[] = keys === undefined ? [registry] : [keys, registry];
  return new AdminAuthenticator({
    jwt,
    apiKeys,
    roles: config.admin.roles,
    listener: { name: listener.name, loopback: isLoopbackHost(listener.host) },
  });
}

const TRANSPORT_NAMES: Readonly<Record<ListenerConfig["kind"], string>> = {
  tcp: "TCP",
  ws: "WebSocket",
  tls: "TLS",
  wss: "secure WebSocket",
};

function reloadCertificates(listeners: readonly BoundListener[], logger: Logger): CertificateReload[] {
  const results: CertificateReload[] = [];
  for (const listener of listeners) {
    if (listener.reload === undefined) continue;
    try {
      listener.reload();
      logger.info({ listener: listener.name }, "TLS certificate reloaded");
      results.push({ listener: listener.name, ok: true });
    } catch (error) {
      const failure =
        error instanceof TlsError
          ? error
          : new TlsError(String(error), { listener: listener.name, cause: error });
      logger.error(
        { listener: listener.name, code: failure.code },
        `${failure.message}; keeping the previous certificate`,
      );
      results.push({ listener: listener.name, ok: false, error: failure });
    }
  }
  return results;
}

async function bind(
  broker: Broker,
  listener: ListenerConfig,
  config: Config,
  web: {
    /** The admin API, on its listener. */
    readonly requestHandler: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
    /** The path of PlaceOS's `/api/mqtt`, on the listeners that serve it. */
    readonly placeosApi: string | undefined;
  },
): Promise<BoundListener> {
  const info: ListenerInfo = { name: listener.name, loopback: isLoopbackHost(listener.host) };
  const handler: TransportHandler = (transport) => broker.accept(transport, info);
  const { requestHandler, placeosApi } = web;
  const apiInfo: ListenerInfo = { ...info, endpoint: PLACEOS_API_ENDPOINT };
  const routes: WebSocketRoute[] =
    placeosApi === undefined
      ? []
      : [{ path: placeosApi, handler: (transport) => broker.accept(transport, apiInfo) }];
  const common = { name: listener.name, kind: listener.kind, path: listener.path };
  const handshake = {
    name: listener.name,
    handshakeTimeout: config.mqtt.connectTimeout * 1000,
    onHandshakeError: (error: Error, remote: string) =>
      broker.logger.debug({ listener: listener.name, remote, err: error.message }, "TLS handshake failed"),
  };
  const webOptions = {
    routes,
    host: listener.host,
    port: listener.port,
    path: listener.path,
    maxPayload: config.mqtt.maxPacketSize,
    highWaterMark: config.mqtt.writeHighWaterMark,
    ...(requestHandler === undefined ? {} : { requestHandler }),
  };
  try {
    switch (listener.kind) {
      case "tcp": {
        const bound = await listenTcp({ host: listener.host, port: listener.port }, handler);
        return { ...common, host: bound.host, port: bound.port, close: () => bound.close() };
      }
      case "ws": {
        const bound = await listenWebSocket(webOptions, handler);
        return { ...common, host: bound.host, port: bound.port, close: () => bound.close() };
      }
      case "tls": {
        const tls = { ...handshake, host: listener.host, port: listener.port, tls: listener.tls! };
        const bound = await listenTls(tls, handler);
        return {
          ...common,
          host: bound.host,
          port: bound.port,
          reload: () => bound.reload(),
          close: () => bound.close(),
        };
      }
      case "wss": {
        const bound = await listenSecureWebSocket(
          { ...webOptions, ...handshake, tls: listener.tls! },
          handler,
        );
        return {
          ...common,
          host: bound.host,
          port: bound.port,
          reload: () => bound.reload(),
          close: () => bound.close(),
        };
      }
    }
  } catch (cause) {
    if (cause instanceof SwitchboardError) throw cause;
    throw listenError(listener, cause);
  }
}

/** The tenants' privacy settings, their `$SYS` topics and their counters (with the bridges'). */
interface TenantPrivacyRuntime {
  readonly tenants: TenantPrivacies;
  readonly sys: PrivacySysTopics;
  readonly counters: PrivacyCountersSource;
  bridges: OutboundBrokers | undefined;
  stop(): void;
}

/** Starts following the tenants' privacy settings: before any client connects or any session is restored. */
function startTenantPrivacy(broker: Broker, registry: Registry, logger: Logger): TenantPrivacyRuntime {
  const tenants = new TenantPrivacies({ broker, registry, logger });
  tenants.start();
  const bridgeCounters = () => runtime.bridges?.privacyCounters() ?? [];
  const runtime: TenantPrivacyRuntime = {
    tenants,
    bridges: undefined,
    counters: {
      tenantCounters: (tenant) => tenants.counters(tenant),
      allTenantCounters: () => tenants.allCounters(),
      bridgeCounters,
    },
    sys: new PrivacySysTopics({
      broker,
      interval: broker.config.sys.interval,
      counters: () => [
        ...tenants
          .allCounters()
          .map((e) => ({ scope: "tenants" as const, id: e.tenant, counters: e.counters })),
        ...bridgeCounters().map((e) => ({ scope: "bridges" as const, id: e.bridge, counters: e.counters })),
      ],
    }),
    stop: () => {
      runtime.sys.stop();
      tenants.stop();
    },
  };
  return runtime;
}
