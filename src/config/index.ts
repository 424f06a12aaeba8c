/**
 * The configuration: its types, its schema and its loader.
 * @module
 */

export * from "./config.js";
export { configSchema, type JsonSchema } from "./config-schema.js";
export { configKeys, envVarName, ENV_PREFIX, type ConfigKey } from "./config-keys.js";
export { describeSchemaError } from "./describe-schema-error.js";
export { isLoopbackHost, loadConfig, type LoadConfigOptions } from "./load-config.js";
export { adminListener } from "./sections/admin.js";
export { placeosApiListeners } from "./sections/dialects.js";
export type { ConfigOverrides } from "./overrides.js";
