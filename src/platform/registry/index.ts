/**
 * The platform registry: the model, the view dialects read through, and the registry itself.
 * @module
 */

export type {
  ApiKey,
  Application,
  Device,
  DeviceCredential,
  Driver,
  Entity,
  EntityKind,
  EntityOf,
  EntityRef,
  Module,
  OutboundBroker,
  PayloadSchema,
  StateValue,
  System,
  Tenant,
  User,
  Zone,
  ZoneType,
} from "./model.js";
export { entityKinds, zoneTypes } from "./model.js";
export type { RegistryView, StateWrite } from "./registry-view.js";
export { stateValueJson } from "./state-value-json.js";
export { entityFields, shapeEntity, tenantOf } from "./entity-shape.js";
export {
  API_KEY_ID_PATTERN,
  apiKeyIdError,
  DIALECT_PATTERN,
  ID_PATTERN,
  idError,
  MAX_NAME_LENGTH,
  nameError,
  patternError,
  ROLE_PATTERN,
  SCOPE_PATTERN,
  TENANT_ID_PATTERN,
  tenantIdError,
} from "./validate-name.js";
export { checkEntity, type LoginOwner, loginError, type RuleContext, zoneParents } from "./entity-rules.js";
export {
  createDefaults,
  type EntityInput,
  type EntityInputOf,
  type EntityPatchOf,
  mutableFields,
} from "./registry-input.js";
export {
  kindNames,
  type RegistryProblem,
  type RegistryProblemCode,
  type RegistryResult,
} from "./registry-problem.js";
export {
  type ListPage,
  type ListQuery,
  Registry,
  type RegistryChange,
  type RegistryOptions,
} from "./registry.js";
export { RegistryAuthenticator, type RegistryAuthenticatorOptions } from "./registry-authenticator.js";
export { MAX_SCHEMA_BYTES, MAX_SCHEMA_DEPTH, MAX_SCHEMA_MEMBERS, schemaSizeProblem } from "./schema-size.js";
