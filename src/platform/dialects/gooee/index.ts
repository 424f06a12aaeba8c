/**
 * The Gooee dialect (seed 002): topic table, ingest, rendering, and the `authorization` login.
 * @module
 */

export { createGooeeDialect, GOOEE_REFUSALS, type GooeeDialect } from "./gooee-dialect.js";
export { GOOEE_LOGIN, GooeeAuthenticator, type TokenVerifier, tokenVerifier } from "./gooee-authenticator.js";
export { GOOEE, HEAD_COUNT_NAMES, type HeadCountName } from "./gooee-ingest.js";
export { NAME_SCHEMA, type GooeeError } from "./gooee-errors.js";
export { deviceBuildings } from "./gooee-render.js";
export { SchemaCache } from "./schema-cache.js";
