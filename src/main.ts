/**
 * The composition root: the only place that chooses implementations (store, cluster bus, hooks) and
 * binds listeners. The CLI and the tests start brokers through `startSwitchboard`.
 * @module
 */

import { resolve } from "node:path";
import { Broker, type BrokerOptions, type ListenerInfo } from "./broker/index.js";
import { type Config, type ListenerConfig, isLoopbackHost } from "./config/index.js";
import { listenError } from "./errors.js";
import type { Store } from "./hooks/index.js";
import type { Logger } from "./observability/index.js";
import { MemoryStore, SqliteStore } from "./storage/index.js";
import { listenTcp, listenWebSocket } from "./transport/index.js";

export interface BoundListener {
  readonly name: string;
  readonly kind: ListenerConfig["kind"];
  readonly host: string;
  /** The port actually bound (differs from the configured one when that was 0). */
  readonly port: number;
  readonly path: string;
  close(): Promise<void>;
}

export interface Switchboard {
  readonly broker: Broker;
  readonly listeners: readonly BoundListener[];
  /** Stops accepting connections, disconnects clients (v5: 0x8B), flushes and closes the store. */
  stop(): Promise<void>;
}

/** The broker's options; `store`, when given, overrides the one `config.storage` chooses. */
export type StartOptions = BrokerOptions;

/** The database file of the SQLite store, inside the configured data directory. */
export const SQLITE_FILE_NAME = "switchboard.db";

function createStore(config: Config, logger: Logger, clock: (() => number) | undefined): Store {
  const storage = config.storage;
  switch (storage.kind) {
    case "memory":
      return new MemoryStore();
    case "sqlite": {
      const file = resolve(storage.path, SQLITE_FILE_NAME);
      const store = new SqliteStore({
        file,
        durability: storage.durability,
        commitInterval: storage.commitInterval,
        housekeepingInterval: storage.housekeepingInterval * 1000,
        compactThreshold: storage.compactThreshold,
        ...(clock === undefined ? {} : { clock }),
        onError: (error) => logger.error({ err: error, code: error.code }, error.message),
        onHousekeeping: (result) => {
          if (result.purged > 0 || result.freedPages > 0) logger.info(result, "Store housekeeping");
        },
      });
      logger.info({ file, durability: storage.durability, ...store.stats() }, "Opened the SQLite store");
      return store;
    }
  }
}

export async function startSwitchboard(options: StartOptions): Promise<Switchboard> {
  const { config, logger } = options;
  const broker = new Broker({
    ...options,
    store: options.store ?? createStore(config, logger, options.clock),
  });
  try {
    await broker.start();
  } catch (error) {
    await broker.close().catch(() => undefined);
    throw error;
  }

  const listeners: BoundListener[] = [];
  try {
    for (const listener of config.listeners) listeners.push(await bind(broker, listener, config));
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    await broker.close();
    throw error;
  }
  for (const l of listeners) {
    logger.info(
      { listener: l.name, host: l.host, port: l.port, ...(l.kind === "ws" ? { path: l.path } : {}) },
      `Listening for MQTT over ${l.kind === "ws" ? "WebSocket" : "TCP"}`,
    );
  }

  let stopping: Promise<void> | undefined;
  return {
    broker,
    listeners,
    stop: () =>
      (stopping ??= (async () => {
        // Stop accepting first; the listeners finish closing once the broker has closed every connection.
        const listenersClosed = Promise.all(listeners.map((l) => l.close()));
        await broker.close();
        await listenersClosed;
      })()),
  };
}

async function bind(broker: Broker, listener: ListenerConfig, config: Config): Promise<BoundListener> {
  const info: ListenerInfo = { name: listener.name, loopback: isLoopbackHost(listener.host) };
  const handler = (transport: Parameters<Broker["accept"]>[0]): void => broker.accept(transport, info);
  try {
    if (listener.kind === "tcp") {
      const bound = await listenTcp({ host: listener.host, port: listener.port }, handler);
      return {
        name: listener.name,
        kind: "tcp",
        host: bound.host,
        port: bound.port,
        path: listener.path,
        close: () => bound.close(),
      };
    }
    const bound = await listenWebSocket(
      {
        host: listener.host,
        port: listener.port,
        path: listener.path,
        maxPayload: config.mqtt.maxPacketSize,
        highWaterMark: config.mqtt.writeHighWaterMark,
      },
      handler,
    );
    return {
      name: listener.name,
      kind: "ws",
      host: bound.host,
      port: bound.port,
      path: listener.path,
      close: () => bound.close(),
    };
  } catch (cause) {
    throw listenError(listener, cause);
  }
}
