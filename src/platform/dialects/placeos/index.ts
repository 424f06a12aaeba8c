/**
 * The PlaceOS dialect (seeds 000 and 001): module state and metadata topics, their escaping, the
 * driver ingest topic, and the module state input shared with Redis and the REST API.
 * @module
 */

export {
  createPlaceosDialect,
  DEFAULT_PLACEOS_SETTINGS,
  PLACEOS_REFUSALS,
  type PlaceosDialect,
  type PlaceosSettings,
} from "./placeos-dialect.js";
export { escapeLevel, unescapeLevel } from "./level-escape.js";
export {
  DEFAULT_API_WRITERS,
  isApiPrincipal,
  PLACEOS_API_ENDPOINT,
  type PlaceosApiWriters,
  resolveApiOrg,
} from "./placeos-api.js";
export {
  PlaceosApiAuthenticator,
  placeosApiAuthenticator,
  type PlaceosApiAuthenticatorOptions,
} from "./placeos-api-authenticator.js";
export { FIXED_LEVELS, hierarchyProblem, PlaceosHierarchy } from "./placeos-hierarchy.js";
export {
  MAX_STATE_KEY_LENGTH,
  moduleStateEvent,
  type ModuleStateProblem,
  type ModuleStateRequest,
  type ModuleStateResult,
  setModuleState,
  stateKeyError,
} from "./module-state.js";
export {
  ingestTopic,
  metadataTopic,
  MISSING_LEVEL,
  PLACEOS,
  statePattern,
  statePayload,
  type ValueEncoding,
} from "./placeos-topics.js";
export { PlaceosProjection } from "./placeos-projection.js";
export { PublishedTopics } from "./published-topics.js";
