/**
 * Logging (and later metrics) surfaces.
 * @module
 */

export type { LogFn, Logger } from "./logger.js";
