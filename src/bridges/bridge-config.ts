/**
 * The configuration of one outbound bridge: which broker to publish to and how (address, TLS,
 * credentials, MQTT version, QoS, RETAIN), which of the broker's messages to forward (tenants and
 * topic filters), under which remote topics (a template), and the bounds of its durable outbox.
 *
 * {@link BridgeConfigInput} is what a user writes (JSON, later the registry's `brokers` entity); it is
 * validated against `bridgeConfigSchema` and completed with defaults into a {@link BridgeConfig}
 * (`validate-bridge-config.ts`). Secrets (password, private key) are kept as given; use
 * `redactBridgeConfig` before showing a configuration.
 * @module
 */

/** How the bridge authenticates to the remote broker. */
export type BridgeAuth =
  | { readonly kind: "none" }
  | { readonly kind: "user_password"; readonly username: string; readonly password: string }
  | {
      /** A TLS client certificate (mutual TLS); `tls` must be on. */
      readonly kind: "certificate";
      /** PEM: the client certificate, optionally followed by its intermediate CA certificates. */
      readonly certificate: string;
      /** PEM: the certificate's private key. */
      readonly privateKey: string;
      /** Decrypts an encrypted `privateKey`. */
      readonly passphrase?: string;
      /** Sent in CONNECT too, for brokers that want one next to the certificate. */
      readonly username?: string;
    };

/** What the RETAIN flag of a forwarded message is. */
export type RetainPolicy = "as-published" | "always" | "never";

export interface OutboxLimitsConfig {
  /** Messages waiting (in flight included) above which the outbox is coalesced. */
  readonly maxMessages: number;
  /** Bytes (topic + payload) waiting above which the outbox is coalesced. */
  readonly maxBytes: number;
  /** Seconds after which a waiting message is coalesced when a newer one of its topic waits. */
  readonly maxAge: number;
}

export interface ReconnectConfig {
  /** Milliseconds before the first reconnection attempt (doubled after each failure, jittered). */
  readonly initialDelay: number;
  /** Milliseconds the delay never exceeds. */
  readonly maxDelay: number;
}

/** A validated bridge configuration, every default applied. */
export interface BridgeConfig {
  /** Unique among bridges; names the outbox in the store. */
  readonly id: string;
  readonly name: string | undefined;
  /** Tenants whose messages are forwarded (`default` is the default tenant). */
  readonly tenants: readonly string[];
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** PEM CA certificates the server certificate must chain to; Node's trusted roots when undefined. */
  readonly ca: string | undefined;
  /** The name sent as SNI and checked against the server certificate; `host` when undefined. */
  readonly servername: string | undefined;
  /** Accept any server certificate. Off unless set explicitly; logged as a warning. */
  readonly insecureSkipVerify: boolean;
  readonly auth: BridgeAuth;
  /** MQTT topic filters over each tenant's own topics, selecting what is forwarded. */
  readonly filters: readonly string[];
  /** The remote topic: `{topic}` is the tenant's topic, `{tenant}` the tenant id. */
  readonly topicTemplate: string;
  readonly qos: 0 | 1 | 2;
  readonly retain: RetainPolicy;
  readonly protocolVersion: 4 | 5;
  readonly clientId: string;
  /** Seconds; 0 turns keep-alive off. */
  readonly keepAlive: number;
  /** Seconds to wait for the CONNACK. */
  readonly connectTimeout: number;
  /**
   * Messages sent and not yet acknowledged at most; at QoS 1 and 2 also at most the remote broker's
   * Receive Maximum (its CONNACK's) [MQTT-3.3.4-7].
   */
  readonly maxInflight: number;
  /**
   * Bridges a forwarded message may have crossed, this one included: a message that crossed `maxHops`
   * bridges already (its `sb-bridge-hops` user property) is not taken. Loop protection.
   */
  readonly maxHops: number;
  readonly outbox: OutboxLimitsConfig;
  readonly reconnect: ReconnectConfig;
}

type Optional<T, K extends keyof T> = Omit<T, K> & { readonly [P in K]?: T[P] };

/** A bridge configuration as a user writes it: everything but `id`, `tenants` and `host` has a default. */
export type BridgeConfigInput = Optional<
  Omit<BridgeConfig, "outbox" | "reconnect" | "name" | "ca" | "servername">,
  | "port"
  | "tls"
  | "insecureSkipVerify"
  | "auth"
  | "filters"
  | "topicTemplate"
  | "qos"
  | "retain"
  | "protocolVersion"
  | "clientId"
  | "keepAlive"
  | "connectTimeout"
  | "maxInflight"
  | "maxHops"
> & {
  readonly name?: string;
  readonly ca?: string;
  readonly servername?: string;
  readonly outbox?: Partial<OutboxLimitsConfig>;
  readonly reconnect?: Partial<ReconnectConfig>;
};

/** The configuration without its secrets (password, private key, passphrase), for display. */
export function redactBridgeConfig(config: BridgeConfig): BridgeConfig {
  const auth = config.auth;
  switch (auth.kind) {
    case "none":
      return config;
    case "user_password":
      return { ...config, auth: { ...auth, password: "***" } };
    case "certificate": {
      const { passphrase, ...rest } = auth;
      return {
        ...config,
        auth: { ...rest, privateKey: "***", ...(passphrase === undefined ? {} : { passphrase: "***" }) },
      };
    }
  }
}
