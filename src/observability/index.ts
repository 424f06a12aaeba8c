/**
 * Logging (and later metrics) surfaces.
 * @module
 */

export { FAILURE_LOG_INTERVAL, FailureLog, type FailureLogOptions } from "./failure-log.js";
export type { LogFn, Logger } from "./logger.js";
