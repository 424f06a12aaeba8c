/**
 * Starts a real broker on ephemeral ports (TCP and WebSocket) for a test.
 * @module
 */

import { pino } from "pino";
import type { PasswordVerifier } from "../../src/auth/password-verifier.js";
import type { Logger } from "../../src/observability/index.js";
import { loadConfig } from "../../src/config/load-config.js";
import type { Authenticator } from "../../src/hooks/authenticator.js";
import type { Authorizer } from "../../src/hooks/authorizer.js";
import type { ClusterBus } from "../../src/hooks/cluster-bus.js";
import type { MessageStage } from "../../src/hooks/message-stage.js";
import type { OutboxStore } from "../../src/hooks/outbox-store.js";
import type { Store } from "../../src/hooks/store.js";
import { startSwitchboard, type Switchboard } from "../../src/main.js";
import type { Broker } from "../../src/broker/broker.js";

export interface TestBrokerOptions {
  /**
   * Configuration values (as in the YAML file) merged over the test defaults, section by section. The
   * defaults use the memory store; pass `storage: { kind: "sqlite", path }` with a temporary directory
   * for the SQLite one.
   */
  readonly config?: Readonly<Record<string, Readonly<Record<string, unknown>> | readonly unknown[]>>;
  readonly store?: Store;
  /** The outbound bridges' outbox store (default: the one the store implies). */
  readonly outboxStore?: OutboxStore;
  readonly authenticators?: readonly Authenticator[];
  readonly authorizers?: readonly Authorizer[];
  readonly stages?: readonly MessageStage[];
  readonly clock?: () => number;
  /** The cluster bus (default: a single node). */
  readonly cluster?: ClusterBus;
  /** Checks passwords (default scrypt); a test counts the checks with its own. */
  readonly passwordVerifier?: PasswordVerifier;
  /** Default: silent (or the level of TEST_LOG). */
  readonly logger?: Logger;
}

export interface TestBroker {
  readonly switchboard: Switchboard;
  readonly broker: Broker;
  /** TCP port. */
  readonly port: number;
  readonly wsPort: number;
  /** mqtt://127.0.0.1:<port> */
  readonly url: string;
  /** ws://127.0.0.1:<wsPort>/mqtt */
  readonly wsUrl: string;
  stop(): Promise<void>;
}

export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const values: Record<string, unknown> = {
    listeners: [
      { name: "tcp", kind: "tcp", host: "127.0.0.1", port: 0 },
      { name: "ws", kind: "ws", host: "127.0.0.1", port: 0, path: "/mqtt" },
    ],
    sys: { interval: 0 },
    log: { level: "silent" },
    // Tests keep state in memory unless they ask for `storage: { kind: "sqlite", path: <temp dir> }`.
    storage: { kind: "memory" },
    // Refusals are answered at once unless a test turns the failure backoff on (auth.backoff).
    auth: { backoff: { initialDelay: 0 } },
  };
  for (const [section, value] of Object.entries(options.config ?? {})) {
    const base = values[section];
    values[section] = isRecord(value) && isRecord(base) ? { ...base, ...value } : value;
  }
  const config = loadConfig({ values });
  const logger = options.logger ?? pino({ level: process.env["TEST_LOG"] ?? "silent" });
  const switchboard = await startSwitchboard({
    config,
    logger,
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.outboxStore === undefined ? {} : { outboxStore: options.outboxStore }),
    ...(options.authenticators === undefined ? {} : { authenticators: options.authenticators }),
    ...(options.authorizers === undefined ? {} : { authorizers: options.authorizers }),
    ...(options.stages === undefined ? {} : { stages: options.stages }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    ...(options.passwordVerifier === undefined ? {} : { passwordVerifier: options.passwordVerifier }),
  });
  const tcp = switchboard.listeners.find((l) => l.kind === "tcp");
  const ws = switchboard.listeners.find((l) => l.kind === "ws");
  const port = tcp?.port ?? 0;
  const wsPort = ws?.port ?? 0;
  return {
    switchboard,
    broker: switchboard.broker,
    port,
    wsPort,
    url: `mqtt://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${wsPort}/mqtt`,
    stop: () => switchboard.stop(),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
