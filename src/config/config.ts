/**
 * The typed, validated, frozen broker configuration. `load-config.ts` builds it from defaults, a YAML
 * file, `SWITCHBOARD_*` environment variables and command-line flags (in that order of precedence,
 * lowest first); `config-schema.ts` is the JSON Schema it is validated against.
 * @module
 */

import type { AdminConfig } from "./sections/admin.js";
import type { AuthConfig } from "./sections/auth.js";
import type { AuthorizationConfig } from "./sections/authorization.js";
import type { DialectsConfig } from "./sections/dialects.js";
import type { ListenerConfig } from "./sections/listeners.js";
import type { LogConfig } from "./sections/log.js";
import type { MqttConfig } from "./sections/mqtt.js";
import type { QueueConfig } from "./sections/queue.js";
import type { StorageConfig } from "./sections/storage.js";
import type { SysConfig } from "./sections/sys.js";
import type { LimitsConfig } from "./sections/limits.js";
import type { TenantsConfig } from "./sections/tenants.js";

export type { AdminConfig } from "./sections/admin.js";
export type { AnonymousConfig, AuthConfig, AuthenticatorKind } from "./sections/auth.js";
export type { BackoffConfig } from "./sections/auth-backoff.js";
export type { PasswordChecksConfig } from "./sections/auth-password-checks.js";
export type {
  CertificateAuthConfig,
  CertificateIdentity,
  CertificateMapping,
} from "./sections/auth-certificates.js";
export type { JwtAlgorithm, JwtClaimsConfig, JwtConfig, JwtProviderConfig } from "./sections/auth-jwt.js";
export type { ApiKeyConfig, UserConfig } from "./sections/auth-users.js";
export type { ListenerTlsConfig, TlsVersion } from "./sections/listener-tls.js";
export type { ListenerConfig, ListenerKind } from "./sections/listeners.js";
export type { LogConfig, LogLevel } from "./sections/log.js";
export type { MqttConfig } from "./sections/mqtt.js";
export type { QueueConfig, QueueOverflowPolicy } from "./sections/queue.js";
export type { StorageConfig, StorageDurability, StorageKind } from "./sections/storage.js";
export type { SysConfig } from "./sections/sys.js";
export type {
  AuthorizationConfig,
  AuthorizationRule,
  DeniedPublishPolicy,
  NoMatchPolicy,
  RuleAction,
  RuleEffect,
} from "./sections/authorization.js";
export type {
  DialectsConfig,
  DialectTenantsConfig,
  PlaceosApiConfig,
  PlaceosDialectConfig,
  PlaceosRedisConfig,
  PlaceosValueEncoding,
} from "./sections/dialects.js";
export type { LimitsConfig } from "./sections/limits.js";
export type { TenantsConfig } from "./sections/tenants.js";

export interface Config {
  readonly listeners: readonly ListenerConfig[];
  readonly mqtt: MqttConfig;
  readonly queue: QueueConfig;
  readonly auth: AuthConfig;
  readonly tenants: TenantsConfig;
  readonly authorization: AuthorizationConfig;
  readonly limits: LimitsConfig;
  readonly sys: SysConfig;
  readonly storage: StorageConfig;
  readonly dialects: DialectsConfig;
  readonly admin: AdminConfig;
  readonly log: LogConfig;
}

/** Session Expiry Interval meaning "never expires" [MQTT-3.1.2-23 context]. */
export const SESSION_NEVER_EXPIRES = 0xffffffff;
